"""Fake handlers for ``/room_participants``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ._sessions import participant_filters

if TYPE_CHECKING:
    from ._app import FakeRoomsAPI

__all__ = ["routes"]


def routes(api: FakeRoomsAPI) -> list[web.RouteDef]:
    """The route table of ``/room_participants``."""
    from ._app import Filter

    async def list_participants(request: web.Request) -> web.Response:
        participants = [dict(p) for p in api.store.participants.values()]
        filters = [*participant_filters(), Filter("filter[session_id]", "session_id")]
        return api.page(request, participants, filters)

    async def retrieve(request: web.Request) -> web.Response:
        participant = api.store.participants.get(request.match_info["participant_id"])
        if participant is None:
            return api.not_found("Room participant")
        return api.ok(dict(participant))

    return [
        web.get("/v2/room_participants", list_participants),
        web.get("/v2/room_participants/{participant_id}", retrieve),
    ]
