"""``timeout`` is one deadline for the whole call; connect/read limits bound each attempt."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from telnyx_rooms_async import (
    APITimeoutError,
    DeadlineExceededError,
    InternalServerError,
    RetryEvent,
    RoomsClient,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

ROOMS = "/v2/rooms"
ANY_ROOM = "/v2/rooms/*"


def _client(fake: FakeRoomsAPI, **options: float) -> RoomsClient:
    return RoomsClient(fake.api_key, base_url=fake.base_url, **options)  # type: ignore[arg-type]


async def _room_id(client: RoomsClient) -> str:
    return (await client.rooms.create(unique_name="deadline")).id


async def test_retry_after_forever_stops_at_the_deadline(fake: FakeRoomsAPI) -> None:
    fake.faults.fail("GET", ANY_ROOM, status=503, headers={"Retry-After": "1"}, times=None)
    async with _client(fake, timeout=2.5, max_retries=10) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as caught:
            await client.rooms.retrieve("room-1")
        elapsed = time.monotonic() - started
    # Attempts at ~0 s, ~1 s and ~2 s; a third 1 s wait would end at ~3 s > 2.5 s, so it is
    # not slept. A per-attempt timeout would run all 11 attempts (~10 s).
    assert 1.9 <= elapsed < 2.5, elapsed
    assert fake.calls("GET", "/v2/rooms/room-1") == 3
    message = str(caught.value)
    assert "timeout=2.5s" in message
    assert "3 attempt(s)" in message
    assert "HTTP 503" in message
    assert isinstance(caught.value.__cause__, InternalServerError)
    assert caught.value.request_sent is True


async def test_wait_past_the_deadline_is_not_slept(fake: FakeRoomsAPI) -> None:
    fake.faults.fail("GET", ANY_ROOM, status=429, headers={"Retry-After": "5"}, times=None)
    events: list[RetryEvent] = []
    async with _client(fake, timeout=1, max_retries=3) as client:
        client = client.with_options(on_retry=events.append)
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"next retry was due in 5s"):
            await client.rooms.retrieve("room-1")
        elapsed = time.monotonic() - started
    assert elapsed < 0.5, elapsed
    assert fake.calls("GET", "/v2/rooms/room-1") == 1
    # No retry happens, so the hook hears of none.
    assert events == []


async def test_deadline_cuts_a_slow_attempt_and_is_not_retried(fake: FakeRoomsAPI) -> None:
    async with _client(fake, timeout=0.5, read_timeout=30, max_retries=5) as client:
        room_id = await _room_id(client)
        fake.faults.delay("GET", ANY_ROOM, 30, times=None)
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as caught:
            await client.rooms.retrieve(room_id)
        elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 0.8, elapsed
    assert fake.calls("GET", f"/v2/rooms/{room_id}") == 1
    message = str(caught.value)
    assert "attempt 1 was cut short" in message
    # One deadline error, not a deadline error wrapped in another.
    assert message.count("deadline") == 1


async def test_deadline_bounds_the_sleeps_between_retries(fake: FakeRoomsAPI) -> None:
    fake.faults.fail("GET", ANY_ROOM, status=503, headers={"Retry-After": "0.3"}, times=None)
    async with _client(fake, timeout=1, max_retries=50) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await client.rooms.retrieve("room-1")
        elapsed = time.monotonic() - started
    # Attempts at ~0, 0.3, 0.6 and 0.9 s; the next wait would end at ~1.2 s, so the call
    # fails at ~0.9 s instead of sleeping into the deadline.
    assert 0.85 <= elapsed < 1.0, elapsed
    assert fake.calls("GET", "/v2/rooms/room-1") == 4


async def test_retries_end_before_the_deadline_raise_the_last_error(fake: FakeRoomsAPI) -> None:
    fake.faults.fail("GET", ANY_ROOM, status=503, headers={"Retry-After": "0"}, times=None)
    async with _client(fake, timeout=10, max_retries=2) as client:
        with pytest.raises(InternalServerError):
            await client.rooms.retrieve("room-1")
    assert fake.calls("GET", "/v2/rooms/room-1") == 3


async def test_long_deadline_is_not_rounded_up_to_a_whole_second(fake: FakeRoomsAPI) -> None:
    # aiohttp rounds timers of 5 s or more up to the next whole second of the loop clock.
    # The deadline is put 0.05 s past a whole second, so rounding would add ~0.95 s.
    async with _client(fake, timeout=30, read_timeout=60, max_retries=0) as client:
        room_id = await _room_id(client)
        fake.faults.delay("GET", ANY_ROOM, 30)
        now = asyncio.get_running_loop().time()
        timeout = 5 + (math.ceil(now) - now) + 0.05
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="cut short"):
            await client.with_options(timeout=timeout).rooms.retrieve(room_id)
        overrun = time.monotonic() - started - timeout
    assert -0.05 < overrun < 0.3, overrun


async def test_read_timeout_cuts_a_server_stalling_mid_body(fake: FakeRoomsAPI) -> None:
    async with _client(fake, timeout=20, read_timeout=0.3, max_retries=0) as client:
        room_id = await _room_id(client)
        # Headers and the first byte arrive at once; then 2 s per byte.
        fake.faults.drip("GET", ANY_ROOM, interval=2.0)
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as caught:
            await client.rooms.retrieve(room_id)
        elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 1.5, elapsed
    assert "attempt timed out" in str(caught.value)
    assert "deadline" not in str(caught.value)


async def test_deadline_cuts_a_body_that_trickles_within_read_timeout(fake: FakeRoomsAPI) -> None:
    async with _client(fake, timeout=0.8, read_timeout=5, max_retries=3) as client:
        room_id = await _room_id(client)
        # Each byte comes well within read_timeout, but the whole body would take ~20 s.
        fake.faults.drip("GET", ANY_ROOM, interval=0.05, times=None)
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="cut short"):
            await client.rooms.retrieve(room_id)
        elapsed = time.monotonic() - started
    assert 0.75 <= elapsed < 1.3, elapsed
    assert fake.calls("GET", f"/v2/rooms/{room_id}") == 1


async def test_create_is_bounded_by_the_deadline_too(fake: FakeRoomsAPI) -> None:
    # A create is retried on 503 with Retry-After; the deadline still ends it.
    fake.faults.fail("POST", ROOMS, status=503, headers={"Retry-After": "0.4"}, times=None)
    async with _client(fake, timeout=1, max_retries=10) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="attempt"):
            await client.rooms.create(unique_name="never")
        elapsed = time.monotonic() - started
    assert elapsed < 1.0, elapsed
    assert fake.calls("POST", ROOMS) == 3


async def test_a_slow_retry_hook_does_not_carry_the_call_past_its_deadline(
    fake: FakeRoomsAPI,
) -> None:
    async def slow_hook(event: RetryEvent) -> None:
        await asyncio.sleep(1.0)

    fake.faults.fail("GET", ANY_ROOM, status=503, headers={"Retry-After": "0.5"}, times=None)
    async with _client(fake, timeout=1.2, max_retries=10) as client:
        view = client.with_options(on_retry=slow_hook)
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError):
            await view.rooms.retrieve("room-1")
        elapsed = time.monotonic() - started
    # Attempt 1 fails at ~0 s, the hook takes 1 s, and the 0.5 s wait would end past 1.2 s:
    # the call fails right after the hook, without sleeping or trying again.
    assert elapsed < 1.2, elapsed
    assert fake.calls("GET") == 1


async def test_the_deadline_error_is_a_timeout_error_that_is_never_retried(
    fake: FakeRoomsAPI,
) -> None:
    fake.faults.delay("GET", ANY_ROOM, 5.0, times=None)
    async with _client(fake, timeout=0.4, max_retries=5) as client:
        with pytest.raises(DeadlineExceededError) as caught:
            await client.rooms.retrieve("room-1")
    assert isinstance(caught.value, APITimeoutError)
    assert "1 attempt(s) ran" in str(caught.value)
    assert fake.calls("GET") == 1


async def test_a_deadline_that_cuts_an_attempt_chains_the_last_failure(
    fake: FakeRoomsAPI,
) -> None:
    fake.faults.fail("GET", ANY_ROOM, status=500, times=1)
    fake.faults.delay("GET", ANY_ROOM, 5.0, times=None)
    async with _client(fake, timeout=1.0, max_retries=3) as client:
        with pytest.raises(DeadlineExceededError) as caught:
            await client.rooms.retrieve("room-1")
    assert isinstance(caught.value.__cause__, InternalServerError)
    assert "was cut short" in str(caught.value)
