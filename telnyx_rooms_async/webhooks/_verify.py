"""Ed25519 signature and timestamp checks, and ``WebhookVerifier`` with its replay guard."""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from .._errors import ConfigurationError
from .._retry import header
from ._base import VerificationFailure, WebhookVerificationError, check_seconds
from ._events import WebhookEvent, parse_event

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "DEFAULT_TOLERANCE",
    "INSTALL_HINT",
    "PUBLIC_KEY_ENV",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookVerifier",
    "construct_event",
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
    _verify(
        _key_of(public_key),
        body,
        headers,
        check_seconds("tolerance", tolerance, allow_zero=True),
        now,
    )


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
    per process. ``WebhookReceiver`` and ``aiohttp_handler`` do not consult it: their
    event store alone decides what is a duplicate (``RedisEventStore`` across replicas).

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
        self.tolerance = check_seconds("tolerance", tolerance, allow_zero=True)
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
