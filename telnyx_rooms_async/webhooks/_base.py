"""The webhook errors, and the one check every seconds setting goes through."""

from __future__ import annotations

import enum
import math
from typing import Any

from .._errors import ConfigurationError, TelnyxError

__all__ = [
    "EventStoreError",
    "VerificationFailure",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookVerificationError",
]


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


class EventStoreError(WebhookError):
    """The event store could not be reached or did not answer in time.

    ``WebhookReceiver`` (and so ``aiohttp_handler``) answers 503 when a claim raises it, so
    Telnyx delivers the event again later: nothing is handled twice, nothing is
    acknowledged unhandled. The message names the kind of failure, never an address or a
    password; the store's own exception is chained as ``__cause__``.
    """


def check_seconds(name: str, value: float, *, allow_zero: bool) -> float:
    """``value`` as a float if it is a finite number of seconds (> 0, or >= 0 with allow_zero)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not allow_zero)
    ):
        bound = "at least 0" if allow_zero else "more than 0"
        raise ConfigurationError(f"{name} must be a finite number of seconds, {bound}")
    return float(value)
