"""``client.room_sessions`` and ``client.rooms.list_sessions`` against the fake API."""

from __future__ import annotations

from datetime import date
from typing import Any

import aiohttp
import pytest

from telnyx_rooms_async import (
    ActionResult,
    InternalServerError,
    InvalidParams,
    NotFoundError,
    Room,
    RoomParticipant,
    RoomsClient,
    RoomSession,
    UnprocessableEntityError,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

UNKNOWN = "0b1f3c1e-0000-4000-8000-000000000000"


class EventLog:
    """Stands in for ``fake.webhooks``: keeps what the fake emits, delivers nothing."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any], str | None]] = []

    async def emit(self, event_type: str, payload: dict[str, Any], room_id: str | None) -> None:
        self.events.append((event_type, payload, room_id))

    def of(self, event_type: str) -> list[dict[str, Any]]:
        return [payload for kind, payload, _ in self.events if kind == event_type]


async def live_session(
    fake: FakeRoomsAPI, client: RoomsClient, *contexts: str
) -> tuple[Room, dict[str, Any], list[dict[str, Any]]]:
    """A room with an active session and one participant per context."""
    room = await client.rooms.create()
    session = await fake.sim.start_session(room.id)
    people = [await fake.sim.join(session["id"], context=c) for c in contexts]
    return room, session, people


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


def sent_filters(fake: FakeRoomsAPI) -> dict[str, str]:
    """The query of the last request, without the paginator's page keys."""
    return {k: v for k, v in fake.requests[-1].query.items() if not k.startswith("page[")}


def _backdate(record: dict[str, Any], **days: str) -> None:
    for name, day in days.items():
        record[name] = f"{day}T10:00:00.000000Z"


# -- GET /room_sessions ---------------------------------------------------------------------------


async def test_list_every_session_with_filters(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room_a, live, _ = await live_session(fake, client, "Alice", "Bob")
    room_b = await client.rooms.create()
    ended = await fake.sim.start_session(room_b.id)
    await fake.sim.end_session(ended["id"])

    page = await client.room_sessions.list()
    assert {s.id for s in page.items} == {live["id"], ended["id"]}
    assert all(isinstance(s, RoomSession) and s.participants == () for s in page.items)
    assert page.meta.total_results == 2

    [only] = (await client.room_sessions.list(room_id=room_b.id)).items
    assert only.id == ended["id"]
    assert only.active is False
    assert only.ended_at is not None
    assert sent_filters(fake) == {"filter[room_id]": room_b.id}

    [active] = (await client.room_sessions.list(active=True, include_participants=True)).items
    assert active.id == live["id"]
    assert active.room_id == room_a.id
    assert sorted(p.context or "" for p in active.participants) == ["Alice", "Bob"]
    assert sent_filters(fake) == {"filter[active]": "true", "include_participants": "true"}

    [inactive] = (await client.room_sessions.list(active=False)).items
    assert inactive.id == ended["id"]


async def test_list_filters_by_dates(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    ids = []
    for created, ended in [("2021-04-24", "2021-04-25"), ("2021-04-25", "2021-04-26")]:
        room = await client.rooms.create()
        session = await fake.sim.start_session(room.id)
        await fake.sim.end_session(session["id"])
        _backdate(
            fake.store.sessions[session["id"]],
            created_at=created,
            updated_at=ended,
            ended_at=ended,
        )
        ids.append(session["id"])
    first, second = ids

    async def ids_of(**filters: Any) -> list[str]:
        return [s.id for s in (await client.room_sessions.list(**filters)).items]

    assert await ids_of(date_created_at_eq=date(2021, 4, 24)) == [first]
    assert await ids_of(date_created_at_gte="2021-04-25") == [second]
    assert await ids_of(date_created_at_lte="2021-04-25") == [first, second]
    assert await ids_of(date_updated_at_eq="2021-04-26") == [second]
    assert await ids_of(date_updated_at_gte="2021-04-27") == []
    assert await ids_of(date_updated_at_lte="2021-04-25") == [first]
    assert await ids_of(date_ended_at_eq="2021-04-25") == [first]
    assert await ids_of(date_ended_at_gte="2021-04-26") == [second]
    assert await ids_of(date_ended_at_lte="2021-04-26", date_created_at_gte="2021-04-25") == [
        second
    ]
    assert sent_filters(fake) == {
        "filter[date_ended_at][lte]": "2021-04-26",
        "filter[date_created_at][gte]": "2021-04-25",
    }


async def test_list_paginates(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create()
    ids = []
    for _ in range(5):
        session = await fake.sim.start_session(room.id)
        await fake.sim.end_session(session["id"])
        ids.append(session["id"])
    page = await client.room_sessions.list(page_size=2, page_number=2)
    assert [s.id for s in page.items] == ids[2:4]
    assert (page.meta.page_number, page.meta.total_pages, page.meta.total_results) == (2, 3, 5)
    assert [s.id async for s in client.room_sessions.list(page_size=2)] == ids
    assert [s.id async for s in client.room_sessions.list(page_size=2, max_pages=2)] == ids[:4]


# -- GET /rooms/{room_id}/sessions ----------------------------------------------------------------


async def test_rooms_list_sessions_only_that_room(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room, live, _ = await live_session(fake, client, "Alice")
    other, _, _ = await live_session(fake, client, "Zed")
    await fake.sim.end_session(live["id"])
    again = await fake.sim.start_session(room.id)

    page = await client.rooms.list_sessions(room.id)
    assert [s.id for s in page.items] == [live["id"], again["id"]]
    assert fake.requests[-1].path == f"/v2/rooms/{room.id}/sessions"

    [ended] = (await client.rooms.list_sessions(room.id, active=False)).items
    assert ended.id == live["id"]
    [with_people] = (
        await client.rooms.list_sessions(room.id, include_participants=True, active=False)
    ).items
    assert [p.context for p in with_people.participants] == ["Alice"]
    assert with_people.participants[0].left_at is not None
    _backdate(fake.store.sessions[live["id"]], ended_at="2021-04-25", created_at="2021-04-25")
    [dated] = (await client.rooms.list_sessions(room.id, date_ended_at_eq="2021-04-25")).items
    assert dated.id == live["id"]
    [dated] = (await client.rooms.list_sessions(room.id, date_created_at_lte="2021-04-25")).items
    assert dated.id == live["id"]
    assert [s.room_id async for s in client.rooms.list_sessions(other.id, page_size=1)] == [
        other.id
    ]


async def test_rooms_list_sessions_of_an_unknown_room_is_404(client: RoomsClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.rooms.list_sessions(UNKNOWN)
    assert info.value.status == 404
    assert info.value.errors[0].code == "10005"


# -- GET /room_sessions/{id} ----------------------------------------------------------------------


async def test_retrieve(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room, session, people = await live_session(fake, client, "Alice", "Bob")
    plain = await client.room_sessions.retrieve(session["id"])
    assert isinstance(plain, RoomSession)
    assert (plain.id, plain.room_id, plain.active, plain.ended_at) == (
        session["id"],
        room.id,
        True,
        None,
    )
    assert plain.participants == ()
    assert plain.record_type == "room_session"
    full = await client.room_sessions.retrieve(session["id"], include_participants=True)
    assert [p.id for p in full.participants] == [p["id"] for p in people]
    assert all(isinstance(p, RoomParticipant) for p in full.participants)
    assert fake.requests[-1].query == {"include_participants": "true"}


async def test_retrieve_unknown_is_404(client: RoomsClient) -> None:
    with pytest.raises(NotFoundError, match="Room session"):
        await client.room_sessions.retrieve(UNKNOWN)


# -- GET /room_sessions/{id}/participants ---------------------------------------------------------


async def test_list_participants(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    _, session, (alice, bob, carol) = await live_session(fake, client, "Alice", "Bob", "Carol")
    _, _, (stranger,) = await live_session(fake, client, "Alice")
    await fake.sim.leave(bob["id"])
    _backdate(fake.store.participants[carol["id"]], joined_at="2021-04-25")
    _backdate(fake.store.participants[bob["id"]], left_at="2021-04-26", updated_at="2021-04-26")

    async def ids_of(**filters: Any) -> list[str]:
        page = await client.room_sessions.list_participants(session["id"], **filters)
        return [p.id for p in page.items]

    assert await ids_of() == [alice["id"], bob["id"], carol["id"]]
    assert stranger["id"] not in await ids_of(context="Alice")
    assert await ids_of(context="Alice") == [alice["id"]]
    assert sent_filters(fake) == {"filter[context]": "Alice"}
    assert await ids_of(date_joined_at_eq="2021-04-25") == [carol["id"]]
    assert await ids_of(date_joined_at_lte="2021-04-25") == [carol["id"]]
    assert await ids_of(date_joined_at_gte="2021-04-26") == [alice["id"], bob["id"]]
    assert await ids_of(date_left_at_eq=date(2021, 4, 26)) == [bob["id"]]
    assert await ids_of(date_left_at_gte="2021-04-27") == []
    assert await ids_of(date_left_at_lte="2021-04-26") == [bob["id"]]
    assert await ids_of(date_updated_at_eq="2021-04-26") == [bob["id"]]
    assert await ids_of(date_updated_at_lte="2021-04-26") == [bob["id"]]
    assert bob["id"] not in await ids_of(date_updated_at_gte="2021-04-27")
    paged = client.room_sessions.list_participants(session["id"], page_size=1)
    assert [p.context async for p in paged] == ["Alice", "Bob", "Carol"]


async def test_list_participants_of_an_unknown_session_is_404(client: RoomsClient) -> None:
    with pytest.raises(NotFoundError):
        await client.room_sessions.list_participants(UNKNOWN)


# -- POST /room_sessions/{id}/actions/end ---------------------------------------------------------


async def test_end_closes_the_session(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    log = EventLog()
    room, session, people = await live_session(fake, client, "Alice", "Bob")
    fake.webhooks = log  # type: ignore[assignment]
    assert (await client.rooms.retrieve(room.id)).active_session_id == session["id"]

    result = await client.room_sessions.end(session["id"])
    assert result == ActionResult(result="ok")
    call = fake.requests[-1]
    assert (call.method, call.path, call.body) == (
        "POST",
        f"/v2/room_sessions/{session['id']}/actions/end",
        None,
    )
    ended = await client.room_sessions.retrieve(session["id"], include_participants=True)
    assert ended.active is False
    assert ended.ended_at is not None
    assert all(p.left_at is not None for p in ended.participants)
    assert (await client.rooms.retrieve(room.id)).active_session_id is None

    left = log.of("video.room.participant.left")
    assert {p["participant_id"] for p in left} == {p["id"] for p in people}
    assert {p["left_reason"] for p in left} == {"session_ended"}
    [closed] = log.of("video.room.session.ended")
    assert closed["session_id"] == session["id"]
    assert closed["room_id"] == room.id
    assert isinstance(closed["duration_secs"], int)
    assert closed["ended_reason"]
    assert [kind for kind, _, _ in log.events][-1] == "video.room.session.ended"
    assert {room_id for _, _, room_id in log.events} == {room.id}

    with pytest.raises(UnprocessableEntityError, match="already ended"):
        await client.room_sessions.end(session["id"])


# -- POST /room_sessions/{id}/actions/kick, mute, unmute ------------------------------------------


async def test_kick_by_ids(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    log = EventLog()
    _, session, (alice, bob) = await live_session(fake, client, "Alice", "Bob")
    fake.webhooks = log  # type: ignore[assignment]
    await client.room_sessions.mute(session["id"], participants=[alice["id"]])
    assert fake.store.is_muted(alice["id"])

    result = await client.room_sessions.kick(session["id"], participants=[alice["id"]])
    assert result.result == "ok"
    assert fake.requests[-1].body == {"participants": [alice["id"]]}
    kicked = await client.room_participants.retrieve(alice["id"])
    assert kicked.left_at is not None
    assert (await client.room_participants.retrieve(bob["id"])).left_at is None
    assert not fake.store.is_muted(alice["id"])  # gone, so no longer muted
    [left] = log.of("video.room.participant.left")
    assert left["participant_id"] == alice["id"]
    assert left["left_reason"] == "kicked"
    assert left["context"] == "Alice"
    assert left["session_id"] == session["id"]
    assert (await client.room_sessions.retrieve(session["id"])).active is True


async def test_kick_all_but_excluded(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    _, session, (alice, bob, carol) = await live_session(fake, client, "Alice", "Bob", "Carol")
    await client.room_sessions.kick(session["id"], participants="all", exclude=(bob["id"],))
    assert fake.requests[-1].body == {"participants": "all", "exclude": [bob["id"]]}
    store = fake.store.participants
    assert store[alice["id"]]["left_at"] is not None
    assert store[carol["id"]]["left_at"] is not None
    assert store[bob["id"]]["left_at"] is None


async def test_mute_and_unmute_are_recorded(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    _, session, (alice, bob, carol) = await live_session(fake, client, "Alice", "Bob", "Carol")
    result = await client.room_sessions.mute(session["id"], participants="all", exclude=[bob["id"]])
    assert result.result == "ok"
    assert fake.requests[-1].body == {"participants": "all", "exclude": [bob["id"]]}
    assert fake.store.muted == {alice["id"], carol["id"]}

    result = await client.room_sessions.unmute(session["id"], participants=[carol["id"]])
    assert result.result == "ok"
    assert fake.requests[-1].path == f"/v2/room_sessions/{session['id']}/actions/unmute"
    assert fake.store.muted == {alice["id"]}
    assert fake.store.is_muted(alice["id"])
    assert not fake.store.is_muted(carol["id"])
    await client.room_sessions.unmute(session["id"], participants="all")
    assert fake.store.muted == set()


@pytest.mark.parametrize("action", ["kick", "mute", "unmute"])
async def test_participant_actions_on_an_ended_session_are_422(
    fake: FakeRoomsAPI, client: RoomsClient, action: str
) -> None:
    _, session, _ = await live_session(fake, client, "Alice")
    await fake.sim.end_session(session["id"])
    with pytest.raises(UnprocessableEntityError) as info:
        await getattr(client.room_sessions, action)(session["id"], participants="all")
    assert info.value.status == 422


@pytest.mark.parametrize("action", ["end", "kick", "mute", "unmute"])
async def test_actions_on_an_unknown_session_are_404(
    fake: FakeRoomsAPI, client: RoomsClient, action: str
) -> None:
    method = getattr(client.room_sessions, action)
    with pytest.raises(NotFoundError) as info:
        await (method(UNKNOWN) if action == "end" else method(UNKNOWN, participants="all"))
    assert info.value.errors[0].title == "Resource not found"
    assert fake.calls("POST", f"/v2/room_sessions/{UNKNOWN}/actions/{action}") == 1


@pytest.mark.parametrize("action", ["end", "kick", "mute", "unmute"])
async def test_actions_follow_the_creating_post_retry_rule(
    fake: FakeRoomsAPI, client: RoomsClient, action: str
) -> None:
    _, session, _ = await live_session(fake, client, "Alice")
    path = f"/v2/room_sessions/{session['id']}/actions/{action}"
    fake.faults.fail("POST", path, status=500)
    method = getattr(client.room_sessions, action)
    with pytest.raises(InternalServerError):
        await (
            method(session["id"]) if action == "end" else method(session["id"], participants="all")
        )
    assert fake.calls("POST", path) == 1


# -- validation before I/O ------------------------------------------------------------------------

ACTION_BAD: list[tuple[dict[str, Any], str]] = [
    ({"participants": "everyone"}, "participants"),
    ({"participants": "7b61621f-62e0-4aad-ab11-9fd19e272e73"}, "participants"),
    ({"participants": []}, "participants"),
    ({"participants": ()}, "participants"),
    ({"participants": [""]}, "participants"),
    ({"participants": [None]}, "participants"),
    ({"participants": None}, "participants"),
    ({"participants": "all", "exclude": "p1"}, "exclude"),
    ({"participants": "all", "exclude": [1]}, "exclude"),
]


@pytest.mark.parametrize("action", ["kick", "mute", "unmute"])
@pytest.mark.parametrize(("kwargs", "field"), ACTION_BAD)
async def test_actions_validate_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, action: str, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        await getattr(client.room_sessions, action)("session-1", **kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


@pytest.mark.parametrize("session_id", ["", "..", "a/b", None, 5])
async def test_session_ids_are_checked(
    fake: FakeRoomsAPI, client: RoomsClient, session_id: Any
) -> None:
    calls = [
        lambda: client.room_sessions.retrieve(session_id),
        lambda: client.room_sessions.end(session_id),
        lambda: client.room_sessions.kick(session_id, participants="all"),
        lambda: client.room_sessions.mute(session_id, participants="all"),
        lambda: client.room_sessions.unmute(session_id, participants="all"),
    ]
    for call in calls:
        with pytest.raises(InvalidParams) as info:
            await call()
        assert info.value.field == "session_id"
    with pytest.raises(InvalidParams):
        client.room_sessions.list_participants(session_id)
    with pytest.raises(InvalidParams):
        client.rooms.list_sessions(session_id)
    assert fake.calls() == 0


LIST_BAD: list[tuple[dict[str, Any], str]] = [
    ({"include_participants": "yes"}, "include_participants"),
    ({"active": "true"}, "active"),
    ({"date_created_at_eq": "2021-02-30"}, "date_created_at_eq"),
    ({"date_updated_at_gte": "04/25/2021"}, "date_updated_at_gte"),
    ({"date_ended_at_lte": 20210425}, "date_ended_at_lte"),
    ({"page_size": 251}, "page_size"),
    ({"page_number": 0}, "page_number"),
    ({"max_pages": 0}, "max_pages"),
]


@pytest.mark.parametrize(("kwargs", "field"), [*LIST_BAD, ({"room_id": ""}, "room_id")])
async def test_list_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        client.room_sessions.list(**kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


@pytest.mark.parametrize(("kwargs", "field"), LIST_BAD)
async def test_rooms_list_sessions_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        client.rooms.list_sessions("room-1", **kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"context": 1}, "context"),
        ({"date_joined_at_eq": "yesterday"}, "date_joined_at_eq"),
        ({"date_left_at_gte": "2021-4-25"}, "date_left_at_gte"),
        ({"date_updated_at_lte": "2021-04-31"}, "date_updated_at_lte"),
        ({"page_size": 0}, "page_size"),
    ],
)
async def test_list_participants_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        client.room_sessions.list_participants("session-1", **kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


async def test_retrieve_validates_include_participants(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    with pytest.raises(InvalidParams) as info:
        await client.room_sessions.retrieve("s", include_participants=1)  # type: ignore[arg-type]
    assert info.value.field == "include_participants"
    assert fake.calls() == 0


# -- the fake's own answers to bad requests -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"participants": "some"}, "/participants"),
        ({"participants": [1]}, "/participants"),
        ({"participants": "all", "exclude": "p"}, "/exclude"),
        ("all", ""),
    ],
)
async def test_the_fake_answers_bad_action_bodies_with_422(
    fake: FakeRoomsAPI, client: RoomsClient, body: Any, pointer: str
) -> None:
    _, session, _ = await live_session(fake, client, "Alice")
    status, document = await raw(
        fake, "POST", f"/room_sessions/{session['id']}/actions/kick", body=body
    )
    assert status == 422
    assert document["errors"][0]["source"] == {"pointer": pointer}
    assert fake.store.participants
    assert all(p["left_at"] is None for p in fake.store.participants.values())


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/room_sessions", "filter[active]=maybe", "filter[active]"),
        ("/room_sessions", "include_participants=1", "include_participants"),
        ("/room_sessions", "filter[date_ended_at][gte]=soon", "filter[date_ended_at][gte]"),
        ("/room_sessions", "page[size]=251", "page[size]"),
        (
            "/room_sessions/{id}/participants",
            "filter[date_left_at][eq]=x",
            "filter[date_left_at][eq]",
        ),
        (
            "/rooms/{room}/sessions",
            "filter[date_created_at][lte]=x",
            "filter[date_created_at][lte]",
        ),
    ],
)
async def test_the_fake_answers_bad_queries_with_400(
    fake: FakeRoomsAPI, client: RoomsClient, path: str, query: str, parameter: str
) -> None:
    room, session, _ = await live_session(fake, client, "Alice")
    await fake.sim.end_session(session["id"])
    url = path.replace("{id}", session["id"]).replace("{room}", room.id)
    status, document = await raw(fake, "GET", url, query=query)
    assert status == 400
    assert document["errors"][0]["source"] == {"parameter": parameter}
