"""The ``telnyx-rooms`` command line, in process and as a subprocess, against the fake API."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from telnyx_rooms_async import __version__
from telnyx_rooms_async.cli import build_parser, run
from telnyx_rooms_async.testing import FakeRoomsAPI

pytestmark = pytest.mark.usefixtures("_no_env")

SECRET = "KEY-very-secret-0123456789"


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


@attrs.frozen
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.out.splitlines()]


async def cli(fake: FakeRoomsAPI | None, *args: str, key: str | None = None) -> Result:
    """Run the CLI in this loop with the fake's URL and key; check the key never shows."""
    argv = list(args)
    if fake is not None:
        argv += ["--base-url", fake.base_url, "--api-key", key or fake.api_key]
        argv += ["--max-retries", "0", "--timeout", "10"]
    out, err = io.StringIO(), io.StringIO()
    code = await run(argv, stdout=out, stderr=err)
    result = Result(code, out.getvalue(), err.getvalue())
    assert SECRET not in result.out
    assert SECRET not in result.err
    assert "Traceback" not in result.err
    return result


async def make_room(fake: FakeRoomsAPI, *args: str) -> dict[str, Any]:
    result = await cli(fake, "rooms", "create", *args)
    assert result.code == 0, result.err
    room: dict[str, Any] = result.json()
    return room


# -- rooms ----------------------------------------------------------------------------------


async def test_rooms_create_prints_the_room_as_json(fake: FakeRoomsAPI) -> None:
    result = await cli(
        fake,
        "rooms",
        "create",
        "--unique-name",
        "standup",
        "--max-participants",
        "12",
        "--enable-recording",
        "--webhook-event-url",
        "https://example.com/hooks",
        "--webhook-timeout-secs",
        "25",
    )
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
    result = await cli(
        fake,
        "rooms",
        "token",
        room["id"],
        "--token-ttl-secs",
        "60",
        "--refresh-token-ttl-secs",
        "120",
    )
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
    assert "--participants (participants)" in empty.err
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
    assert result.json()["download_url"].startswith("https://")
    result = await cli(fake, "compositions", "delete", composition["id"])
    assert result.code == 0, result.err
    assert fake.store.compositions == {}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--resolution", "2000x2000"], "--resolution (resolution)"),
        (["--format", "avi"], "--format"),
        (["--video-layout", "{not json"], "not valid JSON"),
        (
            ["--video-layout", '{"main": {"width": 8}}'],
            "--video-layout (video_layout['main'].width): must be an integer >= 16",
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


async def test_recordings_delete_bulk_prints_the_count(fake: FakeRoomsAPI) -> None:
    live = await live_session(fake)
    result = await cli(fake, "recordings", "delete-bulk", "--filter-session-id", live.session_id)
    assert result.code == 0, result.err
    assert result.json() == {"deleted": 2}
    assert fake.store.recordings == {}
    assert fake.requests[-1].method == "DELETE"
    assert fake.requests[-1].query == {"filter[session_id]": live.session_id}


async def test_recordings_delete_bulk_of_everything_must_be_explicit(fake: FakeRoomsAPI) -> None:
    await live_session(fake)
    refused = await cli(fake, "recordings", "delete-bulk")
    assert refused.code == 2
    assert "--all-recordings" in refused.err
    assert len(fake.store.recordings) == 2
    result = await cli(fake, "recordings", "delete-bulk", "--all-recordings")
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
        (["rooms", "get", "a/b"], "room_id"),
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
        "telnyx-rooms rooms create: error: --max-participants (max_participants):"
        " must be an integer from 2 to 50"
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


async def test_no_api_key_is_a_usage_error(fake: FakeRoomsAPI) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = await run(["rooms", "list", "--base-url", fake.base_url], stdout=out, stderr=err)
    assert code == 2
    assert "TELNYX_API_KEY" in err.getvalue()
    assert fake.requests == []


async def test_insecure_base_url_is_refused(fake: FakeRoomsAPI) -> None:
    result = await cli(None, "rooms", "list", "--api-key", SECRET, "--base-url", "http://x.test/v2")
    assert result.code == 2
    assert "https" in result.err


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


# -- help -----------------------------------------------------------------------------------

ISSUE_COMMANDS = {
    "rooms": {"create", "get", "update", "delete", "list", "token", "refresh-token", "sessions"},
    "sessions": {"list", "get", "participants", "end", "kick", "mute", "unmute"},
    "participants": {"list", "get"},
    "compositions": {"create", "list", "get", "delete"},
    "recordings": {"list", "get", "delete", "delete-bulk"},
}


def _subcommands(parser: Any) -> dict[str, Any]:
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return dict(action.choices)


def test_every_operation_has_a_subcommand() -> None:
    groups = _subcommands(build_parser())
    assert set(groups) == {*ISSUE_COMMANDS, "demo"}
    for group, verbs in ISSUE_COMMANDS.items():
        assert set(_subcommands(groups[group])) == verbs


def test_every_library_method_has_a_subcommand() -> None:
    """A method added to a resource without a subcommand fails here."""
    from telnyx_rooms_async import cli as module

    for group in module._GROUPS:
        public = {
            name
            for name in vars(group.resource)
            if callable(getattr(group.resource, name)) and not name.startswith("_")
        }
        wired = {c.method for c in module._COMMANDS if c.group == group.name}
        assert public == wired, group.name


CONNECTION = {"api_key", "base_url", "timeout", "max_retries"}


def test_options_take_the_params_classes_names_and_docs() -> None:
    from telnyx_rooms_async import cli as module
    from telnyx_rooms_async import params

    groups = _subcommands(build_parser())
    for command in module._COMMANDS:
        for name in command.params:
            assert hasattr(params, name), name
        leaf = _subcommands(groups[command.group])[command.verb]
        for action in leaf._actions:
            flag = action.option_strings[-1] if action.option_strings else None
            if flag is None or flag in ("--help", "--all-pages") or action.dest in CONNECTION:
                continue
            assert action.help, (command.group, command.verb, flag)
            # Every list filter is spelled as its query key: filter[x][op] -> --filter-x-op.
            if action.dest in ("page_number", "page_size", "max_pages") or "include" in flag:
                continue
            if command.verb in ("list", "sessions", "participants", "delete-bulk"):
                assert flag.startswith(("--filter-", "--no-filter-", "--all-recordings")), flag


@pytest.mark.parametrize(
    "args",
    [[], ["demo"]]
    + [[group] for group in ISSUE_COMMANDS]
    + [[group, verb] for group, verbs in sorted(ISSUE_COMMANDS.items()) for verb in sorted(verbs)],
)
async def test_help_everywhere_with_examples(args: list[str]) -> None:
    result = await cli(None, *args, "--help")
    assert result.code == 0
    assert result.out.startswith("usage: telnyx-rooms")
    assert "examples:\n  telnyx-rooms " in result.out


async def test_version() -> None:
    result = await cli(None, "--version")
    assert result.code == 0
    assert result.out.strip() == f"telnyx-rooms {__version__}"


# -- as a subprocess ------------------------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELNYX_")}
    env.update(extra)
    return env


async def _spawn(*argv: str, env: dict[str, str] | None = None) -> Result:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env if env is not None else _env(),
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


CONSOLE_SCRIPT = Path(sys.executable).parent / "telnyx-rooms"


async def test_subprocess_help_and_version() -> None:
    result = await _spawn(sys.executable, "-m", "telnyx_rooms_async", "--help")
    assert result.code == 0
    assert "rooms" in result.out
    assert "demo" in result.out
    result = await _spawn(str(CONSOLE_SCRIPT), "--version")
    assert result.code == 0
    assert __version__ in result.out


async def test_subprocess_against_the_fake_api(fake: FakeRoomsAPI) -> None:
    env = _env(TELNYX_API_KEY=SECRET, TELNYX_BASE_URL=fake.base_url)
    result = await _spawn(
        str(CONSOLE_SCRIPT), "rooms", "create", "--unique-name", "from-shell", env=env
    )
    assert result.code == 0, result.err
    room = json.loads(result.out)
    assert fake.store.rooms[room["id"]]["unique_name"] == "from-shell"
    result = await _spawn(
        sys.executable, "-m", "telnyx_rooms_async", "rooms", "list", "--all-pages", env=env
    )
    assert result.code == 0, result.err
    assert [json.loads(line)["id"] for line in result.out.splitlines()] == [room["id"]]
    assert SECRET not in result.out + result.err


async def test_subprocess_exit_codes_and_no_traceback(fake: FakeRoomsAPI) -> None:
    env = _env(TELNYX_API_KEY=SECRET, TELNYX_BASE_URL=fake.base_url)
    bad = await _spawn(str(CONSOLE_SCRIPT), "rooms", "create", "--max-participants", "0", env=env)
    assert bad.code == 2
    assert "--max-participants" in bad.err
    missing = await _spawn(str(CONSOLE_SCRIPT), "rooms", "get", "nope", env=env)
    assert missing.code == 1
    assert "HTTP 404" in missing.err
    for result in (bad, missing):
        assert "Traceback" not in result.err
        assert SECRET not in result.out + result.err


async def test_connection_options_before_the_subcommand(fake: FakeRoomsAPI) -> None:
    argv = ["--api-key", SECRET, "--base-url", fake.base_url, "--max-retries", "0"]
    out, err = io.StringIO(), io.StringIO()
    assert await run([*argv, "rooms", "create", "--unique-name", "x"], stdout=out, stderr=err) == 0
    assert json.loads(out.getvalue())["unique_name"] == "x"
    assert fake.requests[-1].authorized


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
            env=_env(TELNYX_API_KEY=SECRET, TELNYX_BASE_URL=fake.base_url),
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
