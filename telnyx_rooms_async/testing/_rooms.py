"""Fake handlers for ``/rooms``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._store import new_id, now_text
from ._validate import Problem, check_body, check_bool, check_int, check_str, check_url

if TYPE_CHECKING:
    from ._app import FakeRoomsAPI

__all__ = ["routes"]

_ROOM_FIELDS = {
    "unique_name",
    "max_participants",
    "enable_recording",
    "webhook_event_url",
    "webhook_event_failover_url",
    "webhook_timeout_secs",
}


def _check_room_body(body: object) -> dict[str, object]:
    checked = check_body(body, _ROOM_FIELDS)
    check_str(checked, "unique_name")
    check_int(checked, "max_participants", 2, 50)
    check_bool(checked, "enable_recording")
    check_url(checked, "webhook_event_url")
    check_url(checked, "webhook_event_failover_url", allow_empty=True)
    check_int(checked, "webhook_timeout_secs", 0, 30, nullable=True)
    return checked


def routes(api: FakeRoomsAPI) -> list[web.RouteDef]:
    """The route table of ``/rooms``."""
    from ._app import Filter

    async def create(request: web.Request) -> web.Response:
        body = _check_room_body(await api.json_body(request))
        name = body.get("unique_name")
        if name is not None and any(r["unique_name"] == name for r in api.store.rooms.values()):
            raise Problem(pointer="/unique_name", detail="unique_name has already been taken")
        stamp = now_text()
        room: dict[str, Any] = {
            "id": new_id(),
            "unique_name": name,
            "max_participants": body.get("max_participants", 10),
            "enable_recording": body.get("enable_recording", False),
            "webhook_event_url": body.get("webhook_event_url"),
            "webhook_event_failover_url": body.get("webhook_event_failover_url", ""),
            "webhook_timeout_secs": body.get("webhook_timeout_secs"),
            "active_session_id": None,
            "created_at": stamp,
            "updated_at": stamp,
            "record_type": "room",
        }
        api.store.rooms[room["id"]] = room
        return api.ok(api.store.room_view(room, include_sessions=True), status=201)

    async def retrieve(request: web.Request) -> web.Response:
        include = api.flag(request, "include_sessions")
        room = api.store.rooms.get(request.match_info["room_id"])
        if room is None:
            return api.not_found("Room")
        return api.ok(api.store.room_view(room, include_sessions=include))

    async def update(request: web.Request) -> web.Response:
        room = api.store.rooms.get(request.match_info["room_id"])
        if room is None:
            return api.not_found("Room")
        body = _check_room_body(await api.json_body(request))
        name = body.get("unique_name")
        if name is not None and any(
            r["unique_name"] == name and r["id"] != room["id"] for r in api.store.rooms.values()
        ):
            raise Problem(pointer="/unique_name", detail="unique_name has already been taken")
        room.update(body)
        room["updated_at"] = now_text()
        return api.ok(api.store.room_view(room, include_sessions=True))

    async def delete(request: web.Request) -> web.Response:
        room = api.store.rooms.pop(request.match_info["room_id"], None)
        if room is None:
            return api.not_found("Room")
        return api.no_content()

    async def list_rooms(request: web.Request) -> web.Response:
        include = api.flag(request, "include_sessions")
        rooms = [api.store.room_view(r, include_sessions=include) for r in api.store.rooms.values()]
        filters = [
            Filter("filter[date_created_at]", "created_at", "date"),
            Filter("filter[date_updated_at]", "updated_at", "date"),
            Filter("filter[unique_name]", "unique_name"),
        ]
        return api.page(request, rooms, filters)

    return [
        web.post("/v2/rooms", create),
        web.get("/v2/rooms", list_rooms),
        web.get("/v2/rooms/{room_id}", retrieve),
        web.patch("/v2/rooms/{room_id}", update),
        web.delete("/v2/rooms/{room_id}", delete),
    ]
