"""Frozen response models: every field the API documents; only ids and tokens are required."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final, NoReturn, TypeVar

import attrs

__all__ = [
    "ActionResult",
    "ClientToken",
    "FrozenDict",
    "PageMeta",
    "RefreshedClientToken",
    "Room",
    "RoomComposition",
    "RoomParticipant",
    "RoomRecording",
    "RoomRecordingsDeleted",
    "RoomSession",
    "TooDeep",
    "VideoRegion",
]


K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(dict[K, V]):
    """A dict that refuses every change, so frozen results stay immutable; it pickles."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this mapping is part of a frozen result and cannot be changed")

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self) -> tuple[type[FrozenDict[K, V]], tuple[dict[K, V]]]:
        # dict's own pickling refills the object item by item, which this class refuses.
        return (type(self), (dict(self),))


#: Free-form JSON deeper than this is not kept (its repr, pickling and equality would recurse).
MAX_JSON_DEPTH: Final = 64


class TooDeep(ValueError):
    """Free-form JSON nested deeper than ``MAX_JSON_DEPTH``."""


def freeze_json(value: Any, text: Callable[[str], str] | None = None) -> Any:
    """Decoded JSON made read-only all the way down: objects to FrozenDict, arrays to tuples.

    ``text``, when given, is applied to every string, keys included (the client passes its
    scrubber). Works without recursion; raises ``TooDeep`` past ``MAX_JSON_DEPTH`` levels.
    """
    if not isinstance(value, dict | list):
        return text(value) if text is not None and isinstance(value, str) else value
    # Containers are frozen children first: a stack of (container, depth, done?) entries.
    frozen: dict[int, Any] = {}
    stack: list[tuple[Any, int, bool]] = [(value, 1, False)]
    while stack:
        node, depth, ready = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise TooDeep(f"free-form JSON is nested more than {MAX_JSON_DEPTH} levels deep")
        children = node.values() if isinstance(node, dict) else node
        if not ready:
            stack.append((node, depth, True))
            stack.extend((c, depth + 1, False) for c in children if isinstance(c, dict | list))
            continue

        def leaf(item: Any) -> Any:
            if isinstance(item, dict | list):
                return frozen[id(item)]
            return text(item) if text is not None and isinstance(item, str) else item

        if isinstance(node, dict):
            keys = node if text is None else [text(k) if isinstance(k, str) else k for k in node]
            frozen[id(node)] = FrozenDict(zip(keys, map(leaf, node.values()), strict=True))
        else:
            frozen[id(node)] = tuple(map(leaf, node))
    return frozen[id(value)]


@attrs.frozen(kw_only=True, slots=False)
class RoomParticipant:
    """A participant of a room session.

    Attributes:
        id (str): Identifies the participant.
        session_id (str | None): Identifies the room session the participant joined.
        context (str | None): Context provided to the participant when it joined (e.g. a user id).
        joined_at (datetime | None): When the participant joined the session.
        left_at (datetime | None): When the participant left the session; None while it is still in
            it.
        updated_at (datetime | None): When the participant was last updated.
        record_type (str | None): Always ``"room_participant"``.
    """

    id: str
    session_id: str | None = None
    context: str | None = None
    joined_at: datetime | None = None
    left_at: datetime | None = None
    updated_at: datetime | None = None
    record_type: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class RoomSession:
    """One session of a room: the time between the first join and the end.

    Attributes:
        id (str): Identifies the room session.
        room_id (str | None): Identifies the room the session belongs to.
        active (bool | None): Whether the session is ongoing.
        created_at (datetime | None): When the session was created.
        updated_at (datetime | None): When the session was last updated.
        ended_at (datetime | None): When the session ended; None while it is active.
        participants (tuple[RoomParticipant, ...]): The session's participants, when asked for with
            ``include_participants``.
        record_type (str | None): Always ``"room_session"``.
    """

    id: str
    room_id: str | None = None
    active: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    ended_at: datetime | None = None
    participants: tuple[RoomParticipant, ...] = ()
    record_type: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class Room:
    """A video room.

    Attributes:
        id (str): Identifies the room.
        unique_name (str | None): The unique (within the Telnyx account scope) name of the room.
        max_participants (int | None): Participants allowed in the room at once.
        enable_recording (bool | None): Whether the room's sessions are recorded.
        active_session_id (str | None): Identifies the room's active session, if any.
        created_at (datetime | None): When the room was created.
        updated_at (datetime | None): When the room was last updated.
        webhook_event_url (str | None): Where webhooks about this room are sent.
        webhook_event_failover_url (str | None): Where webhooks are sent when the primary URL fails.
        webhook_timeout_secs (int | None): Seconds to wait before a webhook delivery times out.
        sessions (tuple[RoomSession, ...]): The room's sessions, when asked for with
            ``include_sessions``.
        record_type (str | None): Always ``"room"``.
    """

    id: str
    unique_name: str | None = None
    max_participants: int | None = None
    enable_recording: bool | None = None
    active_session_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    webhook_event_url: str | None = None
    webhook_event_failover_url: str | None = None
    webhook_timeout_secs: int | None = None
    sessions: tuple[RoomSession, ...] = ()
    record_type: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class VideoRegion:
    """One region of a composition's video layout.

    Attributes:
        x_pos (int | None): X position of the region's top-left corner, in pixels.
        y_pos (int | None): Y position of the region's top-left corner, in pixels.
        z_pos (int | None): Stacking order of the region, from -99 to 99.
        width (int | None): Width of the region in pixels (at least 16).
        height (int | None): Height of the region in pixels (at least 16).
        max_columns (int | None): Most columns of video sources the region's grid may have.
        max_rows (int | None): Most rows of video sources the region's grid may have.
        video_sources (tuple[str, ...]): Ids of the video recordings shown in the region (``"*"``
            for all of the session's).
    """

    x_pos: int | None = None
    y_pos: int | None = None
    z_pos: int | None = None
    width: int | None = None
    height: int | None = None
    max_columns: int | None = None
    max_rows: int | None = None
    video_sources: tuple[str, ...] = ()


@attrs.frozen(kw_only=True, slots=False)
class RoomComposition:
    """A composition: a room session's recordings mixed into one video.

    Attributes:
        id (str): Identifies the composition.
        room_id (str | None): Identifies the room the composition belongs to.
        session_id (str | None): Identifies the room session the composition was made from.
        user_id (str | None): Identifies the user the composition belongs to.
        status (str | None): ``"completed"``, ``"enqueued"`` or ``"processing"`` (other values may
            appear).
        format (str | None): The container format, ``"mp4"``.
        resolution (str | None): The video resolution, ``"WIDTHxHEIGHT"``.
        size_mb (float | None): Size of the file in megabytes.
        duration_secs (int | None): Length of the composition in seconds.
        download_url (str | None): Where the file can be downloaded while the link is valid.
        video_layout (Mapping[str, VideoRegion]): The layout: a region per name.
        started_at (datetime | None): When the composed media starts.
        ended_at (datetime | None): When the composed media ends.
        completed_at (datetime | None): When the composition finished processing.
        created_at (datetime | None): When the composition was created.
        updated_at (datetime | None): When the composition was last updated.
        webhook_event_url (str | None): Where webhooks about this composition are sent.
        webhook_event_failover_url (str | None): Where webhooks are sent when the primary URL fails.
        webhook_timeout_secs (int | None): Seconds to wait before a webhook delivery times out.
        record_type (str | None): Always ``"composition"``.
    """

    id: str
    room_id: str | None = None
    session_id: str | None = None
    user_id: str | None = None
    status: str | None = None
    format: str | None = None
    resolution: str | None = None
    size_mb: float | None = None
    duration_secs: int | None = None
    download_url: str | None = None
    video_layout: Mapping[str, VideoRegion] = attrs.field(factory=FrozenDict, hash=False)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    completed_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    webhook_event_url: str | None = None
    webhook_event_failover_url: str | None = None
    webhook_timeout_secs: int | None = None
    record_type: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class RoomRecording:
    """A recording of one participant's audio or video in a room session.

    Attributes:
        id (str): Identifies the recording.
        room_id (str | None): Identifies the room.
        session_id (str | None): Identifies the room session.
        participant_id (str | None): Identifies the recorded participant.
        type (str | None): ``"audio"`` or ``"video"`` (other values may appear).
        status (str | None): ``"completed"`` or ``"processing"`` (other values may appear).
        codec (str | None): The codec of the recording.
        size_mb (float | None): Size of the file in megabytes.
        duration_secs (int | None): Length of the recording in seconds.
        download_url (str | None): Where the file can be downloaded while the link is valid.
        started_at (datetime | None): When the recording started.
        ended_at (datetime | None): When the recording ended.
        completed_at (datetime | None): When the recording finished processing.
        created_at (datetime | None): When the recording was created.
        updated_at (datetime | None): When the recording was last updated.
        record_type (str | None): Always ``"room_recording"``.
    """

    id: str
    room_id: str | None = None
    session_id: str | None = None
    participant_id: str | None = None
    type: str | None = None
    status: str | None = None
    codec: str | None = None
    size_mb: float | None = None
    duration_secs: int | None = None
    download_url: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    completed_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    record_type: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class ClientToken:
    """A join token for a room, with the refresh token that renews it.

    Attributes:
        token (str): The client token: hand it to the participant's SDK.
        token_expires_at (datetime | None): When the client token expires.
        refresh_token (str | None): The refresh token: exchange it for a new client token.
        refresh_token_expires_at (datetime | None): When the refresh token expires.
    """

    token: str = attrs.field(repr=False)
    token_expires_at: datetime | None = None
    refresh_token: str | None = attrs.field(default=None, repr=False)
    refresh_token_expires_at: datetime | None = None


@attrs.frozen(kw_only=True, slots=False)
class RefreshedClientToken:
    """A renewed join token.

    Attributes:
        token (str): The new client token.
        token_expires_at (datetime | None): When the new client token expires.
    """

    token: str = attrs.field(repr=False)
    token_expires_at: datetime | None = None


@attrs.frozen(kw_only=True, slots=False)
class ActionResult:
    """The reply of a session action (end, kick, mute, unmute).

    Attributes:
        result (str | None): The API's verdict, ``"ok"`` on success.
    """

    result: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class RoomRecordingsDeleted:
    """The reply of a bulk recording delete.

    Attributes:
        room_recordings (int): How many recordings were deleted.
    """

    room_recordings: int


@attrs.frozen(kw_only=True, slots=False)
class PageMeta:
    """Where a page sits in a list.

    Attributes:
        page_number (int | None): This page's number, from 1.
        page_size (int | None): Items per page.
        total_pages (int | None): How many pages the list has.
        total_results (int | None): How many items the list has in all.
    """

    page_number: int | None = None
    page_size: int | None = None
    total_pages: int | None = None
    total_results: int | None = None
