"""Every ``client.rooms`` operation against the fake API."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from telnyx_rooms_async import (
    AuthenticationError,
    NotFoundError,
    Page,
    Room,
    RoomsClient,
    RoomSession,
    UnprocessableEntityError,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

UNKNOWN = "0b1f3c1e-0000-4000-8000-000000000000"


def _dated(fake: FakeRoomsAPI, room: Room, created: str, updated: str) -> None:
    """Backdate a room in the fake's store, so date filters have something to tell apart."""
    record = fake.store.rooms[room.id]
    record["created_at"] = f"{created}T10:00:00.000000Z"
    record["updated_at"] = f"{updated}T10:00:00.000000Z"


def _add_session(fake: FakeRoomsAPI, room_id: str, session_id: str) -> None:
    fake.store.sessions[session_id] = {
        "id": session_id,
        "room_id": room_id,
        "active": True,
        "created_at": "2026-01-05T10:00:00.000000Z",
        "updated_at": "2026-01-05T10:00:00.000000Z",
        "ended_at": None,
        "record_type": "room_session",
    }


async def test_create_with_every_field(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    before = datetime.now(timezone.utc)
    room = await client.rooms.create(
        unique_name="My Room",
        max_participants=10,
        enable_recording=True,
        webhook_event_url="https://example.com/hooks",
        webhook_event_failover_url="https://failover.example.com",
        webhook_timeout_secs=25,
    )
    assert isinstance(room, Room)
    assert room.unique_name == "My Room"
    assert room.max_participants == 10
    assert room.enable_recording is True
    assert room.webhook_event_url == "https://example.com/hooks"
    assert room.webhook_event_failover_url == "https://failover.example.com"
    assert room.webhook_timeout_secs == 25
    assert room.record_type == "room"
    assert room.created_at is not None
    assert room.updated_at is not None
    assert before - timedelta(seconds=1) <= room.created_at <= datetime.now(timezone.utc)
    assert room.id in fake.store.rooms
    [call] = fake.requests
    assert (call.method, call.path, call.authorized) == ("POST", "/v2/rooms", True)
    assert call.body == {
        "unique_name": "My Room",
        "max_participants": 10,
        "enable_recording": True,
        "webhook_event_url": "https://example.com/hooks",
        "webhook_event_failover_url": "https://failover.example.com",
        "webhook_timeout_secs": 25,
    }


async def test_create_with_nothing_sends_an_empty_object(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create()
    assert fake.requests[0].body == {}
    assert room.max_participants == 10  # the API's default
    assert room.unique_name is None


async def test_retrieve(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    created = await client.rooms.create(unique_name="standup", max_participants=5)
    room = await client.rooms.retrieve(created.id)
    assert room == created
    assert fake.requests[-1].query == {}


async def test_retrieve_include_sessions(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    created = await client.rooms.create(unique_name="with sessions")
    _add_session(fake, created.id, "s-1")
    _add_session(fake, created.id, "s-2")
    bare = await client.rooms.retrieve(created.id)
    assert bare.sessions == ()
    full = await client.rooms.retrieve(created.id, include_sessions=True)
    assert fake.requests[-1].query == {"include_sessions": "true"}
    assert [s.id for s in full.sessions] == ["s-1", "s-2"]
    assert all(isinstance(s, RoomSession) and s.room_id == created.id for s in full.sessions)
    assert full.sessions[0].created_at == datetime(2026, 1, 5, 10, tzinfo=timezone.utc)
    explicit = await client.rooms.retrieve(created.id, include_sessions=False)
    assert fake.requests[-1].query == {"include_sessions": "false"}
    assert explicit.sessions == ()


async def test_update_sends_only_what_was_passed(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    created = await client.rooms.create(
        unique_name="orig", max_participants=10, webhook_timeout_secs=25
    )
    room = await client.rooms.update(created.id, max_participants=20)
    assert fake.requests[-1].method == "PATCH"
    assert fake.requests[-1].path == f"/v2/rooms/{created.id}"
    assert fake.requests[-1].body == {"max_participants": 20}
    assert room.max_participants == 20
    assert room.unique_name == "orig"
    assert room.webhook_timeout_secs == 25
    assert room.updated_at is not None
    assert created.updated_at is not None
    assert room.updated_at >= created.updated_at


async def test_update_can_clear_webhook_timeout(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    created = await client.rooms.create(webhook_timeout_secs=25)
    room = await client.rooms.update(created.id, webhook_timeout_secs=None)
    assert fake.requests[-1].body == {"webhook_timeout_secs": None}
    assert room.webhook_timeout_secs is None
    assert fake.store.rooms[created.id]["webhook_timeout_secs"] is None


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({}, {}),
        ({"unique_name": "renamed"}, {"unique_name": "renamed"}),
        ({"enable_recording": False}, {"enable_recording": False}),
        (
            {"webhook_event_url": "https://e.example/h"},
            {"webhook_event_url": "https://e.example/h"},
        ),
        ({"webhook_event_failover_url": ""}, {"webhook_event_failover_url": ""}),
        (
            {"max_participants": 2, "webhook_timeout_secs": 0},
            {"max_participants": 2, "webhook_timeout_secs": 0},
        ),
    ],
)
async def test_update_bodies(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], body: dict[str, Any]
) -> None:
    created = await client.rooms.create(unique_name="u", enable_recording=True)
    room = await client.rooms.update(created.id, **kwargs)
    assert fake.requests[-1].body == body
    for key, value in body.items():
        assert getattr(room, key) == value


async def test_delete(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    created = await client.rooms.create(unique_name="gone soon")
    await client.rooms.delete(created.id)
    assert created.id not in fake.store.rooms
    assert fake.requests[-1].method == "DELETE"
    with pytest.raises(NotFoundError):
        await client.rooms.retrieve(created.id)


@pytest.mark.parametrize("method", ["retrieve", "update", "delete"])
async def test_unknown_room_is_not_found(client: RoomsClient, method: str) -> None:
    with pytest.raises(NotFoundError) as info:
        await getattr(client.rooms, method)(UNKNOWN)
    assert info.value.status == 404
    assert info.value.code == "10005"
    assert info.value.errors[0].title == "Resource not found"
    assert "Room was not found." in str(info.value)


async def test_duplicate_unique_name_is_unprocessable(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    await client.rooms.create(unique_name="one")
    other = await client.rooms.create(unique_name="two")
    with pytest.raises(UnprocessableEntityError) as info:
        await client.rooms.create(unique_name="one")
    assert info.value.errors[0].source is not None
    assert info.value.errors[0].source.pointer == "/unique_name"
    with pytest.raises(UnprocessableEntityError):
        await client.rooms.update(other.id, unique_name="one")
    assert len(fake.store.rooms) == 2
    # A 422 is the caller's to fix: never retried.
    assert fake.calls("POST", "/v2/rooms") == 3


async def test_wrong_key_is_unauthenticated(fake: FakeRoomsAPI) -> None:
    async with RoomsClient("KEY-wrong", base_url=fake.base_url) as client:
        for call in (
            client.rooms.create(unique_name="x"),
            client.rooms.retrieve(UNKNOWN),
            client.rooms.update(UNKNOWN, max_participants=3),
            client.rooms.delete(UNKNOWN),
            client.rooms.list(),
        ):
            with pytest.raises(AuthenticationError) as info:
                await call
            assert info.value.status == 401
            assert info.value.code == "10009"
    assert fake.store.rooms == {}
    assert [c.authorized for c in fake.requests] == [False] * 5  # 401 is never retried


# -- list ------------------------------------------------------------------------------------


async def test_list_first_page(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    rooms = [await client.rooms.create(unique_name=f"room {i}") for i in range(3)]
    page = await client.rooms.list()
    assert isinstance(page, Page)
    assert page.items == tuple(rooms)
    assert page.meta.page_number == 1
    assert page.meta.page_size == 20
    assert page.meta.total_pages == 1
    assert page.meta.total_results == 3
    assert page.has_next_page is False
    assert await page.next_page() is None
    assert fake.calls("GET", "/v2/rooms") == 1


async def test_list_by_unique_name(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    await client.rooms.create(unique_name="My Room")
    await client.rooms.create(unique_name="My Room 2")
    found = [r async for r in client.rooms.list(unique_name="My Room", page_size=50)]
    assert [r.unique_name for r in found] == ["My Room"]
    assert fake.requests[-1].query["filter[unique_name]"] == "My Room"
    assert fake.requests[-1].query["page[size]"] == "50"
    assert [r async for r in client.rooms.list(unique_name="nobody")] == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"date_created_at_eq": date(2026, 2, 1)}, ["feb"]),
        ({"date_created_at_gte": date(2026, 2, 1)}, ["feb", "mar"]),
        ({"date_created_at_lte": "2026-02-01"}, ["jan", "feb"]),
        ({"date_created_at_gte": "2026-01-15", "date_created_at_lte": "2026-02-15"}, ["feb"]),
        ({"date_updated_at_eq": "2026-03-20"}, ["jan"]),
        ({"date_updated_at_gte": date(2026, 3, 5)}, ["jan", "mar"]),
        ({"date_updated_at_lte": date(2026, 3, 1)}, ["feb"]),
        ({"date_created_at_eq": date(2025, 1, 1)}, []),
    ],
)
async def test_list_date_filters(
    fake: FakeRoomsAPI, client: RoomsClient, filters: dict[str, Any], expected: list[str]
) -> None:
    for name, created, updated in (
        ("jan", "2026-01-01", "2026-03-20"),
        ("feb", "2026-02-01", "2026-02-10"),
        ("mar", "2026-03-01", "2026-03-05"),
    ):
        _dated(fake, await client.rooms.create(unique_name=name), created, updated)
    found = await client.rooms.list(**filters).to_list()
    assert [r.unique_name for r in found] == expected
    for key, value in filters.items():
        field, op = key.rsplit("_", 1)
        wire = f"filter[{field}][{op}]"
        assert fake.requests[-1].query[wire] == str(value)


async def test_list_include_sessions(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create(unique_name="busy")
    _add_session(fake, room.id, "s-1")
    [with_sessions] = [r async for r in client.rooms.list(include_sessions=True)]
    assert [s.id for s in with_sessions.sessions] == ["s-1"]
    assert fake.requests[-1].query["include_sessions"] == "true"
    [without] = [r async for r in client.rooms.list()]
    assert without.sessions == ()
    assert "include_sessions" not in fake.requests[-1].query


async def test_list_created_after_a_date(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    old = await client.rooms.create(unique_name="old")
    _dated(fake, old, "2025-12-31", "2025-12-31")
    new = await client.rooms.create(unique_name="new")
    page = await client.rooms.list(date_created_at_gte=date(2026, 1, 1))
    assert [r.id for r in page.items] == [new.id]


async def _seven_rooms(client: RoomsClient) -> list[Room]:
    return [await client.rooms.create(unique_name=f"r{i}") for i in range(7)]


async def test_pages_one_by_one(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    rooms = await _seven_rooms(client)
    first = await client.rooms.list(page_size=3)
    assert [r.id for r in first.items] == [r.id for r in rooms[:3]]
    assert (first.meta.total_pages, first.meta.total_results) == (3, 7)
    assert first.has_next_page
    second = await first.next_page()
    assert second is not None
    assert second.meta.page_number == 2
    assert [r.id for r in second.items] == [r.id for r in rooms[3:6]]
    third = await second.next_page()
    assert third is not None
    assert [r.id for r in third.items] == [rooms[6].id]
    assert not third.has_next_page
    assert await third.next_page() is None
    assert fake.calls("GET", "/v2/rooms") == 3
    assert [c.query["page[number]"] for c in fake.requests if c.method == "GET"] == ["1", "2", "3"]


async def test_async_for_fetches_each_page_only_when_needed(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    rooms = await _seven_rooms(client)
    fake.requests.clear()

    def gets() -> int:
        return fake.calls("GET", "/v2/rooms")

    paginator = client.rooms.list(page_size=3)
    assert gets() == 0  # building the paginator sends nothing
    seen: list[str] = []
    fetched_when: list[int] = []
    async for room in paginator:
        seen.append(room.id)
        fetched_when.append(gets())
    assert seen == [r.id for r in rooms]
    # Page 2 is fetched only after the 3rd room was used, page 3 after the 6th.
    assert fetched_when == [1, 1, 1, 2, 2, 2, 3]
    assert gets() == 3  # stops at total_pages: no 4th request


async def test_async_for_stopped_early_fetches_no_more(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    await _seven_rooms(client)
    fake.requests.clear()
    async for i, _room in _enumerate(client.rooms.list(page_size=3)):
        if i == 3:
            break
    assert fake.calls("GET", "/v2/rooms") == 2


async def _enumerate(paginator: Any) -> Any:
    i = 0
    async for item in paginator:
        yield i, item
        i += 1


async def test_list_from_a_page_number_and_max_pages(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    rooms = await _seven_rooms(client)
    page = await client.rooms.list(page_size=3, page_number=2)
    assert [r.id for r in page.items] == [r.id for r in rooms[3:6]]
    rest = await client.rooms.list(page_size=3, page_number=2).to_list()
    assert [r.id for r in rest] == [r.id for r in rooms[3:]]
    fake.requests.clear()
    capped = await client.rooms.list(page_size=2, max_pages=2).to_list()
    assert [r.id for r in capped] == [r.id for r in rooms[:4]]
    assert fake.calls("GET", "/v2/rooms") == 2


async def test_page_past_the_end_is_empty(client: RoomsClient) -> None:
    await _seven_rooms(client)
    page = await client.rooms.list(page_size=3, page_number=9)
    assert page.items == ()
    assert not page.has_next_page
    assert await client.rooms.list(page_size=3, page_number=9).to_list() == []


async def test_sticky_page_does_not_loop_forever(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    rooms = await _seven_rooms(client)
    fake.faults.sticky_page("/v2/rooms")
    found = await client.rooms.list(page_size=3).to_list()
    assert [r.id for r in found] == [r.id for r in rooms[:3]]
    assert fake.calls("GET", "/v2/rooms") == 2  # the repeat is noticed on the second page


async def test_pages_iterator(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    await _seven_rooms(client)
    sizes = [len(page) async for page in client.rooms.list(page_size=3).pages()]
    assert sizes == [3, 3, 1]


async def test_full_lifecycle(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create(
        unique_name="My Room",
        max_participants=10,
        enable_recording=True,
        webhook_event_url="https://example.com/hooks",
        webhook_timeout_secs=25,
    )
    room = await client.rooms.retrieve(room.id, include_sessions=True)
    room = await client.rooms.update(room.id, max_participants=20)
    assert room.max_participants == 20
    assert [r.id async for r in client.rooms.list(unique_name="My Room", page_size=50)] == [room.id]
    await client.rooms.delete(room.id)
    assert (await client.rooms.list()).items == ()
    assert [(c.method, c.path) for c in fake.requests] == [
        ("POST", "/v2/rooms"),
        ("GET", f"/v2/rooms/{room.id}"),
        ("PATCH", f"/v2/rooms/{room.id}"),
        ("GET", "/v2/rooms"),
        ("DELETE", f"/v2/rooms/{room.id}"),
        ("GET", "/v2/rooms"),
    ]
