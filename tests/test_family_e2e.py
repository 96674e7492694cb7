"""A room's whole life through ``RoomsClient`` and the fake API's simulation, end to end."""

from __future__ import annotations

from typing import Any

import pytest

from telnyx_rooms_async import NotFoundError, RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI


class EventLog:
    """Stands in for ``fake.webhooks``: keeps what the fake emits, delivers nothing."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any], str | None]] = []

    async def emit(self, event_type: str, payload: dict[str, Any], room_id: str | None) -> None:
        self.events.append((event_type, payload, room_id))

    def types(self) -> list[str]:
        return [kind for kind, _, _ in self.events]


async def test_a_room_from_creation_to_deletion(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    log = EventLog()
    fake.webhooks = log  # type: ignore[assignment]

    room = await client.rooms.create(unique_name="standup", max_participants=5)
    token = await client.rooms.generate_join_client_token(room.id, token_ttl_secs=60)
    assert token.refresh_token is not None
    refreshed = await client.rooms.refresh_client_token(room.id, refresh_token=token.refresh_token)
    assert refreshed.token != token.token

    # The participants' SDKs join with their tokens: simulated.
    session = await fake.sim.start_session(room.id)
    alice = await fake.sim.join(session["id"], context="Alice")
    bob = await fake.sim.join(session["id"], context="Bob")
    assert (await client.rooms.retrieve(room.id)).active_session_id == session["id"]

    [listed] = (await client.rooms.list_sessions(room.id, include_participants=True)).items
    assert listed.id == session["id"]
    assert listed.active is True
    assert [p.context for p in listed.participants] == ["Alice", "Bob"]
    [active] = (await client.room_sessions.list(room_id=room.id, active=True)).items
    assert active.id == session["id"]
    people = await client.room_sessions.list_participants(session["id"]).to_list()
    assert [p.id for p in people] == [alice["id"], bob["id"]]
    assert [p.id async for p in client.room_participants.list(session_id=session["id"])] == [
        alice["id"],
        bob["id"],
    ]
    audio = await fake.sim.start_recording(session["id"], alice["id"])
    video = await fake.sim.start_recording(session["id"], bob["id"], type="video")

    await client.room_sessions.mute(session["id"], participants=[bob["id"]])
    assert fake.store.muted == {bob["id"]}
    await client.room_sessions.unmute(session["id"], participants="all")
    assert fake.store.muted == set()

    await client.room_sessions.kick(session["id"], participants=[bob["id"]])
    assert (await client.room_participants.retrieve(bob["id"])).left_at is not None
    assert (await client.room_participants.retrieve(alice["id"])).left_at is None

    await client.room_sessions.end(session["id"])
    ended = await client.room_sessions.retrieve(session["id"], include_participants=True)
    assert ended.active is False
    assert ended.ended_at is not None
    assert all(p.left_at is not None for p in ended.participants)
    assert (await client.rooms.retrieve(room.id)).active_session_id is None

    # Media appears once processed.
    await fake.sim.complete_recording(audio["id"])
    await fake.sim.complete_recording(video["id"])
    recordings = await client.room_recordings.list(session_id=session["id"]).to_list()
    assert {r.id for r in recordings} == {audio["id"], video["id"]}
    assert {r.status for r in recordings} == {"completed"}
    composition = await client.room_compositions.create(
        session_id=session["id"],
        resolution="1280x720",
        video_layout={"grid": {"video_sources": ["*"], "max_columns": 2}},
    )
    assert composition.status == "enqueued"
    await fake.sim.complete_composition(composition.id)
    [done] = (await client.room_compositions.list(session_id=session["id"])).items
    assert done.id == composition.id
    assert done.status == "completed"
    assert done.download_url

    # And everything is cleaned up.
    await client.room_compositions.delete(composition.id)
    await client.room_recordings.delete(audio["id"])
    assert await client.room_recordings.delete_bulk(session_id=session["id"]) == 1
    assert await client.room_recordings.list().to_list() == []
    assert await client.room_compositions.list().to_list() == []
    await client.rooms.delete(room.id)
    with pytest.raises(NotFoundError):
        await client.rooms.retrieve(room.id)
    with pytest.raises(NotFoundError):
        await client.rooms.list_sessions(room.id)

    assert log.types() == [
        "video.room.session.started",
        "video.room.participant.joined",
        "video.room.participant.joined",
        "video.room.recording.started",
        "video.room.recording.started",
        "video.room.participant.left",  # Bob, kicked
        "video.room.participant.left",  # Alice, when the session ended
        "video.room.session.ended",
        "video.room.recording.completed",
        "video.room.recording.completed",
        "video.room.composition.completed",
    ]
    assert {room_id for _, _, room_id in log.events} == {room.id}
    reasons = [p["left_reason"] for kind, p, _ in log.events if kind.endswith(".left")]
    assert reasons == ["kicked", "session_ended"]


async def test_simulation_refuses_what_cannot_happen(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create(max_participants=2)
    with pytest.raises(LookupError):
        await fake.sim.start_session("no-such-room")
    session = await fake.sim.start_session(room.id)
    with pytest.raises(ValueError, match="already has an active session"):
        await fake.sim.start_session(room.id)
    alice = await fake.sim.join(session["id"], context="Alice")
    await fake.sim.join(session["id"])
    with pytest.raises(ValueError, match="full"):
        await fake.sim.join(session["id"])
    with pytest.raises(ValueError, match="type"):
        await fake.sim.start_recording(session["id"], alice["id"], type="screen")
    await fake.sim.leave(alice["id"])
    with pytest.raises(ValueError, match="already left"):
        await fake.sim.leave(alice["id"])
    with pytest.raises(ValueError, match="not in"):
        await fake.sim.start_recording(session["id"], alice["id"])
    await fake.sim.join(session["id"])  # a seat is free again
    with pytest.raises(LookupError):
        await fake.sim.leave("nobody")
    ended = await fake.sim.end_session(session["id"], reason="stale")
    assert ended["active"] is False
    with pytest.raises(ValueError, match="has ended"):
        await fake.sim.join(session["id"])
    with pytest.raises(ValueError, match="has ended"):
        await fake.sim.end_session(session["id"])
    with pytest.raises(LookupError):
        await fake.sim.complete_recording("nothing")
    with pytest.raises(LookupError):
        await fake.sim.complete_composition("nothing")
    composition = await client.room_compositions.create(session_id=session["id"])
    await fake.sim.complete_composition(composition.id)
    with pytest.raises(ValueError, match="already completed"):
        await fake.sim.complete_composition(composition.id)
    # A new session can start once the old one is over.
    again = await fake.sim.start_session(room.id)
    assert (await client.rooms.retrieve(room.id)).active_session_id == again["id"]


async def test_simulation_returns_copies(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create()
    session = await fake.sim.start_session(room.id)
    session["active"] = False
    assert (await client.room_sessions.retrieve(session["id"])).active is True
