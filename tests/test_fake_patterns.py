"""Request patterns of ``fake.calls`` and ``fake.faults``: as the client names them, or refused."""

from __future__ import annotations

from typing import Any

import pytest

from telnyx_rooms_async import InternalServerError, RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI
from telnyx_rooms_async.testing._patterns import could_match


async def test_calls_match_the_way_the_client_logs_paths(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create(unique_name="standup")
    await client.rooms.retrieve(room.id)
    await client.rooms.retrieve(room.id)
    assert fake.calls("post", "/rooms") == 1
    assert fake.calls("POST", "/v2/rooms") == 1
    assert fake.calls("Get", f"/rooms/{room.id}") == 2
    assert fake.calls("GET", "/rooms/*") == 2
    assert fake.calls("*", "/v2/rooms*") == 3
    assert fake.calls("GET") == 2
    assert fake.calls(path="/rooms") == 1
    assert fake.calls() == 3
    assert fake.calls("DELETE", "/rooms/*") == 0


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("PUT", "/rooms", "no route takes the method 'PUT'"),
        ("POST", "/rooms/x", "can never match"),
        ("DELETE", "/rooms", "can never match"),
        ("GET", "/room", "can never match"),
        ("GET", "/rooms/a/b/c/d", "can never match"),
        ("GET", "rooms", "must start with '/'"),
        ("GET", "", "non-empty string"),
        ("", "/rooms", "a method is a string"),
    ],
)
def test_an_impossible_pattern_is_refused(method: str, path: str, message: str) -> None:
    fake = FakeRoomsAPI()
    with pytest.raises(ValueError, match=message):
        fake.calls(method, path)
    makers: list[Any] = [
        lambda: fake.faults.fail(method, path),
        lambda: fake.faults.respond(method, path),
        lambda: fake.faults.delay(method, path, 0.1),
        lambda: fake.faults.reset(method, path),
        lambda: fake.faults.reset(method, path, after_handling=True),
        lambda: fake.faults.truncate(method, path),
        lambda: fake.faults.drip(method, path, interval=0.1),
    ]
    for make in makers:
        with pytest.raises(ValueError, match=message):
            make()
    assert list(fake.faults) == []


def test_sticky_page_needs_a_get_route() -> None:
    fake = FakeRoomsAPI()
    with pytest.raises(ValueError, match="can never match"):
        fake.faults.sticky_page("/rooms/*/actions/end")
    assert fake.faults.sticky_page("/rooms").path == "/v2/rooms"


async def test_faults_take_short_paths_and_any_case(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    fault = fake.faults.fail("post", "/rooms", status=500)
    assert (fault.method, fault.path) == ("POST", "/v2/rooms")
    with pytest.raises(InternalServerError):
        await client.rooms.create()
    assert fault.hits == 1
    fake.faults.fail("get", "/rooms/*", status=503, headers={"Retry-After": "0"})
    room = await client.rooms.create()
    assert (await client.rooms.retrieve(room.id)).id == room.id
    assert fake.calls("GET", "/rooms/*") == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"times": 0}, "times must be"),
        ({"times": "once"}, "times must be"),
        ({"status": 42}, "status must be"),
    ],
)
def test_fault_settings_are_checked(value: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FakeRoomsAPI().faults.fail("GET", "/rooms", **value)


@pytest.mark.parametrize("seconds", [-1, True, "1"])
def test_fault_seconds_are_checked(seconds: Any) -> None:
    faults = FakeRoomsAPI().faults
    with pytest.raises(ValueError, match="seconds"):
        faults.delay("GET", "/rooms", seconds)
    with pytest.raises(ValueError, match="interval"):
        faults.drip("GET", "/rooms", interval=seconds)


@pytest.mark.parametrize(
    ("pattern", "template", "expected"),
    [
        ("/v2/rooms", "/v2/rooms", True),
        ("/v2/rooms/*", "/v2/rooms/{room_id}", True),
        ("/v2/rooms/*", "/v2/rooms/{room_id}/actions/end", True),  # "*" takes "/" as fnmatch
        ("/v2/rooms/?", "/v2/rooms/{room_id}", True),
        ("/v2/rooms/abc", "/v2/rooms/{room_id}", True),
        ("/v2/rooms/a/b", "/v2/rooms/{room_id}", False),
        ("/v2/rooms/", "/v2/rooms/{room_id}", False),  # an id has one character at least
        ("/v2/rooms/[0-9a-f]*", "/v2/rooms/{room_id}", True),
        ("/v2/rooms/[/]", "/v2/rooms/{room_id}", False),
        ("/v2/rooms/[!/]", "/v2/rooms/{room_id}", True),
        ("/v2/room?", "/v2/rooms", True),
        ("/v2/room", "/v2/rooms", False),
        ("*", "/v2/rooms/{room_id}", True),
        ("*/sessions", "/v2/rooms/{room_id}/sessions", True),
        ("*/sessions", "/v2/room_sessions", False),
        ("/v2/rooms/[", "/v2/rooms/{room_id}", True),  # an unclosed "[" is a literal
    ],
)
def test_could_match(pattern: str, template: str, expected: bool) -> None:
    assert could_match(pattern, template) is expected
