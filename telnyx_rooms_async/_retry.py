"""Retry rules in one place: which failures may be retried, and how long to wait."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Generator, Mapping
from datetime import timezone
from typing import Final

from multidict import CIMultiDict, CIMultiDictProxy

__all__ = [
    "BASE_DELAY",
    "MAX_DELAY",
    "MAX_RETRY_AFTER",
    "RETRY_STATUSES",
    "delays",
    "header",
    "parse_retry_after",
]

#: Backoff: full jitter over 0.5 s doubling to an 8 s cap.
BASE_DELAY: Final = 0.5
MAX_DELAY: Final = 8.0
#: The longest Retry-After the client will sleep; longer hints are capped to this.
MAX_RETRY_AFTER: Final = 60.0

#: Statuses an idempotent request (GET, PATCH, DELETE) is retried on.
RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})

# 2.0 ** 1024 overflows a float; the cap is reached long before this exponent.
_MAX_EXPONENT: Final = 64


def header(headers: Mapping[str, str], name: str) -> str | None:
    """``headers[name]``, matched without regard to case (HTTP header names are not)."""
    value = headers.get(name)
    if value is not None or isinstance(headers, CIMultiDictProxy | CIMultiDict):
        # aiohttp's headers already match without regard to case.
        return value
    lowered = name.lower()
    for key, item in headers.items():
        if isinstance(key, str) and key.lower() == lowered:
            return item
    return None


def _seconds(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    # Rejects NaN, infinities and negative waits, which no server means.
    if not math.isfinite(value) or value < 0:
        return None
    return value


def parse_retry_after(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    raw_ms = header(headers, "retry-after-ms")
    if raw_ms is not None:
        ms = _seconds(raw_ms.strip())
        if ms is not None:
            return ms / 1000.0
    raw = header(headers, "Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    if not raw:
        return None
    seconds = _seconds(raw)
    if seconds is not None:
        return seconds
    # Imported here: only a Retry-After date needs it, and it costs every start-up.
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # "-0000" parses naive; HTTP dates are always GMT.
        when = when.replace(tzinfo=timezone.utc)
    return max(when.timestamp() - now(), 0.0)


def delays(
    *,
    base: float = BASE_DELAY,
    cap: float = MAX_DELAY,
    retry_after_cap: float = MAX_RETRY_AFTER,
) -> Generator[float, BaseException | None, None]:
    """Wait generator for ``backoff``: Retry-After when given, else full-jitter exponential."""
    exc = yield 0.0  # backoff primes the generator with send(None); this value is unused
    attempt = 0
    while True:
        hint = getattr(exc, "retry_after", None)
        if isinstance(hint, int | float) and not isinstance(hint, bool) and hint == hint:
            wait = min(max(float(hint), 0.0), retry_after_cap)
        else:
            wait = random.uniform(0.0, min(cap, base * 2.0 ** min(attempt, _MAX_EXPONENT)))
        attempt += 1
        exc = yield wait
