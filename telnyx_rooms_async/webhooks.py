"""Verify Telnyx webhook signatures (Ed25519) and turn video-room events into typed objects.

Telnyx signs every webhook with the account's Ed25519 key: the header
``telnyx-signature-ed25519`` is the base64 signature of the bytes
``b"<telnyx-timestamp>|<raw body>"`` and ``telnyx-timestamp`` is Unix seconds. Checking
needs the optional ``cryptography`` package (``pip install 'telnyx-rooms-async[webhooks]'``);
without it every check raises ``ImportError``, never accepts.

::

    verifier = WebhookVerifier(public_key)          # the base64 key from the portal
    event = verifier.construct_event(body, headers)  # raw bytes, as received
    match event:
        case ParticipantJoinedEvent(payload=p):
            ...
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import json
import logging
import math
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias

import attrs

from ._converter import CONVERTER, register_models
from ._errors import ConfigurationError, TelnyxError
from ._retry import header
from .models import FrozenDict

if TYPE_CHECKING:
    from aiohttp import web
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "DEFAULT_TOLERANCE",
    "INSTALL_HINT",
    "PUBLIC_KEY_ENV",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "CompositionCompletedEvent",
    "CompositionCompletedPayload",
    "EventHandler",
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
    "VerificationFailure",
    "WebhookError",
    "WebhookEvent",
    "WebhookMeta",
    "WebhookPayloadError",
    "WebhookVerificationError",
    "WebhookVerifier",
    "aiohttp_handler",
    "construct_event",
    "parse_event",
    "verify",
]

SIGNATURE_HEADER: Final = "telnyx-signature-ed25519"
"""The header with the base64 Ed25519 signature of ``b"<timestamp>|<body>"``."""
TIMESTAMP_HEADER: Final = "telnyx-timestamp"
"""The header with the Unix time (seconds) the webhook was signed at."""
DEFAULT_TOLERANCE: Final = 300.0
"""Seconds a webhook's timestamp may differ from the local clock, either way."""

PUBLIC_KEY_ENV: Final = "TELNYX_PUBLIC_KEY"
"""The environment variable ``WebhookVerifier`` reads the public key from."""
INSTALL_HINT: Final = "pip install 'telnyx-rooms-async[webhooks]'"
"""How to get the optional Ed25519 dependency."""

# Unix seconds only: int() alone would also take " 12", "1_2" and "+12".
_TIMESTAMP: Final = re.compile(r"[0-9]{1,15}")

_logger: Final = logging.getLogger("telnyx_rooms_async.webhooks")


# -- errors ------------------------------------------------------------------------------------


class WebhookError(TelnyxError):
    """A webhook could not be accepted (bad signature or not an event)."""


class VerificationFailure(str, enum.Enum):
    """Why a webhook failed verification; the ``reason`` of ``WebhookVerificationError``."""

    MISSING_HEADER = "missing_header"
    """``telnyx-signature-ed25519`` or ``telnyx-timestamp`` is absent or empty."""
    MALFORMED_TIMESTAMP = "malformed_timestamp"
    """``telnyx-timestamp`` is not a whole number of Unix seconds."""
    TIMESTAMP_OUT_OF_TOLERANCE = "timestamp_out_of_tolerance"
    """The timestamp is further from the local clock than the tolerance (stale or future)."""
    BAD_BASE64 = "bad_base64"
    """The signature header is not valid base64."""
    BAD_SIGNATURE = "bad_signature"
    """The signature does not match the body, the timestamp and the public key."""
    REPLAYED = "replayed"
    """The event id was already accepted within the tolerance window."""


class WebhookVerificationError(WebhookError):
    """The webhook's signature or timestamp did not check out; ``reason`` says why."""

    def __init__(self, reason: VerificationFailure, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.message))


class WebhookPayloadError(WebhookError, ValueError):
    """The webhook body is not a Telnyx event document (not JSON, or no ``data`` object)."""


# -- event models --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class WebhookMeta:
    """Delivery details Telnyx adds next to ``data``."""

    attempt: int | None = None
    """Delivery attempt number, from 1."""
    delivered_to: str | None = None
    """The URL this attempt was sent to."""


@attrs.frozen(kw_only=True)
class SessionStartedPayload:
    """Payload of ``video.room.session.started``."""

    room_id: str | None = None
    """Room ID that identifies the room where the session started."""
    session_id: str | None = None
    """Session ID that identifies the session that started."""


@attrs.frozen(kw_only=True)
class SessionEndedPayload:
    """Payload of ``video.room.session.ended``."""

    room_id: str | None = None
    """Room ID that identifies the room where the session ended."""
    session_id: str | None = None
    """Session ID that identifies the session that ended."""
    duration_secs: int | None = None
    """The duration in seconds of the session."""
    ended_reason: str | None = None
    """The reason why the session ended (e.g. ``"stale"``)."""


@attrs.frozen(kw_only=True)
class ParticipantJoinedPayload:
    """Payload of ``video.room.participant.joined``."""

    room_id: str | None = None
    """Room ID that identifies the room where the participant joined."""
    session_id: str | None = None
    """Session ID that identifies the session where the participant joined."""
    participant_id: str | None = None
    """Participant ID that identifies the participant that joined."""
    context: str | None = None
    """Context provided to the given participant through the client SDK."""


@attrs.frozen(kw_only=True)
class ParticipantLeftPayload:
    """Payload of ``video.room.participant.left``."""

    room_id: str | None = None
    """Room ID that identifies the room where the participant left."""
    session_id: str | None = None
    """Session ID that identifies the session where the participant left."""
    participant_id: str | None = None
    """Participant ID that identifies the participant that left."""
    context: str | None = None
    """Context provided to the given participant through the client SDK."""
    duration_secs: int | None = None
    """The duration in seconds of the participant in the session."""
    left_reason: str | None = None
    """The reason why the participant left (e.g. ``"kicked"``)."""


@attrs.frozen(kw_only=True)
class RecordingStartedPayload:
    """Payload of ``video.room.recording.started``."""

    room_id: str | None = None
    """Room ID associated with the recording."""
    session_id: str | None = None
    """Session ID associated with the recording."""
    participant_id: str | None = None
    """Participant ID associated with the recording."""
    recording_id: str | None = None
    """Recording ID associated with the recording."""
    type: str | None = None
    """Type of the recording: ``"audio"`` or ``"video"`` (other values pass through)."""


@attrs.frozen(kw_only=True)
class RecordingCompletedPayload:
    """Payload of ``video.room.recording.completed``."""

    room_id: str | None = None
    """Room ID associated with the recording."""
    session_id: str | None = None
    """Session ID associated with the recording."""
    participant_id: str | None = None
    """Participant ID associated with the recording."""
    recording_id: str | None = None
    """Recording ID that identifies the recording."""
    type: str | None = None
    """Type of the recording: ``"audio"`` or ``"video"`` (other values pass through)."""
    codec: str | None = None
    """Codec used for the recording (e.g. ``"opus"``)."""
    download_url: str | None = None
    """URL to download the recording."""
    duration_secs: int | None = None
    """Recording duration in seconds."""
    size_mb: float | None = None
    """Recording size in MB."""


@attrs.frozen(kw_only=True)
class CompositionCompletedPayload:
    """Payload of ``video.room.composition.completed``."""

    room_id: str | None = None
    """Room ID associated with the room composition."""
    session_id: str | None = None
    """Session ID associated with the room composition."""
    composition_id: str | None = None
    """Composition ID that identifies the room composition."""
    download_url: str | None = None
    """URL to download the room composition."""
    duration_secs: int | None = None
    """Room composition duration in seconds."""
    format: str | None = None
    """Format of the room composition (e.g. ``"mp4"``)."""
    resolution: str | None = None
    """Resolution of the room composition (e.g. ``"1280x720"``)."""
    size_mb: float | None = None
    """Room composition size in MB."""


@attrs.frozen(kw_only=True)
class _Envelope:
    """The fields every event shares (the ``data`` object of a webhook)."""

    id: str | None = None
    """Uniquely identifies the event; a retried delivery keeps it."""
    event_type: str | None = None
    """The type of event, exactly as delivered (e.g. ``video.room.session.started``)."""
    occurred_at: datetime | None = None
    """When the event occurred (timezone-aware)."""
    record_type: str | None = None
    """Always ``"event"``."""
    meta: WebhookMeta | None = attrs.field(default=None, eq=False)
    """Delivery details (attempt number, target URL), when Telnyx sends them."""


@attrs.frozen(kw_only=True)
class SessionStartedEvent(_Envelope):
    """``video.room.session.started``: the first participant joined a room."""

    EVENT_TYPE: ClassVar[str] = "video.room.session.started"
    payload: SessionStartedPayload = SessionStartedPayload()
    """What happened."""


@attrs.frozen(kw_only=True)
class SessionEndedEvent(_Envelope):
    """``video.room.session.ended``: a room session ended."""

    EVENT_TYPE: ClassVar[str] = "video.room.session.ended"
    payload: SessionEndedPayload = SessionEndedPayload()
    """What happened."""


@attrs.frozen(kw_only=True)
class ParticipantJoinedEvent(_Envelope):
    """``video.room.participant.joined``: a participant joined a room session."""

    EVENT_TYPE: ClassVar[str] = "video.room.participant.joined"
    payload: ParticipantJoinedPayload = ParticipantJoinedPayload()
    """What happened."""


@attrs.frozen(kw_only=True)
class ParticipantLeftEvent(_Envelope):
    """``video.room.participant.left``: a participant left (or was kicked from) a session."""

    EVENT_TYPE: ClassVar[str] = "video.room.participant.left"
    payload: ParticipantLeftPayload = ParticipantLeftPayload()
    """What happened."""


@attrs.frozen(kw_only=True)
class RecordingStartedEvent(_Envelope):
    """``video.room.recording.started``: a participant's recording started."""

    EVENT_TYPE: ClassVar[str] = "video.room.recording.started"
    payload: RecordingStartedPayload = RecordingStartedPayload()
    """What happened."""


@attrs.frozen(kw_only=True)
class RecordingCompletedEvent(_Envelope):
    """``video.room.recording.completed``: a recording is ready to download."""

    EVENT_TYPE: ClassVar[str] = "video.room.recording.completed"
    payload: RecordingCompletedPayload = RecordingCompletedPayload()
    """What happened."""


@attrs.frozen(kw_only=True)
class CompositionCompletedEvent(_Envelope):
    """``video.room.composition.completed``: a room composition is ready to download."""

    EVENT_TYPE: ClassVar[str] = "video.room.composition.completed"
    payload: CompositionCompletedPayload = CompositionCompletedPayload()
    """What happened."""


@attrs.frozen(kw_only=True)
class UnknownEvent(_Envelope):
    """An event type this version does not model; ``payload`` holds its JSON, read-only."""

    payload: Mapping[str, Any] = attrs.field(factory=FrozenDict, eq=False, hash=False)
    """The event's payload as decoded from JSON (objects as FrozenDict, arrays as tuples)."""


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

_TYPED_EVENTS: Final = (
    SessionStartedEvent,
    SessionEndedEvent,
    ParticipantJoinedEvent,
    ParticipantLeftEvent,
    RecordingStartedEvent,
    RecordingCompletedEvent,
    CompositionCompletedEvent,
)
_EVENT_CLASSES: Final[Mapping[str, type[WebhookEvent]]] = {
    cls.EVENT_TYPE: cls for cls in _TYPED_EVENTS
}

register_models(
    WebhookMeta,
    SessionStartedPayload,
    SessionEndedPayload,
    ParticipantJoinedPayload,
    ParticipantLeftPayload,
    RecordingStartedPayload,
    RecordingCompletedPayload,
    CompositionCompletedPayload,
    *_TYPED_EVENTS,
    UnknownEvent,
)


# -- parsing -------------------------------------------------------------------------------------


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
        return CONVERTER.structure(data, cls)
    except Exception as exc:  # any shape error in the sender's data
        raise WebhookPayloadError(
            f"the webhook body does not fit {cls.__name__}: {type(exc).__name__}: {exc}"
        ) from None


# -- verification --------------------------------------------------------------------------------


def _missing_crypto() -> ImportError:
    return ImportError(
        f"verifying Telnyx webhooks needs the 'cryptography' package: {INSTALL_HINT}"
    )


@functools.lru_cache(maxsize=16)
def _load_public_key(public_key: str) -> Ed25519PublicKey:
    """Decode and load a base64 Ed25519 public key (cached: keys are reused across requests)."""
    try:
        raw = base64.b64decode(public_key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(
            "the webhook public key is not valid base64 (copy it from the Telnyx portal)"
        ) from None
    if len(raw) != 32:
        raise ConfigurationError(
            f"the webhook public key must decode to 32 bytes (Ed25519), not {len(raw)}"
        )
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError as exc:
        raise _missing_crypto() from exc
    return Ed25519PublicKey.from_public_bytes(raw)


def _key_of(public_key: str | None) -> Ed25519PublicKey:
    # Fail closed: no key never means "skip the check".
    if not isinstance(public_key, str) or not public_key.strip():
        raise ConfigurationError(
            f"no webhook public key: pass public_key= or set {PUBLIC_KEY_ENV} "
            "(the base64 Ed25519 key from the Telnyx portal)"
        )
    return _load_public_key(public_key)


def _required_header(headers: Mapping[str, str], name: str) -> str:
    value = header(headers, name)
    if value is None or not value.strip():
        raise WebhookVerificationError(
            VerificationFailure.MISSING_HEADER, f"the {name} header is missing or empty"
        )
    return value.strip()


def _check_tolerance(tolerance: float) -> float:
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, (int, float))
        or not math.isfinite(tolerance)
        or tolerance < 0
    ):
        raise ConfigurationError("tolerance must be a finite number of seconds, at least 0")
    return float(tolerance)


def _verify(
    key: Ed25519PublicKey,
    body: bytes | str,
    headers: Mapping[str, str],
    tolerance: float,
    now: float | None,
) -> int:
    """Check one webhook; return its timestamp (Unix seconds)."""
    try:
        from cryptography.exceptions import InvalidSignature
    except ImportError as exc:  # pragma: no cover - the key above already needed it
        raise _missing_crypto() from exc
    signature_text = _required_header(headers, SIGNATURE_HEADER)
    timestamp_text = _required_header(headers, TIMESTAMP_HEADER)
    if _TIMESTAMP.fullmatch(timestamp_text) is None:
        raise WebhookVerificationError(
            VerificationFailure.MALFORMED_TIMESTAMP,
            f"the {TIMESTAMP_HEADER} header is not Unix seconds",
        )
    timestamp = int(timestamp_text)
    current = time.time() if now is None else now
    # Written so that a NaN clock rejects instead of passing.
    if not abs(current - timestamp) <= tolerance:
        direction = "old" if timestamp < current else "far in the future"
        raise WebhookVerificationError(
            VerificationFailure.TIMESTAMP_OUT_OF_TOLERANCE,
            f"the webhook timestamp is too {direction} "
            f"(off by {abs(current - timestamp):.0f}s, tolerance {tolerance:.0f}s)",
        )
    try:
        signature = base64.b64decode(signature_text, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError(
            VerificationFailure.BAD_BASE64, f"the {SIGNATURE_HEADER} header is not base64"
        ) from None
    raw = body.encode() if isinstance(body, str) else body
    try:
        if len(signature) != 64:
            raise InvalidSignature
        # OpenSSL's Ed25519 verification, which does not leak timing about the signature.
        key.verify(signature, timestamp_text.encode("ascii") + b"|" + raw)
    except InvalidSignature:
        raise WebhookVerificationError(
            VerificationFailure.BAD_SIGNATURE,
            "the webhook signature does not match its body and timestamp",
        ) from None
    return timestamp


def verify(
    body: bytes | str,
    headers: Mapping[str, str],
    public_key: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check a webhook's Ed25519 signature and timestamp; raise ``WebhookVerificationError``.

    ``body`` is the raw request body, byte for byte; ``headers`` any mapping (names are
    matched case-insensitively); ``public_key`` the base64 key from the Telnyx portal.
    A missing or malformed key raises ``ConfigurationError``, and a missing ``cryptography``
    package ``ImportError``: neither ever lets a webhook through.
    """
    _verify(_key_of(public_key), body, headers, _check_tolerance(tolerance), now)


def construct_event(
    body: bytes | str,
    headers: Mapping[str, str],
    public_key: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookEvent:
    """``verify`` the webhook, then ``parse_event`` it. Use ``WebhookVerifier`` to stop replays."""
    verify(body, headers, public_key, tolerance=tolerance, now=now)
    return parse_event(body)


class WebhookVerifier:
    """Verifies and parses webhooks with one public key; build it once and share it.

    ``public_key`` is the base64 Ed25519 key from the Telnyx portal; when omitted it is read
    from ``TELNYX_PUBLIC_KEY``. No key, a malformed key or a missing ``cryptography``
    package raises here, at startup, rather than on the first request.

    With ``replay_guard`` on (the default), ``construct_event`` remembers the id of each
    accepted event until its timestamp leaves the tolerance window, and rejects the same id
    again with ``VerificationFailure.REPLAYED``; after that, the timestamp check rejects a
    replay by itself. Memory is bounded: at most ``max_tracked_events`` ids are kept (about
    100 bytes each), and when the table is full the oldest id is dropped first, so size it
    above the number of events you receive per ``2 * tolerance`` seconds. Only events with a
    valid signature are recorded, so forged requests cannot fill the table. The memory is
    per process: behind several workers, dedupe in shared storage as well.

    Safe to share between asyncio tasks and threads.
    """

    __slots__ = ("_key", "_lock", "_max", "_seen", "replay_guard", "tolerance")

    def __init__(
        self,
        public_key: str | None = None,
        *,
        tolerance: float = DEFAULT_TOLERANCE,
        replay_guard: bool = True,
        max_tracked_events: int = 10_000,
    ) -> None:
        if public_key is None:
            public_key = os.environ.get(PUBLIC_KEY_ENV)
        #: Seconds a timestamp may differ from the local clock.
        self.tolerance = _check_tolerance(tolerance)
        #: Whether ``construct_event`` rejects an event id it already accepted.
        self.replay_guard = replay_guard
        if type(max_tracked_events) is not int or max_tracked_events < 1:
            raise ConfigurationError("max_tracked_events must be an integer of at least 1")
        self._max = max_tracked_events
        # Loaded now, so a wrong key or a missing extra fails at startup, not per request.
        self._key = _key_of(public_key)
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WebhookVerifier(tolerance={self.tolerance:g}, replay_guard={self.replay_guard})"

    def verify(
        self, body: bytes | str, headers: Mapping[str, str], *, now: float | None = None
    ) -> None:
        """Check the signature and timestamp only (no replay guard: it needs the event id)."""
        _verify(self._key, body, headers, self.tolerance, now)

    def construct_event(
        self, body: bytes | str, headers: Mapping[str, str], *, now: float | None = None
    ) -> WebhookEvent:
        """Verify, parse, and (with the replay guard) reject an event id seen before."""
        timestamp = _verify(self._key, body, headers, self.tolerance, now)
        event = parse_event(body)
        if self.replay_guard and event.id is not None:
            current = time.time() if now is None else now
            self._remember(event.id, timestamp + self.tolerance, current)
        return event

    def forget(self, event_id: str) -> None:
        """Let ``event_id`` be accepted again, e.g. after its handler failed and Telnyx retries."""
        with self._lock:
            self._seen.pop(event_id, None)

    @property
    def tracked_events(self) -> int:
        """How many event ids the replay guard holds right now."""
        return len(self._seen)

    def _remember(self, event_id: str, expires: float, now: float) -> None:
        with self._lock:
            seen = self._seen
            # Oldest first; an entry that outlives its neighbours only delays the purge.
            while seen:
                oldest = next(iter(seen.values()))
                if oldest >= now:
                    break
                seen.popitem(last=False)
            previous = seen.get(event_id)
            if previous is not None:
                if previous >= now:
                    raise WebhookVerificationError(
                        VerificationFailure.REPLAYED,
                        "this event id was already accepted within the tolerance window",
                    )
                del seen[event_id]  # expired but not yet purged: re-add at the end
            while len(seen) >= self._max:
                seen.popitem(last=False)
            seen[event_id] = expires


# -- aiohttp -----------------------------------------------------------------------------------

EventHandler = Callable[[WebhookEvent, "web.Request"], Awaitable["web.StreamResponse | None"]]
"""What ``aiohttp_handler`` wraps: ``async def on_event(event, request) -> Response | None``."""


def aiohttp_handler(
    verifier: WebhookVerifier,
) -> Callable[[EventHandler], Callable[[web.Request], Awaitable[web.StreamResponse]]]:
    """Decorate ``async def on_event(event, request)`` into an aiohttp handler.

    The handler reads the raw body, verifies and parses it with ``verifier``, and calls
    ``on_event`` with the typed event. A bad signature, timestamp or body gets a 400 and
    ``on_event`` is not called. An event id the replay guard already accepted gets a 200
    ("duplicate") without calling it, so a duplicate delivery is not retried again.
    ``on_event`` returning None means 200; if it raises, the event id is forgotten (so
    Telnyx's retry is accepted) and aiohttp answers 500.

    ::

        @aiohttp_handler(WebhookVerifier(public_key))
        async def on_event(event: WebhookEvent, request: web.Request) -> None:
            ...

        app.router.add_post("/webhooks/telnyx", on_event)
    """

    def decorate(handler: EventHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def endpoint(request: web.Request) -> web.StreamResponse:
            from aiohttp import web

            body = await request.read()
            try:
                event = verifier.construct_event(body, request.headers)
            except WebhookVerificationError as exc:
                if exc.reason is VerificationFailure.REPLAYED:
                    return web.Response(status=200, text="duplicate event ignored")
                _logger.info("webhook rejected: %s", exc.reason.value)
                return web.Response(status=400, text=f"webhook rejected: {exc.reason.value}")
            except WebhookPayloadError:
                _logger.info("webhook rejected: malformed payload")
                return web.Response(status=400, text="webhook rejected: malformed_payload")
            try:
                response = await handler(event, request)
            except BaseException:
                # Cancelled or failed: let Telnyx's retry of this event through.
                if event.id is not None:
                    verifier.forget(event.id)
                raise
            return web.Response(status=200) if response is None else response

        return endpoint

    return decorate
