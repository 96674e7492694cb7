"""The aiohttp helper, the FastAPI and aiohttp recipes, and life without ``cryptography``."""

from __future__ import annotations

import ast
import asyncio
import base64
import contextlib
import importlib.util
import json
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import httpx
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis_server import RedisServer, redis_server  # noqa: F401  (a fixture)

from telnyx_rooms_async import ConfigurationError, RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI
from telnyx_rooms_async.webhooks import (
    InMemoryEventStore,
    ParticipantJoinedEvent,
    SessionEndedEvent,
    UnknownEvent,
    WebhookEvent,
    WebhookVerifier,
    aiohttp_handler,
)

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def public_key(private_key: Ed25519PrivateKey) -> str:
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode()


def signed(key: Ed25519PrivateKey, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "telnyx-signature-ed25519": base64.b64encode(
            key.sign(stamp.encode() + b"|" + body)
        ).decode(),
        "telnyx-timestamp": stamp,
        "Content-Type": "application/json",
    }


def event_body(event_id: str = "ev-1", event_type: str = "video.room.participant.joined") -> bytes:
    return json.dumps(
        {
            "data": {
                "record_type": "event",
                "event_type": event_type,
                "id": event_id,
                "occurred_at": "2024-05-01T10:00:00Z",
                "payload": {"room_id": "room-1", "context": "Alice"},
            }
        }
    ).encode()


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on a free 127.0.0.1 port; yield its base URL."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- aiohttp_handler -------------------------------------------------------------------------


class Recorder:
    """The user's coroutine: records events; can fail or answer with its own response."""

    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self.fail_next = 0
        self.response: web.StreamResponse | None = None

    async def __call__(
        self, event: WebhookEvent, request: web.Request
    ) -> web.StreamResponse | None:
        self.events.append(event)
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the handler failed")
        return self.response


@contextlib.asynccontextmanager
async def helper_app(
    verifier: WebhookVerifier, recorder: Recorder
) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    app = web.Application()
    app.router.add_post("/hooks", aiohttp_handler(verifier)(recorder))
    async with serve(app) as base, aiohttp.ClientSession() as session:
        yield f"{base}/hooks", session


async def post(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str]:
    async with session.post(url, data=body, headers=headers) as response:
        return response.status, await response.text()


async def test_helper_passes_the_typed_event(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    recorder = Recorder()
    async with helper_app(WebhookVerifier(public_key), recorder) as (url, session):
        body = event_body()
        assert await post(session, url, body, signed(private_key, body)) == (200, "")
    [event] = recorder.events
    assert isinstance(event, ParticipantJoinedEvent)
    assert event.payload.context == "Alice"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda b, h: (b.replace(b"Alice", b"Eve"), h), "bad_signature"),
        (
            lambda b, h: (b, {**h, "telnyx-timestamp": str(int(h["telnyx-timestamp"]) + 1)}),
            "bad_signature",
        ),
        (lambda b, h: (b, {"Content-Type": "application/json"}), "missing_header"),
        (lambda b, h: (b, {**h, "telnyx-signature-ed25519": "%%%"}), "bad_base64"),
        (lambda b, h: (b, {**h, "telnyx-timestamp": "soon"}), "malformed_timestamp"),
    ],
    ids=["body", "timestamp", "headers", "base64", "timestamp-format"],
)
async def test_helper_answers_400_without_calling_the_handler(
    private_key: Ed25519PrivateKey, public_key: str, mutate: Any, reason: str
) -> None:
    recorder = Recorder()
    async with helper_app(WebhookVerifier(public_key), recorder) as (url, session):
        body = event_body()
        bad_body, bad_headers = mutate(body, signed(private_key, body))
        status, text = await post(session, url, bad_body, bad_headers)
    assert (status, text) == (400, f"webhook rejected: {reason}")
    assert recorder.events == []


async def test_helper_rejects_stale_and_forged(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    recorder = Recorder()
    forger = Ed25519PrivateKey.generate()
    async with helper_app(WebhookVerifier(public_key), recorder) as (url, session):
        body = event_body()
        stale = signed(private_key, body, int(time.time()) - 3600)
        assert await post(session, url, body, stale) == (
            400,
            "webhook rejected: timestamp_out_of_tolerance",
        )
        assert (await post(session, url, body, signed(forger, body)))[0] == 400
    assert recorder.events == []


async def test_helper_rejects_a_signed_body_that_is_not_an_event(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    recorder = Recorder()
    async with helper_app(WebhookVerifier(public_key), recorder) as (url, session):
        body = b"[1, 2, 3]"
        assert await post(session, url, body, signed(private_key, body)) == (
            400,
            "webhook rejected: malformed_payload",
        )
    assert recorder.events == []


async def test_helper_acknowledges_a_duplicate_without_calling_twice(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    recorder = Recorder()
    async with helper_app(WebhookVerifier(public_key), recorder) as (url, session):
        body = event_body("ev-dup")
        headers = signed(private_key, body)
        assert await post(session, url, body, headers) == (200, "")
        assert await post(session, url, body, headers) == (200, "duplicate event ignored")
        assert await post(session, url, body, signed(private_key, body)) == (
            200,
            "duplicate event ignored",
        )
    assert len(recorder.events) == 1


async def test_a_failed_handler_gets_500_and_the_retry_is_accepted(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    recorder = Recorder()
    recorder.fail_next = 1
    verifier = WebhookVerifier(public_key)
    store = InMemoryEventStore()
    app = web.Application()
    app.router.add_post("/hooks", aiohttp_handler(verifier, event_store=store)(recorder))
    async with serve(app) as base, aiohttp.ClientSession() as session:
        url = f"{base}/hooks"
        body = event_body("ev-retry")
        status, _ = await post(session, url, body, signed(private_key, body))
        assert status == 500
        assert len(store) == 0  # the claim was released
        assert await post(session, url, body, signed(private_key, body)) == (200, "")
        assert await post(session, url, body, signed(private_key, body)) == (
            200,
            "duplicate event ignored",
        )
    assert [e.id for e in recorder.events] == ["ev-retry", "ev-retry"]
    assert len(store) == 1
    # The store alone decides duplicates: the verifier's replay guard is not consulted.
    assert verifier.tracked_events == 0


async def test_the_handlers_own_response_is_used(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    recorder = Recorder()
    recorder.response = web.Response(status=202, text="queued")
    async with helper_app(WebhookVerifier(public_key), recorder) as (url, session):
        body = event_body()
        assert await post(session, url, body, signed(private_key, body)) == (202, "queued")


async def test_unknown_events_reach_the_handler(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    recorder = Recorder()
    async with helper_app(WebhookVerifier(public_key), recorder) as (url, session):
        body = event_body(event_type="video.room.brand.new")
        assert (await post(session, url, body, signed(private_key, body)))[0] == 200
    [event] = recorder.events
    assert type(event) is UnknownEvent
    assert event.payload["context"] == "Alice"


def test_helper_keeps_the_handlers_name(public_key: str) -> None:
    async def on_telnyx_event(event: WebhookEvent, request: web.Request) -> None:
        """Docs."""

    wrapped = aiohttp_handler(WebhookVerifier(public_key))(on_telnyx_event)
    assert wrapped.__name__ == "on_telnyx_event"
    assert wrapped.__doc__ == "Docs."


# -- the FastAPI recipe ----------------------------------------------------------------------


class Events:
    """An ``on_event`` callback for the recipes that records and can fail."""

    def __init__(self) -> None:
        self.seen: list[WebhookEvent] = []
        self.fail_next = 0

    async def __call__(self, event: WebhookEvent) -> None:
        self.seen.append(event)
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the application failed")


async def test_fastapi_recipe_accepts_and_rejects(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    example = load_example("fastapi_webhooks")
    events = Events()
    app = example.create_app(WebhookVerifier(public_key), on_event=events)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        body = event_body("ev-fastapi")
        good = await http.post("/telnyx/webhooks", content=body, headers=signed(private_key, body))
        assert good.status_code == 200
        forged = await http.post(
            "/telnyx/webhooks",
            content=body.replace(b"Alice", b"Eve"),
            headers=signed(private_key, body),
        )
        assert (forged.status_code, forged.text) == (400, "webhook rejected: bad_signature")
        missing = await http.post("/telnyx/webhooks", content=body)
        assert (missing.status_code, missing.text) == (400, "webhook rejected: missing_header")
        duplicate = await http.post(
            "/telnyx/webhooks", content=body, headers=signed(private_key, body)
        )
        assert (duplicate.status_code, duplicate.text) == (200, "duplicate event ignored")
        junk = b"{}"
        malformed = await http.post(
            "/telnyx/webhooks", content=junk, headers=signed(private_key, junk)
        )
        assert (malformed.status_code, malformed.text) == (
            400,
            "webhook rejected: malformed_payload",
        )
    [event] = events.seen
    assert isinstance(event, ParticipantJoinedEvent)
    assert event.id == "ev-fastapi"
    assert event.payload.context == "Alice"


async def test_fastapi_recipe_lets_a_retry_through_after_a_failure(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    example = load_example("fastapi_webhooks")
    events = Events()
    events.fail_next = 1
    app = example.create_app(WebhookVerifier(public_key), on_event=events)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        body = event_body("ev-flaky", "video.room.session.ended")
        first = await http.post("/telnyx/webhooks", content=body, headers=signed(private_key, body))
        assert first.status_code == 500
        again = await http.post("/telnyx/webhooks", content=body, headers=signed(private_key, body))
        assert again.status_code == 200
    assert [type(e) for e in events.seen] == [SessionEndedEvent, SessionEndedEvent]


async def test_fastapi_recipe_reads_the_key_from_the_environment(
    private_key: Ed25519PrivateKey, public_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_PUBLIC_KEY", public_key)
    example = load_example("fastapi_webhooks")
    events = Events()
    transport = httpx.ASGITransport(app=example.create_app(on_event=events))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        body = event_body("ev-env")
        response = await http.post(
            "/telnyx/webhooks", content=body, headers=signed(private_key, body)
        )
        assert response.status_code == 200
        other = Ed25519PrivateKey.generate()
        response = await http.post("/telnyx/webhooks", content=body, headers=signed(other, body))
        assert response.status_code == 400
    assert [e.id for e in events.seen] == ["ev-env"]


def test_fastapi_recipe_without_a_key_fails_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELNYX_PUBLIC_KEY", raising=False)
    example = load_example("fastapi_webhooks")
    with pytest.raises(ConfigurationError):
        example.create_app()


async def test_fastapi_recipes_default_handler_runs(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    example = load_example("fastapi_webhooks")
    app = example.create_app(WebhookVerifier(public_key))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for i, kind in enumerate(
            [
                "video.room.participant.joined",
                "video.room.participant.left",
                "video.room.session.ended",
                "video.room.recording.completed",
                "video.room.session.started",
                "video.room.unheard.of",
            ]
        ):
            body = event_body(f"ev-{i}", kind)
            response = await http.post(
                "/telnyx/webhooks", content=body, headers=signed(private_key, body)
            )
            assert response.status_code == 200, kind


# -- the aiohttp recipe, fed by the fake API ---------------------------------------------------


async def test_aiohttp_recipe_receives_from_the_fake(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    example = load_example("aiohttp_webhooks")
    events = Events()
    app = example.create_app(WebhookVerifier(fake.webhooks.public_key), on_event=events)
    async with serve(app) as base:
        room = await client.rooms.create(webhook_event_url=f"{base}/telnyx/webhooks")
        session = await fake.sim.start_session(room.id)
        await fake.sim.join(session["id"], context="Dana")
    assert [e.event_type for e in events.seen] == [
        "video.room.session.started",
        "video.room.participant.joined",
    ]
    joined = events.seen[1]
    assert isinstance(joined, ParticipantJoinedEvent)
    assert joined.payload.context == "Dana"


async def test_aiohttp_recipe_rejects_a_forgery(public_key: str) -> None:
    example = load_example("aiohttp_webhooks")
    events = Events()
    forger = Ed25519PrivateKey.generate()
    app = example.create_app(WebhookVerifier(public_key), on_event=events)
    async with serve(app) as base, aiohttp.ClientSession() as session:
        body = event_body()
        status, _ = await post(session, f"{base}/telnyx/webhooks", body, signed(forger, body))
    assert status == 400
    assert events.seen == []


# -- the recipes on a shared Redis store --------------------------------------------------------


class Gated(Events):
    """``Events`` whose first call waits until ``open`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.open = asyncio.Event()
        self.entered = asyncio.Event()

    async def __call__(self, event: WebhookEvent) -> None:
        self.entered.set()
        await self.open.wait()
        await super().__call__(event)


async def test_fastapi_recipe_workers_share_redis_from_the_environment(
    private_key: Ed25519PrivateKey,
    public_key: str,
    redis_server: RedisServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    example = load_example("fastapi_webhooks")
    events = Gated()
    workers = [example.create_app(WebhookVerifier(public_key), on_event=events) for _ in "ab"]
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for app in workers:
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://testserver")
                )
            )
        first, second = clients
        body = event_body("ev-workers")
        pending = asyncio.create_task(
            first.post("/telnyx/webhooks", content=body, headers=signed(private_key, body))
        )
        await events.entered.wait()
        busy = await second.post(
            "/telnyx/webhooks", content=body, headers=signed(private_key, body)
        )
        assert (busy.status_code, busy.text) == (409, "event in progress elsewhere; retry later")
        events.open.set()
        assert (await pending).status_code == 200
        retry = await second.post(
            "/telnyx/webhooks", content=body, headers=signed(private_key, body)
        )
        assert (retry.status_code, retry.text) == (200, "duplicate event ignored")
    assert [e.id for e in events.seen] == ["ev-workers"]


async def test_aiohttp_recipe_replicas_share_a_redis_store(
    private_key: Ed25519PrivateKey,
    public_key: str,
    redis_server: RedisServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    example = load_example("aiohttp_webhooks")
    events = Events()
    events.fail_next = 1
    apps = [example.create_app(WebhookVerifier(public_key), on_event=events) for _ in "ab"]
    async with serve(apps[0]) as one, serve(apps[1]) as two, aiohttp.ClientSession() as http:
        body = event_body("ev-replicas", "video.room.session.ended")
        urls = [f"{one}/telnyx/webhooks", f"{two}/telnyx/webhooks"]
        assert (await post(http, urls[0], body, signed(private_key, body)))[0] == 500
        assert await post(http, urls[1], body, signed(private_key, body)) == (200, "")
        assert await post(http, urls[0], body, signed(private_key, body)) == (
            200,
            "duplicate event ignored",
        )
    assert [e.id for e in events.seen] == ["ev-replicas", "ev-replicas"]


# -- docs/webhooks.md ---------------------------------------------------------------------------

DOC = ROOT / "docs" / "webhooks.md"


def doc_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def test_every_doc_example_compiles() -> None:
    blocks = doc_blocks()
    assert len(blocks) >= 5
    for block in blocks:
        compile(block, str(DOC), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


@pytest.mark.parametrize(
    "marker",
    [
        'app.router.add_post("/telnyx/webhooks", telnyx_webhook)',
        "reply = await receiver.receive(body, request.headers, handle_event)",
        "store = RedisEventStore(redis, prefix=",
    ],
)
async def test_doc_definitions_run(
    marker: str, public_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_PUBLIC_KEY", public_key)
    [block] = [b for b in doc_blocks() if marker in b]
    namespace: dict[str, Any] = {"__name__": "doc_example"}
    exec(compile(block, str(DOC), "exec"), namespace)
    assert callable(namespace["telnyx_webhook"])
    if "redis" in namespace:
        await namespace["redis"].aclose()


# -- without the optional extra -------------------------------------------------------------

NO_CRYPTO = r"""
import asyncio, json, sys

sys.modules["cryptography"] = None  # as if the extra were not installed

import telnyx_rooms_async
import telnyx_rooms_async.webhooks as webhooks
from telnyx_rooms_async import ConfigurationError, RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI

KEY = "A" * 43 + "="  # base64 of 32 bytes
HEADERS = {"telnyx-signature-ed25519": "A" * 86 + "==", "telnyx-timestamp": "1700000000"}
out = {}


def attempt(name, call):
    try:
        call()
    except ImportError as exc:
        out[name] = "ImportError: " + str(exc)
    except ConfigurationError as exc:
        out[name] = "ConfigurationError"
    except Exception as exc:
        out[name] = type(exc).__name__
    else:
        out[name] = "ACCEPTED"


attempt("verify", lambda: webhooks.verify(b"{}", HEADERS, KEY, now=1700000000))
attempt("construct_event", lambda: webhooks.construct_event(b"{}", HEADERS, KEY))
attempt("verifier", lambda: webhooks.WebhookVerifier(KEY))
attempt("empty_key", lambda: webhooks.verify(b"{}", HEADERS, ""))
out["parse"] = type(
    webhooks.parse_event(b'{"data": {"event_type": "video.room.session.started"}}')
).__name__


async def main():
    async with FakeRoomsAPI() as fake:
        out["no_url"] = await fake.webhooks.emit("video.room.session.started", {}, None)
        out["events"] = len(fake.webhooks.events)
        attempt("public_key", lambda: fake.webhooks.public_key)
        async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
            room = await client.rooms.create(webhook_event_url="http://127.0.0.1:9/hooks")
        try:
            await fake.webhooks.emit("video.room.session.started", {}, room.id)
        except ImportError as exc:
            out["delivery"] = "ImportError: " + str(exc)
        else:
            out["delivery"] = "SENT"


asyncio.run(main())
out["crypto_loaded"] = any(
    m.startswith("cryptography.") and sys.modules[m] is not None for m in sys.modules
)
print(json.dumps(out))
"""


def test_without_cryptography_everything_imports_and_nothing_is_accepted() -> None:
    result = subprocess.run(
        [sys.executable, "-c", NO_CRYPTO],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "Unclosed" not in result.stderr
    out = json.loads(result.stdout)
    hint = "pip install 'telnyx-rooms-async[webhooks]'"
    for name in ("verify", "construct_event", "verifier", "public_key", "delivery"):
        assert out[name].startswith("ImportError: "), (name, out[name])
        assert hint in out[name], name
    assert out["empty_key"] == "ConfigurationError"
    assert out["parse"] == "SessionStartedEvent"
    assert out["no_url"] == []
    assert out["events"] == 1
    assert out["crypto_loaded"] is False


def test_importing_the_package_does_not_import_cryptography() -> None:
    code = (
        "import sys, telnyx_rooms_async, telnyx_rooms_async.webhooks, telnyx_rooms_async.testing;"
        "print(any(m == 'cryptography' or m.startswith('cryptography.') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
