"""``FakeRoomsAPI``: an in-memory aiohttp.web stand-in for the Rooms API, on loopback."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final

import attrs
from aiohttp import web
from multidict import CIMultiDict

from . import _compositions, _participants, _recordings, _rooms, _sessions
from ._delivery import WebhookDelivery
from ._faults import Faults, apply
from ._simulation import Simulation
from ._store import Record, Store
from ._validate import Problem, check_filters

__all__ = ["FakeRoomsAPI", "Filter", "RecordedCall"]

DEFAULT_API_KEY: Final = "KEY-fake-rooms-api"
PREFIX: Final = "/v2"


@attrs.frozen(kw_only=True)
class RecordedCall:
    """One request the fake API received (the Authorization header is not kept)."""

    method: str
    """HTTP method."""
    path: str
    """Request path, ``/v2`` prefix included."""
    query: Mapping[str, str] = attrs.field(eq=False, hash=False)
    """Decoded query parameters."""
    body: Any = attrs.field(eq=False, hash=False)
    """The JSON body, the raw bytes when it was not JSON, or None when empty."""
    authorized: bool
    """Whether it carried the fake's API key as a bearer token."""
    headers: Mapping[str, str] = attrs.field(factory=dict, eq=False, hash=False)
    """The request headers, except Authorization."""


@attrs.frozen
class Filter:
    """One list filter: a query key (or ``filter[x]`` prefix for dates) and a record field."""

    key: str
    """Query key, e.g. ``filter[unique_name]``; for dates the prefix ``filter[date_x_at]``."""
    field: str
    """The record field compared, e.g. ``unique_name``."""
    kind: str = "eq"
    """``eq`` (string), ``bool``, ``int``, or ``date`` (``[eq]``/``[gte]``/``[lte]``)."""


def _json_response(status: int, document: Any) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(document).encode(),
        content_type="application/json",
    )


class FakeRoomsAPI:
    """A stateful fake of the Telnyx Rooms API with fault injection and a record of calls."""

    def __init__(self, *, api_key: str = DEFAULT_API_KEY, host: str = "127.0.0.1", port: int = 0):
        self.api_key = api_key
        self.host = host
        self.port = port
        self.store = Store()
        self.faults = Faults()
        self.requests: list[RecordedCall] = []
        #: Make things happen in rooms: sessions, participants, recordings, compositions.
        self.sim = Simulation(self)
        #: Signed webhook delivery to rooms' ``webhook_event_url``.
        self.webhooks = WebhookDelivery(self)
        self.app = self._build_app()
        self._runner: web.AppRunner | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record, self._inject_faults, self._auth])
        routes: list[web.RouteDef] = []
        for module in (_rooms, _sessions, _participants, _compositions, _recordings):
            routes.extend(module.routes(self))
        app.add_routes(routes)
        return app

    async def start(self) -> str:
        """Serve on ``host``:``port`` (a free port by default) and return the base URL."""
        if self._runner is None:
            runner = web.AppRunner(
                self.app, handle_signals=False, access_log=None, shutdown_timeout=0.5
            )
            await runner.setup()
            try:
                await web.TCPSite(runner, self.host, self.port).start()
            except BaseException:
                await runner.cleanup()
                raise
            self._runner = runner
            for address in runner.addresses:
                # With port 0 the OS picked a free port; read it back.
                self.port = int(address[1])
                break
        return self.base_url

    async def close(self) -> None:
        """Stop serving."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeRoomsAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """The URL to give ``RoomsClient(base_url=...)``."""
        return f"http://{self.host}:{self.port}{PREFIX}"

    # -- what tests look at ----------------------------------------------------------------

    def calls(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests arrived, optionally only of ``method`` and/or ``path``."""
        return sum(
            1
            for c in self.requests
            if (method is None or c.method == method) and (path is None or c.path == path)
        )

    def reset(self) -> None:
        """Forget every object, fault and recorded call."""
        self.store = Store()
        self.faults.clear()
        self.requests.clear()
        self.webhooks.reset()

    # -- middlewares -------------------------------------------------------------------------

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        self.requests.append(
            RecordedCall(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                body=body,
                authorized=request.headers.get("Authorization") == f"Bearer {self.api_key}",
                headers=CIMultiDict(
                    (k, v) for k, v in request.headers.items() if k.lower() != "authorization"
                ),
            )
        )
        response = await handler(request)
        response.headers.setdefault("x-request-id", str(uuid.uuid4()))
        return response

    @web.middleware
    async def _inject_faults(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        return await apply(self.faults, request, handler)

    @web.middleware
    async def _auth(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self.error(
                401, "10009", "Authentication failed", "The API key is missing or not valid."
            )
        try:
            return await handler(request)
        except Problem as problem:
            if problem.parameter is not None:
                return self.error(
                    400, "10015", "Bad request", problem.detail, parameter=problem.parameter
                )
            return self.error(
                422, "10015", "Invalid attribute", problem.detail, pointer=problem.pointer
            )

    # -- helpers for the resource handlers --------------------------------------------------

    def ok(self, data: Any, status: int = 200) -> web.Response:
        """``{"data": ...}`` with ``status``."""
        return _json_response(status, {"data": data})

    def no_content(self) -> web.Response:
        """An empty 204."""
        return web.Response(status=204)

    def error(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
    ) -> web.Response:
        """A JSON:API error document, as the API sends for 4xx."""
        item: dict[str, Any] = {"code": code, "title": title, "detail": detail}
        if pointer is not None:
            item["source"] = {"pointer": pointer}
        elif parameter is not None:
            item["source"] = {"parameter": parameter}
        return _json_response(status, {"errors": [item]})

    def not_found(self, what: str) -> web.Response:
        """The API's 404: a bare error object."""
        return _json_response(
            404,
            {"code": "10005", "title": "Resource not found", "detail": f"{what} was not found."},
        )

    async def json_body(self, request: web.Request) -> Any:
        """The request's JSON body (``{}`` when empty); a 422 when it is not JSON."""
        raw = await request.read()
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise Problem(pointer="", detail="the request body is not valid JSON") from None

    def flag(self, request: web.Request, name: str) -> bool:
        """A boolean query parameter such as ``include_sessions=true``."""
        value = request.query.get(name)
        if value is None:
            return False
        if value not in ("true", "false"):
            raise Problem(parameter=name, detail=f"{name} must be true or false")
        return value == "true"

    def select(
        self, request: web.Request, items: Iterable[Record], filters: Sequence[Filter] = ()
    ) -> list[Record]:
        """The ``items`` the query's filters let through; a malformed filter is a 400."""
        # Checked up front: the API refuses a bad value even when no item would be compared.
        check_filters(request.query, filters)
        return [item for item in items if _passes(item, request.query, filters)]

    def page(
        self,
        request: web.Request,
        items: Iterable[Record],
        filters: Sequence[Filter] = (),
    ) -> web.Response:
        """Filter ``items`` by the query, cut the requested page, and add ``meta``."""
        query = request.query
        selected = self.select(request, items, filters)
        number = _page_arg(query, "page[number]", 1, None)
        size = _page_arg(query, "page[size]", 20, 250)
        total_pages = max(1, -(-len(selected) // size))
        if self.faults.take(request, frozenset({"sticky_page"})) is not None:
            # A broken server: the same first page for any number, always claiming more.
            chunk = selected[:size]
            meta = {
                "page_number": number,
                "page_size": size,
                "total_pages": number + 1,
                "total_results": len(selected) + size,
            }
            return _json_response(200, {"data": chunk, "meta": meta})
        chunk = selected[(number - 1) * size : number * size]
        meta = {
            "page_number": number,
            "page_size": size,
            "total_pages": total_pages,
            "total_results": len(selected),
        }
        return _json_response(200, {"data": chunk, "meta": meta})


def _page_arg(query: Mapping[str, str], key: str, default: int, hi: int | None) -> int:
    raw = query.get(key)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (hi is not None and value > hi):
        bound = f"from 1 to {hi}" if hi is not None else "at least 1"
        raise Problem(parameter=key, detail=f"{key} must be an integer {bound}")
    return value


def _passes(item: Record, query: Mapping[str, str], filters: Sequence[Filter]) -> bool:
    for f in filters:
        value = item.get(f.field)
        if f.kind == "date":
            day = value[:10] if isinstance(value, str) else None
            for op in ("eq", "gte", "lte"):
                key = f"{f.key}[{op}]"
                if key not in query:
                    continue
                wanted = query[key]
                if day is None:
                    return False
                if (op == "eq" and day != wanted) or (op == "gte" and day < wanted):
                    return False
                if op == "lte" and day > wanted:
                    return False
            continue
        if f.key not in query:
            continue
        wanted_text = query[f.key]
        if f.kind == "bool":
            if value is not (wanted_text == "true"):
                return False
        elif f.kind == "int":
            if value != int(wanted_text):
                return False
        elif value != wanted_text:
            return False
    return True
