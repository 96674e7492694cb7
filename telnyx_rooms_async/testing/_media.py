"""Fake handlers of the media operations: ``room_compositions`` and ``room_recordings``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import _operations as ops
from ._objects import View, deleter, retriever
from ._query import select
from ._simulation import USER_ID
from ._store import Record, new_id, now_text
from ._validate import check_body
from ._wire import Handler, Problem, ok, read_json

if TYPE_CHECKING:
    from ._backend import Backend

__all__ = ["handlers"]


def handlers(api: Backend) -> dict[str, Handler]:
    """The handlers of the composition and recording rows of the table, by operation key."""
    store = api.store

    def shown(folder: str) -> View:
        # A completed object carries a freshly signed download URL.
        return lambda _, record: api.storage.view(folder, record)

    compositions, recordings = shown("compositions"), shown("recordings")

    async def create_composition(request: web.Request) -> web.Response:
        op = ops.ROOM_COMPOSITIONS_CREATE
        body = check_body(await read_json(request), op.params, strict=api.strict)
        session = store.sessions.get(body.get("session_id", ""))
        if session is None:
            # The spec does not require the field, but there is nothing to compose without it.
            raise Problem(pointer="/session_id", detail="session_id is not a known room session")
        stamp = now_text()
        composition: dict[str, Any] = {
            "id": new_id(),
            "room_id": session["room_id"],
            "session_id": session["id"],
            "user_id": USER_ID,
            "status": "enqueued",
            # The request may name any format (the spec types it as a string); the reply's
            # schema allows one, the only one the API makes.
            "format": "mp4",
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
        store.compositions[composition["id"]] = composition
        return ok(composition, status=202)

    def lister(table: dict[str, Record], view: View) -> Handler:
        async def list_all(request: web.Request) -> web.Response:
            return api.page(request, [view(request, record) for record in table.values()])

        return list_all

    async def delete_recordings(request: web.Request) -> web.Response:
        doomed = select(request, list(store.recordings.values()))
        for recording in doomed:
            del store.recordings[recording["id"]]
        return ok({"room_recordings": len(doomed)}, status=201)

    return {
        ops.ROOM_COMPOSITIONS_CREATE.key: create_composition,
        ops.ROOM_COMPOSITIONS_LIST.key: lister(store.compositions, compositions),
        ops.ROOM_COMPOSITIONS_RETRIEVE.key: retriever(
            store.compositions, "Room composition", compositions
        ),
        ops.ROOM_COMPOSITIONS_DELETE.key: deleter(store.compositions, "Room composition"),
        ops.ROOM_RECORDINGS_LIST.key: lister(store.recordings, recordings),
        ops.ROOM_RECORDINGS_RETRIEVE.key: retriever(store.recordings, "Room recording", recordings),
        ops.ROOM_RECORDINGS_DELETE.key: deleter(store.recordings, "Room recording"),
        ops.ROOM_RECORDINGS_DELETE_BULK.key: delete_recordings,
    }
