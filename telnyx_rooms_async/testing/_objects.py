"""Handlers shared by the media resources: fetch one object, delete one object."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ._query import flag
from ._store import Record
from ._wire import Handler, no_content, not_found, ok, path_id

__all__ = ["View", "deleter", "flagged", "retriever"]


View = Callable[[web.Request, Record], Record]
"""How an object is shown in the reply to a request (which may ask for more of it)."""


def flagged(view: Callable[..., Record], name: str) -> View:
    """``view(record, name=...)`` with the request's boolean parameter ``name``."""
    return lambda request, record: view(record, **{name: flag(request, name)})


def retriever(table: dict[str, Record], what: str, view: View) -> Handler:
    """``GET .../{id}``: the object of ``table`` as ``view`` shows it, or a 404 naming ``what``."""

    async def retrieve(request: web.Request) -> web.Response:
        record = table.get(path_id(request))
        return not_found(what) if record is None else ok(view(request, record))

    return retrieve


def deleter(table: dict[str, Record], what: str) -> Handler:
    """``DELETE .../{id}``: a 204, or a 404 naming ``what``."""

    async def delete(request: web.Request) -> web.Response:
        return not_found(what) if table.pop(path_id(request), None) is None else no_content()

    return delete
