"""Fake handlers of the ``room_participants`` operations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .. import _operations as ops
from ._objects import retriever
from ._wire import Handler

if TYPE_CHECKING:
    from ._backend import Backend

__all__ = ["handlers"]


def handlers(api: Backend) -> dict[str, Handler]:
    """The handlers of the ``room_participants`` rows of the table, by operation key."""
    store = api.store

    async def list_participants(request: web.Request) -> web.Response:
        return api.page(request, [dict(p) for p in store.participants.values()])

    return {
        ops.ROOM_PARTICIPANTS_LIST.key: list_participants,
        ops.ROOM_PARTICIPANTS_RETRIEVE.key: retriever(
            store.participants, "Room participant", lambda _, p: dict(p)
        ),
    }
