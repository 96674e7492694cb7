"""Retry rules in one place: which failures may be retried, and how long to wait."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Mapping
from email.utils import parsedate_to_datetime
from typing import Final

#: Backoff: full jitter over 0.5 s doubling to an 8 s cap.
BASE_DELAY: Final = 0.5
MAX_DELAY: Final = 8.0
#: The longest Retry-After the client will sleep; longer hints are capped to this.
MAX_RETRY_AFTER: Final = 60.0

#: Statuses an idempotent request (GET, PATCH, DELETE) is retried on.
RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})


def parse_retry_after(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            ms = float(raw_ms)
        except ValueError:
            pass
        else:
            if ms == ms and ms >= 0:  # rejects NaN
                return ms / 1000.0
    raw = headers.get("Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        return max(when.timestamp() - now(), 0.0)
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        return None
    return seconds


def delays(
    *, base: float = BASE_DELAY, cap: float = MAX_DELAY
) -> Generator[float, BaseException | None, None]:
    """Wait generator for ``backoff``: Retry-After when given, else full-jitter exponential."""
    exc = yield 0.0  # backoff primes the generator with send(None); this value is unused
    attempt = 0
    while True:
        hint = getattr(exc, "retry_after", None)
        if hint is not None:
            wait = min(float(hint), MAX_RETRY_AFTER)
        else:
            wait = random.uniform(0.0, min(cap, base * 2.0**attempt))
        attempt += 1
        exc = yield wait
