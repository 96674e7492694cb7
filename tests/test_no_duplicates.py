"""No duplicates: a POST that reached the server is never sent twice.

The fake API does the work of each state-changing POST and then drops the connection before
its reply (a reset, or a body cut short). The client must raise, must not retry, and the
effect must exist exactly once. Idempotent calls under the same fault retry and succeed.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest

from telnyx_rooms_async import (
    APIConnectionError,
    NotFoundError,
    Room,
    RoomsClient,
    RoomSession,
)
from telnyx_rooms_async._operations import OPERATIONS
from telnyx_rooms_async.testing import FakeRoomsAPI


@attrs.frozen
class World:
    """What the set-up made: a room with an active session and two participants in it."""

    room_id: str
    session_id: str
    alice: str
    bob: str
    refresh_token: str


@attrs.frozen
class Action:
    """One state-changing POST, where its effect shows, and how to count that effect."""

    path: str
    call: Callable[[RoomsClient, World], Awaitable[Any]]
    effects: Callable[[FakeRoomsAPI, World], int]
    """How many times the action took effect (must be exactly 1)."""
    prepare: Callable[[FakeRoomsAPI, World], None] = lambda f, w: None
    """Extra state the action needs (unmute needs someone muted)."""


def _client_tokens(fake: FakeRoomsAPI) -> int:
    return sum(1 for t in fake.store.tokens.values() if t["kind"] == "client")


ACTIONS: dict[str, Action] = {
    # Unnamed: a create with a unique_name is reconciled by name (see below).
    "rooms.create": Action(
        "/v2/rooms",
        lambda c, w: c.rooms.create(max_participants=7),
        lambda f, w: sum(1 for r in f.store.rooms.values() if r["max_participants"] == 7),
    ),
    "rooms.generate_join_client_token": Action(
        "/v2/rooms/*/actions/generate_join_client_token",
        lambda c, w: c.rooms.generate_join_client_token(w.room_id),
        # The set-up issued one client token already.
        lambda f, w: _client_tokens(f) - 1,
    ),
    "rooms.refresh_client_token": Action(
        "/v2/rooms/*/actions/refresh_client_token",
        lambda c, w: c.rooms.refresh_client_token(w.room_id, refresh_token=w.refresh_token),
        lambda f, w: _client_tokens(f) - 1,
    ),
    "room_sessions.end": Action(
        "/v2/room_sessions/*/actions/end",
        lambda c, w: c.room_sessions.end(w.session_id),
        lambda f, w: int(not f.store.sessions[w.session_id]["active"]),
    ),
    "room_sessions.kick": Action(
        "/v2/room_sessions/*/actions/kick",
        lambda c, w: c.room_sessions.kick(w.session_id, participants=[w.alice]),
        lambda f, w: sum(1 for p in f.store.participants.values() if p["left_at"] is not None),
    ),
    "room_sessions.mute": Action(
        "/v2/room_sessions/*/actions/mute",
        lambda c, w: c.room_sessions.mute(w.session_id, participants="all", exclude=[w.bob]),
        lambda f, w: len(f.store.muted),
    ),
    "room_sessions.unmute": Action(
        "/v2/room_sessions/*/actions/unmute",
        lambda c, w: c.room_sessions.unmute(w.session_id, participants=[w.alice]),
        lambda f, w: 2 - len(f.store.muted),
        prepare=lambda f, w: f.store.muted.update({w.alice, w.bob}),
    ),
    "room_compositions.create": Action(
        "/v2/room_compositions",
        lambda c, w: c.room_compositions.create(session_id=w.session_id, resolution="640x360"),
        lambda f, w: len(f.store.compositions),
    ),
}

#: Faults that strike after the server did the work: a reset, or half the reply and a FIN.
AFTER_HANDLING = ("reset", "truncate")


@pytest.fixture
async def world(fake: FakeRoomsAPI) -> World:
    """A room with an active session, Alice and Bob in it, and a token issued."""
    async with RoomsClient(fake.api_key, base_url=fake.base_url, max_retries=0) as client:
        room = await client.rooms.create(unique_name="stage")
        token = await client.rooms.generate_join_client_token(room.id)
        session = await fake.sim.start_session(room.id)
        alice = await fake.sim.join(session["id"], context="alice")
        bob = await fake.sim.join(session["id"], context="bob")
    assert token.refresh_token is not None
    fake.requests.clear()
    return World(room.id, session["id"], alice["id"], bob["id"], token.refresh_token)


@pytest.fixture
async def retrying_client(fake: FakeRoomsAPI) -> AsyncIterator[RoomsClient]:
    """A client that would retry up to three times wherever retrying is allowed."""
    async with RoomsClient(
        fake.api_key, base_url=fake.base_url, max_retries=3, timeout=10, read_timeout=5
    ) as client:
        yield client


def _inject(fake: FakeRoomsAPI, kind: str, method: str, path: str) -> None:
    if kind == "reset":
        fake.faults.reset(method, path, after_handling=True)
    else:
        fake.faults.truncate(method, path)


@pytest.mark.parametrize("kind", AFTER_HANDLING)
@pytest.mark.parametrize("name", sorted(ACTIONS))
async def test_action_post_is_not_repeated(
    fake: FakeRoomsAPI, world: World, retrying_client: RoomsClient, name: str, kind: str
) -> None:
    action = ACTIONS[name]
    action.prepare(fake, world)
    before = action.effects(fake, world)
    assert before == 0, f"{name}: the set-up already counts {before} effects"
    _inject(fake, kind, "POST", action.path)

    with pytest.raises(APIConnectionError) as caught:
        await action.call(retrying_client, world)

    assert caught.value.request_sent is True
    assert fake.calls("POST") == 1, f"{name}: the POST was sent {fake.calls('POST')} times"
    assert action.effects(fake, world) == 1, f"{name}: took effect {action.effects(fake, world)}x"


def test_every_action_post_is_covered() -> None:
    """Each POST operation of the table has a row in ACTIONS (and so a no-duplicate test)."""
    posts = {
        "/v2" + re.sub(r"\{[a-z_]+\}", "*", op.path)
        for op in OPERATIONS
        if op.http_method == "POST"
    }
    assert {a.path for a in ACTIONS.values()} == posts
    assert all(not op.idempotent for op in OPERATIONS if op.http_method == "POST")


@pytest.mark.parametrize("kind", AFTER_HANDLING)
async def test_a_named_create_is_found_not_repeated(
    fake: FakeRoomsAPI, world: World, retrying_client: RoomsClient, kind: str
) -> None:
    _inject(fake, kind, "POST", "/v2/rooms")
    room = await retrying_client.rooms.create(unique_name="once")
    assert fake.calls("POST") == 1
    assert [r["id"] for r in fake.store.rooms.values() if r["unique_name"] == "once"] == [room.id]


# -- idempotent calls retry and succeed --------------------------------------------------------


@pytest.mark.parametrize("kind", AFTER_HANDLING)
async def test_get_retries_and_succeeds(
    fake: FakeRoomsAPI, world: World, retrying_client: RoomsClient, kind: str
) -> None:
    _inject(fake, kind, "GET", "/v2/rooms/*")
    room = await retrying_client.rooms.retrieve(world.room_id)
    assert isinstance(room, Room) and room.id == world.room_id
    assert fake.calls("GET") == 2


@pytest.mark.parametrize("kind", AFTER_HANDLING)
async def test_list_retries_and_succeeds(
    fake: FakeRoomsAPI, world: World, retrying_client: RoomsClient, kind: str
) -> None:
    _inject(fake, kind, "GET", "/v2/room_sessions")
    page = await retrying_client.room_sessions.list(room_id=world.room_id)
    assert [s.id for s in page.items] == [world.session_id]
    assert all(isinstance(s, RoomSession) for s in page.items)
    assert fake.calls("GET") == 2


@pytest.mark.parametrize("kind", AFTER_HANDLING)
async def test_patch_retries_and_succeeds(
    fake: FakeRoomsAPI, world: World, retrying_client: RoomsClient, kind: str
) -> None:
    _inject(fake, kind, "PATCH", "/v2/rooms/*")
    room = await retrying_client.rooms.update(world.room_id, max_participants=7)
    assert room.max_participants == 7
    assert fake.store.rooms[world.room_id]["max_participants"] == 7
    assert fake.calls("PATCH") == 2


async def test_delete_retried_after_the_server_acted_answers_404(
    fake: FakeRoomsAPI, world: World, retrying_client: RoomsClient
) -> None:
    """DELETE is retried; when the first attempt did delete, the retry meets a 404.

    The end state is the one asked for (the room is gone, once); the caller sees
    ``NotFoundError`` from the retry. Documented in docs/reliability.md.
    """
    fake.faults.reset("DELETE", "/v2/rooms/*", after_handling=True)
    with pytest.raises(NotFoundError):
        await retrying_client.rooms.delete(world.room_id)
    assert fake.calls("DELETE") == 2
    assert world.room_id not in fake.store.rooms
