"""``client.room_participants`` against the fake API."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest

from telnyx_rooms_async import InvalidParams, NotFoundError, RoomParticipant, RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI

UNKNOWN = "0b1f3c1e-0000-4000-8000-000000000000"


def sent_filters(fake: FakeRoomsAPI) -> dict[str, str]:
    """The query of the last request, without the paginator's page keys."""
    return {k: v for k, v in fake.requests[-1].query.items() if not k.startswith("page[")}


async def two_sessions(
    fake: FakeRoomsAPI, client: RoomsClient
) -> tuple[str, str, list[dict[str, Any]]]:
    """Two live sessions: Alice and Bob in the first, Alice in the second."""
    first = await fake.sim.start_session((await client.rooms.create()).id)
    second = await fake.sim.start_session((await client.rooms.create()).id)
    people = [
        await fake.sim.join(first["id"], context="Alice"),
        await fake.sim.join(first["id"], context="Bob"),
        await fake.sim.join(second["id"], context="Alice"),
    ]
    return first["id"], second["id"], people


async def test_retrieve(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    first, _, (alice, _, _) = await two_sessions(fake, client)
    participant = await client.room_participants.retrieve(alice["id"])
    assert isinstance(participant, RoomParticipant)
    assert participant.id == alice["id"]
    assert participant.session_id == first
    assert participant.context == "Alice"
    assert participant.left_at is None
    assert participant.record_type == "room_participant"
    assert participant.joined_at is not None
    assert abs(participant.joined_at - datetime.now(timezone.utc)) < timedelta(seconds=5)
    assert fake.requests[-1].path == f"/v2/room_participants/{alice['id']}"
    await fake.sim.leave(alice["id"])
    assert (await client.room_participants.retrieve(alice["id"])).left_at is not None


async def test_retrieve_unknown_is_404(client: RoomsClient) -> None:
    with pytest.raises(NotFoundError, match="Room participant") as info:
        await client.room_participants.retrieve(UNKNOWN)
    assert info.value.status == 404
    assert info.value.errors[0].code == "10005"


async def test_list_with_filters(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    first, second, (alice, bob, alice2) = await two_sessions(fake, client)
    await fake.sim.leave(bob["id"])
    store = fake.store.participants
    store[alice["id"]]["joined_at"] = "2021-04-24T10:00:00.000000Z"
    store[bob["id"]]["joined_at"] = "2021-04-25T10:00:00.000000Z"
    store[bob["id"]]["left_at"] = "2021-04-25T11:00:00.000000Z"
    store[bob["id"]]["updated_at"] = "2021-04-25T11:00:00.000000Z"

    async def ids_of(**filters: Any) -> list[str]:
        return [p.id for p in (await client.room_participants.list(**filters)).items]

    assert await ids_of() == [alice["id"], bob["id"], alice2["id"]]
    assert await ids_of(session_id=second) == [alice2["id"]]
    assert sent_filters(fake) == {"filter[session_id]": second}
    assert await ids_of(context="Alice") == [alice["id"], alice2["id"]]
    assert await ids_of(context="Alice", session_id=first) == [alice["id"]]
    assert await ids_of(date_joined_at_eq=date(2021, 4, 24)) == [alice["id"]]
    assert await ids_of(date_joined_at_gte="2021-04-25", date_joined_at_lte="2021-04-25") == [
        bob["id"]
    ]
    assert await ids_of(date_left_at_eq="2021-04-25") == [bob["id"]]
    assert await ids_of(date_left_at_gte="2021-04-26") == []
    assert await ids_of(date_left_at_lte="2021-04-25") == [bob["id"]]
    assert await ids_of(date_updated_at_eq="2021-04-25") == [bob["id"]]
    assert bob["id"] not in await ids_of(date_updated_at_gte="2021-04-26")
    assert await ids_of(date_updated_at_lte="2021-04-25") == [bob["id"]]
    assert sent_filters(fake) == {"filter[date_updated_at][lte]": "2021-04-25"}


async def test_list_paginates(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    _, _, people = await two_sessions(fake, client)
    page = await client.room_participants.list(page_size=2)
    assert [p.id for p in page.items] == [p["id"] for p in people[:2]]
    assert (page.meta.total_pages, page.meta.total_results) == (2, 3)
    following = await page.next_page()
    assert following is not None
    assert [p.id for p in following.items] == [people[2]["id"]]
    assert [p.id async for p in client.room_participants.list(page_size=1)] == [
        p["id"] for p in people
    ]
    assert len(await client.room_participants.list(page_size=1, max_pages=2).to_list()) == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"session_id": ""}, "session_id"),
        ({"session_id": 3}, "session_id"),
        ({"context": ["Alice"]}, "context"),
        ({"date_joined_at_eq": "2021-04-31"}, "date_joined_at_eq"),
        ({"date_joined_at_gte": datetime(2021, 4, 25)}, "date_joined_at_gte"),
        ({"date_left_at_lte": "25-04-2021"}, "date_left_at_lte"),
        ({"date_updated_at_eq": 1}, "date_updated_at_eq"),
        ({"page_size": 300}, "page_size"),
        ({"page_number": -1}, "page_number"),
    ],
)
async def test_list_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        client.room_participants.list(**kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


@pytest.mark.parametrize("participant_id", ["", ".", "a/b", None])
async def test_retrieve_validates_the_id(
    fake: FakeRoomsAPI, client: RoomsClient, participant_id: Any
) -> None:
    with pytest.raises(InvalidParams) as info:
        await client.room_participants.retrieve(participant_id)
    assert info.value.field == "participant_id"
    assert fake.calls() == 0


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("filter[date_joined_at][eq]=soon", "filter[date_joined_at][eq]"),
        ("filter[date_left_at][lte]=2021-13-01", "filter[date_left_at][lte]"),
        ("page[number]=0", "page[number]"),
    ],
)
async def test_the_fake_answers_bad_queries_with_400(
    fake: FakeRoomsAPI, query: str, parameter: str
) -> None:
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.base_url}/room_participants?{query}", headers=headers) as resp,
    ):
        assert resp.status == 400
        document = await resp.json()
    assert document["errors"][0]["source"] == {"parameter": parameter}
