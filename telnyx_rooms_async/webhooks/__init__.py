"""Verify Telnyx webhook signatures (Ed25519), turn video-room events into typed objects,
and handle each event exactly once, on one process or across replicas.

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

A web app hands each request to ``aiohttp_handler`` (aiohttp) or ``WebhookReceiver``
(anything else): they claim the event id in an ``EventStore`` before your handler runs,
so a retried or duplicated delivery is handled once. Behind several replicas, share a
``RedisEventStore`` (``pip install 'telnyx-rooms-async[redis]'``).
"""

from ._aiohttp import EventHandler, aiohttp_handler
from ._base import (
    EventStoreError,
    VerificationFailure,
    WebhookError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from ._events import (
    CompositionCompletedEvent,
    CompositionCompletedPayload,
    ParticipantJoinedEvent,
    ParticipantJoinedPayload,
    ParticipantLeftEvent,
    ParticipantLeftPayload,
    RecordingCompletedEvent,
    RecordingCompletedPayload,
    RecordingStartedEvent,
    RecordingStartedPayload,
    SessionEndedEvent,
    SessionEndedPayload,
    SessionStartedEvent,
    SessionStartedPayload,
    UnknownEvent,
    WebhookEvent,
    WebhookMeta,
    parse_event,
)
from ._receiver import WebhookReceiver, WebhookReply
from ._redis import DEFAULT_PREFIX, RedisEventStore
from ._store import (
    DEFAULT_LEASE,
    DEFAULT_WINDOW,
    Claim,
    ClaimStatus,
    EventStore,
    InMemoryEventStore,
)
from ._verify import (
    DEFAULT_TOLERANCE,
    INSTALL_HINT,
    PUBLIC_KEY_ENV,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookVerifier,
    construct_event,
    verify,
)

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_PREFIX",
    "DEFAULT_TOLERANCE",
    "DEFAULT_WINDOW",
    "INSTALL_HINT",
    "PUBLIC_KEY_ENV",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Claim",
    "ClaimStatus",
    "CompositionCompletedEvent",
    "CompositionCompletedPayload",
    "EventHandler",
    "EventStore",
    "EventStoreError",
    "InMemoryEventStore",
    "ParticipantJoinedEvent",
    "ParticipantJoinedPayload",
    "ParticipantLeftEvent",
    "ParticipantLeftPayload",
    "RecordingCompletedEvent",
    "RecordingCompletedPayload",
    "RecordingStartedEvent",
    "RecordingStartedPayload",
    "RedisEventStore",
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
    "WebhookReceiver",
    "WebhookReply",
    "WebhookVerificationError",
    "WebhookVerifier",
    "aiohttp_handler",
    "construct_event",
    "parse_event",
    "verify",
]
