"""Fake handlers of the ``room_sessions`` operations: lists, participants, and the actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import _operations as ops
from ._objects import flagged, retriever
from ._query import flag
from ._simulation import present
from ._store import Record, now_text
from ._validate import check_body
from ._wire import Handler, Problem, not_found, ok, path_id, read_json

if TYPE_CHECKING:
    from ._backend import Backend

__all__ = ["handlers"]


def _targets(body: dict[str, Any], candidates: list[Record]) -> list[Record]:
    """The candidates an action's ``participants`` and ``exclude`` select (none when the
    body names no participants, or an empty list)."""
    wanted = body.get("participants")
    excluded = set(body.get("exclude") or ())
    return [
        p
        for p in candidates
        if (wanted == "all" or (isinstance(wanted, list) and p["id"] in wanted))
        and p["id"] not in excluded
    ]


def handlers(api: Backend) -> dict[str, Handler]:
    """The handlers of the ``room_sessions`` rows of the table, by operation key."""
    store = api.store

    def find(request: web.Request) -> Record | None:
        return store.sessions.get(path_id(request))

    async def list_sessions(request: web.Request) -> web.Response:
        include = flag(request, "include_participants")
        sessions = [
            store.session_view(s, include_participants=include) for s in store.sessions.values()
        ]
        return api.page(request, sessions)

    async def list_participants(request: web.Request) -> web.Response:
        session = find(request)
        if session is None:
            return not_found("Room session")
        return api.page(request, [dict(p) for p in store.participants_of(session["id"])])

    def active(session: Record) -> None:
        if not session["active"]:
            raise Problem(detail=f"Room session {session['id']} has already ended.")

    async def end(request: web.Request) -> web.Response:
        session = find(request)
        if session is None:
            return not_found("Room session")
        active(session)
        await api.sim.end_session(session["id"], reason="ended_by_api")
        return ok({"result": "ok"})

    async def act(request: web.Request, op: ops.Operation[Any, Any]) -> web.Response:
        session = find(request)
        if session is None:
            return not_found("Room session")
        body = check_body(await read_json(request), op.params, strict=api.strict)
        active(session)
        chosen = _targets(body, present(store, session["id"]))
        if op is ops.ROOM_SESSIONS_KICK:
            for participant in chosen:
                await api.sim.leave(participant["id"], reason="kicked")
            return ok({"result": "ok"})
        stamp = now_text()
        for participant in chosen:
            if op is ops.ROOM_SESSIONS_MUTE:
                store.muted.add(participant["id"])
            else:
                store.muted.discard(participant["id"])
            participant["updated_at"] = stamp
        return ok({"result": "ok"})

    async def kick(request: web.Request) -> web.Response:
        return await act(request, ops.ROOM_SESSIONS_KICK)

    async def mute(request: web.Request) -> web.Response:
        return await act(request, ops.ROOM_SESSIONS_MUTE)

    async def unmute(request: web.Request) -> web.Response:
        return await act(request, ops.ROOM_SESSIONS_UNMUTE)

    return {
        ops.ROOM_SESSIONS_LIST.key: list_sessions,
        ops.ROOM_SESSIONS_RETRIEVE.key: retriever(
            store.sessions, "Room session", flagged(store.session_view, "include_participants")
        ),
        ops.ROOM_SESSIONS_LIST_PARTICIPANTS.key: list_participants,
        ops.ROOM_SESSIONS_END.key: end,
        ops.ROOM_SESSIONS_KICK.key: kick,
        ops.ROOM_SESSIONS_MUTE.key: mute,
        ops.ROOM_SESSIONS_UNMUTE.key: unmute,
    }
