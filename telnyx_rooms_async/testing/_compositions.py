"""Fake handlers for ``/room_compositions``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from ._simulation import USER_ID
from ._store import new_id, now_text
from ._validate import (
    Problem,
    check_body,
    check_int,
    check_layout,
    check_one_of,
    check_query_one_of,
    check_resolution,
    check_str,
    check_url,
)

if TYPE_CHECKING:
    from ._app import FakeRoomsAPI

__all__ = ["routes"]

_FIELDS: Final = {
    "session_id",
    "format",
    "resolution",
    "video_layout",
    "webhook_event_url",
    "webhook_event_failover_url",
    "webhook_timeout_secs",
}
_STATUSES: Final = ("completed", "processing", "enqueued")


def routes(api: FakeRoomsAPI) -> list[web.RouteDef]:
    """The route table of ``/room_compositions``."""
    from ._app import Filter

    async def create(request: web.Request) -> web.Response:
        body = check_body(await api.json_body(request), _FIELDS)
        check_str(body, "session_id", required=True)
        check_one_of(body, "format", ("mp4",))
        check_resolution(body, "resolution")
        check_layout(body, "video_layout")
        check_url(body, "webhook_event_url")
        check_url(body, "webhook_event_failover_url", allow_empty=True)
        check_int(body, "webhook_timeout_secs", 0, 30, nullable=True)
        session = api.store.sessions.get(body["session_id"])
        if session is None:
            raise Problem(pointer="/session_id", detail="session_id is not a known room session")
        stamp = now_text()
        composition: dict[str, Any] = {
            "id": new_id(),
            "room_id": session["room_id"],
            "session_id": session["id"],
            "user_id": USER_ID,
            "status": "enqueued",
            "format": body.get("format", "mp4"),
            "resolution": body.get("resolution", "1280x720"),
            "size_mb": None,
            "duration_secs": None,
            "download_url": None,
            "video_layout": body.get("video_layout", {}),
            "started_at": None,
            "ended_at": None,
            "completed_at": None,
            "created_at": stamp,
            "updated_at": stamp,
            "webhook_event_url": body.get("webhook_event_url"),
            "webhook_event_failover_url": body.get("webhook_event_failover_url", ""),
            "webhook_timeout_secs": body.get("webhook_timeout_secs"),
            "record_type": "composition",
        }
        api.store.compositions[composition["id"]] = composition
        return api.ok(composition, status=202)

    async def list_compositions(request: web.Request) -> web.Response:
        check_query_one_of(request.query, "filter[status]", _STATUSES)
        filters = [
            Filter("filter[date_created_at]", "created_at", "date"),
            Filter("filter[session_id]", "session_id"),
            Filter("filter[status]", "status"),
        ]
        return api.page(request, list(api.store.compositions.values()), filters)

    async def retrieve(request: web.Request) -> web.Response:
        composition = api.store.compositions.get(request.match_info["composition_id"])
        if composition is None:
            return api.not_found("Room composition")
        return api.ok(composition)

    async def delete(request: web.Request) -> web.Response:
        composition = api.store.compositions.pop(request.match_info["composition_id"], None)
        if composition is None:
            return api.not_found("Room composition")
        return api.no_content()

    return [
        web.post("/v2/room_compositions", create),
        web.get("/v2/room_compositions", list_compositions),
        web.get("/v2/room_compositions/{composition_id}", retrieve),
        web.delete("/v2/room_compositions/{composition_id}", delete),
    ]
