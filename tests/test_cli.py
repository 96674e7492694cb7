"""The ``telnyx-rooms`` command line, in process and as a subprocess, against the fake API."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import io
import json
import os
import pty
import socket
import sys
from collections.abc import Callable
from typing import Any, TextIO

import attrs
import pytest
from clitools import (
    CONSOLE_SCRIPT,
    SECRET,
    Result,
    clean_env,
    cli,
    connection,
    spawn,
)

from telnyx_rooms_async import __version__, params
from telnyx_rooms_async.cli import run
from telnyx_rooms_async.testing import FakeRoomsAPI

pytestmark = pytest.mark.usefixtures("_no_env")


@pytest.fixture
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI falls back to these; a developer's shell must not change the tests.
    monkeypatch.delenv("TELNYX_API_KEY", raising=False)
    monkeypatch.delenv("TELNYX_BASE_URL", raising=False)


@pytest.fixture
async def fake() -> Any:
    """A fake API whose key looks like a real secret, to catch it in any output."""
    async with FakeRoomsAPI(api_key=SECRET) as api:
        yield api


async def make_room(fake: FakeRoomsAPI, *args: str) -> dict[str, Any]:
    result = await cli(fake, "rooms", "create", *args)
    assert result.code == 0, result.err
    room: dict[str, Any] = result.json()
    return room


# -- rooms ----------------------------------------------------------------------------------


async def test_rooms_create_prints_the_room_as_json(fake: FakeRoomsAPI) -> None:
    args = "--unique-name standup --max-participants 12 --enable-recording"
    args += " --webhook-event-url https://example.com/hooks --webhook-timeout-secs 25"
    result = await cli(fake, "rooms", "create", *args.split())
    assert result.code == 0, result.err
    room = result.json()
    assert room["unique_name"] == "standup"
    assert room["max_participants"] == 12
    assert room["enable_recording"] is True
    assert room["webhook_timeout_secs"] == 25
    assert room["record_type"] == "room"
    assert room["created_at"].endswith("Z")
    assert "T" in room["created_at"]
    assert room["id"] in fake.store.rooms
    assert fake.requests[-1].body == {
        "unique_name": "standup",
        "max_participants": 12,
        "enable_recording": True,
        "webhook_event_url": "https://example.com/hooks",
        "webhook_timeout_secs": 25,
    }
    # Pretty JSON: indented, one field per line.
    assert result.out.startswith("{\n  ")


async def test_rooms_get_and_include_sessions(fake: FakeRoomsAPI) -> None:
    room = await make_room(fake, "--unique-name", "a")
    result = await cli(fake, "rooms", "get", room["id"], "--include-sessions")
    assert result.code == 0, result.err
    assert result.json()["id"] == room["id"]
    assert fake.requests[-1].query == {"include_sessions": "true"}
    result = await cli(fake, "rooms", "get", room["id"], "--no-include-sessions")
    assert fake.requests[-1].query == {"include_sessions": "false"}


async def test_rooms_update_sends_only_the_options_given(fake: FakeRoomsAPI) -> None:
    room = await make_room(fake, "--webhook-timeout-secs", "10")
    result = await cli(fake, "rooms", "update", room["id"], "--max-participants", "20")
    assert result.code == 0, result.err
    assert fake.requests[-1].body == {"max_participants": 20}
    assert result.json()["max_participants"] == 20
    result = await cli(fake, "rooms", "update", room["id"], "--webhook-timeout-secs", "null")
    assert result.code == 0, result.err
    assert fake.requests[-1].body == {"webhook_timeout_secs": None}
    assert result.json()["webhook_timeout_secs"] is None


async def test_rooms_delete(fake: FakeRoomsAPI) -> None:
    room = await make_room(fake)
    result = await cli(fake, "rooms", "delete", room["id"])
    assert result.code == 0, result.err
    assert result.out == ""
    assert room["id"] in result.err
    assert fake.store.rooms == {}


async def test_rooms_list_prints_one_page_with_meta(fake: FakeRoomsAPI) -> None:
    for i in range(3):
        await make_room(fake, "--unique-name", f"r{i}")
    result = await cli(fake, "rooms", "list", "--page-size", "2", "--page-number", "2")
    assert result.code == 0, result.err
    page = result.json()
    assert set(page) == {"data", "meta"}
    assert [r["unique_name"] for r in page["data"]] == ["r2"]
    assert page["meta"] == {
        "page_number": 2,
        "page_size": 2,
        "total_pages": 2,
        "total_results": 3,
    }


async def test_rooms_list_all_pages_streams_json_lines(fake: FakeRoomsAPI) -> None:
    for i in range(5):
        await make_room(fake, "--unique-name", f"r{i}")
    before = fake.calls("GET", "/v2/rooms")
    result = await cli(fake, "rooms", "list", "--page-size", "2", "--all-pages")
    assert result.code == 0, result.err
    rooms = result.lines()
    assert [r["unique_name"] for r in rooms] == [f"r{i}" for i in range(5)]
    assert all(r["record_type"] == "room" for r in rooms)
    assert fake.calls("GET", "/v2/rooms") - before == 3
    # One compact object per line.
    assert len(result.out.splitlines()) == 5
    assert "\n  " not in result.out


async def test_rooms_list_max_pages_stops_early(fake: FakeRoomsAPI) -> None:
    for i in range(5):
        await make_room(fake, "--unique-name", f"r{i}")
    result = await cli(fake, "rooms", "list", "--page-size", "2", "--all-pages", "--max-pages", "2")
    assert result.code == 0, result.err
    assert len(result.lines()) == 4


async def test_list_filters_use_the_wire_names(fake: FakeRoomsAPI) -> None:
    await make_room(fake, "--unique-name", "keep")
    await make_room(fake, "--unique-name", "other")
    result = await cli(
        fake,
        "rooms",
        "list",
        "--filter-unique-name",
        "keep",
        "--filter-date-created-at-gte",
        "2000-01-01",
    )
    assert result.code == 0, result.err
    assert [r["unique_name"] for r in result.json()["data"]] == ["keep"]
    query = fake.requests[-1].query
    assert query["filter[unique_name]"] == "keep"
    assert query["filter[date_created_at][gte]"] == "2000-01-01"


# -- tokens ---------------------------------------------------------------------------------


async def test_rooms_token_prints_both_tokens(fake: FakeRoomsAPI) -> None:
    room = await make_room(fake)
    ttls = ["--token-ttl-secs", "60", "--refresh-token-ttl-secs", "120"]
    result = await cli(fake, "rooms", "token", room["id"], *ttls)
    assert result.code == 0, result.err
    token = result.json()
    assert set(token) == {"token", "token_expires_at", "refresh_token", "refresh_token_expires_at"}
    # The whole tokens are printed: that is what the command is for.
    assert fake.store.tokens[token["token"]]["kind"] == "client"
    assert fake.store.tokens[token["refresh_token"]]["kind"] == "refresh"
    assert token["token_expires_at"].endswith("Z")
    assert fake.requests[-1].body == {"token_ttl_secs": 60, "refresh_token_ttl_secs": 120}


async def test_rooms_refresh_token(fake: FakeRoomsAPI) -> None:
    room = await make_room(fake)
    issued = (await cli(fake, "rooms", "token", room["id"])).json()
    result = await cli(
        fake, "rooms", "refresh-token", room["id"], "--refresh-token", issued["refresh_token"]
    )
    assert result.code == 0, result.err
    fresh = result.json()
    assert set(fresh) == {"token", "token_expires_at"}
    assert fresh["token"] != issued["token"]
    assert fake.store.tokens[fresh["token"]]["kind"] == "client"


async def test_refresh_token_is_required_and_checked(fake: FakeRoomsAPI) -> None:
    room = await make_room(fake)
    missing = await cli(fake, "rooms", "refresh-token", room["id"])
    assert missing.code == 2
    assert "--refresh-token" in missing.err
    wrong = await cli(fake, "rooms", "refresh-token", room["id"], "--refresh-token", "forged")
    assert wrong.code == 1
    assert "HTTP 403" in wrong.err


# -- sessions and participants --------------------------------------------------------------


@attrs.frozen
class Live:
    room_id: str
    session_id: str
    alice: str
    bob: str
    recordings: tuple[str, ...]


async def live_session(fake: FakeRoomsAPI) -> Live:
    """A room with an active session, Alice and Bob in it, both recorded."""
    room = await make_room(fake, "--unique-name", "live", "--enable-recording")
    session = await fake.sim.start_session(room["id"])
    alice = await fake.sim.join(session["id"], context="Alice")
    bob = await fake.sim.join(session["id"], context="Bob")
    video = await fake.sim.start_recording(session["id"], alice["id"], "video")
    audio = await fake.sim.start_recording(session["id"], bob["id"], "audio")
    return Live(room["id"], session["id"], alice["id"], bob["id"], (video["id"], audio["id"]))


async def test_rooms_sessions(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    result = await cli(
        fake, "rooms", "sessions", live.room_id, "--filter-active", "--include-participants"
    )
    assert result.code == 0, result.err
    (session,) = result.json()["data"]
    assert session["id"] == live.session_id
    assert session["active"] is True
    assert [p["context"] for p in session["participants"]] == ["Alice", "Bob"]
    assert fake.requests[-1].query["filter[active]"] == "true"
    result = await cli(fake, "rooms", "sessions", live.room_id, "--no-filter-active")
    assert result.json()["data"] == []


async def test_sessions_list_and_get(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    other = await make_room(fake, "--unique-name", "other")
    await fake.sim.start_session(other["id"])
    result = await cli(fake, "sessions", "list", "--filter-room-id", live.room_id)
    assert result.code == 0, result.err
    assert [s["id"] for s in result.json()["data"]] == [live.session_id]
    result = await cli(fake, "sessions", "list", "--page-size", "1", "--all-pages")
    assert len(result.lines()) == 2
    result = await cli(fake, "sessions", "get", live.session_id, "--include-participants")
    assert result.code == 0, result.err
    session = result.json()
    assert session["record_type"] == "room_session"
    assert {p["id"] for p in session["participants"]} == {live.alice, live.bob}


async def test_sessions_participants_filtered_by_context(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    result = await cli(fake, "sessions", "participants", live.session_id, "--filter-context", "Bob")
    assert result.code == 0, result.err
    assert [p["id"] for p in result.json()["data"]] == [live.bob]
    assert fake.requests[-1].query["filter[context]"] == "Bob"


async def test_sessions_mute_all_but_one_then_unmute(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    result = await cli(
        fake, "sessions", "mute", live.session_id, "--participants", "all", "--exclude", live.alice
    )
    assert result.code == 0, result.err
    assert result.json() == {"result": "ok"}
    assert fake.requests[-1].body == {"participants": "all", "exclude": [live.alice]}
    assert fake.store.is_muted(live.bob)
    assert not fake.store.is_muted(live.alice)
    result = await cli(
        fake, "sessions", "unmute", live.session_id, "--participants", f"{live.bob},{live.alice}"
    )
    assert result.code == 0, result.err
    assert fake.requests[-1].body == {"participants": [live.bob, live.alice]}
    assert not fake.store.is_muted(live.bob)


async def test_sessions_kick_with_repeated_ids_then_end(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    result = await cli(fake, "sessions", "kick", live.session_id, "--participants", live.alice)
    assert result.code == 0, result.err
    assert fake.requests[-1].body == {"participants": [live.alice]}
    assert fake.store.participants[live.alice]["left_at"] is not None
    assert fake.store.participants[live.bob]["left_at"] is None
    result = await cli(fake, "sessions", "end", live.session_id)
    assert result.code == 0, result.err
    assert result.json() == {"result": "ok"}
    assert fake.store.sessions[live.session_id]["active"] is False
    again = await cli(fake, "sessions", "end", live.session_id)
    assert again.code == 1
    assert "already ended" in again.err


async def test_action_options_are_checked(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    missing = await cli(fake, "sessions", "kick", live.session_id)
    assert missing.code == 2
    assert "--participants" in missing.err
    empty = await cli(fake, "sessions", "mute", live.session_id, "--participants", ",")
    assert empty.code == 2
    assert "sessions mute: error: --participants: must be 'all'" in empty.err
    repeated = await cli(
        fake,
        "sessions",
        "kick",
        live.session_id,
        "--participants",
        live.alice,
        "--participants",
        live.bob,
    )
    assert repeated.code == 0, repeated.err
    assert fake.requests[-1].body == {"participants": [live.alice, live.bob]}


async def test_participants_list_and_get(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    result = await cli(fake, "participants", "list", "--filter-session-id", live.session_id)
    assert result.code == 0, result.err
    assert [p["context"] for p in result.json()["data"]] == ["Alice", "Bob"]
    result = await cli(fake, "participants", "get", live.alice)
    assert result.code == 0, result.err
    participant = result.json()
    assert participant["id"] == live.alice
    assert participant["context"] == "Alice"
    assert participant["joined_at"].endswith("Z")
    assert participant["left_at"] is None


# -- compositions ---------------------------------------------------------------------------

LAYOUT = '{"main": {"x_pos": 0, "y_pos": 0, "width": 800, "height": 600, "video_sources": ["*"]}}'


async def test_compositions_create_list_get_delete(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    result = await cli(
        fake,
        "compositions",
        "create",
        "--session-id",
        live.session_id,
        "--resolution",
        "800x600",
        "--video-layout",
        LAYOUT,
    )
    assert result.code == 0, result.err
    composition = result.json()
    assert composition["session_id"] == live.session_id
    assert composition["resolution"] == "800x600"
    assert composition["video_layout"]["main"]["video_sources"] == ["*"]
    assert fake.requests[-1].body["video_layout"] == json.loads(LAYOUT)
    await fake.sim.complete_composition(composition["id"])

    result = await cli(fake, "compositions", "list", "--filter-status", "completed")
    assert [c["id"] for c in result.json()["data"]] == [composition["id"]]
    result = await cli(fake, "compositions", "get", composition["id"])
    assert result.code == 0, result.err
    assert result.json()["status"] == "completed"
    assert result.json()["download_url"].startswith(fake.storage_url)
    result = await cli(fake, "compositions", "delete", composition["id"])
    assert result.code == 0, result.err
    assert fake.store.compositions == {}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--resolution", "2000x2000"], "--resolution: must be 'WIDTHxHEIGHT'"),
        (["--format", "avi"], "--format"),
        (["--video-layout", "{not json"], "not valid JSON"),
        (
            ["--video-layout", '{"main": {"width": 8}}'],
            "--video-layout at ['main'].width: must be an integer >= 16",
        ),
        (["--webhook-timeout-secs", "99"], "--webhook-timeout-secs"),
    ],
)
async def test_compositions_create_rejects_bad_input(
    fake: FakeRoomsAPI, args: list[str], expected: str
) -> None:
    result = await cli(fake, "compositions", "create", "--session-id", "s-1", *args)
    assert result.code == 2
    assert expected in result.err
    assert fake.calls("POST") == 0


async def test_compositions_create_needs_session_id(fake: FakeRoomsAPI) -> None:
    result = await cli(fake, "compositions", "create")
    assert result.code == 2
    assert "--session-id" in result.err


# -- recordings -----------------------------------------------------------------------------


async def test_recordings_list_get_delete(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    video, audio = live.recordings
    result = await cli(fake, "recordings", "list", "--filter-type", "video", "--all-pages")
    assert result.code == 0, result.err
    assert [r["id"] for r in result.lines()] == [video]
    result = await cli(fake, "recordings", "list", "--filter-session-id", live.session_id)
    assert {r["id"] for r in result.json()["data"]} == {video, audio}
    result = await cli(fake, "recordings", "get", audio)
    assert result.code == 0, result.err
    assert result.json()["type"] == "audio"
    assert result.json()["record_type"] == "room_recording"
    result = await cli(fake, "recordings", "delete", audio)
    assert result.code == 0, result.err
    assert set(fake.store.recordings) == {video}


async def test_recordings_delete_bulk_with_yes_prints_the_count(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    result = await cli(
        fake, "recordings", "delete-bulk", "--filter-session-id", live.session_id, "--yes"
    )
    assert result.code == 0, result.err
    assert result.json() == {"deleted": 2}
    assert fake.store.recordings == {}
    assert fake.requests[-1].method == "DELETE"
    assert fake.requests[-1].query == {"filter[session_id]": live.session_id}


async def test_recordings_delete_bulk_without_yes_deletes_nothing(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    before = len(fake.requests)
    result = await cli(fake, "recordings", "delete-bulk", "--filter-session-id", live.session_id)
    assert result.code == 2
    assert result.out == ""
    assert "add --yes to delete, or --dry-run to see what would be deleted" in result.err
    assert len(fake.store.recordings) == 2
    assert len(fake.requests) == before
    both = await cli(
        fake, "recordings", "delete-bulk", "--filter-type", "audio", "--yes", "--dry-run"
    )
    assert both.code == 2
    assert "not allowed with" in both.err
    assert len(fake.store.recordings) == 2


async def test_recordings_delete_bulk_dry_run_lists_what_would_go(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    video, audio = live.recordings
    other = await fake.sim.start_recording(live.session_id, live.alice, "audio")
    await fake.sim.complete_recording(other["id"])
    before = len(fake.requests)
    result = await cli(fake, "recordings", "delete-bulk", "--filter-type", "audio", "--dry-run")
    assert result.code == 0, result.err
    listed = result.lines()
    assert {r["id"] for r in listed} == {audio, other["id"]}
    assert all(r["record_type"] == "room_recording" for r in listed)
    assert "dry run: 2 match and would be deleted; nothing was deleted" in result.err
    # Through the list operation, with the same filters; nothing deleted.
    calls = fake.requests[before:]
    assert {(c.method, c.path) for c in calls} == {("GET", "/v2/room_recordings")}
    assert all(c.query["filter[type]"] == "audio" for c in calls)
    # In pages as large as the list allows: the fewest round trips.
    assert all(c.query["page[size]"] == str(params.PAGE_SIZE.hi) for c in calls)
    assert set(fake.store.recordings) == {video, audio, other["id"]}


async def test_recordings_delete_bulk_of_everything_must_be_explicit(fake: FakeRoomsAPI) -> None:
    await live_session(fake)
    refused = await cli(fake, "recordings", "delete-bulk", "--yes")
    assert refused.code == 2
    assert refused.err == (
        "telnyx-rooms recordings delete-bulk: error: pass at least one filter,"
        " or --all-recordings to delete every recording\n"
    )
    mixed = await cli(
        fake, "recordings", "delete-bulk", "--all-recordings", "--filter-type", "audio", "--yes"
    )
    assert mixed.code == 2
    assert "--all-recordings: must not be combined with filters" in mixed.err
    assert len(fake.store.recordings) == 2
    preview = await cli(fake, "recordings", "delete-bulk", "--all-recordings", "--dry-run")
    assert preview.code == 0, preview.err
    assert len(preview.lines()) == 2
    assert len(fake.store.recordings) == 2
    result = await cli(fake, "recordings", "delete-bulk", "--all-recordings", "--yes")
    assert result.code == 0, result.err
    assert result.json() == {"deleted": 2}
    assert fake.store.recordings == {}


# -- bad input: exit 2 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["rooms", "create", "--max-participants", "99"], "--max-participants"),
        (["rooms", "create", "--webhook-event-url", "example.com"], "--webhook-event-url"),
        (["rooms", "create", "--webhook-timeout-secs", "31"], "0 to 30"),
        (["rooms", "list", "--page-size", "251"], "--page-size"),
        (["rooms", "list", "--filter-date-created-at-eq", "2026-13-01"], "YYYY-MM-DD"),
        (["rooms", "get", "a/b"], "rooms get: error: ROOM_ID: must be a non-empty string"),
    ],
)
async def test_invalid_params_exit_2_naming_the_field(
    fake: FakeRoomsAPI, args: list[str], expected: str
) -> None:
    before = len(fake.requests)
    result = await cli(fake, *args)
    assert result.code == 2
    assert expected in result.err
    assert "error" in result.err
    assert result.out == ""
    # Validation happens before any I/O.
    assert len(fake.requests) == before


async def test_invalid_params_message_has_field_and_rule(fake: FakeRoomsAPI) -> None:
    result = await cli(fake, "rooms", "create", "--max-participants", "1")
    assert result.err.strip() == (
        "telnyx-rooms rooms create: error: --max-participants: must be an integer from 2 to 50"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["rooms", "create", "--max-participants", "ten"],
        ["rooms", "create", "--no-such-option"],
        ["rooms", "get"],
        ["rooms", "explode"],
        ["nothing"],
        [],
        ["rooms", "list", "--page"],
    ],
)
async def test_bad_usage_exits_2(args: list[str]) -> None:
    result = await cli(None, *args)
    assert result.code == 2
    assert "usage:" in result.err
    assert result.out == ""


#: Python's spellings of the client's arguments, which the command line never shows.
PYTHON_WORDS = ("api_key", "base_url", "allow_insecure_http", "max_retries", "=True", "=...")


def _speaks_in_flags(result: Result) -> None:
    assert result.code == 2
    assert result.out == ""
    for word in PYTHON_WORDS:
        assert word not in result.err


async def test_no_api_key_names_the_option_and_the_variable(fake: FakeRoomsAPI) -> None:
    result = await cli(None, "rooms", "list", "--base-url", fake.base_url)
    _speaks_in_flags(result)
    assert result.err == "telnyx-rooms: error: no API key: pass --api-key or set $TELNYX_API_KEY\n"
    assert fake.requests == []


async def test_plain_http_to_another_host_needs_allow_insecure_http(fake: FakeRoomsAPI) -> None:
    refused = await cli(
        None, "rooms", "list", "--api-key", SECRET, "--base-url", "http://x.test/v2"
    )
    _speaks_in_flags(refused)
    assert refused.err.startswith("telnyx-rooms: error: --base-url: uses plain http")
    assert "use https, or pass --allow-insecure-http" in refused.err
    # 0.0.0.0 reaches this machine's loopback listener, yet is no loopback name: the same rule.
    url = fake.base_url.replace("127.0.0.1", "0.0.0.0")
    args = ["--api-key", SECRET, "--base-url", url, "--max-retries", "0"]
    assert (await cli(None, "rooms", "list", *args)).code == 2
    allowed = await cli(None, "rooms", "list", *args, "--allow-insecure-http")
    assert allowed.code == 0, allowed.err
    assert allowed.json()["data"] == []
    assert fake.requests[-1].authorized


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "-1"], "--timeout: must be a positive number of seconds"),
        (["--timeout", "0"], "--timeout: must be a positive number of seconds"),
        (["--timeout", "inf"], "--timeout: must be finite"),
        (["--max-retries", "-1"], "--max-retries: must be an integer >= 0"),
        (["--base-url", "ftp://x.test"], "--base-url: must be an absolute http(s) URL"),
        (["--api-key", "KEY\nX"], "--api-key: the API key contains a line break"),
    ],
)
async def test_connection_settings_are_named_by_their_options(
    args: list[str], message: str
) -> None:
    result = await cli(None, "rooms", "list", "--api-key", SECRET, *args)
    _speaks_in_flags(result)
    assert result.err == f"telnyx-rooms: error: {message}\n"


async def test_settings_from_the_environment_are_named_by_their_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELNYX_BASE_URL", "ftp://x.test")
    result = await cli(None, "rooms", "list", "--api-key", SECRET)
    _speaks_in_flags(result)
    assert result.err == "telnyx-rooms: error: $TELNYX_BASE_URL: must be an absolute http(s) URL\n"
    monkeypatch.setenv("TELNYX_API_KEY", "KEY\nX")
    result = await cli(None, "rooms", "list", "--base-url", "https://x.test/v2")
    assert result.err == "telnyx-rooms: error: $TELNYX_API_KEY: the API key contains a line break\n"


# -- API and connection errors: exit 1 ------------------------------------------------------


async def test_not_found_exits_1_with_the_error_details(fake: FakeRoomsAPI) -> None:
    result = await cli(fake, "rooms", "get", "00000000-0000-0000-0000-000000000000")
    assert result.code == 1
    assert result.out == ""
    assert "HTTP 404" in result.err
    assert "code: 10005" in result.err
    assert "title: Resource not found" in result.err
    assert "detail: Room was not found." in result.err
    request_id = next(line for line in result.err.splitlines() if "request id:" in line)
    assert len(request_id.split("request id:")[1].strip()) == 36


async def test_server_validation_error_shows_the_source(fake: FakeRoomsAPI) -> None:
    await make_room(fake, "--unique-name", "taken")
    result = await cli(fake, "rooms", "create", "--unique-name", "taken")
    assert result.code == 1
    assert "HTTP 422" in result.err
    assert "source: /unique_name" in result.err
    assert "already been taken" in result.err


async def test_wrong_key_exits_1_and_prints_no_key(fake: FakeRoomsAPI) -> None:
    wrong = "KEY-wrong-but-also-secret"
    result = await cli(fake, "rooms", "list", key=wrong)
    assert result.code == 1
    assert "HTTP 401" in result.err
    assert wrong not in result.err
    assert wrong not in result.out


async def test_server_error_exits_1(fake: FakeRoomsAPI) -> None:
    fake.faults.fail("GET", "/v2/rooms", status=503, times=1)
    result = await cli(fake, "rooms", "list")
    assert result.code == 1
    assert "HTTP 503" in result.err
    assert "request id:" in result.err


async def test_every_error_of_the_reply_is_shown(fake: FakeRoomsAPI) -> None:
    body = {
        "errors": [
            {"code": "10015", "title": "Invalid attribute", "source": {"pointer": "/a"}},
            {"code": "10016", "title": "Another", "detail": "more", "source": {"parameter": "b"}},
        ]
    }
    fake.faults.fail("POST", "/v2/rooms", status=422, body=body, headers={"x-request-id": "r-1"})
    result = await cli(fake, "rooms", "create")
    assert result.code == 1
    assert result.err.splitlines() == [
        "telnyx-rooms: error: the API answered HTTP 422 (UnprocessableEntityError)",
        "  code: 10015",
        "  title: Invalid attribute",
        "  source: /a",
        "  error 2:",
        "  code: 10016",
        "  title: Another",
        "  detail: more",
        "  source: b",
        "  request id: r-1",
    ]


async def test_a_non_json_error_body_is_shown(fake: FakeRoomsAPI) -> None:
    fake.faults.fail(
        "GET", "/v2/rooms", status=502, body="<html>Bad gateway</html>", content_type="text/html"
    )
    result = await cli(fake, "rooms", "list")
    assert result.code == 1
    assert "HTTP 502 (InternalServerError)" in result.err
    assert "body: '<html>Bad gateway</html>'" in result.err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_connection_refused_exits_1() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v2"
    result = await cli(
        None, "rooms", "list", "--api-key", SECRET, "--base-url", url, "--max-retries", "0"
    )
    assert result.code == 1
    assert "could not connect" in result.err
    assert result.out == ""


async def test_key_from_the_environment(
    fake: FakeRoomsAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", SECRET)
    monkeypatch.setenv("TELNYX_BASE_URL", fake.base_url)
    result = await cli(None, "rooms", "create", "--unique-name", "env")
    assert result.code == 0, result.err
    assert fake.requests[-1].authorized


async def test_connection_options_before_the_subcommand(fake: FakeRoomsAPI) -> None:
    argv = ["--api-key", SECRET, "--base-url", fake.base_url, "--max-retries", "0"]
    out, err = io.StringIO(), io.StringIO()
    assert await run([*argv, "rooms", "create", "--unique-name", "x"], stdout=out, stderr=err) == 0
    assert json.loads(out.getvalue())["unique_name"] == "x"
    assert fake.requests[-1].authorized


async def test_version() -> None:
    result = await cli(None, "--version")
    assert result.code == 0
    assert result.out.strip() == f"telnyx-rooms {__version__}"


# -- progress of --all-pages ----------------------------------------------------------------


def _seed_rooms(fake: FakeRoomsAPI, count: int) -> None:
    for i in range(count):
        fake.store.rooms[f"id-{i}"] = {"id": f"id-{i}", "unique_name": f"room {i}"}


def _drain(fd: int) -> bytes:
    """Everything written to the other end of a pty so far."""
    os.set_blocking(fd, False)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except (BlockingIOError, OSError):  # nothing more; EIO once the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _text_file(fd: int) -> TextIO:
    """A text stream on ``fd``, closing it with the stream."""
    return open(fd, "w", encoding="utf-8", closefd=True)


async def _list_with_stderr_on(
    fake: FakeRoomsAPI, reader: int, writer: int, read: Callable[[int], bytes]
) -> tuple[list[str], bytes]:
    """List 5 rooms, 2 a page, with stderr written to ``writer``: the ids, and what it got."""
    _seed_rooms(fake, 5)
    out = io.StringIO()
    argv = ["rooms", "list", "--page-size", "2", "--all-pages", *connection(fake)]
    try:
        with _text_file(writer) as err:
            code = await run(argv, stdout=out, stderr=err)
        got = read(reader)
    finally:
        os.close(reader)
    assert code == 0
    assert SECRET.encode() not in got
    return [json.loads(line)["id"] for line in out.getvalue().splitlines()], got


async def test_all_pages_shows_progress_when_stderr_is_a_terminal(fake: FakeRoomsAPI) -> None:
    ids, got = await _list_with_stderr_on(fake, *pty.openpty(), _drain)
    assert ids == [f"id-{i}" for i in range(5)]
    shown = got.decode()
    for line in ("page 1 of 3, 2 items of 5", "page 2 of 3, 4 items of 5", "page 3 of 3, 5 items"):
        assert f"\r\x1b[Ktelnyx-rooms rooms list: {line}" in shown
    # The line is taken away at the end: what follows starts on a clean line.
    assert shown.endswith("\r\x1b[K")


async def test_all_pages_prints_no_progress_into_a_pipe(fake: FakeRoomsAPI) -> None:
    ids, got = await _list_with_stderr_on(fake, *os.pipe(), lambda fd: os.read(fd, 65536))
    assert ids == [f"id-{i}" for i in range(5)]
    assert got == b""


# -- as a process -----------------------------------------------------------------------------

#: Modules that --help and --version must not load: they are for running commands.
HEAVY = {
    "aiohttp",
    "cattrs",
    "backoff",
    "telnyx_rooms_async._client",
    "telnyx_rooms_async._converter",
    "telnyx_rooms_async._demo",
    "telnyx_rooms_async.testing",
}


def _imported(importtime: str) -> set[str]:
    """The modules named in ``python -X importtime`` output."""
    prefix = "import time:"
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in importtime.splitlines()
        if line.startswith(prefix)
    }


async def test_help_and_version_do_not_load_the_client() -> None:
    # One process per entry point, each telling which modules it imported.
    version = await spawn(sys.executable, "-X", "importtime", str(CONSOLE_SCRIPT), "--version")
    helped = await spawn(sys.executable, "-X", "importtime", "-m", "telnyx_rooms_async", "--help")
    assert version.code == 0
    assert version.out == f"telnyx-rooms {__version__}\n"
    assert helped.code == 0
    assert helped.out.startswith("usage: telnyx-rooms")
    for group in ("rooms", "recordings", "demo", "emulator"):
        assert f"\n    {group} " in helped.out
    for result in (version, helped):
        imported = _imported(result.err)
        assert {"telnyx_rooms_async.cli", "telnyx_rooms_async._operations"} <= imported
        assert imported & HEAVY == set()


async def test_processes_against_the_fake_api(fake: FakeRoomsAPI) -> None:
    env = clean_env(TELNYX_API_KEY=SECRET, TELNYX_BASE_URL=fake.base_url)
    created = await spawn(
        str(CONSOLE_SCRIPT), "rooms", "create", "--unique-name", "from-shell", env=env
    )
    assert created.code == 0, created.err
    room = json.loads(created.out)
    assert fake.store.rooms[room["id"]]["unique_name"] == "from-shell"
    # Exit 1 from a real process: a clean message, no traceback (spawn checks both).
    missing = await spawn(sys.executable, "-m", "telnyx_rooms_async", "rooms", "get", "no", env=env)
    assert missing.code == 1
    assert "HTTP 404" in missing.err


def _option_lines(help_text: str) -> list[str]:
    return [line for line in help_text.splitlines() if line.lstrip().startswith("-")]


async def test_emulator_gets_every_argument_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    result = await spawn(str(CONSOLE_SCRIPT), "emulator", "--help", env=clean_env(COLUMNS="100"))
    if importlib.util.find_spec("telnyx_rooms_async.testing.emulator") is None:
        # Until the emulator is part of the package, the subcommand is there and says so.
        assert result.code == 1
        assert result.err.startswith("telnyx-rooms emulator: error: the emulator cannot be loaded")
        return
    from telnyx_rooms_async.testing.emulator import main as emulator_main

    own = io.StringIO()
    with contextlib.redirect_stdout(own), contextlib.suppress(SystemExit):
        emulator_main(["--help"])
    assert result.code == 0, result.err
    assert result.out.startswith("usage: ")
    # The emulator's own options (its program name may differ), not this command line's.
    assert _option_lines(result.out) == _option_lines(own.getvalue())
    assert "RESOURCE" not in result.out


async def test_subprocess_stops_quietly_when_the_reader_goes_away(fake: FakeRoomsAPI) -> None:
    for i in range(2000):
        fake.store.rooms[f"id-{i}"] = {"id": f"id-{i}", "unique_name": f"room {i}" * 10}
    read_end, write_end = os.pipe()
    try:
        proc = await asyncio.create_subprocess_exec(
            str(CONSOLE_SCRIPT),
            "rooms",
            "list",
            "--all-pages",
            "--page-size",
            "250",
            stdout=write_end,
            stderr=asyncio.subprocess.PIPE,
            env=clean_env(TELNYX_API_KEY=SECRET, TELNYX_BASE_URL=fake.base_url),
        )
    finally:
        os.close(write_end)
    loop = asyncio.get_running_loop()
    try:
        first = await asyncio.wait_for(loop.run_in_executor(None, os.read, read_end, 4096), 30)
    finally:
        # Like `| head -c 4096`: the reader goes away while the CLI is still writing.
        os.close(read_end)
    assert first.startswith(b'{"id":"id-0"')
    _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 1
    assert b"Traceback" not in err
    assert b"BrokenPipe" not in err
