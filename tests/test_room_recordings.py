"""``client.room_recordings`` against the fake API."""

from __future__ import annotations

from datetime import date
from typing import Any

import aiohttp
import pytest

from telnyx_rooms_async import (
    APIResponseValidationError,
    InvalidParams,
    NotFoundError,
    RoomRecording,
    RoomsClient,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

UNKNOWN = "0b1f3c1e-0000-4000-8000-000000000000"


def sent_filters(fake: FakeRoomsAPI) -> dict[str, str]:
    """The query of the last request, without the paginator's page keys."""
    return {k: v for k, v in fake.requests[-1].query.items() if not k.startswith("page[")}


async def recorded(fake: FakeRoomsAPI, client: RoomsClient) -> dict[str, Any]:
    """Two sessions; Alice's audio (30 s, completed) and Bob's video (processing) in the first,
    Carol's audio (5 s, completed) in the second."""
    room = await client.rooms.create()
    other = await client.rooms.create()
    first = await fake.sim.start_session(room.id)
    second = await fake.sim.start_session(other.id)
    alice = await fake.sim.join(first["id"], context="Alice")
    bob = await fake.sim.join(first["id"], context="Bob")
    carol = await fake.sim.join(second["id"], context="Carol")
    audio = await fake.sim.start_recording(first["id"], alice["id"])
    video = await fake.sim.start_recording(first["id"], bob["id"], type="video")
    short = await fake.sim.start_recording(second["id"], carol["id"], type="audio")
    await fake.sim.complete_recording(audio["id"], duration_secs=30, size_mb=2.5)
    await fake.sim.complete_recording(short["id"], duration_secs=5)
    return {
        "room": room.id,
        "other": other.id,
        "first": first["id"],
        "second": second["id"],
        "alice": alice["id"],
        "bob": bob["id"],
        "audio": audio["id"],
        "video": video["id"],
        "short": short["id"],
    }


async def test_retrieve(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    world = await recorded(fake, client)
    recording = await client.room_recordings.retrieve(world["audio"])
    assert isinstance(recording, RoomRecording)
    assert (recording.room_id, recording.session_id, recording.participant_id) == (
        world["room"],
        world["first"],
        world["alice"],
    )
    assert (recording.type, recording.status, recording.codec) == ("audio", "completed", "opus")
    assert (recording.duration_secs, recording.size_mb) == (30, 2.5)
    assert recording.download_url
    assert recording.completed_at
    assert recording.ended_at
    assert recording.record_type == "room_recording"
    assert fake.requests[-1].path == f"/v2/room_recordings/{world['audio']}"
    processing = await client.room_recordings.retrieve(world["video"])
    assert (processing.status, processing.download_url, processing.ended_at) == (
        "processing",
        None,
        None,
    )


async def test_leaving_stops_the_recording(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    world = await recorded(fake, client)
    await fake.sim.leave(world["bob"])
    stopped = await client.room_recordings.retrieve(world["video"])
    assert stopped.ended_at is not None
    assert stopped.status == "processing"


async def test_delete(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    world = await recorded(fake, client)
    assert await client.room_recordings.delete(world["audio"]) is None
    assert fake.calls("DELETE", f"/v2/room_recordings/{world['audio']}") == 1
    assert world["audio"] not in fake.store.recordings
    with pytest.raises(NotFoundError):
        await client.room_recordings.delete(world["audio"])


@pytest.mark.parametrize("operation", ["retrieve", "delete"])
async def test_unknown_recording_is_404(client: RoomsClient, operation: str) -> None:
    with pytest.raises(NotFoundError, match="Room recording") as info:
        await getattr(client.room_recordings, operation)(UNKNOWN)
    assert info.value.status == 404
    assert info.value.errors[0].code == "10005"


async def test_list_with_filters(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    w = await recorded(fake, client)
    store = fake.store.recordings
    store[w["audio"]]["started_at"] = "2021-04-25T10:00:00.000000Z"
    store[w["audio"]]["ended_at"] = "2021-04-26T10:00:00.000000Z"

    async def ids_of(**filters: Any) -> list[str]:
        return [r.id for r in (await client.room_recordings.list(**filters)).items]

    everything = [w["audio"], w["video"], w["short"]]
    assert await ids_of() == everything
    assert await ids_of(room_id=w["other"]) == [w["short"]]
    assert await ids_of(session_id=w["first"]) == [w["audio"], w["video"]]
    assert await ids_of(participant_id=w["bob"]) == [w["video"]]
    assert await ids_of(status="completed") == [w["audio"], w["short"]]
    assert await ids_of(type="video") == [w["video"]]
    assert await ids_of(type="audio", session_id=w["first"]) == [w["audio"]]
    # duration_secs is a minimum (the spec: "greater or equal").
    assert await ids_of(duration_secs=5) == [w["audio"], w["short"]]
    assert await ids_of(duration_secs=6) == [w["audio"]]
    assert await ids_of(duration_secs=31) == []
    assert sent_filters(fake) == {"filter[duration_secs]": "31"}
    assert await ids_of(date_started_at_eq=date(2021, 4, 25)) == [w["audio"]]
    assert await ids_of(date_started_at_gte="2021-04-26") == [w["video"], w["short"]]
    assert await ids_of(date_started_at_lte="2021-04-25") == [w["audio"]]
    assert await ids_of(date_ended_at_eq="2021-04-26") == [w["audio"]]
    assert await ids_of(date_ended_at_gte="2021-04-27") == [w["short"]]
    assert await ids_of(date_ended_at_lte="2021-04-26") == [w["audio"]]
    assert sent_filters(fake) == {"filter[date_ended_at][lte]": "2021-04-26"}
    assert [r.id async for r in client.room_recordings.list(page_size=1)] == everything
    page = await client.room_recordings.list(page_size=2)
    assert (page.meta.total_pages, page.meta.total_results) == (2, 3)


async def test_delete_bulk_by_filter(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    w = await recorded(fake, client)
    deleted = await client.room_recordings.delete_bulk(session_id=w["first"], type="audio")
    assert deleted == 1
    call = fake.requests[-1]
    assert (call.method, call.path) == ("DELETE", "/v2/room_recordings")
    assert call.query == {"filter[session_id]": w["first"], "filter[type]": "audio"}
    assert set(fake.store.recordings) == {w["video"], w["short"]}
    assert await client.room_recordings.delete_bulk(status="completed") == 1
    assert set(fake.store.recordings) == {w["video"]}
    assert await client.room_recordings.delete_bulk(room_id=UNKNOWN) == 0
    assert await client.room_recordings.delete_bulk(duration_secs=0) == 0  # still processing
    fake.store.recordings[w["video"]]["started_at"] = "2021-04-25T10:00:00.000000Z"
    assert await client.room_recordings.delete_bulk(date_started_at_lte="2021-04-25") == 1
    assert fake.store.recordings == {}


async def test_delete_bulk_of_everything_needs_all_recordings(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    await recorded(fake, client)
    with pytest.raises(InvalidParams) as info:
        await client.room_recordings.delete_bulk()
    assert info.value.field == "all_recordings"
    assert fake.calls() > 0
    assert fake.calls("DELETE") == 0
    assert len(fake.store.recordings) == 3

    assert await client.room_recordings.delete_bulk(all_recordings=True) == 3
    assert fake.requests[-1].query == {}
    assert fake.store.recordings == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"all_recordings": True, "room_id": "r"},
        {"all_recordings": 1},
        {"all_recordings": "yes", "type": "audio"},
        {"all_recordings": False},
    ],
)
async def test_delete_bulk_all_recordings_rules(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidParams) as info:
        await client.room_recordings.delete_bulk(**kwargs)
    assert info.value.field == "all_recordings"
    assert fake.calls() == 0


async def test_delete_bulk_is_retried_like_any_delete(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    w = await recorded(fake, client)
    fake.faults.fail("DELETE", "/v2/room_recordings", status=500, times=1)
    assert await client.room_recordings.delete_bulk(room_id=w["room"]) == 2
    assert fake.calls("DELETE", "/v2/room_recordings") == 2


@pytest.mark.parametrize(
    "reply",
    [{"data": {}}, {"data": {"room_recordings": "5"}}, {"data": {"room_recordings": True}}, []],
)
async def test_delete_bulk_reply_must_carry_the_count(
    fake: FakeRoomsAPI, client: RoomsClient, reply: Any
) -> None:
    fake.faults.respond("DELETE", "/v2/room_recordings", status=201, body=reply)
    with pytest.raises(APIResponseValidationError):
        await client.room_recordings.delete_bulk(room_id="r")


FILTER_BAD: list[tuple[dict[str, Any], str]] = [
    ({"room_id": ""}, "room_id"),
    ({"session_id": 5}, "session_id"),
    ({"participant_id": "  "}, "participant_id"),
    ({"status": ""}, "status"),
    ({"type": None, "status": 3}, "status"),
    ({"type": ""}, "type"),
    ({"duration_secs": -1}, "duration_secs"),
    ({"duration_secs": 2.5}, "duration_secs"),
    ({"duration_secs": False}, "duration_secs"),
    ({"date_started_at_eq": "2021-04-32"}, "date_started_at_eq"),
    ({"date_started_at_gte": "tomorrow"}, "date_started_at_gte"),
    ({"date_ended_at_lte": 2021}, "date_ended_at_lte"),
]


@pytest.mark.parametrize(("kwargs", "field"), FILTER_BAD)
async def test_list_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        client.room_recordings.list(**kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


@pytest.mark.parametrize(("kwargs", "field"), FILTER_BAD)
async def test_delete_bulk_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        await client.room_recordings.delete_bulk(**kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


@pytest.mark.parametrize("operation", ["retrieve", "delete"])
@pytest.mark.parametrize("recording_id", ["", ".", "a/b", 7])
async def test_ids_are_checked(
    fake: FakeRoomsAPI, client: RoomsClient, operation: str, recording_id: Any
) -> None:
    with pytest.raises(InvalidParams) as info:
        await getattr(client.room_recordings, operation)(recording_id)
    assert info.value.field == "recording_id"
    assert fake.calls() == 0


@pytest.mark.parametrize(("method", "status"), [("GET", 400), ("DELETE", 422)])
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("filter[duration_secs]=long", "filter[duration_secs]"),
        ("filter[duration_secs]=1.5", "filter[duration_secs]"),
        ("filter[date_started_at][eq]=x", "filter[date_started_at][eq]"),
        ("filter[date_ended_at][gte]=2021-02-30", "filter[date_ended_at][gte]"),
        ("page[size]=0", "page[size]"),
    ],
)
async def test_the_fake_answers_bad_filters_as_each_operation_declares(
    fake: FakeRoomsAPI, client: RoomsClient, method: str, status: int, query: str, parameter: str
) -> None:
    # The list declares 4XX (a 400 here); the bulk delete declares only 422.
    await recorded(fake, client)
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, f"{fake.base_url}/room_recordings?{query}", headers=headers
        ) as resp,
    ):
        assert resp.status == status
        document = await resp.json()
    assert document["errors"][0]["source"] == {"parameter": parameter}
    assert len(fake.store.recordings) == 3
