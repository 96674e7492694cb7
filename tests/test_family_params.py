"""Params of tokens, sessions, participants, compositions and recordings: rules and wire form."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import attrs
import pytest

from telnyx_rooms_async import InvalidParams, VideoRegion
from telnyx_rooms_async.params import (
    RoomCompositionCreateParams,
    RoomCompositionListParams,
    RoomGenerateJoinClientTokenParams,
    RoomListSessionsParams,
    RoomParticipantListParams,
    RoomRecordingDeleteBulkParams,
    RoomRecordingListParams,
    RoomRefreshClientTokenParams,
    RoomSessionActionParams,
    RoomSessionListParams,
    RoomSessionListParticipantsParams,
    RoomSessionRetrieveParams,
    VideoRegionParams,
    to_body,
    to_query,
)

# -- rules: (params class, keyword arguments, the field InvalidParams must name) ----------------

BAD: list[tuple[type, dict[str, Any], str]] = [
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


@pytest.mark.parametrize(("cls", "kwargs", "field"), BAD)
def test_bad_values_name_the_field(cls: type, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParams) as info:
        cls(**kwargs)
    assert info.value.field == field
    assert info.value.rule


GOOD: list[tuple[type, dict[str, Any]]] = [
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


@pytest.mark.parametrize(("cls", "kwargs"), GOOD)
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
