"""``client.room_compositions`` against the fake API."""

from __future__ import annotations

from datetime import date
from typing import Any

import aiohttp
import pytest

from telnyx_rooms_async import (
    InternalServerError,
    InvalidParams,
    NotFoundError,
    RoomComposition,
    RoomsClient,
    UnprocessableEntityError,
    VideoRegion,
)
from telnyx_rooms_async.params import VideoRegionParams
from telnyx_rooms_async.testing import FakeRoomsAPI

UNKNOWN = "0b1f3c1e-0000-4000-8000-000000000000"


def sent_filters(fake: FakeRoomsAPI) -> dict[str, str]:
    """The query of the last request, without the paginator's page keys."""
    return {k: v for k, v in fake.requests[-1].query.items() if not k.startswith("page[")}


async def ended_session(fake: FakeRoomsAPI, client: RoomsClient) -> dict[str, Any]:
    """A finished session with one participant, ready to be composed."""
    room = await client.rooms.create()
    session = await fake.sim.start_session(room.id)
    await fake.sim.join(session["id"], context="Alice")
    return await fake.sim.end_session(session["id"])


async def test_create_with_every_field(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    session = await ended_session(fake, client)
    composition = await client.room_compositions.create(
        session_id=session["id"],
        format="mp4",
        resolution="800x600",
        video_layout={
            "first": VideoRegion(
                x_pos=0, y_pos=0, z_pos=1, width=400, height=600, video_sources=("*",)
            ),
            "second": {"x_pos": 400, "width": 400, "height": 600, "max_columns": 2, "max_rows": 1},
            "third": VideoRegionParams(z_pos=-99, video_sources=["v1"]),
        },
        webhook_event_url="https://example.com/hooks",
        webhook_event_failover_url="https://failover.example.com",
        webhook_timeout_secs=25,
    )
    assert isinstance(composition, RoomComposition)
    assert composition.session_id == session["id"]
    assert composition.room_id == session["room_id"]
    assert (composition.status, composition.format, composition.resolution) == (
        "enqueued",
        "mp4",
        "800x600",
    )
    assert composition.webhook_event_url == "https://example.com/hooks"
    assert composition.webhook_event_failover_url == "https://failover.example.com"
    assert composition.webhook_timeout_secs == 25
    assert composition.video_layout["first"] == VideoRegion(
        x_pos=0, y_pos=0, z_pos=1, width=400, height=600, video_sources=("*",)
    )
    assert composition.video_layout["second"].max_columns == 2
    assert composition.video_layout["third"].video_sources == ("v1",)
    assert composition.id in fake.store.compositions
    call = fake.requests[-1]
    assert (call.method, call.path) == ("POST", "/v2/room_compositions")
    assert call.body == {
        "session_id": session["id"],
        "format": "mp4",
        "resolution": "800x600",
        "video_layout": {
            "first": {
                "x_pos": 0,
                "y_pos": 0,
                "z_pos": 1,
                "width": 400,
                "height": 600,
                "video_sources": ["*"],
            },
            "second": {"x_pos": 400, "width": 400, "height": 600, "max_columns": 2, "max_rows": 1},
            "third": {"z_pos": -99, "video_sources": ["v1"]},
        },
        "webhook_event_url": "https://example.com/hooks",
        "webhook_event_failover_url": "https://failover.example.com",
        "webhook_timeout_secs": 25,
    }


async def test_create_with_only_the_session(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    session = await ended_session(fake, client)
    composition = await client.room_compositions.create(session_id=session["id"])
    assert fake.requests[-1].body == {"session_id": session["id"]}
    assert (composition.format, composition.resolution, composition.video_layout) == (
        "mp4",
        "1280x720",
        {},
    )
    assert composition.record_type == "composition"
    assert composition.created_at is not None


async def test_create_for_an_unknown_session_is_422(client: RoomsClient) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.room_compositions.create(session_id=UNKNOWN)
    [error] = info.value.errors
    assert error.source is not None
    assert error.source.pointer == "/session_id"


async def test_create_follows_the_creating_post_retry_rule(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    session = await ended_session(fake, client)
    fake.faults.fail("POST", "/v2/room_compositions", status=502)
    with pytest.raises(InternalServerError):
        await client.room_compositions.create(session_id=session["id"])
    assert fake.calls("POST", "/v2/room_compositions") == 1
    assert fake.store.compositions == {}


async def test_retrieve_and_delete(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    session = await ended_session(fake, client)
    created = await client.room_compositions.create(session_id=session["id"])
    fetched = await client.room_compositions.retrieve(created.id)
    assert fetched == created
    assert fake.requests[-1].path == f"/v2/room_compositions/{created.id}"

    await fake.sim.complete_composition(created.id)
    done = await client.room_compositions.retrieve(created.id)
    assert done.status == "completed"
    assert done.download_url
    assert done.completed_at
    assert done.started_at is not None
    assert done.ended_at is not None
    assert done.started_at <= done.ended_at

    assert await client.room_compositions.delete(created.id) is None
    assert fake.calls("DELETE", f"/v2/room_compositions/{created.id}") == 1
    assert created.id not in fake.store.compositions
    with pytest.raises(NotFoundError):
        await client.room_compositions.retrieve(created.id)


@pytest.mark.parametrize("operation", ["retrieve", "delete"])
async def test_unknown_composition_is_404(client: RoomsClient, operation: str) -> None:
    with pytest.raises(NotFoundError, match="Room composition") as info:
        await getattr(client.room_compositions, operation)(UNKNOWN)
    assert info.value.errors[0].code == "10005"


async def test_list_with_filters(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    first = await ended_session(fake, client)
    second = await ended_session(fake, client)
    a = await client.room_compositions.create(session_id=first["id"])
    b = await client.room_compositions.create(session_id=first["id"], resolution="640x480")
    c = await client.room_compositions.create(session_id=second["id"])
    await fake.sim.complete_composition(b.id)
    fake.store.compositions[a.id]["created_at"] = "2021-04-25T10:00:00.000000Z"

    async def ids_of(**filters: Any) -> list[str]:
        return [x.id for x in (await client.room_compositions.list(**filters)).items]

    assert await ids_of() == [a.id, b.id, c.id]
    assert await ids_of(session_id=first["id"]) == [a.id, b.id]
    assert sent_filters(fake) == {"filter[session_id]": first["id"]}
    assert await ids_of(status="completed") == [b.id]
    assert await ids_of(status="enqueued", session_id=first["id"]) == [a.id]
    assert await ids_of(status="processing") == []
    assert await ids_of(date_created_at_eq=date(2021, 4, 25)) == [a.id]
    assert await ids_of(date_created_at_gte="2021-04-26") == [b.id, c.id]
    assert await ids_of(date_created_at_lte="2021-04-25") == [a.id]
    assert sent_filters(fake) == {"filter[date_created_at][lte]": "2021-04-25"}
    assert [x.id async for x in client.room_compositions.list(page_size=2)] == [a.id, b.id, c.id]
    page = await client.room_compositions.list(page_size=2, page_number=2)
    assert [x.id for x in page.items] == [c.id]
    assert page.meta.total_pages == 2


CREATE_BAD: list[tuple[dict[str, Any], str]] = [
    ({"session_id": ""}, "session_id"),
    ({"session_id": None}, "session_id"),
    ({"format": "webm"}, "format"),
    ({"resolution": "1280x721"}, "resolution"),
    ({"resolution": "1920x1080"}, "resolution"),
    ({"resolution": "8x8"}, "resolution"),
    ({"resolution": "800 x 600"}, "resolution"),
    ({"resolution": 720}, "resolution"),
    ({"video_layout": "grid"}, "video_layout"),
    ({"video_layout": {"a": {"width": 15}}}, "video_layout['a'].width"),
    ({"video_layout": {"a": {"height": 0}}}, "video_layout['a'].height"),
    ({"video_layout": {"a": {"z_pos": 100}}}, "video_layout['a'].z_pos"),
    ({"video_layout": {"a": {"max_rows": 0}}}, "video_layout['a'].max_rows"),
    ({"video_layout": {"a": {"max_columns": 1001}}}, "video_layout['a'].max_columns"),
    ({"video_layout": {"a": {"x_pos": "0"}}}, "video_layout['a'].x_pos"),
    ({"video_layout": {"a": {"video_sources": "*"}}}, "video_layout['a'].video_sources"),
    ({"video_layout": {"a": {"rotation": 90}}}, "video_layout['a'].rotation"),
    ({"video_layout": {"a": VideoRegion(z_pos=-100)}}, "video_layout['a'].z_pos"),
    ({"video_layout": {"a": [1, 2]}}, "video_layout['a']"),
    ({"webhook_event_url": "/relative"}, "webhook_event_url"),
    ({"webhook_event_failover_url": "mailto:a@b.c"}, "webhook_event_failover_url"),
    ({"webhook_timeout_secs": 31}, "webhook_timeout_secs"),
    ({"webhook_timeout_secs": True}, "webhook_timeout_secs"),
]


@pytest.mark.parametrize(("kwargs", "field"), CREATE_BAD)
async def test_create_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], field: str
) -> None:
    arguments = {"session_id": "session-1", **kwargs}
    with pytest.raises(InvalidParams) as info:
        await client.room_compositions.create(**arguments)
    assert info.value.field == field
    assert fake.calls() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "failed"}, "status"),
        ({"session_id": ""}, "session_id"),
        ({"date_created_at_eq": "2021-02-29"}, "date_created_at_eq"),
        ({"page_size": 0}, "page_size"),
        ({"max_pages": -1}, "max_pages"),
    ],
)
async def test_list_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        client.room_compositions.list(**kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


@pytest.mark.parametrize("operation", ["retrieve", "delete"])
@pytest.mark.parametrize("composition_id", ["", "..", "x/y"])
async def test_ids_are_checked(
    fake: FakeRoomsAPI, client: RoomsClient, operation: str, composition_id: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        await getattr(client.room_compositions, operation)(composition_id)
    assert info.value.field == "composition_id"
    assert fake.calls() == 0


async def raw(
    fake: FakeRoomsAPI, method: str, path: str, *, body: Any = None, query: str = ""
) -> tuple[int, Any]:
    """One request straight to the fake API, past the client's own checks."""
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    url = fake.base_url + path + (f"?{query}" if query else "")
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/session_id"),
        ({"session_id": 1}, "/session_id"),
        ({"format": 4}, "/format"),
        ({"resolution": "1281x10"}, "/resolution"),
        ({"resolution": "1280x1280"}, "/resolution"),
        ({"video_layout": []}, "/video_layout"),
        ({"video_layout": {"a": 1}}, "/video_layout/a"),
        ({"video_layout": {"a": {"width": 8}}}, "/video_layout/a/width"),
        ({"video_layout": {"a": {"z_pos": -100}}}, "/video_layout/a/z_pos"),
        ({"video_layout": {"a": {"video_sources": [1]}}}, "/video_layout/a/video_sources"),
        ({"webhook_event_url": "example.com"}, "/webhook_event_url"),
        ({"webhook_timeout_secs": 40}, "/webhook_timeout_secs"),
    ],
)
async def test_the_fake_answers_bad_bodies_with_422(
    fake: FakeRoomsAPI, client: RoomsClient, body: dict[str, Any], pointer: str
) -> None:
    session = await ended_session(fake, client)
    if pointer != "/session_id":
        body = {"session_id": session["id"], **body}
    status, document = await raw(fake, "POST", "/room_compositions", body=body)
    assert status == 422
    assert document["errors"][0]["source"] == {"pointer": pointer}
    assert fake.store.compositions == {}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("filter[date_created_at][gte]=x", "filter[date_created_at][gte]"),
        ("page[size]=abc", "page[size]"),
    ],
)
async def test_the_fake_answers_bad_list_queries_with_400(
    fake: FakeRoomsAPI, query: str, parameter: str
) -> None:
    status, document = await raw(fake, "GET", "/room_compositions", query=query)
    assert status == 400
    assert document["errors"][0]["source"] == {"parameter": parameter}
