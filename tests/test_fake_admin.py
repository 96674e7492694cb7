"""The admin API under ``/_emulator/``, served by the in-process fake (the emulator's own)."""

from __future__ import annotations

from typing import Any

import pytest
from fakehttp import Receiver, raw, serve

from telnyx_rooms_async import InternalServerError, RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI

UNKNOWN = "0b1f3c1e-0000-4000-8000-000000000000"


async def admin(fake: FakeRoomsAPI, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return await raw(fake.admin_url, method, path, body=body)


async def test_health(fake: FakeRoomsAPI) -> None:
    status, document = await admin(fake, "GET", "/health")
    assert status == 200
    data = document["data"]
    assert (data["status"], data["base_url"], data["storage_url"]) == (
        "ok",
        fake.base_url,
        fake.storage_url,
    )


async def test_a_session_driven_through_the_admin_api(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create()
    status, session = await admin(fake, "POST", f"/rooms/{room.id}/sessions")
    assert status == 201
    session_id = session["data"]["id"]
    assert session["data"]["active"] is True
    status, joined = await admin(
        fake, "POST", f"/room_sessions/{session_id}/participants", {"context": "Alice"}
    )
    assert status == 201
    alice = joined["data"]
    assert alice["context"] == "Alice"
    status, recording = await admin(
        fake,
        "POST",
        f"/room_sessions/{session_id}/recordings",
        {"participant_id": alice["id"], "type": "video"},
    )
    assert (status, recording["data"]["type"]) == (201, "video")
    status, left = await admin(fake, "POST", f"/room_participants/{alice['id']}/leave")
    assert status == 200 and left["data"]["left_at"] is not None
    status, ended = await admin(fake, "POST", f"/room_sessions/{session_id}/end", {"reason": "x"})
    assert (status, ended["data"]["active"]) == (200, False)
    status, done = await admin(
        fake,
        "POST",
        f"/room_recordings/{recording['data']['id']}/complete",
        {"size_mb": 0.5, "duration_secs": 12},
    )
    assert status == 200
    assert done["data"]["status"] == "completed"
    assert done["data"]["download_url"].startswith(fake.storage_url)
    composition = await client.room_compositions.create(session_id=session_id)
    status, composed = await admin(fake, "POST", f"/room_compositions/{composition.id}/complete")
    assert (status, composed["data"]["status"]) == (200, "completed")
    # The public API sees what the admin API did.
    fetched = await client.room_sessions.retrieve(session_id, include_participants=True)
    assert fetched.active is False
    assert [p.context for p in fetched.participants] == ["Alice"]
    ended_reason = [
        e["data"]["payload"]["ended_reason"]
        for e in fake.webhooks.events
        if e["data"]["event_type"] == "video.room.session.ended"
    ]
    assert ended_reason == ["x"]


@pytest.mark.parametrize(
    "path",
    [
        "/rooms/{unknown}/sessions",
        "/room_sessions/{unknown}/participants",
        "/room_participants/{unknown}/leave",
        "/room_sessions/{unknown}/end",
        "/room_recordings/{unknown}/complete",
        "/room_compositions/{unknown}/complete",
    ],
)
async def test_unknown_ids_are_404(fake: FakeRoomsAPI, path: str) -> None:
    status, document = await admin(fake, "POST", path.format(unknown=UNKNOWN))
    assert status == 404
    assert document["code"] == "10005"
    assert UNKNOWN in document["detail"]


async def test_impossible_steps_are_409(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create(max_participants=2)
    _, session = await admin(fake, "POST", f"/rooms/{room.id}/sessions")
    session_id = session["data"]["id"]
    status, document = await admin(fake, "POST", f"/rooms/{room.id}/sessions")
    assert status == 409
    assert document["errors"][0]["title"] == "Conflict"
    assert "already has an active session" in document["errors"][0]["detail"]
    for _ in range(2):
        await admin(fake, "POST", f"/room_sessions/{session_id}/participants")
    status, document = await admin(fake, "POST", f"/room_sessions/{session_id}/participants")
    assert status == 409
    assert "is full" in document["errors"][0]["detail"]
    await admin(fake, "POST", f"/room_sessions/{session_id}/end")
    assert (await admin(fake, "POST", f"/room_sessions/{session_id}/end"))[0] == 409
    assert (await admin(fake, "POST", f"/room_sessions/{session_id}/participants"))[0] == 409


@pytest.mark.parametrize(
    ("path", "body", "pointer"),
    [
        ("/room_sessions/{session}/participants", {"context": 5}, "/context"),
        ("/room_sessions/{session}/participants", {"name": "Alice"}, "/name"),
        ("/room_sessions/{session}/participants", [], ""),
        ("/room_sessions/{session}/recordings", {}, "/participant_id"),
        ("/room_sessions/{session}/recordings", {"participant_id": "p", "type": "x"}, "/type"),
        ("/room_sessions/{session}/end", {"reason": True}, "/reason"),
        ("/rooms/{room}/sessions", {"active": True}, "/active"),
    ],
)
async def test_bad_bodies_are_422(
    fake: FakeRoomsAPI, client: RoomsClient, path: str, body: Any, pointer: str
) -> None:
    room = await client.rooms.create()
    session = await fake.sim.start_session(room.id)
    status, document = await admin(
        fake, "POST", path.format(session=session["id"], room=room.id), body
    )
    assert status == 422
    assert document["errors"][0]["source"] == {"pointer": pointer}


async def test_not_json_is_422(fake: FakeRoomsAPI) -> None:
    status, document = await raw(fake.admin_url, "POST", "/faults", data=b"{nope")
    assert status == 422
    assert document["errors"][0]["detail"] == "the request body is not valid JSON"


async def test_an_unknown_admin_path_is_a_json_404(fake: FakeRoomsAPI) -> None:
    status, document = await admin(fake, "GET", "/nothing")
    assert status == 404
    assert document["code"] == "10005"


# -- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "fail", "method": "get", "path": "/rooms", "status": 503, "headers": {"A": "b"}},
        {"kind": "respond", "method": "GET", "path": "/v2/rooms", "body": "<html>", "status": 200},
        {"kind": "delay", "method": "GET", "path": "/rooms", "seconds": 0.01, "times": 2},
        {"kind": "reset", "method": "*", "path": "/rooms*", "after_handling": True},
        {"kind": "truncate", "method": "GET", "path": "/rooms/*"},
        {"kind": "drip", "method": "GET", "path": "/rooms", "interval": 0.01, "times": None},
        {"kind": "sticky_page", "path": "/rooms"},
        {"kind": "truncate", "method": "GET", "path": "/recordings/*", "origin": "storage"},
    ],
)
async def test_every_kind_of_fault_can_be_added(fake: FakeRoomsAPI, body: dict[str, Any]) -> None:
    status, document = await admin(fake, "POST", "/faults", body)
    assert status == 201, document
    fault = document["data"]
    assert fault["kind"] == body["kind"]
    assert fault["hits"] == 0
    assert fault["id"].startswith("fault-")
    listed = (await admin(fake, "GET", "/faults"))[1]["data"]
    assert [f["id"] for f in listed] == [fault["id"]]
    faults = fake.storage_faults if body.get("origin") == "storage" else fake.faults
    [made] = list(faults)
    assert made.id == fault["id"]


async def test_an_added_fault_acts_and_can_be_removed(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    status, document = await admin(
        fake, "POST", "/faults", {"kind": "fail", "method": "POST", "path": "/rooms", "times": None}
    )
    assert status == 201
    with pytest.raises(InternalServerError):
        await client.rooms.create()
    status, _ = await admin(fake, "DELETE", f"/faults/{document['data']['id']}")
    assert status == 200
    await client.rooms.create()
    assert (await admin(fake, "DELETE", f"/faults/{document['data']['id']}"))[0] == 404
    await admin(fake, "POST", "/faults", {"kind": "truncate", "method": "GET", "path": "/rooms"})
    status, cleared = await admin(fake, "DELETE", "/faults")
    assert (status, cleared["data"]) == (200, {"cleared": 1})
    assert list(fake.faults) == []


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"kind": "explode", "method": "GET", "path": "/rooms"}, "/kind"),
        ({"kind": "fail", "method": "GET", "path": "/nowhere"}, ""),
        ({"kind": "fail", "method": "PUT", "path": "/rooms"}, ""),
        ({"kind": "fail", "method": "GET", "path": "/rooms", "seconds": 1}, "/seconds"),
        ({"kind": "delay", "method": "GET", "path": "/rooms"}, "/seconds"),
        ({"kind": "delay", "method": "GET", "path": "/rooms", "seconds": -1}, "/seconds"),
        ({"kind": "fail", "method": "GET", "path": "/rooms", "status": "500"}, "/status"),
        ({"kind": "fail", "method": "GET", "path": "/rooms", "headers": {"A": 1}}, "/headers"),
        ({"kind": "fail", "method": "GET", "path": "/rooms", "times": 0}, ""),
        ({"kind": "fail", "path": "/rooms"}, "/method"),
        ({"kind": "fail", "method": "GET", "path": "/rooms", "origin": "moon"}, "/origin"),
        ({"kind": "truncate", "method": "GET", "path": "/rooms", "origin": "storage"}, ""),
    ],
)
async def test_bad_faults_are_422(fake: FakeRoomsAPI, body: dict[str, Any], pointer: str) -> None:
    status, document = await admin(fake, "POST", "/faults", body)
    assert status == 422, document
    assert document["errors"][0]["source"] == {"pointer": pointer}
    assert list(fake.faults) == [] and list(fake.storage_faults) == []


# -- journals -------------------------------------------------------------------------------


async def test_the_journal_of_requests_keeps_no_authorization(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create(unique_name="journal")
    await client.rooms.retrieve(room.id)
    await admin(fake, "GET", "/health")
    status, document = await admin(fake, "GET", "/requests")
    assert status == 200
    calls = document["data"]
    assert [(c["method"], c["operation"]) for c in calls] == [
        ("POST", "rooms.create"),
        ("GET", "rooms.retrieve"),
    ]
    assert calls[0]["body"] == {"unique_name": "journal"}
    assert all(c["authorized"] for c in calls)
    assert all("authorization" not in {k.lower() for k in c["headers"]} for c in calls)
    assert fake.api_key not in str(document)
    status, only = await raw(fake.admin_url, "GET", "/requests", query="method=post&path=/rooms")
    assert [c["operation"] for c in only["data"]] == ["rooms.create"]
    status, _ = await raw(fake.admin_url, "GET", "/requests", query="path=/nowhere")
    assert status == 422


async def test_reset_forgets_everything(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    await client.rooms.create()
    fake.faults.delay("GET", "/rooms", 0)
    status, _ = await admin(fake, "POST", "/reset")
    assert status == 200
    assert (fake.store.rooms, fake.requests, list(fake.faults)) == ({}, [], [])


async def test_webhooks_and_their_public_key(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    status, key = await admin(fake, "GET", "/webhooks/public_key")
    assert (status, key["data"]["public_key"]) == (200, fake.webhooks.public_key)
    receiver = Receiver(200)
    async with serve(receiver.app) as base:
        room = await client.rooms.create(webhook_event_url=f"{base}/hooks")
        await admin(fake, "POST", f"/rooms/{room.id}/sessions")
        status, drained = await admin(fake, "POST", "/webhooks/drain")
    assert (status, drained["data"]["pending"]) == (200, 0)
    status, document = await admin(fake, "GET", "/webhooks")
    assert status == 200
    [delivery] = document["data"]
    assert delivery["event_type"] == "video.room.session.started"
    assert (delivery["ok"], delivery["status"], delivery["attempt"]) == (True, 200, 1)
    assert document["meta"] == {"total_results": 1, "events": 1, "pending": 0}


async def test_storage_journal_and_expiry(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create()
    session = await fake.sim.start_session(room.id)
    alice = await fake.sim.join(session["id"])
    recording = await fake.sim.start_recording(session["id"], alice["id"])
    done = await fake.sim.complete_recording(recording["id"], size_mb=0.001)
    assert (await raw(done["download_url"], "GET", ""))[0] == 200
    status, _ = await admin(fake, "POST", "/storage/expire")
    assert status == 200
    assert (await raw(done["download_url"], "GET", ""))[0] == 403
    status, document = await admin(fake, "GET", "/storage/requests")
    assert [r["authorization"] for r in document["data"]] == [False, False]
    assert document["data"][0]["path"].startswith("/recordings/")


async def test_a_journal_limit_keeps_the_newest_entries() -> None:
    async with FakeRoomsAPI(journal_limit=2) as fake:
        async with RoomsClient(fake.api_key, base_url=fake.base_url, timeout=10) as client:
            rooms = [await client.rooms.create(unique_name=f"r{i}") for i in range(3)]
        assert [c.body["unique_name"] for c in fake.requests] == ["r1", "r2"]
        assert len(fake.store.rooms) == len(rooms)
    with pytest.raises(ValueError, match="journal_limit"):
        FakeRoomsAPI(journal_limit=0)


async def test_any_event_can_be_sent_and_every_event_is_listed(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    receiver = Receiver(200)
    async with serve(receiver.app) as base:
        room = await client.rooms.create(webhook_event_url=f"{base}/hooks")
        event = {"event_type": "video.room.custom", "payload": {"x": 1}, "room_id": room.id}
        status, document = await admin(fake, "POST", "/webhooks/events", event)
    assert status == 201
    sent = document["data"]
    assert (sent["event_type"], sent["payload"]) == ("video.room.custom", {"x": 1})
    [delivered] = receiver.documents()
    assert delivered["data"] == sent
    status, listed = await admin(fake, "GET", "/webhooks/events")
    assert (status, [e["id"] for e in listed["data"]]) == (200, [sent["id"]])
    status, refused = await admin(fake, "POST", "/webhooks/events", {"payload": {}})
    assert status == 422
    assert refused["errors"][0]["source"] == {"pointer": "/event_type"}
