"""Webhook delivery of the fake: retries with backoff, failover, allowed hosts, background mode."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fakehttp import Receiver, serve

from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI
from telnyx_rooms_async.webhooks import verify

JOINED = "video.room.participant.joined"
SEED = bytes(range(32))


async def room_with_hooks(fake: FakeRoomsAPI, **webhooks: Any) -> str:
    async with RoomsClient(fake.api_key, base_url=fake.base_url, timeout=10) as client:
        return (await client.rooms.create(**webhooks)).id


@attrs.frozen
class Hooked:
    fake: FakeRoomsAPI
    room_id: str
    primary: str
    failover: str


@contextlib.asynccontextmanager
async def hooked(primary: Receiver, failover: Receiver, **settings: Any) -> AsyncIterator[Hooked]:
    """A fake with ``settings`` and a room whose webhooks go to the two receivers."""
    async with (
        FakeRoomsAPI(**settings) as fake,
        serve(primary.app) as one,
        serve(failover.app) as two,
    ):
        room_id = await room_with_hooks(
            fake, webhook_event_url=f"{one}/hooks", webhook_event_failover_url=f"{two}/hooks"
        )
        yield Hooked(fake, room_id, f"{one}/hooks", f"{two}/hooks")


async def test_a_failing_primary_is_retried_then_the_failover_gets_it() -> None:
    primary, failover = Receiver(500), Receiver(200)
    async with hooked(primary, failover, webhook_retries=2, webhook_backoff=0) as world:
        fake, one, two = world.fake, world.primary, world.failover
        session = await fake.sim.start_session(world.room_id)
    assert [(a.url, a.status, a.attempt) for a in fake.webhooks.deliveries] == [
        (one, 500, 1),
        (one, 500, 2),
        (one, 500, 3),
        (two, 200, 4),
    ]
    documents = primary.documents() + failover.documents()
    assert [d["meta"]["attempt"] for d in documents] == [1, 2, 3, 4]
    assert {d["data"]["id"] for d in documents} == {fake.webhooks.events[0]["data"]["id"]}
    assert documents[-1]["data"]["payload"]["session_id"] == session["id"]
    # Every try is signed on its own (a verifier would refuse the repeated event id).
    for body, headers in primary.calls + failover.calls:
        verify(body, headers, fake.webhooks.public_key)


async def test_a_retry_that_succeeds_stops_there() -> None:
    primary, failover = Receiver(503, 200), Receiver()
    async with hooked(primary, failover, webhook_retries=3, webhook_backoff=0) as world:
        attempts = await world.fake.webhooks.emit(JOINED, {"room_id": world.room_id}, world.room_id)
    assert [(a.status, a.ok) for a in attempts] == [(503, False), (200, True)]
    assert failover.calls == []


async def test_the_backoff_doubles_and_the_total_is_bounded() -> None:
    primary = Receiver(500)
    async with (
        FakeRoomsAPI(webhook_retries=2, webhook_backoff=0.05) as fake,
        serve(primary.app) as one,
    ):
        room_id = await room_with_hooks(fake, webhook_event_url=f"{one}/hooks")
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempts = await fake.webhooks.emit(JOINED, {"room_id": room_id}, room_id)
        elapsed = loop.time() - started
    assert len(attempts) == 3
    assert 0.05 + 0.1 <= elapsed < 2


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"webhook_retries": -1}, "retries"),
        ({"webhook_retries": 1.5}, "retries"),
        ({"webhook_backoff": -0.1}, "backoff"),
        ({"webhook_key": "not base64!"}, "base64"),
        ({"webhook_key": base64.b64encode(b"short").decode()}, "32 bytes"),
        ({"webhook_delivery": "later"}, "webhook_delivery"),
    ],
)
def test_webhook_settings_are_checked(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FakeRoomsAPI(**settings)


def test_a_webhook_key_gives_a_known_public_key() -> None:
    expected = (
        Ed25519PrivateKey.from_private_bytes(SEED)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    one = FakeRoomsAPI(webhook_key=base64.b64encode(SEED).decode())
    two = FakeRoomsAPI(webhook_key=SEED)
    assert one.webhooks.public_key == two.webhooks.public_key
    assert base64.b64decode(one.webhooks.public_key) == expected


async def test_a_host_that_is_not_allowed_is_refused_logged_and_recorded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeRoomsAPI() as fake:
        room_id = await room_with_hooks(fake, webhook_event_url="https://hooks.example.com/in")
        with caplog.at_level(logging.INFO, logger="telnyx_rooms_async.testing"):
            [attempt] = await fake.webhooks.emit(JOINED, {"room_id": room_id}, room_id)
    assert attempt.status is None
    assert attempt.error == "not sent: hooks.example.com is not loopback or an allowed webhook host"
    assert fake.webhooks.deliveries == [attempt]
    assert any("hooks.example.com" in r.getMessage() for r in caplog.records)


async def test_an_allowed_host_is_contacted() -> None:
    # 203.0.113.0/24 is reserved for documentation: nothing answers there, so the attempt
    # fails by itself (unreachable, or the room's one-second timeout) but is made.
    async with FakeRoomsAPI(webhook_retries=0, allow_webhook_hosts=["203.0.113.7"]) as fake:
        room_id = await room_with_hooks(
            fake, webhook_event_url="http://203.0.113.7/hooks", webhook_timeout_secs=1
        )
        [attempt] = await fake.webhooks.emit(JOINED, {"room_id": room_id}, room_id)
    assert attempt.error is not None
    assert not attempt.error.startswith("not sent")


async def test_background_delivery_returns_at_once_and_keeps_the_order() -> None:
    release = asyncio.Event()
    seen: list[str] = []

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        seen.append((await request.json())["data"]["event_type"])
        return web.Response()

    app = web.Application()
    app.router.add_post("/hooks", slow)
    async with FakeRoomsAPI(webhook_delivery="background") as fake, serve(app) as base:
        room_id = await room_with_hooks(fake, webhook_event_url=f"{base}/hooks")
        session = await fake.sim.start_session(room_id)
        await fake.sim.join(session["id"], context="Alice")
        assert fake.webhooks.deliveries == []
        assert fake.webhooks.pending >= 1
        release.set()
        await asyncio.wait_for(fake.webhooks.drain(), 5)
    assert seen == ["video.room.session.started", JOINED]
    assert [d.ok for d in fake.webhooks.deliveries] == [True, True]
    assert fake.webhooks.pending == 0
