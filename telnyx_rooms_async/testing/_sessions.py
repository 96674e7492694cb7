"""Fake handlers for ``/room_sessions``: listing, participants, and the session actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._simulation import close_session, present, remove_participant
from ._store import Record, now_text
from ._validate import (
    Problem,
    check_body,
    check_id_list,
    check_participants,
)

if TYPE_CHECKING:
    from ._app import FakeRoomsAPI, Filter

__all__ = ["participant_filters", "routes", "session_filters"]


def session_filters() -> list[Filter]:
    """The filters every session list takes (``GET /room_sessions`` adds ``room_id``)."""
    from ._app import Filter

    return [
        Filter("filter[date_created_at]", "created_at", "date"),
        Filter("filter[date_updated_at]", "updated_at", "date"),
        Filter("filter[date_ended_at]", "ended_at", "date"),
        Filter("filter[active]", "active", "bool"),
    ]


def participant_filters() -> list[Filter]:
    """The filters every participant list takes (``GET /room_participants`` adds more)."""
    from ._app import Filter

    return [
        Filter("filter[context]", "context"),
        Filter("filter[date_joined_at]", "joined_at", "date"),
        Filter("filter[date_updated_at]", "updated_at", "date"),
        Filter("filter[date_left_at]", "left_at", "date"),
    ]


def _targets(body: dict[str, Any], candidates: list[Record]) -> list[Record]:
    """The candidates an action's ``participants`` and ``exclude`` select."""
    wanted = body.get("participants")
    excluded = set(body.get("exclude") or ())
    return [
        p
        for p in candidates
        if (wanted == "all" or (isinstance(wanted, list) and p["id"] in wanted))
        and p["id"] not in excluded
    ]


def routes(api: FakeRoomsAPI) -> list[web.RouteDef]:
    """The route table of ``/room_sessions``."""
    from ._app import Filter

    def find(request: web.Request) -> Record | None:
        return api.store.sessions.get(request.match_info["session_id"])

    async def list_sessions(request: web.Request) -> web.Response:
        include = api.flag(request, "include_participants")
        sessions = [
            api.store.session_view(s, include_participants=include)
            for s in api.store.sessions.values()
        ]
        filters = [*session_filters(), Filter("filter[room_id]", "room_id")]
        return api.page(request, sessions, filters)

    async def retrieve(request: web.Request) -> web.Response:
        include = api.flag(request, "include_participants")
        session = find(request)
        if session is None:
            return api.not_found("Room session")
        return api.ok(api.store.session_view(session, include_participants=include))

    async def list_participants(request: web.Request) -> web.Response:
        session = find(request)
        if session is None:
            return api.not_found("Room session")
        participants = [dict(p) for p in api.store.participants_of(session["id"])]
        filters = participant_filters()
        return api.page(request, participants, filters)

    def ended(session: Record) -> Problem:
        return Problem(detail=f"Room session {session['id']} has already ended.")

    async def end(request: web.Request) -> web.Response:
        session = find(request)
        if session is None:
            return api.not_found("Room session")
        if not session["active"]:
            raise ended(session)
        await close_session(api, session, "ended_by_api")
        return api.ok({"result": "ok"})

    async def action_body(request: web.Request, session: Record) -> dict[str, Any]:
        body = check_body(await api.json_body(request), {"participants", "exclude"})
        check_participants(body, "participants")
        check_id_list(body, "exclude")
        if not session["active"]:
            raise ended(session)
        return body

    async def kick(request: web.Request) -> web.Response:
        session = find(request)
        if session is None:
            return api.not_found("Room session")
        body = await action_body(request, session)
        for participant in _targets(body, present(api.store, session["id"])):
            await remove_participant(api, participant, "kicked")
        return api.ok({"result": "ok"})

    async def mute(request: web.Request) -> web.Response:
        return await set_muted(request, muted=True)

    async def unmute(request: web.Request) -> web.Response:
        return await set_muted(request, muted=False)

    async def set_muted(request: web.Request, *, muted: bool) -> web.Response:
        session = find(request)
        if session is None:
            return api.not_found("Room session")
        body = await action_body(request, session)
        stamp = now_text()
        for participant in _targets(body, present(api.store, session["id"])):
            if muted:
                api.store.muted.add(participant["id"])
            else:
                api.store.muted.discard(participant["id"])
            participant["updated_at"] = stamp
        return api.ok({"result": "ok"})

    base = "/v2/room_sessions"
    return [
        web.get(base, list_sessions),
        web.get(base + "/{session_id}", retrieve),
        web.get(base + "/{session_id}/participants", list_participants),
        web.post(base + "/{session_id}/actions/end", end),
        web.post(base + "/{session_id}/actions/kick", kick),
        web.post(base + "/{session_id}/actions/mute", mute),
        web.post(base + "/{session_id}/actions/unmute", unmute),
    ]
