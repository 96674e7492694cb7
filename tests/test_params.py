"""Every validation rule of every params class and its wire form, by example, and ids in
paths. The same rules as properties over generated values: ``test_params_properties.py``.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

import attrs
import pytest

from telnyx_rooms_async import UNSET, InvalidParams, NotFoundError, RoomsClient, VideoRegion
from telnyx_rooms_async._http import encode_id
from telnyx_rooms_async.params import (
    PageParams,
    RoomCompositionCreateParams,
    RoomCompositionListParams,
    RoomCreateParams,
    RoomGenerateJoinClientTokenParams,
    RoomListParams,
    RoomListSessionsParams,
    RoomParticipantListParams,
    RoomRecordingDeleteBulkParams,
    RoomRecordingListParams,
    RoomRefreshClientTokenParams,
    RoomRetrieveParams,
    RoomSessionActionParams,
    RoomSessionListParams,
    RoomSessionListParticipantsParams,
    RoomSessionRetrieveParams,
    RoomUpdateParams,
    VideoRegionParams,
    to_body,
    to_query,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

INT_2_50 = "must be an integer from 2 to 50"
INT_0_30 = "must be an integer from 0 to 30"
BOOL = "must be True or False"
STRING = "must be a string"
URL = "must be an absolute http(s) URL, such as 'https://example.com/hooks'"
DAY = "must be a datetime.date or a 'YYYY-MM-DD' string"
NOT_NULL = "cannot be null"

# (params class, field, value, rule) for every value a rule must refuse.
BAD: list[tuple[type, str, Any, str]] = [
    # max_participants: 2..50, integers only, bool refused
    *[
        (cls, "max_participants", v, INT_2_50)
        for cls in (RoomCreateParams, RoomUpdateParams)
        for v in (1, 51, 0, -10, True, False, 10.0, "10", [10])
    ],
    # webhook_timeout_secs: 0..30
    *[
        (cls, "webhook_timeout_secs", v, INT_0_30)
        for cls in (RoomCreateParams, RoomUpdateParams)
        for v in (-1, 31, 1000, True, 2.5, "25")
    ],
    # enable_recording: a real bool
    *[
        (cls, "enable_recording", v, BOOL)
        for cls in (RoomCreateParams, RoomUpdateParams)
        for v in (1, 0, "true", "yes")
    ],
    # unique_name: a string
    *[
        (cls, "unique_name", v, STRING)
        for cls in (RoomCreateParams, RoomUpdateParams, RoomListParams)
        for v in (5, b"room", True, ["room"])
    ],
    # webhook URLs: absolute http(s) with a host
    *[
        (cls, name, v, URL)
        for cls in (RoomCreateParams, RoomUpdateParams)
        for name in ("webhook_event_url", "webhook_event_failover_url")
        for v in (
            "example.com/hooks",
            "/hooks",
            "ftp://example.com",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "https://exa mple.com",
            " https://example.com",
            "https://[::1/hooks",
            5,
            b"https://example.com",
        )
    ],
    # the primary webhook URL may not be empty; the failover one may (the API's "none")
    (RoomCreateParams, "webhook_event_url", "", URL),
    (RoomUpdateParams, "webhook_event_url", "", URL),
    # PATCH: only webhook_timeout_secs may be sent as null
    *[
        (RoomUpdateParams, name, None, NOT_NULL)
        for name in (
            "unique_name",
            "max_participants",
            "enable_recording",
            "webhook_event_url",
            "webhook_event_failover_url",
        )
    ],
    # include_sessions: a real bool
    *[
        (cls, "include_sessions", v, BOOL)
        for cls in (RoomRetrieveParams, RoomListParams)
        for v in (1, "true", "True")
    ],
    # date filters: a date or YYYY-MM-DD, never a datetime
    *[
        (RoomListParams, name, v, DAY)
        for name in (
            "date_created_at_eq",
            "date_created_at_gte",
            "date_created_at_lte",
            "date_updated_at_eq",
            "date_updated_at_gte",
            "date_updated_at_lte",
        )
        for v in ("2026-1-1", "2026-13-01", "2026-02-30", "yesterday", "", 20260101, "2026/01/01")
    ],
    # page parameters: positive, page_size at most 250
    (PageParams, "page_number", 0, "must be an integer >= 1"),
    (PageParams, "page_number", -1, "must be an integer >= 1"),
    (PageParams, "page_number", True, "must be an integer >= 1"),
    (PageParams, "page_number", "2", "must be an integer >= 1"),
    (PageParams, "page_size", 0, "must be an integer from 1 to 250"),
    (PageParams, "page_size", 251, "must be an integer from 1 to 250"),
    (PageParams, "page_size", False, "must be an integer from 1 to 250"),
    (PageParams, "page_size", 2.0, "must be an integer from 1 to 250"),
]

# (params class, field, value) for values the rules must accept.
GOOD: list[tuple[type, str, Any]] = [
    *[
        (cls, "max_participants", v)
        for cls in (RoomCreateParams, RoomUpdateParams)
        for v in (2, 10, 50)
    ],
    *[
        (cls, "webhook_timeout_secs", v)
        for cls in (RoomCreateParams, RoomUpdateParams)
        for v in (0, 25, 30)
    ],
    (RoomCreateParams, "webhook_timeout_secs", None),
    (RoomUpdateParams, "webhook_timeout_secs", None),
    *[
        (cls, "enable_recording", v)
        for cls in (RoomCreateParams, RoomUpdateParams)
        for v in (True, False)
    ],
    *[
        (cls, "unique_name", v)
        for cls in (RoomCreateParams, RoomUpdateParams, RoomListParams)
        for v in ("My Room", "", "ünïcödé ✓")
    ],
    *[
        (cls, name, v)
        for cls in (RoomCreateParams, RoomUpdateParams)
        for name in ("webhook_event_url", "webhook_event_failover_url")
        for v in (
            "https://example.com",
            "https://example.com/hooks?x=1",
            "http://localhost:8080/hooks",
            "HTTPS://EXAMPLE.COM/",
            "https://[::1]:8443/hooks",
        )
    ],
    (RoomCreateParams, "webhook_event_failover_url", ""),
    (RoomUpdateParams, "webhook_event_failover_url", ""),
    *[
        (cls, "include_sessions", v)
        for cls in (RoomRetrieveParams, RoomListParams)
        for v in (True, False)
    ],
    *[
        (RoomListParams, name, v)
        for name in ("date_created_at_eq", "date_updated_at_lte")
        for v in (date(2026, 1, 1), "2026-01-01", "2024-02-29")
    ],
    (PageParams, "page_number", 1),
    (PageParams, "page_number", 10_000),
    (PageParams, "page_size", 1),
    (PageParams, "page_size", 250),
]


@pytest.mark.parametrize(("cls", "name", "value", "rule"), BAD)
def test_rule_refuses(cls: type, name: str, value: Any, rule: str) -> None:
    with pytest.raises(InvalidParams) as info:
        cls(**{name: value})
    assert info.value.field == name
    assert info.value.rule == rule
    assert str(info.value) == f"{name}: {rule}"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("cls", "name", "value"), GOOD)
def test_rule_accepts(cls: type, name: str, value: Any) -> None:
    params = cls(**{name: value})
    assert getattr(params, name) == value


def test_a_datetime_is_not_a_day() -> None:
    with pytest.raises(InvalidParams) as info:
        RoomListParams(date_created_at_gte=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert info.value.field == "date_created_at_gte"
    assert info.value.rule.startswith(DAY)
    assert "value.date()" in info.value.rule


def test_the_rule_never_shows_the_value() -> None:
    secret_looking = "https://user:hunter2@exa mple.com"
    with pytest.raises(InvalidParams) as info:
        RoomCreateParams(webhook_event_url=secret_looking)
    assert "hunter2" not in str(info.value)


def test_params_are_frozen() -> None:
    params = RoomCreateParams(max_participants=10)
    with pytest.raises(AttributeError):
        params.max_participants = 99  # type: ignore[misc]


# -- wire form ---------------------------------------------------------------------------------


def test_create_body_carries_every_field() -> None:
    params = RoomCreateParams(
        unique_name="My Room",
        max_participants=10,
        enable_recording=True,
        webhook_event_url="https://example.com/hooks",
        webhook_event_failover_url="https://failover.example.com",
        webhook_timeout_secs=25,
    )
    assert json.loads(to_body(params)) == {
        "unique_name": "My Room",
        "max_participants": 10,
        "enable_recording": True,
        "webhook_event_url": "https://example.com/hooks",
        "webhook_event_failover_url": "https://failover.example.com",
        "webhook_timeout_secs": 25,
    }


def test_create_body_leaves_out_what_was_not_given() -> None:
    assert to_body(RoomCreateParams()) == b"{}"
    assert json.loads(to_body(RoomCreateParams(enable_recording=False))) == {
        "enable_recording": False
    }
    assert json.loads(to_body(RoomCreateParams(webhook_event_failover_url=""))) == {
        "webhook_event_failover_url": ""
    }


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, {}),
        ({"max_participants": 20}, {"max_participants": 20}),
        ({"webhook_timeout_secs": None}, {"webhook_timeout_secs": None}),
        ({"webhook_timeout_secs": 0}, {"webhook_timeout_secs": 0}),
        ({"enable_recording": False}, {"enable_recording": False}),
        ({"webhook_event_failover_url": ""}, {"webhook_event_failover_url": ""}),
        ({"unique_name": "x", "max_participants": UNSET}, {"unique_name": "x"}),
    ],
)
def test_update_body_has_only_what_was_passed(
    kwargs: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert json.loads(to_body(RoomUpdateParams(**kwargs))) == expected


def test_list_query_carries_every_filter() -> None:
    params = RoomListParams(
        include_sessions=True,
        unique_name="My Room",
        date_created_at_eq=date(2026, 1, 2),
        date_created_at_gte="2026-01-01",
        date_created_at_lte=date(2026, 12, 31),
        date_updated_at_eq="2026-02-03",
        date_updated_at_gte=date(2026, 2, 1),
        date_updated_at_lte="2026-02-28",
    )
    assert to_query(params) == (
        "include_sessions=true"
        "&filter[unique_name]=My%20Room"
        "&filter[date_created_at][eq]=2026-01-02"
        "&filter[date_created_at][gte]=2026-01-01"
        "&filter[date_created_at][lte]=2026-12-31"
        "&filter[date_updated_at][eq]=2026-02-03"
        "&filter[date_updated_at][gte]=2026-02-01"
        "&filter[date_updated_at][lte]=2026-02-28"
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (RoomListParams(), ""),
        (RoomListParams(include_sessions=False), "include_sessions=false"),
        (RoomRetrieveParams(include_sessions=True), "include_sessions=true"),
        (RoomRetrieveParams(), ""),
        (
            RoomListParams(unique_name="a&b=c+d#e/f?g %"),
            "filter[unique_name]=a%26b%3Dc%2Bd%23e%2Ff%3Fg%20%25",
        ),
        (RoomListParams(unique_name="ü"), "filter[unique_name]=%C3%BC"),
        (PageParams(page_number=3, page_size=50), "page[number]=3&page[size]=50"),
    ],
)
def test_query_encoding(params: object, expected: str) -> None:
    assert to_query(params) == expected


async def test_list_filters_reach_the_server(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    page = await client.rooms.list(
        include_sessions=True,
        unique_name="a&b=c d",
        date_created_at_eq=date(2026, 1, 2),
        date_created_at_gte="2026-01-01",
        date_created_at_lte=date(2026, 12, 31),
        date_updated_at_eq="2026-02-03",
        date_updated_at_gte=date(2026, 2, 1),
        date_updated_at_lte="2026-02-28",
        page_number=2,
        page_size=7,
    )
    assert page.items == ()
    assert fake.requests[-1].query == {
        "include_sessions": "true",
        "filter[unique_name]": "a&b=c d",
        "filter[date_created_at][eq]": "2026-01-02",
        "filter[date_created_at][gte]": "2026-01-01",
        "filter[date_created_at][lte]": "2026-12-31",
        "filter[date_updated_at][eq]": "2026-02-03",
        "filter[date_updated_at][gte]": "2026-02-01",
        "filter[date_updated_at][lte]": "2026-02-28",
        "page[number]": "2",
        "page[size]": "7",
    }


# -- bad input never reaches the server ----------------------------------------------------------

ROOM_ID = "7b61621f-62e0-4aad-ab11-9fd19e272e73"

CALLS_WITH_BAD_INPUT: list[tuple[str, dict[str, Any], str, str]] = [
    ("create", {"max_participants": 1}, "max_participants", INT_2_50),
    ("create", {"max_participants": True}, "max_participants", INT_2_50),
    ("create", {"webhook_timeout_secs": 31}, "webhook_timeout_secs", INT_0_30),
    ("create", {"webhook_event_url": "example.com"}, "webhook_event_url", URL),
    ("create", {"webhook_event_failover_url": "ftp://x"}, "webhook_event_failover_url", URL),
    ("create", {"enable_recording": "yes"}, "enable_recording", BOOL),
    ("create", {"unique_name": 7}, "unique_name", STRING),
    ("update", {"max_participants": 51}, "max_participants", INT_2_50),
    ("update", {"unique_name": None}, "unique_name", NOT_NULL),
    ("update", {"webhook_timeout_secs": -1}, "webhook_timeout_secs", INT_0_30),
    ("retrieve", {"include_sessions": "true"}, "include_sessions", BOOL),
    ("list", {"include_sessions": 1}, "include_sessions", BOOL),
    ("list", {"unique_name": 1}, "unique_name", STRING),
    ("list", {"date_created_at_gte": "01/02/2026"}, "date_created_at_gte", DAY),
    ("list", {"date_updated_at_lte": "2026-02-30"}, "date_updated_at_lte", DAY),
    ("list", {"page_size": 251}, "page_size", "must be an integer from 1 to 250"),
    ("list", {"page_size": 0}, "page_size", "must be an integer from 1 to 250"),
    ("list", {"page_number": 0}, "page_number", "must be an integer >= 1"),
    ("list", {"max_pages": 0}, "max_pages", "must be an integer >= 1"),
]


@pytest.mark.parametrize(("method", "kwargs", "name", "rule"), CALLS_WITH_BAD_INPUT)
async def test_bad_input_is_refused_before_any_request(
    fake: FakeRoomsAPI,
    client: RoomsClient,
    method: str,
    kwargs: dict[str, Any],
    name: str,
    rule: str,
) -> None:
    args = () if method in ("list", "create") else (ROOM_ID,)

    async def call() -> object:
        return await getattr(client.rooms, method)(*args, **kwargs)

    with pytest.raises(InvalidParams) as info:
        await call()
    assert (info.value.field, info.value.rule) == (name, rule)
    assert fake.requests == []
    assert client.connector is None  # not even a session was opened


@pytest.mark.parametrize("room_id", ["", "a/b", "/", "../x", ".", "..", None, 5, b"id"])
@pytest.mark.parametrize("method", ["retrieve", "update", "delete"])
async def test_bad_ids_are_refused_before_any_request(
    fake: FakeRoomsAPI, client: RoomsClient, method: str, room_id: Any
) -> None:
    with pytest.raises(InvalidParams) as info:
        await getattr(client.rooms, method)(room_id)
    assert info.value.field == "room_id"
    assert "'/'" in info.value.rule
    assert fake.requests == []


@pytest.mark.parametrize(
    ("room_id", "encoded"),
    [
        ("plain-id", "plain-id"),
        ("a b", "a%20b"),
        ("a?b#c", "a%3Fb%23c"),
        ("100%", "100%25"),
        ("a%2Fb", "a%252Fb"),
        ("ü", "%C3%BC"),
        ("a;b&c=d", "a%3Bb%26c%3Dd"),
        ("...", "..."),
    ],
)
def test_encode_id(room_id: str, encoded: str) -> None:
    assert encode_id("room_id", room_id) == encoded


@pytest.mark.parametrize("room_id", ["a b", "a?b#c", "100%", "a%2Fb", "ü", "a;b&c=d", "..."])
async def test_odd_ids_are_sent_encoded(
    fake: FakeRoomsAPI, client: RoomsClient, room_id: str
) -> None:
    # A room the fake knows under this odd id proves the id arrived intact as one segment.
    created = await client.rooms.create(unique_name="odd")
    record = fake.store.rooms.pop(created.id)
    record["id"] = room_id
    fake.store.rooms[room_id] = record
    room = await client.rooms.retrieve(room_id)
    assert room.id == room_id
    assert fake.requests[-1].path == f"/v2/rooms/{room_id}"
    updated = await client.rooms.update(room_id, max_participants=3)
    assert updated.max_participants == 3
    await client.rooms.delete(room_id)
    assert room_id not in fake.store.rooms
    with pytest.raises(NotFoundError):
        await client.rooms.delete(room_id)


# -- tokens, sessions, participants, compositions and recordings ---------------------------


FAMILY_BAD: list[tuple[type, dict[str, Any], str]] = [
    (RoomGenerateJoinClientTokenParams, {"token_ttl_secs": 9}, "token_ttl_secs"),
    (RoomGenerateJoinClientTokenParams, {"token_ttl_secs": 3601}, "token_ttl_secs"),
    (RoomGenerateJoinClientTokenParams, {"token_ttl_secs": True}, "token_ttl_secs"),
    (RoomGenerateJoinClientTokenParams, {"token_ttl_secs": "600"}, "token_ttl_secs"),
    (RoomGenerateJoinClientTokenParams, {"token_ttl_secs": 600.0}, "token_ttl_secs"),
    (RoomGenerateJoinClientTokenParams, {"refresh_token_ttl_secs": 59}, "refresh_token_ttl_secs"),
    (
        RoomGenerateJoinClientTokenParams,
        {"refresh_token_ttl_secs": 86401},
        "refresh_token_ttl_secs",
    ),
    (RoomRefreshClientTokenParams, {"refresh_token": None}, "refresh_token"),
    (RoomRefreshClientTokenParams, {"refresh_token": ""}, "refresh_token"),
    (RoomRefreshClientTokenParams, {"refresh_token": "  "}, "refresh_token"),
    (RoomRefreshClientTokenParams, {"refresh_token": b"tok"}, "refresh_token"),
    (RoomRefreshClientTokenParams, {"refresh_token": "t", "token_ttl_secs": 9}, "token_ttl_secs"),
    (
        RoomRefreshClientTokenParams,
        {"refresh_token": "t", "token_ttl_secs": 3601},
        "token_ttl_secs",
    ),
    (RoomListSessionsParams, {"include_participants": "yes"}, "include_participants"),
    (RoomListSessionsParams, {"active": 1}, "active"),
    (RoomListSessionsParams, {"date_created_at_gte": "2021-13-01"}, "date_created_at_gte"),
    (RoomListSessionsParams, {"date_ended_at_lte": datetime(2021, 1, 1)}, "date_ended_at_lte"),
    (RoomListSessionsParams, {"date_updated_at_eq": "25/04/2021"}, "date_updated_at_eq"),
    (RoomSessionListParams, {"room_id": ""}, "room_id"),
    (RoomSessionListParams, {"room_id": 7}, "room_id"),
    (RoomSessionRetrieveParams, {"include_participants": "true"}, "include_participants"),
    (RoomSessionListParticipantsParams, {"context": 5}, "context"),
    (RoomSessionListParticipantsParams, {"date_joined_at_eq": "yesterday"}, "date_joined_at_eq"),
    (RoomSessionListParticipantsParams, {"date_left_at_gte": 20210425}, "date_left_at_gte"),
    (RoomParticipantListParams, {"session_id": ""}, "session_id"),
    (RoomSessionActionParams, {"participants": None}, "participants"),
    (RoomSessionActionParams, {"participants": "everyone"}, "participants"),
    (RoomSessionActionParams, {"participants": "ALL"}, "participants"),
    (RoomSessionActionParams, {"participants": "7b61621f-62e0"}, "participants"),
    (RoomSessionActionParams, {"participants": []}, "participants"),
    (RoomSessionActionParams, {"participants": ["a", ""]}, "participants"),
    (RoomSessionActionParams, {"participants": ["a", 3]}, "participants"),
    (RoomSessionActionParams, {"participants": {"a"}}, "participants"),
    (RoomSessionActionParams, {"participants": "all", "exclude": "a"}, "exclude"),
    (RoomSessionActionParams, {"participants": "all", "exclude": [None]}, "exclude"),
    (RoomCompositionCreateParams, {"session_id": None}, "session_id"),
    (RoomCompositionCreateParams, {"session_id": ""}, "session_id"),
    (RoomCompositionCreateParams, {"session_id": "s", "format": "webm"}, "format"),
    (RoomCompositionCreateParams, {"session_id": "s", "format": "MP4"}, "format"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "1280*720"}, "resolution"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "1280x721"}, "resolution"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "1281x100"}, "resolution"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "100x1281"}, "resolution"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "15x100"}, "resolution"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "100x15"}, "resolution"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "1280x"}, "resolution"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": " 800x600"}, "resolution"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "٨٠٠x٦٠٠"}, "resolution"),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": (800, 600)}, "resolution"),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "webhook_event_url": "example.com"},
        "webhook_event_url",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "webhook_event_failover_url": "ftp://example.com"},
        "webhook_event_failover_url",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "webhook_timeout_secs": 31},
        "webhook_timeout_secs",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "webhook_timeout_secs": -1},
        "webhook_timeout_secs",
    ),
    (RoomCompositionCreateParams, {"session_id": "s", "video_layout": []}, "video_layout"),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"": {"width": 16}}},
        "video_layout",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": 5}},
        "video_layout['a']",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"width": 15}}},
        "video_layout['a'].width",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"height": 8}}},
        "video_layout['a'].height",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"z_pos": 100}}},
        "video_layout['a'].z_pos",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"z_pos": -100}}},
        "video_layout['a'].z_pos",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"x_pos": 1.5}}},
        "video_layout['a'].x_pos",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"y_pos": False}}},
        "video_layout['a'].y_pos",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"max_columns": 0}}},
        "video_layout['a'].max_columns",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"max_rows": 1001}}},
        "video_layout['a'].max_rows",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"video_sources": "*"}}},
        "video_layout['a'].video_sources",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"video_sources": [""]}}},
        "video_layout['a'].video_sources",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"a": {"colour": "red"}}},
        "video_layout['a'].colour",
    ),
    (
        RoomCompositionCreateParams,
        {"session_id": "s", "video_layout": {"main": VideoRegion(width=10)}},
        "video_layout['main'].width",
    ),
    (RoomCompositionListParams, {"status": "done"}, "status"),
    (RoomCompositionListParams, {"session_id": ""}, "session_id"),
    (RoomCompositionListParams, {"date_created_at_lte": "2021-02-30"}, "date_created_at_lte"),
    (RoomRecordingListParams, {"duration_secs": -1}, "duration_secs"),
    (RoomRecordingListParams, {"duration_secs": "20"}, "duration_secs"),
    (RoomRecordingListParams, {"type": ""}, "type"),
    (RoomRecordingListParams, {"status": 1}, "status"),
    (RoomRecordingListParams, {"participant_id": ""}, "participant_id"),
    (RoomRecordingListParams, {"date_started_at_eq": "2021-4-25"}, "date_started_at_eq"),
    (RoomRecordingDeleteBulkParams, {"room_id": ""}, "room_id"),
    (RoomRecordingDeleteBulkParams, {"date_ended_at_gte": "today"}, "date_ended_at_gte"),
    (VideoRegionParams, {"width": 15}, "width"),
    (VideoRegionParams, {"video_sources": ("a", 1)}, "video_sources"),
]


@pytest.mark.parametrize(("cls", "kwargs", "field"), FAMILY_BAD)
def test_bad_values_name_the_field(cls: type, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParams) as info:
        cls(**kwargs)
    assert info.value.field == field
    assert info.value.rule


FAMILY_GOOD: list[tuple[type, dict[str, Any]]] = [
    (RoomGenerateJoinClientTokenParams, {"token_ttl_secs": 10, "refresh_token_ttl_secs": 60}),
    (RoomGenerateJoinClientTokenParams, {"token_ttl_secs": 3600, "refresh_token_ttl_secs": 86400}),
    (RoomRefreshClientTokenParams, {"refresh_token": "tok", "token_ttl_secs": 10}),
    (RoomSessionActionParams, {"participants": "all"}),
    (RoomSessionActionParams, {"participants": ("a",), "exclude": []}),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "16x16"}),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "1280x720"}),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "720x1280"}),
    (RoomCompositionCreateParams, {"session_id": "s", "resolution": "1280x16"}),
    (RoomCompositionCreateParams, {"session_id": "s", "webhook_event_failover_url": ""}),
    (RoomCompositionCreateParams, {"session_id": "s", "webhook_timeout_secs": 0}),
    (RoomCompositionCreateParams, {"session_id": "s", "video_layout": {}}),
    (VideoRegionParams, {"x_pos": -20, "y_pos": 5000, "z_pos": -99, "max_rows": 1000}),
    (RoomRecordingListParams, {"duration_secs": 0, "date_started_at_eq": date(2021, 4, 25)}),
]


@pytest.mark.parametrize(("cls", "kwargs"), FAMILY_GOOD)
def test_boundary_values_pass(cls: type, kwargs: dict[str, Any]) -> None:
    params = cls(**kwargs)
    for name, value in kwargs.items():
        assert getattr(params, name) == (tuple(value) if isinstance(value, list) else value)


# -- wire form -----------------------------------------------------------------------------------


def test_session_list_query_is_deep_object() -> None:
    params = RoomSessionListParams(
        include_participants=True,
        room_id="r 1",
        active=False,
        date_created_at_eq=date(2021, 4, 25),
        date_updated_at_gte="2021-04-01",
        date_ended_at_lte="2021-05-01",
    )
    assert sorted(to_query(params).split("&")) == sorted(
        [
            "include_participants=true",
            "filter[room_id]=r%201",
            "filter[active]=false",
            "filter[date_created_at][eq]=2021-04-25",
            "filter[date_updated_at][gte]=2021-04-01",
            "filter[date_ended_at][lte]=2021-05-01",
        ]
    )


def test_room_sessions_query_has_no_room_id_filter() -> None:
    assert "room_id" not in attrs.fields_dict(RoomListSessionsParams)
    assert "room_id" in attrs.fields_dict(RoomSessionListParams)
    assert to_query(RoomListSessionsParams()) == ""


def test_participant_list_query() -> None:
    params = RoomParticipantListParams(
        session_id="s1",
        context="Alice & Bob",
        date_joined_at_gte=date(2021, 4, 1),
        date_left_at_eq="2021-04-02",
        date_updated_at_lte="2021-04-03",
    )
    assert sorted(to_query(params).split("&")) == sorted(
        [
            "filter[session_id]=s1",
            "filter[context]=Alice%20%26%20Bob",
            "filter[date_joined_at][gte]=2021-04-01",
            "filter[date_left_at][eq]=2021-04-02",
            "filter[date_updated_at][lte]=2021-04-03",
        ]
    )


def test_recording_list_query() -> None:
    params = RoomRecordingListParams(
        room_id="r",
        session_id="s",
        participant_id="p",
        status="completed",
        type="audio",
        duration_secs=20,
        date_started_at_gte="2021-04-25",
        date_ended_at_eq=date(2021, 4, 26),
    )
    assert sorted(to_query(params).split("&")) == sorted(
        [
            "filter[room_id]=r",
            "filter[session_id]=s",
            "filter[participant_id]=p",
            "filter[status]=completed",
            "filter[type]=audio",
            "filter[duration_secs]=20",
            "filter[date_started_at][gte]=2021-04-25",
            "filter[date_ended_at][eq]=2021-04-26",
        ]
    )
    assert to_query(RoomRecordingDeleteBulkParams(type="video")) == "filter[type]=video"


def test_composition_list_query() -> None:
    params = RoomCompositionListParams(
        session_id="s", status="enqueued", date_created_at_gte="2021-04-25"
    )
    assert sorted(to_query(params).split("&")) == sorted(
        [
            "filter[session_id]=s",
            "filter[status]=enqueued",
            "filter[date_created_at][gte]=2021-04-25",
        ]
    )


def test_token_bodies() -> None:
    assert json.loads(to_body(RoomGenerateJoinClientTokenParams())) == {}
    assert json.loads(
        to_body(RoomGenerateJoinClientTokenParams(token_ttl_secs=60, refresh_token_ttl_secs=120))
    ) == {"token_ttl_secs": 60, "refresh_token_ttl_secs": 120}
    assert json.loads(to_body(RoomRefreshClientTokenParams(refresh_token="tok"))) == {
        "refresh_token": "tok"
    }


def test_refresh_token_is_not_in_repr() -> None:
    assert "sekrit" not in repr(RoomRefreshClientTokenParams(refresh_token="sekrit"))


def test_action_bodies() -> None:
    assert json.loads(to_body(RoomSessionActionParams(participants="all"))) == {
        "participants": "all"
    }
    params = RoomSessionActionParams(participants=["a", "b"], exclude=("c",))
    assert params.participants == ("a", "b")
    assert json.loads(to_body(params)) == {"participants": ["a", "b"], "exclude": ["c"]}


def test_composition_body_accepts_every_region_form() -> None:
    params = RoomCompositionCreateParams(
        session_id="s",
        format="mp4",
        resolution="800x600",
        video_layout={
            "params": VideoRegionParams(
                x_pos=0, y_pos=0, width=400, height=600, video_sources=["*"]
            ),
            "model": VideoRegion(z_pos=1, width=400, height=300, video_sources=("v1", "v2")),
            "dict": {"max_columns": 2, "max_rows": 3},
        },
        webhook_event_url="https://example.com/hooks",
        webhook_event_failover_url="",
        webhook_timeout_secs=25,
    )
    assert all(isinstance(r, VideoRegionParams) for r in (params.video_layout or {}).values())
    assert json.loads(to_body(params)) == {
        "session_id": "s",
        "format": "mp4",
        "resolution": "800x600",
        "video_layout": {
            "params": {"x_pos": 0, "y_pos": 0, "width": 400, "height": 600, "video_sources": ["*"]},
            # The model's unset defaults (None, ()) stay out of the request.
            "model": {"z_pos": 1, "width": 400, "height": 300, "video_sources": ["v1", "v2"]},
            "dict": {"max_columns": 2, "max_rows": 3},
        },
        "webhook_event_url": "https://example.com/hooks",
        "webhook_event_failover_url": "",
        "webhook_timeout_secs": 25,
    }


def test_composition_layout_is_copied() -> None:
    layout: dict[str, Any] = {"a": {"width": 16}}
    params = RoomCompositionCreateParams(session_id="s", video_layout=layout)
    layout["b"] = {"width": 1}
    assert list(params.video_layout or {}) == ["a"]
