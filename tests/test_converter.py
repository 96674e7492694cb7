"""The documented create-room reply, datetimes, unknown fields and bad replies, structured."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from vendordata import SEED_PAGE

from telnyx_rooms_async import (
    APIResponseValidationError,
    PageMeta,
    Room,
    RoomComposition,
    RoomParticipant,
    RoomsClient,
    RoomSession,
    VideoRegion,
)
from telnyx_rooms_async._converter import structure_data, structure_page
from telnyx_rooms_async.models import FrozenDict
from telnyx_rooms_async.testing import FakeRoomsAPI

# The example reply of Telnyx's "Create a room" documentation page, byte for byte.
DOCS_REPLY = (Path(__file__).parent / "data" / "create_room_reply.json").read_text().strip()
DOCS_PAGE = SEED_PAGE
DOCS_DATA: dict[str, Any] = json.loads(DOCS_REPLY)["data"]


def _utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=timezone.utc)


def _assert_model_equals(model: Any, expected: dict[str, Any]) -> None:
    names = {a.name for a in attrs.fields(type(model))}
    for key, value in expected.items():
        assert key in names, f"{type(model).__name__} has no field {key!r}"
        got = getattr(model, key)
        if key.endswith("_at") and value is not None:
            assert isinstance(got, datetime)
            assert got.tzinfo is not None
            assert got.utcoffset() == timedelta(0)
            text = got.isoformat().replace("+00:00", "Z")
            assert text == value, key
        elif isinstance(value, list):
            assert isinstance(got, tuple), key
            assert len(got) == len(value), key
            for item, raw in zip(got, value, strict=True):
                _assert_model_equals(item, raw)
        else:
            assert got == value, key
            assert type(got) is type(value), key


def test_documented_reply_is_the_one_on_the_page() -> None:
    assert DOCS_DATA["id"] == "7b61621f-62e0-4aad-ab11-9fd19e272e73"
    assert DOCS_DATA["record_type"] == "room"
    page = DOCS_PAGE.read_text(encoding="utf-8")
    assert DOCS_REPLY in page


def test_documented_reply_structures_field_by_field() -> None:
    room = structure_data(DOCS_REPLY.encode(), Room)
    assert isinstance(room, Room)
    _assert_model_equals(room, DOCS_DATA)
    # And spelled out, so a wrong comparison helper cannot hide a mistake.
    assert room == Room(
        id="7b61621f-62e0-4aad-ab11-9fd19e272e73",
        max_participants=50,
        unique_name="My Room",
        created_at=_utc(2021, 4, 16, 9, 46, 20, 954863),
        updated_at=_utc(2021, 4, 16, 10, 24, 55, 962200),
        active_session_id="7b61621f-62e0-4aad-ab11-9fd19e272e74",
        enable_recording=True,
        webhook_event_failover_url="https://failover.example.com",
        webhook_timeout_secs=25,
        webhook_event_url="https://www.example.com",
        sessions=(
            RoomSession(
                id="7b61621f-62e0-4aad-ab11-9fd19e272e74",
                room_id="7b61621f-62e0-4aad-ab11-9fd19e272e73",
                active=True,
                created_at=_utc(2021, 4, 16, 9, 46, 20, 954863),
                updated_at=_utc(2021, 4, 16, 10, 24, 55, 962200),
                participants=(),
                record_type="room_session",
            ),
        ),
        record_type="room",
    )


def test_every_room_field_of_the_documented_reply_is_covered() -> None:
    names = {a.name for a in attrs.fields(Room)}
    assert set(DOCS_DATA) <= names
    assert set(DOCS_DATA["sessions"][0]) <= {a.name for a in attrs.fields(RoomSession)}


def test_models_are_frozen_with_tuples() -> None:
    room = structure_data(DOCS_REPLY.encode(), Room)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        room.max_participants = 2  # type: ignore[misc]
    assert isinstance(room.sessions, tuple)
    # Filled in one step, the instance is exactly what __init__ builds: the same fields.
    fields = [a.name for a in attrs.fields(Room)]
    assert sorted(vars(room)) == sorted(fields)
    assert Room(**{name: getattr(room, name) for name in fields}) == room
    assert hash(room) == hash(structure_data(DOCS_REPLY.encode(), Room))


async def test_documented_reply_through_the_client(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    fake.faults.respond("POST", "/v2/rooms", status=201, body=DOCS_REPLY)
    room = await client.rooms.create(unique_name="My Room")
    _assert_model_equals(room, DOCS_DATA)
    assert room == structure_data(DOCS_REPLY.encode(), Room)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-04-16T09:46:20.954863Z", _utc(2021, 4, 16, 9, 46, 20, 954863)),
        ("2021-04-16T09:46:20Z", _utc(2021, 4, 16, 9, 46, 20)),
        ("2021-04-16T09:46:20.9Z", _utc(2021, 4, 16, 9, 46, 20, 900000)),
        ("2021-04-16T09:46:20.123Z", _utc(2021, 4, 16, 9, 46, 20, 123000)),
        ("2021-04-16T09:46:20.954863+00:00", _utc(2021, 4, 16, 9, 46, 20, 954863)),
        ("2021-04-16T11:46:20+02:00", _utc(2021, 4, 16, 9, 46, 20)),
        ("2021-04-16T09:46:20", _utc(2021, 4, 16, 9, 46, 20)),  # naive means UTC
    ],
)
def test_datetimes_are_aware(text: str, expected: datetime) -> None:
    room = structure_data(json.dumps({"data": {"id": "r", "created_at": text}}).encode(), Room)
    assert room.created_at == expected
    assert room.created_at is not None
    assert room.created_at.tzinfo is not None


def test_unknown_fields_are_ignored() -> None:
    body = {
        "data": {
            "id": "r1",
            "max_participants": 10,
            "brand_new_field": {"nested": [1, 2]},
            "sessions": [
                {
                    "id": "s1",
                    "future": True,
                    "participants": [{"id": "p1", "surprise": "yes", "context": "c"}],
                }
            ],
        },
        "meta": {"whatever": 1},
    }
    room = structure_data(json.dumps(body).encode(), Room)
    assert room.id == "r1"
    assert room.max_participants == 10
    assert room.sessions[0].participants == (RoomParticipant(id="p1", context="c"),)
    assert not hasattr(room, "brand_new_field")


def test_nulls_and_missing_optional_fields() -> None:
    body = {"data": {"id": "r1", "unique_name": None, "sessions": None, "created_at": None}}
    room = structure_data(json.dumps(body).encode(), Room)
    assert room == Room(id="r1")
    assert room.sessions == ()


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": []}',
        b'{"data": null}',
        b'{"data": "room"}',
        b'{"room": {"id": "r"}}',
        b"[]",
        b'"text"',
        b'{"data": {"unique_name": "no id"}}',
        b'{"data": {"id": "r", "created_at": "yesterday"}}',
        b'{"data": {"id": "r", "created_at": 1618566380}}',
        b'{"data": {"id": "r", "sessions": 5}}',
        b'{"data": {"id": "r", "sessions": [5]}}',
        b'{"data": {"id": "r", "sessions": [{"room_id": "no id"}]}}',
        b'{"data": {"id": "r", "sessions": [{"id": "s", "participants": {"id": "p"}}]}}',
    ],
)
def test_wrong_shape_is_a_validation_error(body: bytes) -> None:
    with pytest.raises(APIResponseValidationError) as info:
        structure_data(body, Room)
    assert "Room" in str(info.value)
    assert info.value.__cause__ is None  # no cattrs/KeyError chain in the traceback


@pytest.mark.parametrize(
    "body", [b"", b"<html>502</html>", b"{not json", b'{"data": {"id": "r"}', b"\xff\xfe"]
)
def test_non_json_is_a_validation_error(body: bytes) -> None:
    with pytest.raises(APIResponseValidationError) as info:
        structure_data(body, Room)
    assert "not valid JSON" in str(info.value)


def test_page_structures_items_and_meta() -> None:
    body = {
        "data": [{"id": "a"}, {"id": "b", "max_participants": 3}],
        "meta": {"page_number": 2, "page_size": 2, "total_pages": 5, "total_results": 9},
    }
    items, meta = structure_page(json.dumps(body).encode(), Room)
    assert items == (Room(id="a"), Room(id="b", max_participants=3))
    assert meta == PageMeta(page_number=2, page_size=2, total_pages=5, total_results=9)


@pytest.mark.parametrize(
    "body",
    [b'{"data": {"id": "a"}}', b'{"meta": {}}', b'{"data": [{"id": "a"}, 7]}', b"[]"],
)
def test_page_of_wrong_shape(body: bytes) -> None:
    with pytest.raises(APIResponseValidationError):
        structure_page(body, Room)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b"<html><body>OK</body></html>", "not valid JSON"),
        (200, b"", "not valid JSON"),
        (201, b'{"data": [1, 2]}', "Room"),
        (200, b'{"data": {"no_id": true}}', "Room"),
    ],
)
async def test_bad_2xx_through_the_client(
    fake: FakeRoomsAPI, client: RoomsClient, status: int, body: bytes, message: str
) -> None:
    fake.faults.respond("GET", "/v2/rooms/r1", status=status, body=body, content_type="text/html")
    with pytest.raises(APIResponseValidationError) as info:
        await client.rooms.retrieve("r1")
    assert message in str(info.value)
    assert fake.calls("GET", "/v2/rooms/r1") == 1  # a bad reply is not retried


def test_mappings_inside_models_are_read_only_and_pickle() -> None:
    body = json.dumps(
        {"data": {"id": "c1", "video_layout": {"main": {"width": 1280, "height": 720}}}}
    ).encode()
    composition = structure_data(body, RoomComposition)
    layout = composition.video_layout
    assert layout["main"] == VideoRegion(width=1280, height=720)
    with pytest.raises(TypeError):
        layout["side"] = VideoRegion()  # type: ignore[index]
    with pytest.raises(TypeError):
        layout.clear()  # type: ignore[attr-defined]
    copy = pickle.loads(pickle.dumps(composition))
    assert copy == composition
    assert isinstance(copy.video_layout, FrozenDict)
    assert RoomComposition(id="c2").video_layout == {}


def test_to_dict_and_to_json_give_plain_json_that_structures_back() -> None:
    from telnyx_rooms_async import to_dict, to_json

    room = structure_data(DOCS_REPLY.encode(), Room)
    plain = to_dict(room)
    assert plain["created_at"] == "2021-04-16T09:46:20.954863Z"
    assert plain["sessions"][0]["participants"] == []
    assert json.loads(to_json(room)) == json.loads(json.dumps(plain))
    assert structure_data(json.dumps({"data": plain}).encode(), Room) == room
    assert to_dict([room, room]) == [plain, plain]
