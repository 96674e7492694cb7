"""Fake handlers for ``/rooms``."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from ._store import Store, new_id, now_text
from ._validate import (
    Problem,
    check_body,
    check_bool,
    check_int,
    check_str,
    check_url,
)

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


#: Lifetimes the API gives tokens when the request names none.
TOKEN_TTL_SECS: Final = 600
REFRESH_TOKEN_TTL_SECS: Final = 3600


def _issue(store: Store, kind: str, room_id: str, ttl: int) -> tuple[str, str]:
    """A new opaque token of ``kind`` for the room, and its expiry in the API's format."""
    token = f"fake-{kind}-{secrets.token_urlsafe(24)}"
    # Whole seconds, as the API writes expiries, so the stored and shown times agree.
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=ttl)
    store.tokens[token] = {"kind": kind, "room_id": room_id, "expires_at": expires}
    return token, expires.strftime("%Y-%m-%dT%H:%M:%SZ")


def _forbidden(detail: str) -> web.Response:
    # The spec's 403 for token actions is a bare error object, like its 404.
    document = {"code": "10010", "title": "Authorization failed", "detail": detail}
    return web.Response(status=403, text=json.dumps(document), content_type="application/json")


def routes(api: FakeRoomsAPI) -> list[web.RouteDef]:
    """The route table of ``/rooms``."""
    from ._app import Filter
    from ._sessions import session_filters

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

    async def generate_token(request: web.Request) -> web.Response:
        room = api.store.rooms.get(request.match_info["room_id"])
        if room is None:
            return api.not_found("Room")
        body = check_body(
            await api.json_body(request), {"token_ttl_secs", "refresh_token_ttl_secs"}
        )
        check_int(body, "token_ttl_secs", 10, 3600)
        check_int(body, "refresh_token_ttl_secs", 60, 86400)
        ttl = body.get("token_ttl_secs", TOKEN_TTL_SECS)
        refresh_ttl = body.get("refresh_token_ttl_secs", REFRESH_TOKEN_TTL_SECS)
        token, expires = _issue(api.store, "client", room["id"], ttl)
        refresh, refresh_expires = _issue(api.store, "refresh", room["id"], refresh_ttl)
        data = {
            "token": token,
            "token_expires_at": expires,
            "refresh_token": refresh,
            "refresh_token_expires_at": refresh_expires,
        }
        return api.ok(data, status=201)

    async def refresh_token(request: web.Request) -> web.Response:
        room = api.store.rooms.get(request.match_info["room_id"])
        if room is None:
            return api.not_found("Room")
        body = check_body(await api.json_body(request), {"refresh_token", "token_ttl_secs"})
        check_str(body, "refresh_token", required=True)
        check_int(body, "token_ttl_secs", 10, 3600)
        issued = api.store.tokens.get(body["refresh_token"])
        if issued is None or issued["kind"] != "refresh" or issued["room_id"] != room["id"]:
            return _forbidden("The refresh token was not issued for this room.")
        if issued["expires_at"] <= datetime.now(timezone.utc):
            return _forbidden("The refresh token has expired.")
        ttl = body.get("token_ttl_secs", TOKEN_TTL_SECS)
        token, expires = _issue(api.store, "client", room["id"], ttl)
        return api.ok({"token": token, "token_expires_at": expires}, status=201)

    async def list_sessions(request: web.Request) -> web.Response:
        room = api.store.rooms.get(request.match_info["room_id"])
        if room is None:
            return api.not_found("Room")
        include = api.flag(request, "include_participants")
        sessions = [
            api.store.session_view(s, include_participants=include)
            for s in api.store.sessions_of(room["id"])
        ]
        filters = session_filters()
        return api.page(request, sessions, filters)

    return [
        web.post("/v2/rooms/{room_id}/actions/generate_join_client_token", generate_token),
        web.post("/v2/rooms/{room_id}/actions/refresh_client_token", refresh_token),
        web.get("/v2/rooms/{room_id}/sessions", list_sessions),
        web.post("/v2/rooms", create),
        web.get("/v2/rooms", list_rooms),
        web.get("/v2/rooms/{room_id}", retrieve),
        web.patch("/v2/rooms/{room_id}", update),
        web.delete("/v2/rooms/{room_id}", delete),
    ]
