"""Named creates survive a lost reply, and get_or_create makes one room however many ask.

Against the fake API, which refuses a second room with a taken ``unique_name`` (422 at
``/unique_name``) as the API describes, and with faults that drop the reply after the room
was made (``reset(after_handling=True)``) or before (``reset()``).
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from typing import Any

import pytest

from telnyx_rooms_async import (
    AmbiguousNameError,
    APIConnectionError,
    InternalServerError,
    RetryEvent,
    Room,
    RoomsClient,
    UnprocessableEntityError,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

ROOMS = "/v2/rooms"


def client_for(fake: FakeRoomsAPI, **kwargs: Any) -> RoomsClient:
    settings: dict[str, Any] = {"timeout": 10, "connect_timeout": 2, "read_timeout": 5}
    return RoomsClient(fake.api_key, base_url=fake.base_url, **{**settings, **kwargs})


def events_of(client: RoomsClient) -> tuple[RoomsClient, list[RetryEvent]]:
    seen: list[RetryEvent] = []
    return client.with_options(on_retry=seen.append), seen


def posts(fake: FakeRoomsAPI) -> int:
    return fake.calls("POST", ROOMS)


def rooms_named(fake: FakeRoomsAPI, name: str) -> list[dict[str, Any]]:
    return [r for r in fake.store.rooms.values() if r["unique_name"] == name]


async def test_a_lost_reply_after_the_room_was_made_returns_that_room(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    fake.faults.reset("POST", ROOMS, after_handling=True)
    view, events = events_of(client)
    room = await view.rooms.create(unique_name="standup", max_participants=8)
    [made] = rooms_named(fake, "standup")
    assert room.id == made["id"]
    assert room.max_participants == 8
    assert posts(fake) == 1  # found by name, never sent twice
    assert [e.kind for e in events] == ["lookup"]
    assert events[0].method == "GET"
    assert isinstance(events[0].exception, APIConnectionError)


async def test_a_create_that_never_arrived_is_sent_again(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    fake.faults.reset("POST", ROOMS)  # before the fake handled it: no room
    view, events = events_of(client)
    room = await view.rooms.create(unique_name="retro")
    assert [r["id"] for r in rooms_named(fake, "retro")] == [room.id]
    assert posts(fake) == 2
    assert [e.kind for e in events] == ["lookup", "resend"]


async def test_a_5xx_that_may_have_been_applied_is_reconciled_too(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    fake.faults.fail("POST", ROOMS, status=500)
    view, events = events_of(client)
    room = await view.rooms.create(unique_name="planning")
    assert rooms_named(fake, "planning")[0]["id"] == room.id
    assert [e.kind for e in events] == ["lookup", "resend"]


async def test_a_room_that_existed_before_the_call_is_not_taken_for_its_own(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    old = await client.rooms.create(unique_name="standup")
    fake.store.rooms[old.id]["created_at"] = "2020-01-01T00:00:00.000000Z"
    fake.faults.reset("POST", ROOMS, after_handling=True)
    view, events = events_of(client)
    with pytest.raises(UnprocessableEntityError) as caught:
        await view.rooms.create(unique_name="standup")
    # The API's own answer to the re-send: the name is taken.
    assert caught.value.errors[0].source is not None
    assert caught.value.errors[0].source.pointer == "/unique_name"
    assert [e.kind for e in events] == ["lookup", "resend"]
    assert len(rooms_named(fake, "standup")) == 1


async def test_a_fresh_room_with_other_fields_is_not_taken_for_its_own(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    await client.rooms.create(unique_name="standup", max_participants=4)
    fake.faults.reset("POST", ROOMS, after_handling=True)
    with pytest.raises(UnprocessableEntityError):
        await client.rooms.create(unique_name="standup", max_participants=9)
    assert [r["max_participants"] for r in rooms_named(fake, "standup")] == [4]


async def test_several_rooms_with_the_name_are_an_error_naming_them(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    first = await client.rooms.create(unique_name="twin-a")
    second = await client.rooms.create(unique_name="twin-b")
    fake.store.rooms[second.id]["unique_name"] = "twin-a"  # as if the API had allowed it
    fake.faults.reset("POST", ROOMS, after_handling=True)
    with pytest.raises(AmbiguousNameError) as caught:
        await client.rooms.create(unique_name="twin-a")
    assert set(caught.value.room_ids) == {first.id, second.id}
    assert first.id in str(caught.value)


async def test_without_a_name_a_create_that_may_have_arrived_is_not_repeated(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    fake.faults.reset("POST", ROOMS, after_handling=True)
    with pytest.raises(APIConnectionError):
        await client.rooms.create(max_participants=5)
    assert posts(fake) == 1
    assert fake.calls("GET", ROOMS) == 0


async def test_reconciliation_stays_within_the_retry_budget(fake: FakeRoomsAPI) -> None:
    fake.faults.reset("POST", ROOMS, after_handling=True)
    async with client_for(fake, max_retries=0) as client:
        with pytest.raises(APIConnectionError):
            await client.rooms.create(unique_name="budget")
    assert fake.calls("GET", ROOMS) == 0
    fake.faults.reset("POST", ROOMS, times=None)  # every create is lost before it is made
    async with client_for(fake, max_retries=3) as client:
        view, events = events_of(client)
        with pytest.raises(APIConnectionError):
            await view.rooms.create(unique_name="never-made")
    assert [e.kind for e in events] == ["lookup", "resend", "lookup"]
    assert rooms_named(fake, "never-made") == []


async def test_a_lookup_that_fails_is_tried_again(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    fake.faults.reset("POST", ROOMS, after_handling=True)
    fake.faults.fail("GET", ROOMS, status=502, headers={"Retry-After": "0"})
    view, events = events_of(client.with_options(max_retries=3))
    room = await view.rooms.create(unique_name="flaky")
    assert rooms_named(fake, "flaky")[0]["id"] == room.id
    assert [e.kind for e in events] == ["lookup", "lookup"]
    assert isinstance(events[1].exception, InternalServerError)


async def test_get_or_create_finds_or_makes_and_changes_nothing(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room, created = await client.rooms.get_or_create(unique_name="daily", max_participants=6)
    assert created
    again, created_again = await client.rooms.get_or_create(
        unique_name="daily", max_participants=12
    )
    assert (again.id, created_again) == (room.id, False)
    assert again.max_participants == 6  # the existing room is returned as it is
    assert posts(fake) == 1


async def test_twenty_concurrent_get_or_create_make_one_room(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    fake.faults.reset("POST", ROOMS, after_handling=True)  # the winner's own reply is lost
    results = await asyncio.gather(
        *(client.rooms.get_or_create(unique_name="crowd") for _ in range(20))
    )
    [made] = rooms_named(fake, "crowd")
    assert {room.id for room, _ in results} == {made["id"]}
    assert Counter(created for _, created in results) == Counter({True: 1, False: 19})


async def test_get_or_create_from_two_clients_at_once_make_one_room(fake: FakeRoomsAPI) -> None:
    # Two clients share no lock: the API's uniqueness check decides between them.
    async with client_for(fake) as one, client_for(fake) as two:
        results = await asyncio.gather(
            *(c.rooms.get_or_create(unique_name="shared") for c in [one, two] * 5)
        )
    [made] = rooms_named(fake, "shared")
    assert {room.id for room, _ in results} == {made["id"]}
    assert sum(created for _, created in results) == 1


async def test_get_or_create_needs_a_name(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    with pytest.raises(TypeError, match="unique_name"):
        await client.rooms.get_or_create(max_participants=4)  # type: ignore[call-arg]
    assert fake.calls() == 0


async def test_a_thousand_named_creates_with_lost_replies_make_a_room_each(
    fake: FakeRoomsAPI,
) -> None:
    """The fault run of the release note: a third of the replies lost after the room was made."""
    names = [f"room-{i:04d}" for i in range(1000)]
    fake.faults.reset("POST", ROOMS, after_handling=True, times=len(names) // 3)
    events: list[RetryEvent] = []
    async with client_for(fake, on_retry=events.append, timeout=30) as client:
        gate = asyncio.Semaphore(50)

        async def make(name: str) -> Room:
            async with gate:
                return await client.rooms.create(unique_name=name)

        rooms = await asyncio.wait_for(asyncio.gather(*(make(n) for n in names)), 120)
    stored = Counter(r["unique_name"] for r in fake.store.rooms.values())
    assert stored == Counter(names)  # rooms created = names requested: no loss, no duplicate
    assert [r.unique_name for r in rooms] == names
    kinds = Counter(e.kind for e in events)
    print(f"reconciled creates: {kinds['lookup']}, re-sent: {kinds['resend']}", file=sys.stderr)
    assert kinds["lookup"] == len(names) // 3
