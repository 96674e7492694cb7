"""The typed video-room events: payloads, the shared envelope, and the type -> class table.

Adding an event type takes its payload class, its event class (``EVENT_TYPE`` and a
``payload`` field) and its name in the ``WebhookEvent`` union: the table ``parse_event``
reads and the converter registration are built from that union.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Final, TypeAlias

import attrs

from .._converter import CONVERTER, explain, warm
from ..models import FrozenDict
from ._base import WebhookPayloadError

__all__ = [
    "CompositionCompletedEvent",
    "CompositionCompletedPayload",
    "ParticipantJoinedEvent",
    "ParticipantJoinedPayload",
    "ParticipantLeftEvent",
    "ParticipantLeftPayload",
    "RecordingCompletedEvent",
    "RecordingCompletedPayload",
    "RecordingStartedEvent",
    "RecordingStartedPayload",
    "SessionEndedEvent",
    "SessionEndedPayload",
    "SessionStartedEvent",
    "SessionStartedPayload",
    "UnknownEvent",
    "WebhookEvent",
    "WebhookMeta",
    "parse_event",
]


@attrs.frozen(kw_only=True)
class WebhookMeta:
    """Delivery details Telnyx adds next to ``data``.

    Attributes:
        attempt (int | None): Delivery attempt number, from 1.
        delivered_to (str | None): The URL this attempt was sent to.
    """

    attempt: int | None = None
    delivered_to: str | None = None


@attrs.frozen(kw_only=True)
class SessionStartedPayload:
    """Payload of ``video.room.session.started``.

    Attributes:
        room_id (str | None): Room ID that identifies the room where the session started.
        session_id (str | None): Session ID that identifies the session that started.
    """

    room_id: str | None = None
    session_id: str | None = None


@attrs.frozen(kw_only=True)
class SessionEndedPayload:
    """Payload of ``video.room.session.ended``.

    Attributes:
        room_id (str | None): Room ID that identifies the room where the session ended.
        session_id (str | None): Session ID that identifies the session that ended.
        duration_secs (int | None): The duration in seconds of the session.
        ended_reason (str | None): The reason why the session ended (e.g. ``"stale"``).
    """

    room_id: str | None = None
    session_id: str | None = None
    duration_secs: int | None = None
    ended_reason: str | None = None


@attrs.frozen(kw_only=True)
class ParticipantJoinedPayload:
    """Payload of ``video.room.participant.joined``.

    Attributes:
        room_id (str | None): Room ID that identifies the room where the participant joined.
        session_id (str | None): Session ID that identifies the session where the participant
            joined.
        participant_id (str | None): Participant ID that identifies the participant that joined.
        context (str | None): Context provided to the given participant through the client SDK.
    """

    room_id: str | None = None
    session_id: str | None = None
    participant_id: str | None = None
    context: str | None = None


@attrs.frozen(kw_only=True)
class ParticipantLeftPayload:
    """Payload of ``video.room.participant.left``.

    Attributes:
        room_id (str | None): Room ID that identifies the room where the participant left.
        session_id (str | None): Session ID that identifies the session where the participant left.
        participant_id (str | None): Participant ID that identifies the participant that left.
        context (str | None): Context provided to the given participant through the client SDK.
        duration_secs (int | None): The duration in seconds of the participant in the session.
        left_reason (str | None): The reason why the participant left (e.g. ``"kicked"``).
    """

    room_id: str | None = None
    session_id: str | None = None
    participant_id: str | None = None
    context: str | None = None
    duration_secs: int | None = None
    left_reason: str | None = None


@attrs.frozen(kw_only=True)
class RecordingStartedPayload:
    """Payload of ``video.room.recording.started``.

    Attributes:
        room_id (str | None): Room ID associated with the recording.
        session_id (str | None): Session ID associated with the recording.
        participant_id (str | None): Participant ID associated with the recording.
        recording_id (str | None): Recording ID associated with the recording.
        type (str | None): Type of the recording: ``"audio"`` or ``"video"`` (other values pass
            through).
    """

    room_id: str | None = None
    session_id: str | None = None
    participant_id: str | None = None
    recording_id: str | None = None
    type: str | None = None


@attrs.frozen(kw_only=True)
class RecordingCompletedPayload:
    """Payload of ``video.room.recording.completed``.

    Attributes:
        room_id (str | None): Room ID associated with the recording.
        session_id (str | None): Session ID associated with the recording.
        participant_id (str | None): Participant ID associated with the recording.
        recording_id (str | None): Recording ID that identifies the recording.
        type (str | None): Type of the recording: ``"audio"`` or ``"video"`` (other values pass
            through).
        codec (str | None): Codec used for the recording (e.g. ``"opus"``).
        download_url (str | None): URL to download the recording.
        duration_secs (int | None): Recording duration in seconds.
        size_mb (float | None): Recording size in MB.
    """

    room_id: str | None = None
    session_id: str | None = None
    participant_id: str | None = None
    recording_id: str | None = None
    type: str | None = None
    codec: str | None = None
    download_url: str | None = None
    duration_secs: int | None = None
    size_mb: float | None = None


@attrs.frozen(kw_only=True)
class CompositionCompletedPayload:
    """Payload of ``video.room.composition.completed``.

    Attributes:
        room_id (str | None): Room ID associated with the room composition.
        session_id (str | None): Session ID associated with the room composition.
        composition_id (str | None): Composition ID that identifies the room composition.
        download_url (str | None): URL to download the room composition.
        duration_secs (int | None): Room composition duration in seconds.
        format (str | None): Format of the room composition (e.g. ``"mp4"``).
        resolution (str | None): Resolution of the room composition (e.g. ``"1280x720"``).
        size_mb (float | None): Room composition size in MB.
    """

    room_id: str | None = None
    session_id: str | None = None
    composition_id: str | None = None
    download_url: str | None = None
    duration_secs: int | None = None
    format: str | None = None
    resolution: str | None = None
    size_mb: float | None = None


@attrs.frozen(kw_only=True)
class _Envelope:
    """The fields every event shares (the ``data`` object of a webhook).

    Attributes:
        id (str | None): Uniquely identifies the event; a retried delivery keeps it.
        event_type (str | None): The type of event, exactly as delivered (e.g.
            ``video.room.session.started``).
        occurred_at (datetime | None): When the event occurred (timezone-aware).
        record_type (str | None): Always ``"event"``.
        meta (WebhookMeta | None): Delivery details (attempt number, target URL), when Telnyx sends
            them.
    """

    id: str | None = None
    event_type: str | None = None
    occurred_at: datetime | None = None
    record_type: str | None = None
    meta: WebhookMeta | None = attrs.field(default=None, eq=False)


@attrs.frozen(kw_only=True)
class SessionStartedEvent(_Envelope):
    """``video.room.session.started``: the first participant joined a room.

    Attributes:
        id (str | None): Uniquely identifies the event; a retried delivery keeps it.
        event_type (str | None): The type of event as delivered: ``"video.room.session.started"``.
        occurred_at (datetime | None): When the event occurred (timezone-aware).
        record_type (str | None): Always ``"event"``.
        meta (WebhookMeta | None): Delivery details (attempt number, target URL), when Telnyx sends
            them.
        payload (SessionStartedPayload): What happened.
    """

    EVENT_TYPE: ClassVar[str] = "video.room.session.started"
    payload: SessionStartedPayload = SessionStartedPayload()


@attrs.frozen(kw_only=True)
class SessionEndedEvent(_Envelope):
    """``video.room.session.ended``: a room session ended.

    Attributes:
        id (str | None): Uniquely identifies the event; a retried delivery keeps it.
        event_type (str | None): The type of event as delivered: ``"video.room.session.ended"``.
        occurred_at (datetime | None): When the event occurred (timezone-aware).
        record_type (str | None): Always ``"event"``.
        meta (WebhookMeta | None): Delivery details (attempt number, target URL), when Telnyx sends
            them.
        payload (SessionEndedPayload): What happened.
    """

    EVENT_TYPE: ClassVar[str] = "video.room.session.ended"
    payload: SessionEndedPayload = SessionEndedPayload()


@attrs.frozen(kw_only=True)
class ParticipantJoinedEvent(_Envelope):
    """``video.room.participant.joined``: a participant joined a room session.

    Attributes:
        id (str | None): Uniquely identifies the event; a retried delivery keeps it.
        event_type (str | None): The type of event as delivered:
            ``"video.room.participant.joined"``.
        occurred_at (datetime | None): When the event occurred (timezone-aware).
        record_type (str | None): Always ``"event"``.
        meta (WebhookMeta | None): Delivery details (attempt number, target URL), when Telnyx sends
            them.
        payload (ParticipantJoinedPayload): What happened.
    """

    EVENT_TYPE: ClassVar[str] = "video.room.participant.joined"
    payload: ParticipantJoinedPayload = ParticipantJoinedPayload()


@attrs.frozen(kw_only=True)
class ParticipantLeftEvent(_Envelope):
    """``video.room.participant.left``: a participant left (or was kicked from) a session.

    Attributes:
        id (str | None): Uniquely identifies the event; a retried delivery keeps it.
        event_type (str | None): The type of event as delivered: ``"video.room.participant.left"``.
        occurred_at (datetime | None): When the event occurred (timezone-aware).
        record_type (str | None): Always ``"event"``.
        meta (WebhookMeta | None): Delivery details (attempt number, target URL), when Telnyx sends
            them.
        payload (ParticipantLeftPayload): What happened.
    """

    EVENT_TYPE: ClassVar[str] = "video.room.participant.left"
    payload: ParticipantLeftPayload = ParticipantLeftPayload()


@attrs.frozen(kw_only=True)
class RecordingStartedEvent(_Envelope):
    """``video.room.recording.started``: a participant's recording started.

    Attributes:
        id (str | None): Uniquely identifies the event; a retried delivery keeps it.
        event_type (str | None): The type of event as delivered: ``"video.room.recording.started"``.
        occurred_at (datetime | None): When the event occurred (timezone-aware).
        record_type (str | None): Always ``"event"``.
        meta (WebhookMeta | None): Delivery details (attempt number, target URL), when Telnyx sends
            them.
        payload (RecordingStartedPayload): What happened.
    """

    EVENT_TYPE: ClassVar[str] = "video.room.recording.started"
    payload: RecordingStartedPayload = RecordingStartedPayload()


@attrs.frozen(kw_only=True)
class RecordingCompletedEvent(_Envelope):
    """``video.room.recording.completed``: a recording is ready to download.

    Attributes:
        id (str | None): Uniquely identifies the event; a retried delivery keeps it.
        event_type (str | None): The type of event as delivered:
            ``"video.room.recording.completed"``.
        occurred_at (datetime | None): When the event occurred (timezone-aware).
        record_type (str | None): Always ``"event"``.
        meta (WebhookMeta | None): Delivery details (attempt number, target URL), when Telnyx sends
            them.
        payload (RecordingCompletedPayload): What happened.
    """

    EVENT_TYPE: ClassVar[str] = "video.room.recording.completed"
    payload: RecordingCompletedPayload = RecordingCompletedPayload()


@attrs.frozen(kw_only=True)
class CompositionCompletedEvent(_Envelope):
    """``video.room.composition.completed``: a room composition is ready to download.

    Attributes:
        id (str | None): Uniquely identifies the event; a retried delivery keeps it.
        event_type (str | None): The type of event as delivered:
            ``"video.room.composition.completed"``.
        occurred_at (datetime | None): When the event occurred (timezone-aware).
        record_type (str | None): Always ``"event"``.
        meta (WebhookMeta | None): Delivery details (attempt number, target URL), when Telnyx sends
            them.
        payload (CompositionCompletedPayload): What happened.
    """

    EVENT_TYPE: ClassVar[str] = "video.room.composition.completed"
    payload: CompositionCompletedPayload = CompositionCompletedPayload()


@attrs.frozen(kw_only=True)
class UnknownEvent(_Envelope):
    """An event type this version does not model; ``payload`` holds its JSON, read-only.

    Attributes:
        id (str | None): Uniquely identifies the event; a retried delivery keeps it.
        event_type (str | None): The type of event, exactly as delivered (a type this version
            does not know, or none at all).
        occurred_at (datetime | None): When the event occurred (timezone-aware).
        record_type (str | None): Always ``"event"``.
        meta (WebhookMeta | None): Delivery details (attempt number, target URL), when Telnyx sends
            them.
        payload (Mapping[str, Any]): The event's payload as decoded from JSON (objects as
            FrozenDict, arrays as tuples).
    """

    payload: Mapping[str, Any] = attrs.field(factory=FrozenDict, eq=False, hash=False)


WebhookEvent: TypeAlias = (
    SessionStartedEvent
    | SessionEndedEvent
    | ParticipantJoinedEvent
    | ParticipantLeftEvent
    | RecordingStartedEvent
    | RecordingCompletedEvent
    | CompositionCompletedEvent
    | UnknownEvent
)
"""Any event ``parse_event`` returns; ``match`` on the class to handle each type."""


# The union is the one list of event classes: the table and the registration read it.
_EVENT_CLASSES: Final[Mapping[str, type[WebhookEvent]]] = {
    cls.EVENT_TYPE: cls for cls in typing.get_args(WebhookEvent) if cls is not UnknownEvent
}

# Generated now (payloads and meta with them), so a bad annotation fails at import.
warm(*typing.get_args(WebhookEvent))


def parse_event(body: bytes | str) -> WebhookEvent:
    """Structure a webhook body into its event class; unknown event types give ``UnknownEvent``.

    This does not check the signature: use ``construct_event`` or ``WebhookVerifier`` for
    anything that arrived over the network.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise WebhookPayloadError("the webhook body is not valid JSON") from None
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise WebhookPayloadError("the webhook body has no 'data' object")
    if "meta" not in data and isinstance(document.get("meta"), dict):
        # Telnyx sends delivery meta next to data; the models keep it on the event.
        data = {**data, "meta": document["meta"]}
    if not isinstance(data.get("payload"), dict):
        # A missing or null payload still gives an event (with an empty payload).
        data = {**data, "payload": {}}
    if data.get("meta") is not None and not isinstance(data["meta"], dict):
        data = {**data, "meta": None}
    event_type = data.get("event_type")
    cls: type[WebhookEvent] = (
        _EVENT_CLASSES.get(event_type, UnknownEvent)
        if isinstance(event_type, str)
        else UnknownEvent
    )
    try:
        event: WebhookEvent = CONVERTER.structure(data, cls)
        return event
    except Exception:  # any shape error in the sender's data; explained below
        pass
    problems = "; ".join(explain(cls, data, "$.data")) or "its shape"
    raise WebhookPayloadError(f"the webhook body does not fit {cls.__name__}: {problems}")
