"""``FakeRoomsAPI``: an aiohttp.web stand-in for the Rooms API, its admin API and its storage."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import CIMultiDict

from .._operations import OPERATIONS
from . import _admin, _media, _participants, _rooms, _sessions
from ._backend import DEFAULT_API_KEY, PREFIX, Backend, RecordedCall
from ._faults import apply
from ._query import operation, query_error_status, register
from ._wire import Handler, Problem, bare_error, error_document, json_response, problem_response

__all__ = ["DEFAULT_API_KEY", "FakeRoomsAPI", "RecordedCall", "handler_table"]

log = logging.getLogger("telnyx_rooms_async.testing")

_ROUTE_MODULES = (_rooms, _sessions, _participants, _media)


def handler_table(api: Backend) -> dict[str, Handler]:
    """Every handler of the fake, by the key of its operation (``rooms.create``)."""
    table: dict[str, Handler] = {}
    for module in _ROUTE_MODULES:
        table.update(module.handlers(api))
    return table


def _url_host(host: str) -> str:
    """How ``host`` goes in a URL: a wildcard address as loopback, IPv6 in brackets."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class FakeRoomsAPI(Backend):
    """A stateful fake of the Telnyx Rooms API, served on loopback, with fault injection.

    It answers like the API, as permissive as the vendor's spec: unknown body fields are
    accepted and ignored, an empty participant list acts on nobody... The same object
    serves an admin API under ``/_emulator/`` (the simulation, faults, journals) and, on a
    second port, the storage origin of completed recordings and compositions.

    Arguments (all keyword-only):

    * ``api_key``: the bearer token it accepts (``DEFAULT_API_KEY`` by default);
    * ``host``, ``port``: where the API listens (``port=0``: a free port, read back on
      ``start()``); ``storage_port`` the same for the storage origin;
    * ``strict``: report unknown body fields with a 422, as the API does not;
    * ``unique_names``: refuse a ``unique_name`` another room has (True, the default) or
      allow duplicates;
    * ``state_path``: a file the state is kept in across runs (loaded now, written on every
      change; ``StateFileError`` if it is not this fake's state);
    * ``webhook_key``: the Ed25519 seed that signs webhooks (base64 text or 32 bytes);
      without it a key is made;
    * ``webhook_retries``, ``webhook_backoff``: retries of a failed delivery and the first
      wait in seconds (doubling), before the failover URL;
    * ``allow_webhook_hosts``: host names webhooks may go to besides loopback;
    * ``webhook_delivery``: ``"inline"`` (delivered before the call that caused the event
      returns) or ``"background"``;
    * ``download_url_ttl``: seconds a download URL is valid;
    * ``journal_limit``: the most entries each journal (``requests``, ``storage_requests``,
      webhook events and deliveries) keeps, the oldest dropped first; None (the default)
      keeps everything.

    Raises ``ValueError`` for a setting out of range and ``StateFileError`` for a state
    file that is not this fake's.
    """

    # -- the apps ----------------------------------------------------------------------------

    #: The runners of the API and the storage origin while they serve.
    _runners: tuple[web.AppRunner, ...] = ()

    @functools.cached_property
    def app(self) -> web.Application:
        """The aiohttp app of the API and the admin API (built on first use)."""
        app = web.Application(middlewares=[self._front])
        handlers = handler_table(self)
        for op in OPERATIONS:
            register(app.router.add_route(op.http_method, PREFIX + op.path, handlers[op.key]), op)
        app.add_routes(_admin.routes(self))
        return app

    async def start(self) -> str:
        """Serve the API and the storage origin; return the API's base URL.

        ``OSError`` when a port cannot be bound (in use, say); nothing is left listening.
        """
        if not self._runners:
            runners: list[web.AppRunner] = []
            try:
                for app, port in ((self.app, self.port), (self.storage.app(), self.storage_port)):
                    runner = web.AppRunner(
                        app, handle_signals=False, access_log=None, shutdown_timeout=0.25
                    )
                    runners.append(runner)
                    await runner.setup()
                    await web.TCPSite(runner, self.host, port).start()
            except BaseException:
                for runner in runners:
                    await runner.cleanup()
                raise
            self._runners = tuple(runners)
            # With port 0 the OS picked a free port; read it back.
            self.port = int(runners[0].addresses[0][1])
            self.storage_port = int(runners[1].addresses[0][1])
            self.storage.base_url = f"http://{_url_host(self.host)}:{self.storage_port}"
        return self.base_url

    async def close(self) -> None:
        """Stop serving (webhooks still queued for background delivery are dropped)."""
        await self._delivery.aclose()
        runners, self._runners = self._runners, ()
        # Side by side: each waits up to its shutdown_timeout for requests in flight.
        await asyncio.gather(*(runner.cleanup() for runner in runners))

    async def __aenter__(self) -> FakeRoomsAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """The URL to give ``RoomsClient(base_url=...)``."""
        return f"http://{_url_host(self.host)}:{self.port}{PREFIX}"

    @property
    def admin_url(self) -> str:
        """The base URL of the admin API (``.../_emulator``)."""
        return f"http://{_url_host(self.host)}:{self.port}{_admin.ADMIN_PREFIX}"

    @property
    def storage_url(self) -> str:
        """The base URL of the storage origin that serves downloads."""
        return self.storage.base_url

    # -- the one middleware ------------------------------------------------------------------

    @web.middleware
    async def _front(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        admin = request.path.startswith(_admin.ADMIN_PREFIX + "/")
        if admin:
            with self.request_scope(changes=request.method != "GET"):
                response = await _answer(handler, request, 422)
        else:
            response = await self._api_call(request, handler)
        self.trim_journals()
        log.info(
            "%s%s %s -> %d %.1fms",
            "admin " if admin else "",
            request.method,
            request.path,
            response.status,
            (time.perf_counter() - started) * 1000,
        )
        return response

    async def _api_call(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        op = operation(request)
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
                operation=op.key if op is not None else None,
            )
        )

        async def authorized(request: web.Request) -> web.StreamResponse:
            if request.headers.get("Authorization") != f"Bearer {self.api_key}":
                return json_response(
                    401,
                    error_document(
                        "10009", "Authentication failed", "The API key is missing or not valid."
                    ),
                )
            with self.request_scope(changes=request.method != "GET"):
                return await _answer(handler, request, query_error_status(op))

        response = await apply(self.faults, request, authorized)
        response.headers.setdefault("x-request-id", str(uuid.uuid4()))
        return response


async def _answer(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    request: web.Request,
    query_status: int,
) -> web.StreamResponse:
    """The handler's reply; a check's ``Problem`` and a routing miss in the API's shapes."""
    try:
        return await handler(request)
    except Problem as problem:
        return problem_response(problem, 422 if problem.parameter is None else query_status)
    except web.HTTPMethodNotAllowed as exc:
        document = error_document("10405", "Method not allowed", f"{request.method} is not allowed")
        return json_response(
            405, document, headers={"Allow": ",".join(sorted(exc.allowed_methods))}
        )
    except web.HTTPNotFound:
        return bare_error(404, "10005", "Resource not found", f"{request.path} was not found.")
