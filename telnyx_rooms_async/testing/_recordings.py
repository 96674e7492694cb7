"""Fake handlers of the ``room_recordings`` operations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .. import _operations as ops
from ._objects import deleter, retriever
from ._query import select
from ._store import Record
from ._wire import Handler, ok

if TYPE_CHECKING:
    from ._backend import Backend

__all__ = ["handlers"]


def handlers(api: Backend) -> dict[str, Handler]:
    """The handlers of the ``room_recordings`` rows of the table, by operation key."""
    store = api.store

    def view(_: object, record: Record) -> Record:
        return api.storage.view("recordings", record)

    async def list_recordings(request: web.Request) -> web.Response:
        return api.page(request, [view(request, r) for r in store.recordings.values()])

    async def delete_bulk(request: web.Request) -> web.Response:
        doomed = select(request, list(store.recordings.values()))
        for recording in doomed:
            del store.recordings[recording["id"]]
        return ok({"room_recordings": len(doomed)}, status=201)

    return {
        ops.ROOM_RECORDINGS_LIST.key: list_recordings,
        ops.ROOM_RECORDINGS_RETRIEVE.key: retriever(store.recordings, "Room recording", view),
        ops.ROOM_RECORDINGS_DELETE.key: deleter(store.recordings, "Room recording"),
        ops.ROOM_RECORDINGS_DELETE_BULK.key: delete_bulk,
    }
