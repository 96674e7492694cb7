"""``on_retry`` hooks: called before each retry sleep with a ``RetryEvent``, never fatal."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import attrs
import pytest

from telnyx_rooms_async import (
    APIConnectionError,
    InternalServerError,
    RateLimitError,
    RetryEvent,
    RoomsClient,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

ANY_ROOM = "/v2/rooms/*"


async def test_plain_hook_sees_attempts_one_and_two_before_success(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create(unique_name="hooked")
    fake.faults.fail("GET", ANY_ROOM, status=503, headers={"Retry-After": "0.05"}, times=2)
    events: list[RetryEvent] = []
    view = client.with_options(on_retry=events.append)

    assert (await view.rooms.retrieve(room.id)).id == room.id

    assert fake.calls("GET", f"/v2/rooms/{room.id}") == 3
    assert [e.attempt for e in events] == [1, 2]
    for event in events:
        assert event.wait == pytest.approx(0.05)
        assert (event.method, event.path, event.status) == ("GET", f"/rooms/{room.id}", 503)
        assert isinstance(event.exception, InternalServerError)
        assert event.request_id is not None
        assert event.request_id == event.exception.request_id
    # Each event names its own failed attempt.
    assert events[0].request_id != events[1].request_id


async def test_async_hook_is_awaited_before_the_retry(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create(unique_name="async-hook")
    fake.faults.fail("GET", ANY_ROOM, status=429, headers={"Retry-After": "0"}, times=2)
    seen: list[tuple[int, int]] = []

    async def hook(event: RetryEvent) -> None:
        await asyncio.sleep(0.01)
        # Recorded after an await: proves the hook ran to the end before the next attempt.
        seen.append((event.attempt, fake.calls("GET", f"/v2/rooms/{room.id}")))

    await client.with_options(on_retry=hook).rooms.retrieve(room.id)
    assert seen == [(1, 1), (2, 2)]


async def test_hook_on_the_constructor(fake: FakeRoomsAPI) -> None:
    events: list[RetryEvent] = []
    fake.faults.fail("POST", "/v2/rooms", status=429, headers={"Retry-After": "0"}, times=1)
    async with RoomsClient(fake.api_key, base_url=fake.base_url, on_retry=events.append) as client:
        await client.rooms.create(unique_name="ctor-hook")
    assert [(e.attempt, e.method, e.path, e.status) for e in events] == [(1, "POST", "/rooms", 429)]
    assert isinstance(events[0].exception, RateLimitError)


@pytest.mark.parametrize("kind", ["plain", "async"])
async def test_raising_hook_is_logged_and_the_call_goes_on(
    fake: FakeRoomsAPI, client: RoomsClient, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    room = await client.rooms.create(unique_name="broken-hook")
    fake.faults.fail("GET", ANY_ROOM, status=500, headers={"Retry-After": "0"}, times=2)
    calls = 0

    def plain(event: RetryEvent) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("metrics backend down")

    async def coro(event: RetryEvent) -> None:
        plain(event)

    hook = plain if kind == "plain" else coro
    with caplog.at_level(logging.WARNING, logger="telnyx_rooms_async"):
        got = await client.with_options(on_retry=hook).rooms.retrieve(room.id)
    assert got.id == room.id
    assert calls == 2
    records = [r for r in caplog.records if "on_retry" in r.getMessage()]
    assert len(records) == 2
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], ValueError)
    assert fake.api_key not in caplog.text


async def test_connection_failure_event_has_no_status(fake: FakeRoomsAPI) -> None:
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as setup:
        room = await setup.rooms.create(unique_name="reset")
    fake.faults.reset("GET", ANY_ROOM, times=1)
    events: list[RetryEvent] = []
    async with RoomsClient(fake.api_key, base_url=fake.base_url, on_retry=events.append) as c:
        await c.rooms.retrieve(room.id)
    assert fake.calls("GET", f"/v2/rooms/{room.id}") == 2
    assert len(events) == 1
    event = events[0]
    assert (event.attempt, event.status, event.request_id) == (1, None, None)
    assert isinstance(event.exception, APIConnectionError)
    assert 0 <= event.wait <= 0.5  # first exponential backoff step


async def test_event_is_frozen(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create(unique_name="frozen")
    fake.faults.fail("GET", ANY_ROOM, status=502, times=1)
    events: list[RetryEvent] = []
    await client.with_options(on_retry=events.append).rooms.retrieve(room.id)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        events[0].attempt = 99  # type: ignore[misc]


async def test_no_hook_call_when_nothing_is_retried(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    events: list[RetryEvent] = []
    view = client.with_options(on_retry=events.append)
    # 409 is never retried; a create is not retried after a 500 (it may have been applied).
    fake.faults.fail("POST", "/v2/rooms", status=409, times=1)
    fake.faults.fail("POST", "/v2/rooms", status=500, times=1)
    for _ in range(2):
        with pytest.raises(Exception, match="HTTP"):
            await view.rooms.create(max_participants=4)
    assert events == []
    assert fake.calls("POST", "/v2/rooms") == 2


async def test_cancellation_during_a_retry_sleep_propagates(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    fake.faults.fail("GET", ANY_ROOM, status=503, headers={"Retry-After": "5"}, times=None)
    events: list[RetryEvent] = []
    view = client.with_options(on_retry=events.append)
    # asyncio.TimeoutError is the builtin one only from 3.11 on.
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(view.rooms.retrieve("r"), 0.3)
    assert [e.attempt for e in events] == [1]
    await asyncio.sleep(0.1)
    assert fake.calls("GET", "/v2/rooms/r") == 1


async def test_readme_metrics_example_counts_retries_per_status(fake: FakeRoomsAPI) -> None:
    # The "Timeouts and retries" README example, as written there.
    retries: Counter[str] = Counter()

    def count_retry(event: RetryEvent) -> None:
        cause = str(event.status) if event.status is not None else type(event.exception).__name__
        retries[f"{event.method} {cause}"] += 1

    fake.faults.reset("GET", "/v2/rooms", times=1)
    fake.faults.fail("GET", "/v2/rooms", status=503, headers={"Retry-After": "0"}, times=2)
    fake.faults.fail("GET", "/v2/rooms", status=429, headers={"Retry-After": "0"}, times=1)
    async with RoomsClient(
        fake.api_key, base_url=fake.base_url, max_retries=5, on_retry=count_retry
    ) as client:
        page = await client.rooms.list()
    assert page.items == ()
    assert retries == {"GET 503": 2, "GET 429": 1, "GET APIConnectionError": 1}


async def test_a_view_can_drop_an_inherited_hook(fake: FakeRoomsAPI) -> None:
    events: list[RetryEvent] = []
    async with RoomsClient(fake.api_key, base_url=fake.base_url, on_retry=events.append) as c:
        fake.faults.fail("GET", "/v2/rooms", status=503, headers={"Retry-After": "0"}, times=2)
        await c.with_options(on_retry=None).rooms.list()
        assert events == []
        fake.faults.fail("GET", "/v2/rooms", status=503, headers={"Retry-After": "0"}, times=1)
        await c.with_options(max_retries=3).rooms.list()
    assert [e.attempt for e in events] == [1]
