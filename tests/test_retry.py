"""Retry-After parsing and the wait generator handed to ``backoff``."""

from __future__ import annotations

import random
from collections.abc import Generator, Mapping
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from multidict import CIMultiDict

from telnyx_rooms_async import InternalServerError, RateLimitError
from telnyx_rooms_async._retry import (
    BASE_DELAY,
    MAX_DELAY,
    MAX_RETRY_AFTER,
    delays,
    parse_retry_after,
)

NOW = 1_800_000_000.0  # a fixed clock for HTTP-date cases


def _clock() -> float:
    return NOW


def _http_date(offset: float) -> str:
    return format_datetime(datetime.fromtimestamp(NOW + offset, timezone.utc), usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": " 12 "}, 12.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after": "3"}, 3.0),  # header names are case-insensitive
        ({"RETRY-AFTER": "4"}, 4.0),
        ({"Retry-After": _http_date(30)}, 30.0),
        ({"Retry-After": _http_date(-30)}, 0.0),  # a past date means "now"
        ({"retry-after-ms": "250"}, 0.25),
        ({"Retry-After-Ms": "1500"}, 1.5),
        ({"retry-after-ms": "100", "Retry-After": "9"}, 0.1),  # ms wins
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),  # bad ms falls back
        ({"retry-after-ms": "-5", "Retry-After": "2"}, 2.0),
        ({"retry-after-ms": "inf"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "-1"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": "1,5"}, None),
        ({"Retry-After": "Wed, 99 Foo 2015 07:28:00 GMT"}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    result = parse_retry_after(headers, now=_clock)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    "value",
    [
        "Fri, 15 Jan 2027 08:00:00 GMT",
        "Fri, 15 Jan 2027 08:00:00 -0000",
        "Fri Jan 15 08:00:00 2027",
    ],
)
def test_parse_retry_after_dates_without_a_zone_are_gmt(value: str) -> None:
    moment = datetime(2027, 1, 15, 8, 0, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after({"Retry-After": value}, now=lambda: moment - 20) == 20.0


def test_parse_retry_after_reads_aiohttp_headers() -> None:
    headers: Mapping[str, str] = CIMultiDict({"RETRY-after": "6"})
    assert parse_retry_after(headers) == 6.0


def _primed(**kwargs: float) -> Generator[float, BaseException | None, None]:
    gen = delays(**kwargs)
    assert gen.send(None) == 0.0  # backoff's priming value, unused
    return gen


def test_delays_full_jitter_doubles_from_half_a_second_to_eight() -> None:
    random.seed(1234)
    bounds = [min(MAX_DELAY, BASE_DELAY * 2**n) for n in range(8)]
    assert bounds == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    highest = [0.0] * len(bounds)
    for _ in range(300):
        gen = _primed()
        for n, bound in enumerate(bounds):
            wait = gen.send(InternalServerError(500))
            assert 0.0 <= wait <= bound
            highest[n] = max(highest[n], wait)
    # Full jitter spreads over the whole range: the largest draw nears each bound.
    for n, bound in enumerate(bounds):
        assert highest[n] > bound * 0.9
        if n:
            assert highest[n] > bounds[n - 1] or bound == bounds[n - 1]


def test_delays_first_wait_is_never_above_base() -> None:
    random.seed(99)
    waits = [_primed().send(None) for _ in range(500)]
    assert max(waits) <= 0.5
    assert min(waits) >= 0.0
    assert len({round(w, 6) for w in waits}) > 400  # jittered, not a constant


def test_delays_honour_retry_after_exactly() -> None:
    gen = _primed()
    assert gen.send(RateLimitError(429, retry_after=3.25)) == 3.25
    assert gen.send(RateLimitError(429, retry_after=0.0)) == 0.0
    # A hint is not jittered, whatever the retry number.
    assert gen.send(RateLimitError(429, retry_after=7.0)) == 7.0


def test_delays_cap_retry_after_at_sixty_seconds() -> None:
    gen = _primed()
    assert MAX_RETRY_AFTER == 60.0
    assert gen.send(RateLimitError(429, retry_after=3600.0)) == 60.0
    assert gen.send(RateLimitError(429, retry_after=60.0)) == 60.0
    assert gen.send(RateLimitError(429, retry_after=59.5)) == 59.5


def test_delays_without_a_hint_fall_back_to_jitter() -> None:
    random.seed(5)
    gen = _primed()
    assert gen.send(RateLimitError(429, retry_after=None)) <= 0.5
    assert gen.send(ConnectionResetError()) <= 1.0  # no retry_after attribute at all


def test_delays_custom_base_and_cap() -> None:
    random.seed(7)
    gen = _primed(base=0.01, cap=0.02)
    waits = [gen.send(None) for _ in range(20)]
    assert max(waits) <= 0.02
    assert max(waits[2:]) > 0.0


def test_delays_survive_a_huge_number_of_retries() -> None:
    gen = _primed()
    for _ in range(1200):  # 2.0 ** 1024 would overflow a float
        wait = gen.send(None)
        assert 0.0 <= wait <= MAX_DELAY
