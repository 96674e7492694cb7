"""The framework recipes in ``examples/`` run, against the fake API on 127.0.0.1."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


aiohttp_example = _load("aiohttp_app")
fastapi_example = _load("fastapi_app")

# One driver per framework: each starts the app (running its startup code), yields an
# HTTP client for it and the app's RoomsClient, and shuts the app down afterwards.
Http = Callable[..., Awaitable[Any]]


class AiohttpDriver:
    """Drive the aiohttp example through aiohttp's test server."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._client = TestClient(TestServer(app))

    async def __aenter__(self) -> AiohttpDriver:
        await self._client.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.close()

    @property
    def rooms_client(self) -> RoomsClient:
        return self.app[aiohttp_example.ROOMS_CLIENT]

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with self._client.request(method, path, **kwargs) as resp:
            return resp.status, await resp.json()


class FastAPIDriver:
    """Drive the FastAPI example in this loop: its lifespan, then ASGI calls over httpx."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lifespan = app.router.lifespan_context(app)
        self._http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://app.test"
        )

    async def __aenter__(self) -> FastAPIDriver:
        await self._lifespan.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()
        await self._lifespan.__aexit__(None, None, None)

    @property
    def rooms_client(self) -> RoomsClient:
        client: RoomsClient = self.app.state.rooms_client
        return client

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        resp = await self._http.request(method, path, **kwargs)
        return resp.status_code, resp.json()


Driver = AiohttpDriver | FastAPIDriver


def _driver(kind: str, **options: Any) -> Driver:
    if kind == "aiohttp":
        return AiohttpDriver(aiohttp_example.create_app(**options))
    return FastAPIDriver(fastapi_example.create_app(**options))


@pytest.fixture(params=["aiohttp", "fastapi"])
async def app(request: pytest.FixtureRequest, fake: FakeRoomsAPI) -> AsyncIterator[Driver]:
    """Each example app, started and pointed at the fake API."""
    async with _driver(request.param, api_key=fake.api_key, base_url=fake.base_url) as driver:
        yield driver


async def test_create_then_list(app: Driver, fake: FakeRoomsAPI) -> None:
    status, created = await app.request(
        "POST", "/rooms", json={"unique_name": "standup", "max_participants": 6}
    )
    assert status == 201, created
    assert created["unique_name"] == "standup"
    assert created["max_participants"] == 6
    assert fake.store.rooms[created["id"]]["unique_name"] == "standup"

    await app.request("POST", "/rooms", json={"unique_name": "retro"})
    status, listed = await app.request("GET", "/rooms")
    assert status == 200
    assert [r["unique_name"] for r in listed["rooms"]] == ["standup", "retro"]
    status, filtered = await app.request("GET", "/rooms", params={"unique_name": "retro"})
    assert [r["unique_name"] for r in filtered["rooms"]] == ["retro"]
    assert all(call.authorized for call in fake.requests)


async def test_handlers_share_the_one_client(app: Driver, fake: FakeRoomsAPI) -> None:
    client = app.rooms_client
    for i in range(3):
        await app.request("POST", "/rooms", json={"unique_name": f"r{i}"})
        await app.request("GET", "/rooms")
    # Same client object and same pool throughout; built once at startup.
    assert app.rooms_client is client
    assert client.connector is not None
    assert not client.is_closed
    assert fake.calls("POST", "/v2/rooms") == 3


@pytest.mark.parametrize("kind", ["aiohttp", "fastapi"])
async def test_shutdown_closes_the_client(kind: str, fake: FakeRoomsAPI) -> None:
    driver = _driver(kind, api_key=fake.api_key, base_url=fake.base_url)
    async with driver:
        await driver.request("GET", "/rooms")
        client = driver.rooms_client
        assert not client.is_closed
    assert client.is_closed


async def test_invalid_input_is_a_400_and_nothing_is_sent(app: Driver, fake: FakeRoomsAPI) -> None:
    status, body = await app.request("POST", "/rooms", json={"max_participants": 500})
    assert status == 400
    assert body["field"] == "max_participants"
    assert fake.calls("POST", "/v2/rooms") == 0


async def test_api_errors_map_to_json_replies(app: Driver, fake: FakeRoomsAPI) -> None:
    await app.request("POST", "/rooms", json={"unique_name": "taken"})
    status, body = await app.request("POST", "/rooms", json={"unique_name": "taken"})
    assert status in (409, 422), body
    assert body["request_id"]
    fake.faults.fail("GET", "/v2/rooms", status=500, times=None)
    status, body = await app.request("GET", "/rooms")
    assert status == 502
    assert "HTTP 500" in body["error"]
    assert fake.api_key not in str(body)


@pytest.mark.parametrize("kind", ["aiohttp", "fastapi"])
async def test_configured_from_the_environment(
    kind: str, fake: FakeRoomsAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", fake.api_key)
    monkeypatch.setenv("TELNYX_BASE_URL", fake.base_url)
    async with _driver(kind) as driver:
        status, created = await driver.request("POST", "/rooms", json={"unique_name": "env"})
        assert status == 201
        assert created["unique_name"] == "env"
        assert driver.rooms_client.base_url == fake.base_url
    assert fake.calls("POST", "/v2/rooms") == 1
