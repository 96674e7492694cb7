"""Pagination ends at ``total_pages``, on an empty page, on a repeated page, or at max_pages."""

from __future__ import annotations

from typing import Any

import pytest

from telnyx_rooms_async import APIResponseValidationError, InvalidParams, Page, Room, RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI

ROOMS = "/v2/rooms"
#: Far more than any test needs: an iteration that gets here did not stop by itself.
RUNAWAY = 200


async def _make_rooms(client: RoomsClient, count: int) -> list[str]:
    return [(await client.rooms.create(unique_name=f"room-{i}")).id for i in range(count)]


async def _collect(client: RoomsClient, **kwargs: Any) -> list[Room]:
    rooms: list[Room] = []
    async for room in client.rooms.list(**kwargs):
        rooms.append(room)
        if len(rooms) >= RUNAWAY:
            break
    return rooms


def _page(ids: list[str], number: int, total_pages: int | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"page_number": number, "page_size": 2}
    if total_pages is not None:
        meta["total_pages"] = total_pages
    return {"data": [{"id": i, "record_type": "room"} for i in ids], "meta": meta}


async def test_iteration_walks_every_page_and_stops_at_total_pages(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    ids = await _make_rooms(client, 5)
    rooms = await _collect(client, page_size=2)
    assert sorted(r.id for r in rooms) == sorted(ids)
    # Pages 1, 2 and 3 (of 3); page 4 is never asked for.
    assert fake.calls("GET", ROOMS) == 3
    assert [c.query["page[number]"] for c in fake.requests if c.method == "GET"] == ["1", "2", "3"]


async def test_sticky_last_page_stops_the_iteration(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    ids = await _make_rooms(client, 3)
    # The broken server answers every page number with page 1 and always claims one more page.
    fake.faults.sticky_page(ROOMS)
    rooms = await _collect(client, page_size=2)
    assert [r.id for r in rooms] == ids[:2]
    assert fake.calls("GET", ROOMS) == 2


async def test_sticky_page_stops_pages_too(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    await _make_rooms(client, 3)
    fake.faults.sticky_page(ROOMS)
    pages = []
    async for page in client.rooms.list(page_size=2).pages():
        pages.append(page)
        if len(pages) >= RUNAWAY:
            break
    assert [p.number for p in pages] == [1]


async def test_repeat_is_judged_by_ids_not_by_whole_items(fake: FakeRoomsAPI) -> None:
    # The same rooms again with a changed field is still the same page.
    first = _page(["a", "b"], 1, None)
    again = _page(["a", "b"], 2, None)
    again["data"][0]["unique_name"] = "renamed"
    fake.faults.respond("GET", ROOMS, body=first)
    fake.faults.respond("GET", ROOMS, body=again)
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
        rooms = await _collect(client)
    assert [r.id for r in rooms] == ["a", "b"]
    assert fake.calls("GET", ROOMS) == 2


async def test_empty_page_stops_even_when_more_pages_are_claimed(fake: FakeRoomsAPI) -> None:
    fake.faults.respond("GET", ROOMS, body=_page(["a", "b"], 1, 5))
    fake.faults.respond("GET", ROOMS, body=_page([], 2, 5))
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
        rooms = await _collect(client)
    assert [r.id for r in rooms] == ["a", "b"]
    assert fake.calls("GET", ROOMS) == 2


async def test_no_total_pages_goes_on_until_an_empty_page(fake: FakeRoomsAPI) -> None:
    fake.faults.respond("GET", ROOMS, body=_page(["a", "b"], 1, None))
    fake.faults.respond("GET", ROOMS, body=_page(["c"], 2, None))
    fake.faults.respond("GET", ROOMS, body=_page([], 3, None))
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
        rooms = await _collect(client)
    assert [r.id for r in rooms] == ["a", "b", "c"]
    assert fake.calls("GET", ROOMS) == 3


async def test_max_pages_caps_the_iteration(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    ids = await _make_rooms(client, 5)
    rooms = await _collect(client, page_size=1, max_pages=3)
    assert len(rooms) == 3
    assert {r.id for r in rooms} <= set(ids)
    assert fake.calls("GET", ROOMS) == 3


async def test_max_pages_caps_a_server_that_never_ends(fake: FakeRoomsAPI) -> None:
    # New ids on every page, always "more": only max_pages can end this.
    for n in range(1, 10):
        fake.faults.respond("GET", ROOMS, body=_page([f"p{n}a", f"p{n}b"], n, None))
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
        rooms = await _collect(client, max_pages=4)
    assert len(rooms) == 8
    assert fake.calls("GET", ROOMS) == 4


async def test_empty_list_makes_one_call(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    assert await _collect(client) == []
    assert fake.calls("GET", ROOMS) == 1


async def test_await_gives_one_page_and_next_page_ends_with_none(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    await _make_rooms(client, 3)
    page = await client.rooms.list(page_size=2)
    assert isinstance(page, Page)
    assert (len(page), page.has_next_page) == (2, True)
    last = await page.next_page()
    assert last is not None
    assert (len(last), last.has_next_page) == (1, False)
    assert await last.next_page() is None
    assert fake.calls("GET", ROOMS) == 2


async def test_to_list_and_page_number_start(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    await _make_rooms(client, 5)
    everything = await client.rooms.list(page_size=2).to_list()
    assert len(everything) == 5
    rest = await client.rooms.list(page_size=2, page_number=2).to_list()
    assert [r.id for r in rest] == [r.id for r in everything[2:]]


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
async def test_max_pages_is_validated(client: RoomsClient, bad: Any) -> None:
    with pytest.raises(InvalidParams, match="max_pages"):
        client.rooms.list(max_pages=bad)


async def test_fetching_page_zero_is_refused_before_io(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    with pytest.raises(InvalidParams, match="page_number"):
        await client.rooms.list().fetch(0)
    assert fake.calls() == 0


# -- the server's meta is a hint, never trusted for control -------------------------------------


@pytest.mark.parametrize(
    "meta",
    [
        {"page_number": "1", "total_pages": 2},
        {"page_number": 1, "total_pages": "10"},
        {"page_number": 1, "total_pages": True},
        {"page_size": 2.5},
        ["not", "an", "object"],
    ],
)
async def test_meta_of_the_wrong_types_is_a_validation_error(
    fake: FakeRoomsAPI, client: RoomsClient, meta: Any
) -> None:
    body = {"data": [{"id": "a"}], "meta": meta}
    fake.faults.respond("GET", ROOMS, body=body, times=None)
    with pytest.raises(APIResponseValidationError, match=r"\$\.meta"):
        await _collect(client)
    with pytest.raises(APIResponseValidationError, match=r"GET http://127\.0\.0\.1:\d+/v2/rooms"):
        await client.rooms.list()


async def test_a_stuck_page_number_with_alternating_items_stops_at_the_first_repeat(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    # meta.page_number stays 1 and claims more; the items go A, B, A, B... for ever.
    for _ in range(RUNAWAY):
        for ids in (["a1", "a2"], ["b1", "b2"]):
            fake.faults.respond("GET", ROOMS, body=_page(ids, 1, total_pages=None))
    rooms = await _collect(client)
    assert [r.id for r in rooms] == ["a1", "a2", "b1", "b2"]
    asked = [c.query.get("page[number]") for c in fake.requests if c.path == ROOMS]
    assert asked == ["1", "2", "3"]  # strictly increasing, counted by the client


async def test_iteration_never_fetches_past_the_first_pages_total(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    # Each page claims one more page than the last, with new items every time.
    for n in range(1, RUNAWAY):
        fake.faults.respond("GET", ROOMS, body=_page([f"r{n}"], n, total_pages=n + 1))
    rooms = await _collect(client)
    assert [r.id for r in rooms] == ["r1", "r2"]  # the first page said 2 pages
    assert fake.calls("GET", ROOMS) == 2


async def test_manual_next_page_counts_from_the_number_asked_for(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    fake.faults.respond("GET", ROOMS, body=_page(["a"], 7, total_pages=3))
    fake.faults.respond("GET", ROOMS, body=_page(["b"], 7, total_pages=3))
    first = await client.rooms.list()
    second = await first.next_page()
    assert second is not None
    assert (first.number, second.number) == (1, 2)
    assert [c.query["page[number]"] for c in fake.requests] == ["1", "2"]
