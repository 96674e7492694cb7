"""``RoomsClient`` as a session manager: lazy pool, closing, configuration and headers."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from telnyx_rooms_async import (
    DEFAULT_BASE_URL,
    ClientClosedError,
    ConfigurationError,
    NotFoundError,
    RoomsClient,
    __version__,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

USER_AGENT = f"telnyx-rooms-async/{__version__}"


class HeaderEcho:
    """A tiny API on 127.0.0.1 that answers every call with a room and keeps the headers."""

    def __init__(self) -> None:
        self.seen: list[list[tuple[str, str]]] = []
        self.methods: list[str] = []
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.seen.append(list(request.headers.items()))
        self.methods.append(request.method)
        return web.json_response({"data": {"id": "r1"}, "meta": {"total_pages": 1}})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v2"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def headers(self, index: int = -1) -> dict[str, list[str]]:
        """Header values by lower-cased name (a list, to spot duplicates)."""
        out: dict[str, list[str]] = {}
        for name, value in self.seen[index]:
            out.setdefault(name.lower(), []).append(value)
        return out


@pytest.fixture
async def echo() -> AsyncIterator[HeaderEcho]:
    server = HeaderEcho()
    await server.start()
    yield server
    await server.close()


def _client(fake: FakeRoomsAPI, **kwargs: Any) -> RoomsClient:
    return RoomsClient(fake.api_key, base_url=fake.base_url, timeout=5, **kwargs)


# -- the pool ---------------------------------------------------------------------------------


async def test_session_is_created_lazily_and_closed(fake: FakeRoomsAPI) -> None:
    client = _client(fake)
    before = client.connector
    assert before is None  # nothing opened at construction
    assert repr(client).endswith(", open)")
    await client.rooms.list()
    connector = client.connector
    assert isinstance(connector, aiohttp.TCPConnector)
    assert connector.limit == 100
    await client.rooms.list()
    assert client.connector is connector  # one pool for every call
    await client.aclose()
    assert client.is_closed
    assert connector.closed
    await client.aclose()  # closing twice is fine


async def test_async_with_closes_the_pool(fake: FakeRoomsAPI) -> None:
    async with _client(fake) as client:
        await client.rooms.create(unique_name="a")
        connector = client.connector
        assert connector is not None
        assert not connector.closed
    assert client.is_closed
    assert connector.closed


async def test_async_with_closes_on_error(fake: FakeRoomsAPI) -> None:
    client = _client(fake)

    async def fail_inside() -> None:
        async with client:
            await client.rooms.list()
            raise KeyError("boom")

    with pytest.raises(KeyError):
        await fail_inside()
    assert client.is_closed
    assert client.connector is None or client.connector.closed


async def test_pool_limits_are_configurable(fake: FakeRoomsAPI) -> None:
    async with _client(fake, pool_limit=7, pool_limit_per_host=3) as client:
        await client.rooms.list()
        connector = client.connector
        assert connector is not None
        assert (connector.limit, connector.limit_per_host) == (7, 3)


async def test_concurrent_first_calls_share_one_session(fake: FakeRoomsAPI) -> None:
    async with _client(fake) as client:
        await asyncio.gather(*(client.rooms.list() for _ in range(10)))
        connector = client.connector
        assert connector is not None
    assert connector.closed
    assert fake.calls("GET", "/v2/rooms") == 10


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.rooms.create(),
        lambda c: c.rooms.retrieve("r1"),
        lambda c: c.rooms.update("r1", max_participants=3),
        lambda c: c.rooms.delete("r1"),
        lambda c: c.rooms.list(),
    ],
)
async def test_closed_client_raises_client_closed(fake: FakeRoomsAPI, call: Any) -> None:
    client = _client(fake)
    view = client.with_options(max_retries=0)
    await client.rooms.list()
    await client.aclose()
    for target in (client, view, client.with_options(timeout=1)):
        with pytest.raises(ClientClosedError) as info:
            await call(target)
        assert "closed" in str(info.value)
        assert isinstance(info.value, RuntimeError)
    assert fake.calls() == 1


async def test_closing_before_any_call(fake: FakeRoomsAPI) -> None:
    client = _client(fake)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client.rooms.list()
    assert fake.requests == []


async def test_async_with_on_a_closed_client_fails(fake: FakeRoomsAPI) -> None:
    client = _client(fake)
    await client.aclose()
    with pytest.raises(ClientClosedError, match="closed"):
        async with client:
            pass


async def test_sync_with_is_a_type_error(fake: FakeRoomsAPI) -> None:
    client = _client(fake)
    with pytest.raises(TypeError, match="async with"), client:
        pass
    await client.aclose()


async def test_views_share_the_pool_and_close_with_it(fake: FakeRoomsAPI) -> None:
    async with _client(fake) as client:
        view = client.with_options(timeout=2, max_retries=0, headers={"X-A": "1"})
        await view.rooms.list()
        assert view.connector is client.connector
        assert (view.timeout, view.max_retries) == (2.0, 0)
        assert (client.timeout, client.max_retries) == (5.0, 2)
        await client.rooms.list()
        assert view.connector is client.connector
    assert view.is_closed


async def test_closing_a_view_leaves_the_shared_pool_open(fake: FakeRoomsAPI) -> None:
    async with _client(fake) as client:
        async with client.with_options(max_retries=0) as view:
            await view.rooms.list()
        await view.aclose()
        assert not client.is_closed and not view.is_closed
        await client.rooms.list()
        await view.rooms.list()
    assert view.is_closed
    with pytest.raises(ClientClosedError):
        await view.rooms.list()


# -- a caller's session -----------------------------------------------------------------------


async def test_callers_session_is_used_and_never_closed(fake: FakeRoomsAPI) -> None:
    async with aiohttp.ClientSession() as session:
        client = RoomsClient(fake.api_key, base_url=fake.base_url, session=session)
        room = await client.rooms.create(unique_name="borrowed")
        assert client.connector is session.connector
        await client.aclose()
        assert client.is_closed
        assert not session.closed
        with pytest.raises(ClientClosedError):
            await client.rooms.retrieve(room.id)
        # The caller can go on using its session.
        headers = {"Authorization": f"Bearer {fake.api_key}"}
        async with session.get(f"{fake.base_url}/rooms/{room.id}", headers=headers) as resp:
            assert resp.status == 200
    assert session.closed


async def test_callers_closed_session_is_reported(fake: FakeRoomsAPI) -> None:
    session = aiohttp.ClientSession()
    client = RoomsClient(fake.api_key, base_url=fake.base_url, session=session)
    await client.rooms.list()
    await session.close()
    with pytest.raises(ClientClosedError, match="session"):
        await client.rooms.list()
    await client.aclose()


def test_session_must_be_an_aiohttp_session() -> None:
    with pytest.raises(ConfigurationError, match="ClientSession"):
        RoomsClient("KEY-x", session=object())  # type: ignore[arg-type]


# -- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize("api_key", [None, "", "   "])
def test_missing_api_key_fails_at_construction(
    monkeypatch: pytest.MonkeyPatch, api_key: str | None
) -> None:
    monkeypatch.delenv("TELNYX_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="TELNYX_API_KEY"):
        RoomsClient(api_key)


def test_api_key_with_a_line_break_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="line break"):
        RoomsClient("KEY-a\r\nX-Injected: 1")


async def test_api_key_and_base_url_from_the_environment(
    fake: FakeRoomsAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", fake.api_key)
    monkeypatch.setenv("TELNYX_BASE_URL", fake.base_url)
    async with RoomsClient() as client:
        assert client.base_url == fake.base_url
        await client.rooms.create(unique_name="from env")
    assert [c.authorized for c in fake.requests] == [True]


async def test_arguments_win_over_the_environment(
    fake: FakeRoomsAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", "KEY-from-env-is-wrong")
    monkeypatch.setenv("TELNYX_BASE_URL", "https://elsewhere.example/v2")
    async with RoomsClient(fake.api_key, base_url=fake.base_url + "/") as client:
        assert client.base_url == fake.base_url  # trailing slash dropped
        await client.rooms.list()
    assert [c.authorized for c in fake.requests] == [True]


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELNYX_BASE_URL", raising=False)
    client = RoomsClient("KEY-x")
    assert client.base_url == DEFAULT_BASE_URL == "https://api.telnyx.com/v2"


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.telnyx.com/v2",
        "http://example.com",
        "http://10.0.0.1:8080/v2",
        "http://192.168.1.10/v2",
        "http://[2001:db8::1]/v2",
        "http://localhost.example.com/v2",
    ],
)
def test_plain_http_to_a_remote_host_is_refused(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        RoomsClient("KEY-x", base_url=base_url)
    monkeypatch.setenv("TELNYX_BASE_URL", base_url)
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        RoomsClient("KEY-x")
    assert RoomsClient("KEY-x", base_url=base_url, allow_insecure_http=True).base_url == (
        base_url.rstrip("/")
    )


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8080/v2",
        "http://127.1.2.3/v2",
        "http://localhost:9000/v2",
        "http://[::1]:8080/v2",
        "https://example.com/v2",
        "https://api.telnyx.com/v2",
    ],
)
def test_loopback_http_and_https_are_accepted(base_url: str) -> None:
    assert RoomsClient("KEY-x", base_url=base_url).base_url == base_url


@pytest.mark.parametrize(
    "base_url",
    [
        "ftp://example.com/v2",
        "api.telnyx.com/v2",
        "/v2",
        "https://user:pw@example.com/v2",
        "https://example.com/v2?x=1",
        "https://example.com/v2#frag",
    ],
)
def test_bad_base_urls(base_url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        RoomsClient("KEY-x", base_url=base_url)
    assert "pw" not in str(info.value)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", 0),
        ("timeout", -1),
        ("timeout", float("inf")),
        ("timeout", True),
        ("timeout", "5"),
        ("connect_timeout", 0),
        ("read_timeout", -0.1),
        ("keepalive_timeout", 0),
        ("max_retries", -1),
        ("max_retries", True),
        ("max_retries", 1.0),
        ("pool_limit", -1),
        ("pool_limit_per_host", -1),
        ("max_response_size", 0),
        ("headers", {"X-Bad": 1}),
        ("headers", {"Authorization": "Bearer other"}),
    ],
)
def test_bad_options(option: str, value: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        RoomsClient("KEY-x", **{option: value})
    expected = "header" if option == "headers" else option
    assert expected in str(info.value).lower() or "authorization" in str(info.value).lower()


# -- what goes on the wire ------------------------------------------------------------------


async def test_headers_on_the_wire(echo: HeaderEcho) -> None:
    async with RoomsClient(
        "KEY-echo", base_url=echo.base_url, headers={"X-Trace": "abc", "X-Team": "video"}
    ) as client:
        await client.rooms.retrieve("r1")
        get = echo.headers()
        await client.rooms.create(unique_name="x")
        post = echo.headers()
        await client.with_options(headers={"X-Other": "1"}).rooms.delete("r1")
        view = echo.headers()
    assert get["user-agent"] == [USER_AGENT]
    assert get["authorization"] == ["Bearer KEY-echo"]
    assert get["accept"] == ["application/json"]
    assert get["x-trace"] == ["abc"]
    assert get["x-team"] == ["video"]
    assert "content-type" not in get
    assert post["content-type"] == ["application/json"]
    assert post["user-agent"] == [USER_AGENT]
    assert view["x-trace"] == ["abc"]
    assert view["x-other"] == ["1"]
    assert view["user-agent"] == [USER_AGENT]
    assert "cookie" not in get
    assert echo.methods == ["GET", "POST", "DELETE"]


async def test_custom_user_agent(echo: HeaderEcho) -> None:
    async with RoomsClient(
        "KEY-echo", base_url=echo.base_url, headers={"User-Agent": "my-app/1.0"}
    ) as client:
        await client.rooms.retrieve("r1")
    assert echo.headers()["user-agent"] == ["my-app/1.0"]


def test_user_agent_names_the_package_version() -> None:
    assert USER_AGENT.startswith("telnyx-rooms-async/")
    assert __version__
    assert __version__[0].isdigit()


# -- no leaks ---------------------------------------------------------------------------------


async def test_no_unclosed_session_warning_after_close(fake: FakeRoomsAPI) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = _client(fake)
        await client.rooms.create(unique_name="w")
        await client.with_options(timeout=2).rooms.list()
        connector = client.connector
        await client.aclose()
        await asyncio.sleep(0)
        del client
        gc.collect()
    assert [str(w.message) for w in caught] == []
    assert connector is not None
    assert connector.closed


async def test_a_lent_session_that_raises_for_status_still_gives_typed_errors(
    fake: FakeRoomsAPI,
) -> None:
    async with aiohttp.ClientSession(raise_for_status=True) as session:
        async with RoomsClient(fake.api_key, base_url=fake.base_url, session=session) as client:
            with pytest.raises(NotFoundError):
                await client.rooms.retrieve("missing")
    assert fake.calls("GET") == 1


async def test_header_names_are_matched_without_regard_to_case(fake: FakeRoomsAPI) -> None:
    async with RoomsClient(
        fake.api_key, base_url=fake.base_url, headers={"user-agent": "svc/1", "X-Team": "a"}
    ) as client:
        view = client.with_options(headers={"x-team": "b"})
        await view.rooms.list()
    sent = fake.requests[-1]
    assert sent.headers["User-Agent"] == "svc/1"
    assert sent.headers["X-Team"] == "b"


def test_a_bad_base_url_is_not_echoed() -> None:
    with pytest.raises(ConfigurationError) as caught:
        RoomsClient("key", base_url="http://user:pa ss@[bad")
    assert "pa ss" not in str(caught.value)


def test_importing_the_package_does_not_import_aiohttp() -> None:
    """``import telnyx_rooms_async`` stays cheap; aiohttp comes with the first client."""
    code = (
        "import sys, telnyx_rooms_async as t, telnyx_rooms_async.params;"
        "assert 'aiohttp' not in sys.modules, 'eager';"
        "t.RoomsClient; assert 'aiohttp' in sys.modules;"
        "assert sorted(dir(t)) == sorted(t.__all__)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
