"""Fake handlers of the ``rooms`` operations."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from .. import _operations as ops
from ._objects import deleter, flagged, retriever
from ._query import flag
from ._store import Record, Store, new_id, now_text
from ._validate import check_body
from ._wire import Handler, Problem, forbidden, not_found, ok, path_id, read_json

if TYPE_CHECKING:
    from ._backend import Backend

__all__ = ["REFRESH_TOKEN_TTL_SECS", "TOKEN_TTL_SECS", "handlers"]

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


def handlers(api: Backend) -> dict[str, Handler]:
    """The handlers of the ``rooms`` rows of the table, by operation key."""
    store = api.store

    def taken(name: object, room_id: str | None = None) -> None:
        # "unique within the Telnyx account scope": enforced unless the fake is told not to.
        if (
            api.unique_names
            and name is not None
            and any(r["unique_name"] == name and r["id"] != room_id for r in store.rooms.values())
        ):
            raise Problem(pointer="/unique_name", detail="unique_name has already been taken")

    async def create(request: web.Request) -> web.Response:
        body = check_body(await read_json(request), ops.ROOMS_CREATE.params, strict=api.strict)
        taken(body.get("unique_name"))
        stamp = now_text()
        room: dict[str, Any] = {
            "id": new_id(),
            "unique_name": body.get("unique_name"),
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
        store.rooms[room["id"]] = room
        return ok(store.room_view(room, include_sessions=True), status=201)

    def find(request: web.Request) -> Record | None:
        return store.rooms.get(path_id(request))

    async def update(request: web.Request) -> web.Response:
        room = find(request)
        if room is None:
            return not_found("Room")
        body = check_body(await read_json(request), ops.ROOMS_UPDATE.params, strict=api.strict)
        taken(body.get("unique_name"), room["id"])
        room.update(body)
        room["updated_at"] = now_text()
        return ok(store.room_view(room, include_sessions=True))

    async def list_rooms(request: web.Request) -> web.Response:
        include = flag(request, "include_sessions")
        rooms = [store.room_view(r, include_sessions=include) for r in store.rooms.values()]
        return api.page(request, rooms)

    async def generate_token(request: web.Request) -> web.Response:
        room = find(request)
        if room is None:
            return not_found("Room")
        body = check_body(
            await read_json(request),
            ops.ROOMS_GENERATE_JOIN_CLIENT_TOKEN.params,
            strict=api.strict,
        )
        ttl = body.get("token_ttl_secs", TOKEN_TTL_SECS)
        refresh_ttl = body.get("refresh_token_ttl_secs", REFRESH_TOKEN_TTL_SECS)
        token, expires = _issue(store, "client", room["id"], ttl)
        refresh, refresh_expires = _issue(store, "refresh", room["id"], refresh_ttl)
        data = {
            "token": token,
            "token_expires_at": expires,
            "refresh_token": refresh,
            "refresh_token_expires_at": refresh_expires,
        }
        return ok(data, status=201)

    async def refresh_token(request: web.Request) -> web.Response:
        room = find(request)
        if room is None:
            return not_found("Room")
        body = check_body(
            await read_json(request), ops.ROOMS_REFRESH_CLIENT_TOKEN.params, strict=api.strict
        )
        given = body.get("refresh_token")
        if given is None:
            # The one field the spec marks required.
            raise Problem(pointer="/refresh_token", detail="refresh_token is required")
        issued = store.tokens.get(given)
        if issued is None or issued["kind"] != "refresh" or issued["room_id"] != room["id"]:
            return forbidden("The refresh token was not issued for this room.")
        if issued["expires_at"] <= datetime.now(timezone.utc):
            return forbidden("The refresh token has expired.")
        ttl = body.get("token_ttl_secs", TOKEN_TTL_SECS)
        token, expires = _issue(store, "client", room["id"], ttl)
        return ok({"token": token, "token_expires_at": expires}, status=201)

    async def list_sessions(request: web.Request) -> web.Response:
        room = find(request)
        if room is None:
            return not_found("Room")
        include = flag(request, "include_participants")
        sessions = [
            store.session_view(s, include_participants=include)
            for s in store.sessions_of(room["id"])
        ]
        return api.page(request, sessions)

    return {
        ops.ROOMS_CREATE.key: create,
        ops.ROOMS_LIST.key: list_rooms,
        ops.ROOMS_RETRIEVE.key: retriever(
            store.rooms, "Room", flagged(store.room_view, "include_sessions")
        ),
        ops.ROOMS_UPDATE.key: update,
        ops.ROOMS_DELETE.key: deleter(store.rooms, "Room"),
        ops.ROOMS_GENERATE_JOIN_CLIENT_TOKEN.key: generate_token,
        ops.ROOMS_REFRESH_CLIENT_TOKEN.key: refresh_token,
        ops.ROOMS_LIST_SESSIONS.key: list_sessions,
    }
