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

from ._aiohttp import EventHandler, aiohttp_handler
from ._base import (
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
