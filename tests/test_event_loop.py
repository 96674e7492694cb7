"""Event-loop safety: one loop per client, a clear error across loops, a warning when leaked."""

from __future__ import annotations

import asyncio
import gc
import socket
import warnings

import aiohttp
import pytest

from telnyx_rooms_async import ClientClosedError, RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI


async def _list(client: RoomsClient) -> int:
    return len(await client.rooms.list())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_second_event_loop_gets_a_clear_runtime_error() -> None:
    loop_a = asyncio.new_event_loop()
    fake = FakeRoomsAPI()
    try:
        loop_a.run_until_complete(fake.start())
        client = RoomsClient(fake.api_key, base_url=fake.base_url)
        loop_a.run_until_complete(client.rooms.create(unique_name="loop-a"))

        with pytest.raises(RuntimeError) as caught:
            asyncio.run(_list(client))
        error = caught.value
        assert not isinstance(error, ClientClosedError)
        message = str(error)
        assert "another event loop" in message
        assert "asyncio.run()" in message
        assert "async with RoomsClient() as client:" in message
        assert "already closed" not in message  # loop A is still open
        # Raised by the client before any I/O, not from inside aiohttp.
        assert error.__cause__ is None
        assert caught.traceback[-1].path.name == "_session.py"
        assert fake.calls() == 1

        # aclose() from the wrong loop says the same, and leaves the client usable in its loop.
        with pytest.raises(RuntimeError, match="another event loop"):
            asyncio.run(client.aclose())
        assert loop_a.run_until_complete(_list(client)) == 1
        loop_a.run_until_complete(client.aclose())
        assert client.is_closed
    finally:
        loop_a.run_until_complete(fake.close())
        loop_a.close()


def test_second_asyncio_run_after_the_first_loop_closed() -> None:
    async def first() -> RoomsClient:
        async with FakeRoomsAPI() as fake:
            client = RoomsClient(fake.api_key, base_url=fake.base_url)
            await client.rooms.list()
            return client

    client = asyncio.run(first())
    with pytest.raises(RuntimeError, match=r"another event loop \(that loop is already closed\)"):
        asyncio.run(_list(client))
    with pytest.raises(RuntimeError, match="another event loop"):
        asyncio.run(client.aclose())
    # The client can no longer be closed; dropping it warns, naming the fix.
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        del client
        gc.collect()
    ours = [str(w.message) for w in record if w.category is ResourceWarning]
    ours = [m for m in ours if "RoomsClient" in m]
    assert ours == [
        "RoomsClient was never closed: use 'async with RoomsClient() as client:'"
        " or 'await client.aclose()'"
    ]


async def test_unclosed_client_warns_and_schedules_nothing(fake: FakeRoomsAPI) -> None:
    client = RoomsClient(fake.api_key, base_url=fake.base_url)
    await client.rooms.create(unique_name="leaked")
    view = client.with_options(timeout=5)
    tasks_before = asyncio.all_tasks()
    # aiohttp warns about its own session too; every warning is captured here.
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        # A view keeps the pool alive; the warning comes when the last reference goes.
        del client
        gc.collect()
        assert not view.is_closed
        assert not [w for w in record if "RoomsClient" in str(w.message)]
        del view
        gc.collect()
    ours = [w for w in record if "RoomsClient" in str(w.message)]
    assert len(ours) == 1
    assert ours[0].category is ResourceWarning
    assert "'await client.aclose()'" in str(ours[0].message)
    assert fake.api_key not in str(ours[0].message)
    assert asyncio.all_tasks() == tasks_before


async def test_closed_or_unused_clients_do_not_warn(fake: FakeRoomsAPI) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        unused = RoomsClient(fake.api_key, base_url=fake.base_url)
        closed = RoomsClient(fake.api_key, base_url=fake.base_url)
        await closed.rooms.list()
        await closed.aclose()
        del unused, closed
        gc.collect()
    assert [w for w in record if issubclass(w.category, ResourceWarning)] == []


async def test_a_lent_session_is_neither_closed_nor_warned_about(fake: FakeRoomsAPI) -> None:
    async with aiohttp.ClientSession() as session:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            client = RoomsClient(fake.api_key, base_url=fake.base_url, session=session)
            await client.rooms.list()
            del client
            gc.collect()
        assert [w for w in record if issubclass(w.category, ResourceWarning)] == []
        assert not session.closed
        client = RoomsClient(fake.api_key, base_url=fake.base_url, session=session)
        await client.aclose()
        assert not session.closed
        with pytest.raises(ClientClosedError):
            await client.rooms.list()


def test_a_client_made_outside_any_loop_works_in_the_loop_that_uses_it() -> None:
    port = _free_port()
    # Made in plain sync code, e.g. at import time of a module: no session exists yet.
    client = RoomsClient("KEY-outside", base_url=f"http://127.0.0.1:{port}/v2")

    async def main() -> int:
        async with FakeRoomsAPI(api_key="KEY-outside", port=port) as fake, client:
            await client.rooms.create(unique_name="outside")
            assert await _list(client) == 1
            return fake.calls()

    assert asyncio.run(main()) == 2
    assert client.is_closed


async def test_concurrent_first_calls_share_one_pool(fake: FakeRoomsAPI) -> None:
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
        views = [client.with_options(timeout=5) for _ in range(10)]
        counts = await asyncio.gather(*(_list(v) for v in views), _list(client))
        assert counts == [0] * 11
        assert {v.connector for v in views} == {client.connector}
        assert client.connector is not None
