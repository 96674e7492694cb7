"""State kept in a file: written atomically on every change, loaded at start, never replaced
when it is not the fake's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI, StateFileError
from telnyx_rooms_async.testing._state import FORMAT, VERSION


async def populate(fake: FakeRoomsAPI) -> dict[str, Any]:
    async with RoomsClient(fake.api_key, base_url=fake.base_url, timeout=10) as client:
        room = await client.rooms.create(unique_name="kept", max_participants=5)
        token = await client.rooms.generate_join_client_token(room.id)
        session = await fake.sim.start_session(room.id)
        alice = await fake.sim.join(session["id"], context="Alice")
        await client.room_sessions.mute(session["id"], participants=[alice["id"]])
        recording = await fake.sim.start_recording(session["id"], alice["id"])
        await fake.sim.complete_recording(recording["id"], size_mb=0.01)
        composition = await client.room_compositions.create(session_id=session["id"])
    return {"room": room.id, "token": token, "alice": alice["id"], "composition": composition.id}


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def tables(fake: FakeRoomsAPI) -> dict[str, Any]:
    return {
        **{name: dict(table) for name, table in fake.store.tables().items()},
        "tokens": dict(fake.store.tokens),
        "muted": set(fake.store.muted),
    }


async def test_the_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    async with FakeRoomsAPI(state_path=state) as fake:
        made = await populate(fake)
        before = tables(fake)
    async with FakeRoomsAPI(state_path=state) as again:
        assert tables(again) == before
        assert again.store.is_muted(made["alice"])
        async with RoomsClient(again.api_key, base_url=again.base_url, timeout=10) as client:
            room = await client.rooms.retrieve(made["room"])
            assert (room.unique_name, room.max_participants) == ("kept", 5)
            fresh = await client.rooms.refresh_client_token(
                made["room"], refresh_token=made["token"].refresh_token
            )
            assert fresh.token
            recording = next(iter(again.store.recordings.values()))
            listed = await client.room_recordings.retrieve(recording["id"])
            # A download URL of the new run, from the new storage origin.
            assert listed.download_url is not None
            assert listed.download_url.startswith(again.storage_url)


async def test_every_change_is_written_at_once(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    async with FakeRoomsAPI(state_path=state) as fake:
        assert not state.exists()
        async with RoomsClient(fake.api_key, base_url=fake.base_url, timeout=10) as client:
            room = await client.rooms.create(unique_name="one")
            assert [r["unique_name"] for r in json.loads(state.read_text())["rooms"]] == ["one"]
            session = await fake.sim.start_session(room.id)
            assert [s["id"] for s in json.loads(state.read_text())["sessions"]] == [session["id"]]
            await client.rooms.delete(room.id)
            assert json.loads(state.read_text())["rooms"] == []
        fake.reset()
        document = json.loads(state.read_text())
        assert (document["format"], document["version"]) == (FORMAT, VERSION)
        assert document["sessions"] == []
    # Only the state file: no temporary file is left behind.
    assert names(tmp_path) == ["state.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "is not JSON"),
        (b"\xff\xfe", "is not JSON"),
        (b'{"rooms": []}', "is not a state file of this emulator"),
        (b"[1, 2]", "is not a state file of this emulator"),
        (json.dumps({"format": FORMAT, "version": 99}).encode(), "version 99"),
        (json.dumps({"format": FORMAT, "version": VERSION, "rooms": [1]}).encode(), "'rooms'"),
        (
            json.dumps({"format": FORMAT, "version": VERSION, "tokens": [{"x": 1}]}).encode(),
            "tokens",
        ),
    ],
)
def test_a_file_that_is_not_the_state_is_an_error_and_left_alone(
    tmp_path: Path, content: bytes, message: str
) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content)
    with pytest.raises(StateFileError, match=message):
        FakeRoomsAPI(state_path=state)
    assert state.read_bytes() == content


def test_a_directory_is_not_a_state_file(tmp_path: Path) -> None:
    with pytest.raises(StateFileError, match="cannot be read"):
        FakeRoomsAPI(state_path=tmp_path)
