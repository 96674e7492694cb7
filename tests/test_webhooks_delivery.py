"""The fake API signs and delivers video-room webhooks to loopback receivers."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from fakehttp import Receiver, serve

from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI
from telnyx_rooms_async.testing._delivery import DeliveryAttempt
from telnyx_rooms_async.webhooks import (
    CompositionCompletedEvent,
    ParticipantJoinedEvent,
    ParticipantLeftEvent,
    RecordingCompletedEvent,
    RecordingStartedEvent,
    SessionEndedEvent,
    SessionStartedEvent,
    WebhookEvent,
    WebhookVerificationError,
    WebhookVerifier,
    aiohttp_handler,
    construct_event,
    verify,
)

JOINED = "video.room.participant.joined"


@pytest.fixture
async def fake() -> AsyncIterator[FakeRoomsAPI]:
    """A fake that tries each URL once, so that a failure goes straight to the failover.

    Retries have tests of their own (``test_fake_webhooks.py``).
    """
    async with FakeRoomsAPI(webhook_retries=0) as api:
        yield api


def closed_port() -> int:
    """A loopback port with nothing listening (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def make_room(fake: FakeRoomsAPI, **webhooks: Any) -> str:
    """A room in the fake's store with the given webhook settings, through the real client."""
    async with RoomsClient(fake.api_key, base_url=fake.base_url, timeout=10) as client:
        room = await client.rooms.create(**webhooks)
    return room.id


def joined_payload(room_id: str) -> dict[str, Any]:
    return {
        "context": "Alice",
        "participant_id": "5ccc7b54-4df3-4bca-a65a-35a1ecc777f0",
        "room_id": room_id,
        "session_id": "7b61621f-62e0-4aad-ab11-9fd19e272e73",
    }


# -- end to end: fake API -> aiohttp app using the helper ---------------------------------------


async def test_fake_delivers_a_signed_participant_joined_to_an_aiohttp_app(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    received: list[tuple[WebhookEvent, str]] = []
    verifier = WebhookVerifier(fake.webhooks.public_key)

    @aiohttp_handler(verifier)
    async def on_event(event: WebhookEvent, request: web.Request) -> None:
        received.append((event, request.path))

    app = web.Application()
    app.router.add_post("/telnyx/webhooks", on_event)
    async with serve(app) as base:
        room = await client.rooms.create(
            unique_name="standup", webhook_event_url=f"{base}/telnyx/webhooks"
        )
        attempts = await fake.webhooks.emit(JOINED, joined_payload(room.id), room.id)

    assert len(received) == 1
    event, path = received[0]
    assert path == "/telnyx/webhooks"
    assert isinstance(event, ParticipantJoinedEvent)
    assert event.event_type == JOINED
    assert event.record_type == "event"
    assert event.payload.context == "Alice"
    assert event.payload.room_id == room.id
    assert event.occurred_at is not None
    assert event.meta is not None
    assert event.meta.attempt == 1
    assert event.meta.delivered_to == f"{base}/telnyx/webhooks"
    assert attempts == [
        DeliveryAttempt(
            event_id=event.id or "",
            event_type=JOINED,
            url=f"{base}/telnyx/webhooks",
            attempt=1,
            status=200,
            ok=True,
        )
    ]
    assert fake.webhooks.deliveries == attempts


async def test_simulated_join_reaches_the_handler_typed(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    received: list[WebhookEvent] = []

    @aiohttp_handler(WebhookVerifier(fake.webhooks.public_key))
    async def on_event(event: WebhookEvent, request: web.Request) -> None:
        received.append(event)

    app = web.Application()
    app.router.add_post("/hooks", on_event)
    async with serve(app) as base:
        room = await client.rooms.create(unique_name="sim", webhook_event_url=f"{base}/hooks")
        session = await fake.sim.start_session(room.id)
        participant = await fake.sim.join(session["id"], context="Bob")

    assert [type(e) for e in received] == [SessionStartedEvent, ParticipantJoinedEvent]
    started, joined = received
    assert isinstance(started, SessionStartedEvent)
    assert started.payload.session_id == session["id"]
    assert started.payload.room_id == room.id
    assert isinstance(joined, ParticipantJoinedEvent)
    assert joined.payload.participant_id == participant["id"]
    assert joined.payload.session_id == session["id"]
    assert joined.payload.context == "Bob"
    assert started.id != joined.id
    assert all(d.ok for d in fake.webhooks.deliveries)


async def test_every_simulated_event_arrives_typed(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    received: list[WebhookEvent] = []

    @aiohttp_handler(WebhookVerifier(fake.webhooks.public_key))
    async def on_event(event: WebhookEvent, request: web.Request) -> None:
        received.append(event)

    app = web.Application()
    app.router.add_post("/hooks", on_event)
    async with serve(app) as base:
        room = await client.rooms.create(webhook_event_url=f"{base}/hooks")
        session = await fake.sim.start_session(room.id)
        participant = await fake.sim.join(session["id"], context="Carol")
        recording = await fake.sim.start_recording(session["id"], participant["id"], "video")
        await fake.sim.leave(participant["id"], reason="kicked")
        await fake.sim.complete_recording(recording["id"], size_mb=2.5)
        await fake.sim.end_session(session["id"], reason="stale")
        composition = await client.room_compositions.create(session_id=session["id"])
        await fake.sim.complete_composition(composition.id, size_mb=7.5)

    kinds = [type(e) for e in received]
    assert kinds == [
        SessionStartedEvent,
        ParticipantJoinedEvent,
        RecordingStartedEvent,
        ParticipantLeftEvent,
        RecordingCompletedEvent,
        SessionEndedEvent,
        CompositionCompletedEvent,
    ]
    by_type = {type(e): e for e in received}
    started = by_type[RecordingStartedEvent]
    assert isinstance(started, RecordingStartedEvent)
    assert started.payload.recording_id == recording["id"]
    assert started.payload.type == "video"
    left = by_type[ParticipantLeftEvent]
    assert isinstance(left, ParticipantLeftEvent)
    assert left.payload.left_reason == "kicked"
    completed = by_type[RecordingCompletedEvent]
    assert isinstance(completed, RecordingCompletedEvent)
    assert completed.payload.size_mb == 2.5
    assert completed.payload.download_url
    ended = by_type[SessionEndedEvent]
    assert isinstance(ended, SessionEndedEvent)
    assert ended.payload.ended_reason == "stale"
    composed = by_type[CompositionCompletedEvent]
    assert isinstance(composed, CompositionCompletedEvent)
    assert composed.payload.composition_id == composition.id
    assert composed.payload.size_mb == 7.5
    assert len({e.id for e in received}) == len(received)


# -- what is sent ------------------------------------------------------------------------------


async def test_the_delivered_bytes_are_signed_as_telnyx_does(fake: FakeRoomsAPI) -> None:
    receiver = Receiver()
    async with serve(receiver.app) as base:
        room_id = await make_room(fake, webhook_event_url=f"{base}/hooks")
        await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id)
    [(body, headers)] = receiver.calls
    assert headers["Content-Type"] == "application/json"
    assert headers["telnyx-timestamp"].isdigit()
    verify(body, headers, fake.webhooks.public_key)
    document = json.loads(body)
    data = document["data"]
    assert set(data) == {"record_type", "event_type", "id", "occurred_at", "payload"}
    assert data["record_type"] == "event"
    assert data["event_type"] == JOINED
    assert data["payload"] == joined_payload(room_id)
    assert data["occurred_at"].endswith("Z")
    assert document["meta"] == {"attempt": 1, "delivered_to": f"{base}/hooks"}
    assert fake.webhooks.events == [{"data": data}]
    # Another fake has another key: its signature must not verify here.
    other = FakeRoomsAPI()
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(body, headers, other.webhooks.public_key)


async def test_sign_helper_matches_the_public_key(fake: FakeRoomsAPI) -> None:
    body = b'{"data": {"event_type": "video.room.session.started", "id": "x", "payload": {}}}'
    headers = fake.webhooks.sign(body)
    event = construct_event(body, headers, fake.webhooks.public_key)
    assert isinstance(event, SessionStartedEvent)
    old = fake.webhooks.sign(body, timestamp=1_600_000_000)
    assert old["telnyx-timestamp"] == "1600000000"
    verify(body, old, fake.webhooks.public_key, now=1_600_000_000)


async def test_no_url_means_no_delivery_but_the_event_is_recorded(fake: FakeRoomsAPI) -> None:
    room_id = await make_room(fake)
    assert await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id) == []
    assert await fake.webhooks.emit(JOINED, joined_payload("none"), None) == []
    assert await fake.webhooks.emit(JOINED, joined_payload("gone"), "no-such-room") == []
    assert fake.webhooks.deliveries == []
    assert [e["data"]["event_type"] for e in fake.webhooks.events] == [JOINED] * 3
    fake.webhooks.reset()
    assert fake.webhooks.events == []


# -- failover --------------------------------------------------------------------------------


async def test_failover_after_a_5xx_with_the_same_event_id(fake: FakeRoomsAPI) -> None:
    primary, failover = Receiver(500), Receiver()
    async with serve(primary.app) as one, serve(failover.app) as two:
        room_id = await make_room(
            fake,
            webhook_event_url=f"{one}/hooks",
            webhook_event_failover_url=f"{two}/hooks",
        )
        attempts = await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id)
    assert [(a.url, a.status, a.ok, a.attempt) for a in attempts] == [
        (f"{one}/hooks", 500, False, 1),
        (f"{two}/hooks", 200, True, 2),
    ]
    assert attempts[0].error == "HTTP 500"
    [first] = primary.documents()
    [second] = failover.documents()
    assert first["data"] == second["data"]
    assert second["meta"] == {"attempt": 2, "delivered_to": f"{two}/hooks"}
    # Each attempt carries its own valid signature.
    for body, headers in primary.calls + failover.calls:
        verify(body, headers, fake.webhooks.public_key)


async def test_failover_after_connection_refused(fake: FakeRoomsAPI) -> None:
    failover = Receiver()
    dead = f"http://127.0.0.1:{closed_port()}/hooks"
    async with serve(failover.app) as two:
        room_id = await make_room(
            fake, webhook_event_url=dead, webhook_event_failover_url=f"{two}/hooks"
        )
        attempts = await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id)
    assert [(a.status, a.ok) for a in attempts] == [(None, False), (200, True)]
    assert attempts[0].error is not None
    assert "Connect" in attempts[0].error
    assert len(failover.calls) == 1


async def test_failover_after_the_rooms_webhook_timeout(fake: FakeRoomsAPI) -> None:
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response()

    slow_app = web.Application()
    slow_app.router.add_post("/hooks", slow)
    failover = Receiver()
    async with serve(slow_app) as one, serve(failover.app) as two:
        try:
            room_id = await make_room(
                fake,
                webhook_event_url=f"{one}/hooks",
                webhook_event_failover_url=f"{two}/hooks",
                webhook_timeout_secs=1,
            )
            started = asyncio.get_running_loop().time()
            attempts = await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id)
            elapsed = asyncio.get_running_loop().time() - started
        finally:
            release.set()
    assert [(a.status, a.ok) for a in attempts] == [(None, False), (200, True)]
    assert attempts[0].error == "timed out after 1s"
    assert 0.9 <= elapsed < 5
    assert len(failover.calls) == 1


async def test_success_on_the_primary_skips_the_failover(fake: FakeRoomsAPI) -> None:
    primary, failover = Receiver(204), Receiver()
    async with serve(primary.app) as one, serve(failover.app) as two:
        room_id = await make_room(
            fake,
            webhook_event_url=f"{one}/hooks",
            webhook_event_failover_url=f"{two}/hooks",
        )
        attempts = await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id)
    assert [(a.status, a.ok) for a in attempts] == [(204, True)]
    assert failover.calls == []


async def test_both_failing_is_recorded_not_raised(fake: FakeRoomsAPI) -> None:
    primary, failover = Receiver(503), Receiver(400)
    async with serve(primary.app) as one, serve(failover.app) as two:
        room_id = await make_room(
            fake,
            webhook_event_url=f"{one}/hooks",
            webhook_event_failover_url=f"{two}/hooks",
        )
        attempts = await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id)
    assert [(a.status, a.ok) for a in attempts] == [(503, False), (400, False)]
    assert fake.webhooks.deliveries == attempts


async def test_a_redirect_is_a_failure_and_not_followed(fake: FakeRoomsAPI) -> None:
    target = Receiver()

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(location=str(request.url.with_path("/elsewhere")))

    app = web.Application()
    app.router.add_post("/hooks", redirect)
    app.router.add_post("/elsewhere", target.handle)
    async with serve(app) as base:
        room_id = await make_room(fake, webhook_event_url=f"{base}/hooks")
        attempts = await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id)
    assert [(a.status, a.ok) for a in attempts] == [(307, False)]
    assert target.calls == []


async def test_only_loopback_urls_are_contacted(fake: FakeRoomsAPI) -> None:
    failover = Receiver()
    async with serve(failover.app) as two:
        room_id = await make_room(
            fake,
            webhook_event_url="https://www.example.com/hooks",
            webhook_event_failover_url=f"{two}/hooks",
        )
        attempts = await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id)
    assert attempts[0].url == "https://www.example.com/hooks"
    assert attempts[0].status is None
    assert (
        attempts[0].error == "not sent: www.example.com is not loopback or an allowed webhook host"
    )
    assert attempts[1].ok
    # With only a non-loopback URL, nothing is signed or sent at all.
    lonely = await make_room(fake, webhook_event_url="https://10.1.2.3/hooks")
    [skipped] = await fake.webhooks.emit(JOINED, joined_payload(lonely), lonely)
    assert not skipped.ok


async def test_a_composition_uses_its_own_webhook_url(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room_hooks, composition_hooks = Receiver(), Receiver()
    async with serve(room_hooks.app) as one, serve(composition_hooks.app) as two:
        room = await client.rooms.create(webhook_event_url=f"{one}/hooks")
        session = await fake.sim.start_session(room.id)
        await fake.sim.end_session(session["id"])
        composition = await client.room_compositions.create(
            session_id=session["id"], webhook_event_url=f"{two}/hooks"
        )
        await fake.sim.complete_composition(composition.id)
    kinds = [d["data"]["event_type"] for d in room_hooks.documents()]
    assert kinds == ["video.room.session.started", "video.room.session.ended"]
    [composed] = composition_hooks.documents()
    assert composed["data"]["event_type"] == "video.room.composition.completed"
    assert composed["data"]["payload"]["composition_id"] == composition.id


# -- resources ---------------------------------------------------------------------------------


async def test_delivery_leaves_no_unclosed_session(fake: FakeRoomsAPI) -> None:
    receiver = Receiver()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with serve(receiver.app) as base:
            room_id = await make_room(fake, webhook_event_url=f"{base}/hooks")
            for _ in range(3):
                await fake.webhooks.emit(JOINED, joined_payload(room_id), room_id)
        gc.collect()
        await asyncio.sleep(0)
    assert len(receiver.calls) == 3
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_delivery_to_a_handler_that_calls_the_fake_back(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    # A handler that reads the room from the API while the fake waits for its reply.
    seen: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        document = await request.json()
        room = await client.rooms.retrieve(document["data"]["payload"]["room_id"])
        seen.append(room.max_participants or 0)
        return web.Response()

    app = web.Application()
    app.router.add_post("/hooks", handler)
    async with serve(app) as base:
        room = await client.rooms.create(max_participants=7, webhook_event_url=f"{base}/hooks")
        session = await fake.sim.start_session(room.id)
        await fake.sim.join(session["id"])
    assert seen == [7, 7]


async def test_public_key_is_per_fake_and_stable() -> None:
    one, two = FakeRoomsAPI(), FakeRoomsAPI()
    assert one.webhooks.public_key == one.webhooks.public_key
    assert one.webhooks.public_key != two.webhooks.public_key
    # The public key is what the verifier takes.
    WebhookVerifier(one.webhooks.public_key)


async def test_receiver_helper_talks_plain_aiohttp() -> None:
    # The Receiver used above answers what it is told to, so the failover tests mean something.
    receiver = Receiver(418)
    async with (
        serve(receiver.app) as base,
        aiohttp.ClientSession() as session,
        session.post(f"{base}/hooks", data=b"x") as response,
    ):
        assert response.status == 418
    assert receiver.calls[0][0] == b"x"
