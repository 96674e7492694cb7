"""Fake handlers for ``/room_recordings``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ._store import Record
from ._validate import check_query_int

if TYPE_CHECKING:
    from ._app import FakeRoomsAPI

__all__ = ["routes"]


def routes(api: FakeRoomsAPI) -> list[web.RouteDef]:
    """The route table of ``/room_recordings``."""
    from ._app import Filter

    filters = [
        Filter("filter[date_started_at]", "started_at", "date"),
        Filter("filter[date_ended_at]", "ended_at", "date"),
        Filter("filter[room_id]", "room_id"),
        Filter("filter[session_id]", "session_id"),
        Filter("filter[participant_id]", "participant_id"),
        Filter("filter[status]", "status"),
        Filter("filter[type]", "type"),
    ]

    def at_least(request: web.Request) -> list[Record]:
        # filter[duration_secs] is a minimum, not an equality (the spec: "greater or equal").
        minimum = check_query_int(request.query, "filter[duration_secs]", 0)
        return [
            r
            for r in api.store.recordings.values()
            if minimum is None or (r["duration_secs"] is not None and r["duration_secs"] >= minimum)
        ]

    async def list_recordings(request: web.Request) -> web.Response:
        return api.page(request, at_least(request), filters)

    async def delete_bulk(request: web.Request) -> web.Response:
        doomed = api.select(request, at_least(request), filters)
        for recording in doomed:
            del api.store.recordings[recording["id"]]
        return api.ok({"room_recordings": len(doomed)}, status=201)

    async def retrieve(request: web.Request) -> web.Response:
        recording = api.store.recordings.get(request.match_info["recording_id"])
        if recording is None:
            return api.not_found("Room recording")
        return api.ok(recording)

    async def delete(request: web.Request) -> web.Response:
        recording = api.store.recordings.pop(request.match_info["recording_id"], None)
        if recording is None:
            return api.not_found("Room recording")
        return api.no_content()

    return [
        web.get("/v2/room_recordings", list_recordings),
        web.delete("/v2/room_recordings", delete_bulk),
        web.get("/v2/room_recordings/{recording_id}", retrieve),
        web.delete("/v2/room_recordings/{recording_id}", delete),
    ]
