"""``with_options`` views share the parent's pool; their settings are their own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from telnyx_rooms_async import (
    ClientClosedError,
    ConfigurationError,
    InternalServerError,
    RetryEvent,
    RoomsClient,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

KEY = "KEY-views-test"


class PortServer:
    """A tiny Rooms-like server that records each request's client port and headers."""

    def __init__(self) -> None:
        self.ports: list[int] = []
        self.headers: list[dict[str, str]] = []
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def _room(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        assert peer is not None
        self.ports.append(int(peer[1]))
        self.headers.append(dict(request.headers))
        room = {"id": request.match_info["room_id"], "record_type": "room"}
        return web.json_response({"data": room})

    async def __aenter__(self) -> PortServer:
        app = web.Application()
        app.router.add_get("/v2/rooms/{room_id}", self._room)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v2"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.fixture
async def port_server() -> AsyncIterator[PortServer]:
    async with PortServer() as server:
        yield server


async def test_a_thousand_views_share_one_connection(port_server: PortServer) -> None:
    async with RoomsClient(KEY, base_url=port_server.base_url) as client:
        views = [client.with_options(headers={"X-View": str(i)}) for i in range(1000)]
        for i, view in enumerate(views[:100]):
            room = await view.rooms.retrieve(f"room-{i}")
            assert room.id == f"room-{i}"
        connectors = {id(view.connector) for view in views}
        assert connectors == {id(client.connector)}
        assert client.connector is not None
    assert len(port_server.ports) == 100
    # Calls made one after another through 100 views: one keep-alive connection served them.
    assert len(set(port_server.ports)) == 1, sorted(set(port_server.ports))
    # Each view still sent its own headers, and kept the client's User-Agent.
    assert [h["X-View"] for h in port_server.headers] == [str(i) for i in range(100)]
    assert all(h["User-Agent"].startswith("telnyx-rooms-async/") for h in port_server.headers)


async def test_view_headers_merge_with_the_parents(port_server: PortServer) -> None:
    async with RoomsClient(
        KEY, base_url=port_server.base_url, headers={"X-App": "a", "User-Agent": "svc/1"}
    ) as client:
        await client.with_options(headers={"X-Call": "b"}).rooms.retrieve("r1")
        await client.rooms.retrieve("r2")
    first, second = port_server.headers
    assert (first["X-App"], first["X-Call"], first["User-Agent"]) == ("a", "b", "svc/1")
    assert "X-Call" not in second
    assert first["Authorization"] == f"Bearer {KEY}"


async def test_closing_the_parent_ends_its_views(fake: FakeRoomsAPI) -> None:
    client = RoomsClient(fake.api_key, base_url=fake.base_url)
    early = client.with_options(timeout=5)
    await early.rooms.create(unique_name="before-close")
    late = client.with_options(max_retries=0)
    await client.aclose()
    assert early.is_closed
    assert late.is_closed
    before = fake.calls()
    for view in (early, late, late.with_options(timeout=1)):
        with pytest.raises(ClientClosedError):
            await view.rooms.retrieve("whatever")
        with pytest.raises(ClientClosedError):
            await view.rooms.list()
    assert fake.calls() == before


async def test_a_view_needs_no_closing(fake: FakeRoomsAPI) -> None:
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
        view = client.with_options(timeout=3)
        await view.rooms.create(unique_name="v")
        del view
        # Dropping the view leaves the parent's pool open and working.
        assert not client.is_closed
        assert len(await client.rooms.list()) == 1


async def test_view_settings_do_not_leak_into_the_parent(fake: FakeRoomsAPI) -> None:
    fake.faults.fail("GET", "/v2/rooms/*", status=503, headers={"Retry-After": "0"}, times=None)
    async with RoomsClient(fake.api_key, base_url=fake.base_url, max_retries=2) as client:
        view = client.with_options(max_retries=0)
        assert (view.max_retries, client.max_retries) == (0, 2)
        with pytest.raises(InternalServerError):
            await view.rooms.retrieve("a")
        assert fake.calls("GET", "/v2/rooms/a") == 1
        with pytest.raises(InternalServerError):
            await client.rooms.retrieve("b")
        assert fake.calls("GET", "/v2/rooms/b") == 3


async def test_view_on_retry_hook_is_the_views_own(fake: FakeRoomsAPI) -> None:
    fake.faults.fail("GET", "/v2/rooms/*", status=503, headers={"Retry-After": "0"}, times=2)
    parent_events: list[RetryEvent] = []
    view_events: list[RetryEvent] = []
    async with RoomsClient(
        fake.api_key, base_url=fake.base_url, on_retry=parent_events.append
    ) as client:
        room = await client.rooms.create(unique_name="hooks")
        view = client.with_options(on_retry=view_events.append)
        assert (await view.rooms.retrieve(room.id)).id == room.id
    assert [e.attempt for e in view_events] == [1, 2]
    assert parent_events == []


async def test_with_options_validates_like_the_constructor(fake: FakeRoomsAPI) -> None:
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
        for bad in (
            {"timeout": 0},
            {"timeout": float("inf")},
            {"connect_timeout": -1},
            {"read_timeout": True},
            {"max_retries": -1},
            {"headers": {"Authorization": "Bearer x"}},
            {"on_retry": "not callable"},
        ):
            with pytest.raises(ConfigurationError):
                client.with_options(**bad)  # type: ignore[arg-type]
        view = client.with_options(timeout=2.5, connect_timeout=1, read_timeout=2)
        assert view.timeout == 2.5
        assert client.timeout == 60.0
        assert KEY not in repr(view)
        assert fake.api_key not in repr(view)


async def test_views_are_cheap_to_make(fake: FakeRoomsAPI) -> None:
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
        await client.rooms.list()
        connector = client.connector
        views = [client.with_options(timeout=5) for _ in range(1000)]
        # The views borrow the parent's one session: no session, no connector of their own.
        assert {v.connector for v in views} == {connector}
        await views[-1].rooms.list()
        assert client.connector is connector
