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


@attrs.frozen(kw_only=True)
class RoomParticipant:
    """A participant of a room session."""

    id: str
    """Identifies the participant."""
    session_id: str | None = None
    """Identifies the room session the participant joined."""
    context: str | None = None
    """Context provided to the participant when it joined (e.g. a user id)."""
    joined_at: datetime | None = None
    """When the participant joined the session."""
    left_at: datetime | None = None
    """When the participant left the session; None while it is still in it."""
    updated_at: datetime | None = None
    """When the participant was last updated."""
    record_type: str | None = None
    """Always ``"room_participant"``."""


@attrs.frozen(kw_only=True)
class RoomSession:
    """One session of a room: the time between the first join and the end."""

    id: str
    """Identifies the room session."""
    room_id: str | None = None
    """Identifies the room the session belongs to."""
    active: bool | None = None
    """Whether the session is ongoing."""
    created_at: datetime | None = None
    """When the session was created."""
    updated_at: datetime | None = None
    """When the session was last updated."""
    ended_at: datetime | None = None
    """When the session ended; None while it is active."""
    participants: tuple[RoomParticipant, ...] = ()
    """The session's participants, when asked for with ``include_participants``."""
    record_type: str | None = None
    """Always ``"room_session"``."""


@attrs.frozen(kw_only=True)
class Room:
    """A video room."""

    id: str
    """Identifies the room."""
    unique_name: str | None = None
    """The unique (within the Telnyx account scope) name of the room."""
    max_participants: int | None = None
    """Participants allowed in the room at once."""
    enable_recording: bool | None = None
    """Whether the room's sessions are recorded."""
    active_session_id: str | None = None
    """Identifies the room's active session, if any."""
    created_at: datetime | None = None
    """When the room was created."""
    updated_at: datetime | None = None
    """When the room was last updated."""
    webhook_event_url: str | None = None
    """Where webhooks about this room are sent."""
    webhook_event_failover_url: str | None = None
    """Where webhooks are sent when the primary URL fails."""
    webhook_timeout_secs: int | None = None
    """Seconds to wait before a webhook delivery times out."""
    sessions: tuple[RoomSession, ...] = ()
    """The room's sessions, when asked for with ``include_sessions``."""
    record_type: str | None = None
    """Always ``"room"``."""


@attrs.frozen(kw_only=True)
class VideoRegion:
    """One region of a composition's video layout."""

    x_pos: int | None = None
    """X position of the region's top-left corner, in pixels."""
    y_pos: int | None = None
    """Y position of the region's top-left corner, in pixels."""
    z_pos: int | None = None
    """Stacking order of the region, from -99 to 99."""
    width: int | None = None
    """Width of the region in pixels (at least 16)."""
    height: int | None = None
    """Height of the region in pixels (at least 16)."""
    max_columns: int | None = None
    """Most columns of video sources the region's grid may have."""
    max_rows: int | None = None
    """Most rows of video sources the region's grid may have."""
    video_sources: tuple[str, ...] = ()
    """Ids of the video recordings shown in the region (``"*"`` for all of the session's)."""


@attrs.frozen(kw_only=True)
class RoomComposition:
    """A composition: a room session's recordings mixed into one video."""

    id: str
    """Identifies the composition."""
    room_id: str | None = None
    """Identifies the room the composition belongs to."""
    session_id: str | None = None
    """Identifies the room session the composition was made from."""
    user_id: str | None = None
    """Identifies the user the composition belongs to."""
    status: str | None = None
    """``"completed"``, ``"enqueued"`` or ``"processing"`` (other values may appear)."""
    format: str | None = None
    """The container format, ``"mp4"``."""
    resolution: str | None = None
    """The video resolution, ``"WIDTHxHEIGHT"``."""
    size_mb: float | None = None
    """Size of the file in megabytes."""
    duration_secs: int | None = None
    """Length of the composition in seconds."""
    download_url: str | None = None
    """Where the file can be downloaded while the link is valid."""
    video_layout: Mapping[str, VideoRegion] = attrs.field(factory=FrozenDict, hash=False)
    """The layout: a region per name."""
    started_at: datetime | None = None
    """When the composed media starts."""
    ended_at: datetime | None = None
    """When the composed media ends."""
    completed_at: datetime | None = None
    """When the composition finished processing."""
    created_at: datetime | None = None
    """When the composition was created."""
    updated_at: datetime | None = None
    """When the composition was last updated."""
    webhook_event_url: str | None = None
    """Where webhooks about this composition are sent."""
    webhook_event_failover_url: str | None = None
    """Where webhooks are sent when the primary URL fails."""
    webhook_timeout_secs: int | None = None
    """Seconds to wait before a webhook delivery times out."""
    record_type: str | None = None
    """Always ``"composition"``."""


@attrs.frozen(kw_only=True)
class RoomRecording:
    """A recording of one participant's audio or video in a room session."""

    id: str
    """Identifies the recording."""
    room_id: str | None = None
    """Identifies the room."""
    session_id: str | None = None
    """Identifies the room session."""
    participant_id: str | None = None
    """Identifies the recorded participant."""
    type: str | None = None
    """``"audio"`` or ``"video"`` (other values may appear)."""
    status: str | None = None
    """``"completed"`` or ``"processing"`` (other values may appear)."""
    codec: str | None = None
    """The codec of the recording."""
    size_mb: float | None = None
    """Size of the file in megabytes."""
    duration_secs: int | None = None
    """Length of the recording in seconds."""
    download_url: str | None = None
    """Where the file can be downloaded while the link is valid."""
    started_at: datetime | None = None
    """When the recording started."""
    ended_at: datetime | None = None
    """When the recording ended."""
    completed_at: datetime | None = None
    """When the recording finished processing."""
    created_at: datetime | None = None
    """When the recording was created."""
    updated_at: datetime | None = None
    """When the recording was last updated."""
    record_type: str | None = None
    """Always ``"room_recording"``."""


@attrs.frozen(kw_only=True)
class ClientToken:
    """A join token for a room, with the refresh token that renews it."""

    token: str = attrs.field(repr=False)
    """The client token: hand it to the participant's SDK."""
    token_expires_at: datetime | None = None
    """When the client token expires."""
    refresh_token: str | None = attrs.field(default=None, repr=False)
    """The refresh token: exchange it for a new client token."""
    refresh_token_expires_at: datetime | None = None
    """When the refresh token expires."""


@attrs.frozen(kw_only=True)
class RefreshedClientToken:
    """A renewed join token."""

    token: str = attrs.field(repr=False)
    """The new client token."""
    token_expires_at: datetime | None = None
    """When the new client token expires."""


@attrs.frozen(kw_only=True)
class ActionResult:
    """The reply of a session action (end, kick, mute, unmute)."""

    result: str | None = None
    """The API's verdict, ``"ok"`` on success."""


@attrs.frozen(kw_only=True)
class RoomRecordingsDeleted:
    """The reply of a bulk recording delete."""

    room_recordings: int
    """How many recordings were deleted."""


@attrs.frozen(kw_only=True)
class PageMeta:
    """Where a page sits in a list."""

    page_number: int | None = None
    """This page's number, from 1."""
    page_size: int | None = None
    """Items per page."""
    total_pages: int | None = None
    """How many pages the list has."""
    total_results: int | None = None
    """How many items the list has in all."""
