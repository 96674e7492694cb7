"""The request pipeline against the fake API: retry safety, Retry-After, leaks and logs."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from telnyx_rooms_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConflictError,
    InternalServerError,
    RateLimitError,
    ResponseTooLargeError,
    RetryEvent,
    RoomsClient,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

ROOMS = "/v2/rooms"
ONE_ROOM = "/v2/rooms/*"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: connecting to it is refused


def _client(fake: FakeRoomsAPI, **kwargs: Any) -> RoomsClient:
    options: dict[str, Any] = {"timeout": 10, "connect_timeout": 2, "read_timeout": 2}
    options.update(kwargs)
    return RoomsClient(fake.api_key, base_url=fake.base_url, **options)


class Retries:
    """An ``on_retry`` hook that records every event."""

    def __init__(self) -> None:
        self.events: list[RetryEvent] = []

    def __call__(self, event: RetryEvent) -> None:
        self.events.append(event)


@pytest.fixture
async def retries(fake: FakeRoomsAPI) -> AsyncIterator[tuple[RoomsClient, Retries]]:
    """A client with a recording ``on_retry`` hook."""
    hook = Retries()
    async with _client(fake, on_retry=hook) as client:
        yield client, hook


async def _settle(fake: FakeRoomsAPI, rooms: int, within: float = 3.0) -> None:
    """Wait until the fake holds ``rooms`` rooms (a handler may outlive its client)."""
    deadline = time.monotonic() + within
    for _ in range(int(within / 0.02)):
        if len(fake.store.rooms) >= rooms or time.monotonic() >= deadline:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # and nothing more arrives


def _open_connections(connector: aiohttp.BaseConnector | None) -> tuple[int, int]:
    """(in use, idle) connections of the pool; aiohttp exposes no public count."""
    assert connector is not None
    in_use = len(connector._acquired)
    idle = sum(len(v) for v in connector._conns.values())
    return in_use, idle


# -- a create is retried only when it provably did not reach the server ------------------------
# (Creates without a unique_name: with one, a lost reply is reconciled by name instead.)


async def test_create_is_not_retried_after_a_read_timeout(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries]
) -> None:
    client, hook = retries
    fake.faults.delay("POST", ROOMS, 0.8)
    with pytest.raises(APITimeoutError) as info:
        # Unnamed: a named create would be looked up by its name instead (test_reconcile.py).
        await client.with_options(read_timeout=0.3).rooms.create(max_participants=5)
    assert info.value.request_sent is True
    await _settle(fake, 1)
    assert len(fake.store.rooms) == 1  # the server did create it: a retry would duplicate it
    assert fake.calls("POST", ROOMS) == 1
    assert hook.events == []


async def test_create_is_not_retried_after_a_reset_once_handled(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries]
) -> None:
    client, hook = retries
    fake.faults.reset("POST", ROOMS, after_handling=True)
    with pytest.raises(APIConnectionError) as info:
        await client.rooms.create(max_participants=5)
    assert info.value.request_sent is True
    await _settle(fake, 1)
    assert len(fake.store.rooms) == 1
    assert fake.calls("POST", ROOMS) == 1
    assert hook.events == []


async def test_create_is_retried_when_the_connection_is_refused(fake: FakeRoomsAPI) -> None:
    port = _free_port()
    later = FakeRoomsAPI(api_key=fake.api_key, port=port)
    events: list[RetryEvent] = []

    async def start_server_on_first_retry(event: RetryEvent) -> None:
        events.append(event)
        await later.start()

    try:
        async with RoomsClient(
            fake.api_key,
            base_url=f"http://127.0.0.1:{port}/v2",
            on_retry=start_server_on_first_retry,
            max_retries=1,
        ) as client:
            room = await client.rooms.create(unique_name="after refusal")
    finally:
        await later.close()
    assert [e.status for e in events] == [None]
    assert isinstance(events[0].exception, APIConnectionError)
    assert events[0].exception.request_sent is False
    assert list(later.store.rooms) == [room.id]
    assert later.calls("POST", ROOMS) == 1


async def test_refused_connection_gives_up_after_max_retries() -> None:
    port = _free_port()
    events: list[RetryEvent] = []
    async with RoomsClient(
        "KEY-x", base_url=f"http://127.0.0.1:{port}/v2", max_retries=1, on_retry=events.append
    ) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.rooms.create(unique_name="nobody home")
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.request_sent is False
    assert "could not connect" in str(info.value)
    assert len(events) == 1
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is False


@pytest.mark.parametrize(
    ("status", "headers", "retried"),
    [
        (429, {"Retry-After": "0"}, True),
        (429, {}, True),
        (503, {"Retry-After": "0"}, True),
        (503, {}, False),
        (500, {}, False),
        (500, {"Retry-After": "0"}, False),
        (502, {"Retry-After": "0"}, False),
        (504, {}, False),
        (408, {"Retry-After": "0"}, False),
        (409, {"Retry-After": "0"}, False),
    ],
)
async def test_create_retry_by_status(
    fake: FakeRoomsAPI,
    retries: tuple[RoomsClient, Retries],
    status: int,
    headers: dict[str, str],
    retried: bool,
) -> None:
    client, hook = retries
    fake.faults.fail("POST", ROOMS, status=status, headers=headers)
    if retried:
        room = await client.rooms.create(unique_name="made")
        assert list(fake.store.rooms) == [room.id]
        assert [e.status for e in hook.events] == [status]
        assert fake.calls("POST", ROOMS) == 2
    else:
        with pytest.raises(APIStatusError) as info:
            await client.rooms.create(max_participants=5)
        assert info.value.status == status
        assert fake.calls("POST", ROOMS) == 1
        assert hook.events == []
        assert fake.store.rooms == {}


async def test_conflict_is_never_retried(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries]
) -> None:
    client, hook = retries
    room = await client.rooms.create(unique_name="c")
    fake.faults.fail("PATCH", ONE_ROOM, status=409, headers={"Retry-After": "0"})
    with pytest.raises(ConflictError):
        await client.rooms.update(room.id, max_participants=4)
    assert fake.calls("PATCH") == 1
    assert hook.events == []


# -- idempotent calls are retried on failures -----------------------------------------------


async def test_get_is_retried_after_a_read_timeout(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries]
) -> None:
    client, hook = retries
    created = await client.rooms.create(unique_name="slow")
    fake.faults.delay("GET", ONE_ROOM, 0.8)
    room = await client.with_options(read_timeout=0.3).rooms.retrieve(created.id)
    assert room == created
    assert fake.calls("GET", f"/v2/rooms/{created.id}") == 2
    [event] = hook.events
    assert isinstance(event.exception, APITimeoutError)
    assert event.status is None
    assert (event.method, event.path, event.attempt) == ("GET", f"/rooms/{created.id}", 1)


@pytest.mark.parametrize("after_handling", [False, True])
async def test_get_is_retried_after_a_reset(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries], after_handling: bool
) -> None:
    client, hook = retries
    created = await client.rooms.create(unique_name="reset")
    fake.faults.reset("GET", ONE_ROOM, after_handling=after_handling)
    assert await client.rooms.retrieve(created.id) == created
    assert fake.calls("GET") == 2
    [event] = hook.events
    assert isinstance(event.exception, APIConnectionError)


async def test_a_reset_get_is_sent_once_without_retries(fake: FakeRoomsAPI) -> None:
    fake.faults.reset("GET", "/v2/rooms/*", times=None)
    async with RoomsClient(fake.api_key, base_url=fake.base_url, max_retries=0) as c:
        with pytest.raises(APIConnectionError):
            await c.rooms.retrieve("r1")
    assert fake.calls("GET") == 1


@pytest.mark.parametrize("after_handling", [False, True])
async def test_patch_is_retried_after_a_reset(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries], after_handling: bool
) -> None:
    client, hook = retries
    created = await client.rooms.create(unique_name="reset")
    fake.faults.reset("PATCH", ONE_ROOM, after_handling=after_handling)
    room = await client.rooms.update(created.id, max_participants=7)
    assert room.max_participants == 7
    assert fake.calls("PATCH") == 2
    [event] = hook.events
    assert isinstance(event.exception, APIConnectionError)
    assert event.exception.request_sent is True
    assert (event.method, event.status) == ("PATCH", None)


async def test_list_is_retried_after_a_truncated_reply(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries]
) -> None:
    client, hook = retries
    await client.rooms.create(unique_name="t")
    fake.faults.truncate("GET", ROOMS)
    page = await client.rooms.list()
    assert len(page.items) == 1
    assert fake.calls("GET", ROOMS) == 2
    assert isinstance(hook.events[0].exception, APIConnectionError)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_idempotent_calls_are_retried_on(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries], method: str, status: int
) -> None:
    client, hook = retries
    room = await client.rooms.create(unique_name="r")
    fake.faults.fail(method, ONE_ROOM, status=status, headers={"Retry-After": "0"})
    if method == "GET":
        await client.rooms.retrieve(room.id)
    elif method == "PATCH":
        await client.rooms.update(room.id, max_participants=3)
    else:
        await client.rooms.delete(room.id)
    assert fake.calls(method) == 2
    assert [e.status for e in hook.events] == [status]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_client_errors_are_not_retried(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries], status: int
) -> None:
    client, hook = retries
    fake.faults.fail("GET", ROOMS, status=status, headers={"Retry-After": "0"})
    with pytest.raises(APIStatusError) as info:
        await client.rooms.list()
    assert info.value.status == status
    assert fake.calls("GET", ROOMS) == 1
    assert hook.events == []


@pytest.mark.parametrize("max_retries", [0, 1, 3])
async def test_retries_stop_at_max_retries(fake: FakeRoomsAPI, max_retries: int) -> None:
    hook = Retries()
    fake.faults.fail("GET", ROOMS, status=503, headers={"Retry-After": "0"}, times=None)
    async with _client(fake, max_retries=max_retries, on_retry=hook) as client:
        with pytest.raises(InternalServerError):
            await client.rooms.list()
    assert fake.calls("GET", ROOMS) == max_retries + 1
    assert [e.attempt for e in hook.events] == list(range(1, max_retries + 1))


async def test_with_options_changes_max_retries(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    fake.faults.fail("GET", ROOMS, status=503, headers={"Retry-After": "0"}, times=None)
    with pytest.raises(InternalServerError):
        await client.with_options(max_retries=0).rooms.list()
    assert fake.calls("GET", ROOMS) == 1
    with pytest.raises(InternalServerError):
        await client.rooms.list()
    assert fake.calls("GET", ROOMS) == 1 + 3  # the default of 2 retries


# -- Retry-After ----------------------------------------------------------------------------


async def test_retry_after_is_honoured(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    hook = Retries()
    fake.faults.fail("GET", ROOMS, status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    await client.with_options(on_retry=hook).rooms.list()
    elapsed = time.monotonic() - started
    [event] = hook.events
    assert event.wait == 1.0  # exactly, not jittered
    assert isinstance(event.exception, RateLimitError)
    assert event.exception.retry_after == 1.0
    assert 0.95 <= elapsed < 3.0
    assert fake.calls("GET", ROOMS) == 2


async def test_retry_after_ms_is_honoured(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    hook = Retries()
    fake.faults.fail("GET", ROOMS, status=503, headers={"retry-after-ms": "300"})
    started = time.monotonic()
    await client.with_options(on_retry=hook).rooms.list()
    assert [e.wait for e in hook.events] == [0.3]
    assert time.monotonic() - started >= 0.28


async def test_retry_after_past_the_deadline_fails_at_once(fake: FakeRoomsAPI) -> None:
    hook = Retries()
    fake.faults.fail("GET", ROOMS, status=429, headers={"Retry-After": "30"})
    async with _client(fake, timeout=2, on_retry=hook) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            await client.rooms.list()
    assert time.monotonic() - started < 1.0  # no useless 30 s (or 2 s) sleep
    assert "429" in str(info.value)
    assert hook.events == []
    assert fake.calls("GET", ROOMS) == 1


async def test_retry_event_carries_the_request_id(
    fake: FakeRoomsAPI, retries: tuple[RoomsClient, Retries]
) -> None:
    client, hook = retries
    fake.faults.fail("GET", ROOMS, status=503, headers={"Retry-After": "0", "x-request-id": "r-1"})
    await client.rooms.list()
    [event] = hook.events
    assert event.request_id == "r-1"
    assert event.exception.__class__ is InternalServerError


async def test_a_failing_retry_hook_does_not_break_the_call(
    fake: FakeRoomsAPI, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: RetryEvent) -> None:
        raise RuntimeError("hook bug")

    fake.faults.fail("GET", ROOMS, status=503, headers={"Retry-After": "0"})
    async with _client(fake, on_retry=broken) as client:
        page = await client.rooms.list()
    assert page.items == ()
    assert any("on_retry hook raised" in r.getMessage() for r in caplog.records)


# -- timeouts, cancellation and the pool ---------------------------------------------------


async def test_deadline_covers_the_whole_call(fake: FakeRoomsAPI) -> None:
    fake.faults.drip("GET", ROOMS, interval=0.05)
    async with _client(fake, timeout=0.4, read_timeout=5) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            await client.rooms.list()
        assert time.monotonic() - started < 1.5
        assert "deadline" in str(info.value)
        assert _open_connections(client.connector) == (0, 0)
        # The pool still works.
        assert (await client.with_options(timeout=5).rooms.list()).items == ()
    assert fake.calls("GET", ROOMS) == 2


async def test_read_timeout_of_a_create_leaves_no_connection(fake: FakeRoomsAPI) -> None:
    fake.faults.delay("POST", ROOMS, 0.5)
    async with _client(fake, read_timeout=0.2) as client:
        with pytest.raises(APITimeoutError):
            await client.rooms.create()
        assert _open_connections(client.connector) == (0, 0)
    await _settle(fake, 1)


async def test_asyncio_timeout_returns_no_connection_to_the_pool(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    await client.rooms.list()
    assert _open_connections(client.connector) == (0, 1)  # kept alive for reuse
    fake.faults.drip("GET", ROOMS, interval=0.05)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.rooms.list(), 0.3)
    # The half-read connection is closed, not returned to the pool for the next caller.
    assert _open_connections(client.connector) == (0, 0)
    assert fake.calls("GET", ROOMS) == 2  # cancellation is not retried
    assert (await client.rooms.list()).items == ()


async def test_task_cancellation_propagates_and_leaks_nothing(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create()
    fake.faults.delay("GET", ONE_ROOM, 1.0)
    task = asyncio.create_task(client.rooms.retrieve(room.id))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _open_connections(client.connector) == (0, 0)
    assert fake.calls("GET") == 1


async def test_many_concurrent_calls_share_a_small_pool(fake: FakeRoomsAPI) -> None:
    async with _client(fake, pool_limit=4) as client:
        rooms = await asyncio.gather(*(client.rooms.create(unique_name=f"c{i}") for i in range(40)))
        assert len({r.id for r in rooms}) == 40
        connector = client.connector
        assert connector is not None
        assert connector.limit == 4
        in_use, idle = _open_connections(connector)
        assert in_use == 0
        assert 1 <= idle <= 4


async def test_reply_larger_than_the_limit(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    for i in range(5):
        await client.rooms.create(unique_name=f"big {i}")
    with pytest.raises(ResponseTooLargeError):
        await client.with_options(max_response_size=200).rooms.list()
    assert fake.calls("GET", ROOMS) == 1  # not retried
    assert _open_connections(client.connector)[0] == 0
    assert len((await client.rooms.list()).items) == 5


# -- logging --------------------------------------------------------------------------------


async def test_debug_logs_carry_the_call_but_no_secrets(
    fake: FakeRoomsAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="telnyx_rooms_async")
    api_key = "KEY-logs-never-see-this"
    fake.api_key = api_key
    async with _client(fake, headers={"X-Custom": "header-value-marker"}) as client:
        room = await client.rooms.create(
            unique_name="body-marker", webhook_event_url="https://hooks.example/url-marker"
        )
        fake.faults.fail(
            "GET", ONE_ROOM, status=503, headers={"Retry-After": "0", "x-request-id": "req-503"}
        )
        await client.rooms.retrieve(room.id, include_sessions=True)
    records = [r for r in caplog.records if r.name == "telnyx_rooms_async"]
    messages = [r.getMessage() for r in records]
    assert any(m.startswith("POST /rooms -> 201 attempt 1 ") for m in messages), messages
    assert any(
        m.startswith(f"GET /rooms/{room.id} -> 503 attempt 1 ") and "request_id=req-503" in m
        for m in messages
    ), messages
    assert any(
        m.startswith(f"retry GET /rooms/{room.id} in 0.000s after attempt 1 (503)")
        for m in messages
    ), messages
    assert any(m.startswith(f"GET /rooms/{room.id} -> 200 attempt 2 ") for m in messages)
    created_log = next(m for m in messages if m.startswith("POST /rooms -> 201"))
    assert "request_id=" in created_log
    assert "request_id=None" not in created_log
    for record in records:
        text = record.getMessage() + repr(record.args) + repr(record.__dict__)
        for forbidden in (
            api_key,
            "Bearer",
            "Authorization",
            "body-marker",
            "url-marker",
            "header-value-marker",
            "X-Custom",
            "User-Agent",
            "include_sessions",  # the query is not logged either
        ):
            assert forbidden not in text, (forbidden, record.getMessage())


async def test_connection_failures_are_logged_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="telnyx_rooms_async")
    port = _free_port()
    async with RoomsClient(
        "KEY-refused-secret", base_url=f"http://127.0.0.1:{port}/v2", max_retries=0
    ) as client:
        with pytest.raises(APIConnectionError):
            await client.rooms.retrieve("r1")
    messages = [r.getMessage() for r in caplog.records if r.name == "telnyx_rooms_async"]
    assert any(m.startswith("GET /rooms/r1 attempt 1 failed after ") for m in messages), messages
    assert all("KEY-refused-secret" not in m for m in messages)
