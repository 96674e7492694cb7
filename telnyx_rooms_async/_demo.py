"""The offline ``telnyx-rooms demo``: a whole Rooms lifecycle against the built-in fake API.

Every step is a :class:`RoomsClient` call over HTTP to a fake API on a loopback port; the
demo prints each step's title, the requests the fake received, and what came back. It is
imported only when the demo runs: the fake's aiohttp.web server is not needed otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any, Final

from ._client import RoomsClient
from ._converter import to_dict
from ._errors import APIResponseValidationError, NotFoundError, TelnyxError
from ._exits import EXIT_FAILURE, PROG
from .models import Room

if TYPE_CHECKING:
    from .testing import FakeRoomsAPI

__all__ = ["run_demo"]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "-"
    return json.dumps(value, ensure_ascii=False)


_SECRETS: Final = frozenset({"token", "refresh_token"})


def _secret_preview(value: str) -> str:
    # Readable at a glance; `rooms token` prints the whole token.
    return value if len(value) <= 24 else f"{value[:20]}… ({len(value)} characters)"


class _Demo:
    """Prints the demo's steps: a title, the requests it sent, and what came back."""

    def __init__(self, fake: FakeRoomsAPI, out: IO[str]) -> None:
        self._fake = fake
        self._out = out
        self._number = 0
        self._mark = 0

    def line(self, text: str = "") -> None:
        self._out.write(text + "\n")

    def step(self, title: str) -> None:
        self._number += 1
        self._mark = len(self._fake.requests)
        self.line()
        self.line(f"{self._number:>2}. {title}")

    def note(self, text: str) -> None:
        self.line(f"      {text}")

    def sent(self) -> None:
        """The HTTP requests made since the step began, as the fake API received them."""
        for call in self._fake.requests[self._mark :]:
            query = "&".join(f"{k}={v}" for k, v in call.query.items())
            line = f"      -> {call.method} {call.path}{'?' + query if query else ''}"
            if isinstance(call.body, dict) and call.body:
                body = {
                    k: _secret_preview(v) if k in _SECRETS and isinstance(v, str) else v
                    for k, v in call.body.items()
                }
                line += "\n         " + json.dumps(body, ensure_ascii=False)
            self.line(line)
        self._mark = len(self._fake.requests)

    def fields(self, model: Any, names: Sequence[str] | None = None) -> None:
        """``name  value`` lines of a model's fields that have a value."""
        data = to_dict(model)
        for name in names or list(data):
            value = data.get(name)
            if value is None or value in ((), [], {}, ""):
                continue
            if isinstance(value, list | tuple):
                ids = [v.get("id", "?") if isinstance(v, dict) else v for v in value]
                value = f"{len(ids)}: {', '.join(str(i) for i in ids)}"
            elif name in _SECRETS and isinstance(value, str):
                value = _secret_preview(value)
            self.line(f"      {name:<26}{_text(value)}")

    def table(self, rows: Sequence[Any], columns: Sequence[str]) -> None:
        """A small table of models."""
        data = [to_dict(r) for r in rows]
        widths = [max([len(c)] + [len(_text(d.get(c))) for d in data]) for c in columns]
        head = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
        self.line("      " + head.rstrip())
        for d in data:
            cells = [_text(d.get(c)).ljust(w) for c, w in zip(columns, widths, strict=True)]
            self.line("      " + "  ".join(cells).rstrip())


async def _lifecycle(client: RoomsClient, fake: FakeRoomsAPI, show: _Demo) -> None:
    show.step("Create a room")
    room = await client.rooms.create(
        unique_name="demo-standup",
        max_participants=10,
        enable_recording=True,
        webhook_event_url="https://example.com/hooks",
        webhook_timeout_secs=25,
    )
    show.sent()
    show.fields(room)

    show.step("Retrieve it, with its sessions")
    room = await client.rooms.retrieve(room.id, include_sessions=True)
    show.sent()
    show.fields(room, ["id", "unique_name", "max_participants", "sessions", "updated_at"])
    show.note("sessions                  none yet")

    show.step("Update it: allow 20 participants (PATCH sends only that field)")
    room = await client.rooms.update(room.id, max_participants=20)
    show.sent()
    show.fields(room, ["id", "max_participants", "enable_recording", "updated_at"])

    show.step("List rooms, 2 per page, across every page")
    for name in ("demo-retro", "demo-planning"):
        await client.rooms.create(unique_name=name)
    show.sent()
    rooms: list[Room] = []
    pages = 0
    async for page in client.rooms.list(page_size=2).pages():
        pages += 1
        rooms.extend(page.items)
    show.sent()
    show.table(rooms, ["id", "unique_name", "max_participants", "created_at"])
    show.note(f"{len(rooms)} rooms on {pages} pages, each page fetched when the last was used up")
    show.step("Filter by unique name")
    page = await client.rooms.list(unique_name="demo-retro")
    show.sent()
    show.table(page.items, ["id", "unique_name"])

    await _tokens(client, show, room)
    session_id, people = await _live_session(client, fake, show, room)
    await _actions(client, fake, show, session_id, people)
    await _media(client, fake, show, session_id)
    await _cleanup(client, show, session_id, [room, *rooms[1:]])


async def _tokens(client: RoomsClient, show: _Demo, room: Room) -> None:
    show.step("Mint a join token for a participant's video SDK")
    token = await client.rooms.generate_join_client_token(
        room.id, token_ttl_secs=600, refresh_token_ttl_secs=3600
    )
    show.sent()
    show.fields(token)
    show.note("(`telnyx-rooms rooms token ROOM_ID` prints the whole token)")

    show.step("Refresh it before it expires")
    assert token.refresh_token is not None
    fresh = await client.rooms.refresh_client_token(
        room.id, refresh_token=token.refresh_token, token_ttl_secs=900
    )
    show.sent()
    show.fields(fresh)


async def _live_session(
    client: RoomsClient, fake: FakeRoomsAPI, show: _Demo, room: Room
) -> tuple[str, dict[str, str]]:
    show.step("Participants join with their tokens (simulated inside the fake API)")
    started = await fake.sim.start_session(room.id)
    people: dict[str, str] = {}
    for name in ("Alice", "Bob", "Carol"):
        joined = await fake.sim.join(started["id"], context=name)
        people[name] = joined["id"]
    await fake.sim.start_recording(started["id"], people["Alice"], "video")
    await fake.sim.start_recording(started["id"], people["Bob"], "audio")
    show.note("a session starts; Alice, Bob and Carol join; Alice's video and Bob's audio")
    show.note("are being recorded (enable_recording is on). No API call: this is what")
    show.note("the participants' SDKs and the media servers do.")

    show.step("Find the room's live session, by room and across rooms")
    sessions = await client.rooms.list_sessions(room.id, active=True)
    everywhere = await client.room_sessions.list(room_id=room.id, active=True)
    show.sent()
    session = sessions.items[0]
    show.fields(session, ["id", "room_id", "active", "created_at"])
    same = [s.id for s in everywhere.items] == [session.id]
    show.note("both lists agree" if same else "the two lists differ")

    show.step("Look at the session with its participants")
    detail = await client.room_sessions.retrieve(session.id, include_participants=True)
    show.sent()
    show.table(detail.participants, ["id", "context", "joined_at"])

    show.step("Find a participant by context, then fetch it by id")
    found = await client.room_participants.list(session_id=session.id, context="Alice")
    alice = await client.room_participants.retrieve(found.items[0].id)
    show.sent()
    show.fields(alice, ["id", "context", "session_id", "joined_at"])
    return session.id, people


def _muted(fake: FakeRoomsAPI, people: dict[str, str]) -> str:
    names = [name for name, pid in people.items() if fake.store.is_muted(pid)]
    return ", ".join(names) or "nobody"


async def _actions(
    client: RoomsClient, fake: FakeRoomsAPI, show: _Demo, session_id: str, people: dict[str, str]
) -> None:
    sessions = client.room_sessions
    show.step("Mute everyone but Alice")
    result = await sessions.mute(session_id, participants="all", exclude=[people["Alice"]])
    show.sent()
    show.fields(result)
    show.note(f"muted now: {_muted(fake, people)}")

    show.step("Unmute Bob")
    result = await sessions.unmute(session_id, participants=[people["Bob"]])
    show.sent()
    show.fields(result)
    show.note(f"muted now: {_muted(fake, people)}")

    show.step("Kick Carol, then list the session's participants")
    result = await sessions.kick(session_id, participants=[people["Carol"]])
    page = await sessions.list_participants(session_id)
    show.sent()
    show.fields(result)
    show.table(page.items, ["context", "joined_at", "left_at"])

    show.step("End the session: everyone still in it leaves")
    result = await sessions.end(session_id)
    ended = await sessions.retrieve(session_id)
    show.sent()
    show.fields(result)
    show.fields(ended, ["id", "active", "created_at", "ended_at"])


async def _media(client: RoomsClient, fake: FakeRoomsAPI, show: _Demo, session_id: str) -> None:
    show.step("The recordings finish processing (simulated), then list them")
    for record in list(fake.store.recordings.values()):
        if record["session_id"] == session_id:
            size = 38.2 if record["type"] == "video" else 2.7
            await fake.sim.complete_recording(record["id"], size_mb=size, duration_secs=1260)
    recordings = await client.room_recordings.list(session_id=session_id)
    show.sent()
    show.table(recordings.items, ["id", "type", "codec", "status", "duration_secs", "size_mb"])

    show.step("Fetch one recording")
    recording = await client.room_recordings.retrieve(recordings.items[0].id)
    show.sent()
    show.fields(recording, ["id", "type", "status", "duration_secs", "download_url"])

    show.step("Compose the session into one video")
    composition = await client.room_compositions.create(
        session_id=session_id,
        resolution="1280x720",
        video_layout={
            "main": {"x_pos": 0, "y_pos": 0, "width": 1280, "height": 720, "video_sources": ["*"]}
        },
    )
    show.sent()
    show.fields(composition, ["id", "session_id", "status", "format", "resolution"])

    show.step("The composition completes (simulated); fetch it and list compositions")
    await fake.sim.complete_composition(composition.id, size_mb=52.6, duration_secs=1260)
    composition = await client.room_compositions.retrieve(composition.id)
    listed = await client.room_compositions.list(session_id=session_id, status="completed")
    show.sent()
    show.fields(
        composition, ["id", "status", "duration_secs", "size_mb", "download_url", "completed_at"]
    )
    show.note(f"completed compositions of the session: {len(listed.items)}")


async def _cleanup(
    client: RoomsClient, show: _Demo, session_id: str, rooms: Sequence[Room]
) -> None:
    show.step("Clean up: delete the composition and the recordings")
    for composition in await client.room_compositions.list(session_id=session_id):
        await client.room_compositions.delete(composition.id)
    first = await client.room_recordings.list(session_id=session_id)
    await client.room_recordings.delete(first.items[0].id)
    deleted = await client.room_recordings.delete_bulk(session_id=session_id)
    show.sent()
    show.note(f"bulk delete removed {deleted} more recording(s)")

    show.step("Delete the rooms")
    for room in rooms:
        await client.rooms.delete(room.id)
    left = await client.rooms.list()
    show.sent()
    show.note(f"rooms left: {left.meta.total_results}")

    show.step("A deleted room is gone: the typed error says why")
    try:
        await client.rooms.retrieve(rooms[0].id)
    except NotFoundError as exc:
        show.sent()
        show.note(f"{type(exc).__name__}: {exc}")
    else:  # pragma: no cover - the fake deletes for real
        raise APIResponseValidationError("the deleted room was still there")


async def run_demo(
    out: IO[str], *, err: IO[str] | None = None, fake: FakeRoomsAPI | None = None
) -> int:
    """Run the offline demo on a fresh fake API (or on ``fake``, already started)."""
    if fake is None:
        # Imported here: the fake's aiohttp.web server is only needed by the demo.
        from .testing import FakeRoomsAPI

        async with FakeRoomsAPI() as own:
            return await run_demo(out, err=err, fake=own)
    show = _Demo(fake, out)
    show.line(f"{PROG} demo: the whole Rooms family, offline")
    show.line(f"    a fake Rooms API serves on {fake.base_url} (in memory)")
    show.line("    every step is a RoomsClient call over HTTP to it; no API key or network used")
    try:
        async with RoomsClient(fake.api_key, base_url=fake.base_url, timeout=10) as client:
            await _lifecycle(client, fake, show)
    except TelnyxError as exc:
        out.flush()
        (err if err is not None else sys.stderr).write(f"{PROG} demo: error: {exc}\n")
        return EXIT_FAILURE
    events = [e["data"]["event_type"] for e in fake.webhooks.events]
    if events:
        show.line()
        show.line(f"Webhook events raised along the way ({len(events)}). The fake delivers only to")
        show.line("loopback URLs, so https://example.com/hooks was not contacted:")
        for kind in dict.fromkeys(events):
            show.note(f"{events.count(kind)} x {kind}")
    show.line()
    show.line(f"Done: {len(fake.requests)} requests, all answered by the fake API.")
    return 0
