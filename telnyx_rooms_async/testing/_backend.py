"""The fake's state and behaviour, apart from how it is served.

``Backend`` holds everything the handlers, the admin API and the tests see: the store, the
journal of calls, the faults, the webhook delivery, the simulation, the storage origin and
the state file. ``FakeRoomsAPI`` (``_app.py``) adds the HTTP servers on top; the route
modules and the admin API are written against this class, so none of them imports the app.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, Literal

import attrs
from aiohttp import web

from .._operations import OPERATIONS
from . import _query
from ._delivery import DEFAULT_BACKOFF, DEFAULT_RETRIES, WebhookDelivery, decode_seed
from ._faults import STICKY, Faults
from ._patterns import RouteTable
from ._simulation import Simulation
from ._state import load_state, save_state
from ._storage import DEFAULT_URL_TTL, Storage, StorageRequest
from ._store import Record, Store

__all__ = ["API_ROUTES", "DEFAULT_API_KEY", "PREFIX", "Backend", "RecordedCall"]

DEFAULT_API_KEY: Final = "KEY-fake-rooms-api"
"""The API key the fake accepts unless it is given another."""
PREFIX: Final = "/v2"
API_ROUTES: Final = RouteTable(PREFIX, ((op.http_method, op.path) for op in OPERATIONS))
"""Every route of the table, for request patterns."""

# True while a request of the API or the admin API is being handled: its changes are saved
# once, when it ends, instead of at every step.
_IN_REQUEST: Final = contextvars.ContextVar("telnyx_rooms_async_fake_request", default=False)


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
    operation: str | None = attrs.field(default=None, eq=False, hash=False)
    """The operation's ``resource.name`` (``rooms.create``), or None for no route."""

    def to_json(self) -> dict[str, Any]:
        """The call as the admin API shows it (a body that is not JSON as text)."""
        body = self.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        return {
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "body": body,
            "authorized": self.authorized,
            "headers": dict(self.headers),
            "operation": self.operation,
            "record_type": "request",
        }


def _seed(key: str | bytes | None) -> bytes | None:
    if key is None or isinstance(key, bytes):
        return key
    return decode_seed(key)


class Backend:
    """State and behaviour of a fake Rooms API; see ``FakeRoomsAPI`` for the arguments."""

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        storage_port: int = 0,
        strict: bool = False,
        unique_names: bool = True,
        state_path: str | os.PathLike[str] | None = None,
        webhook_key: str | bytes | None = None,
        webhook_retries: int = DEFAULT_RETRIES,
        webhook_backoff: float = DEFAULT_BACKOFF,
        allow_webhook_hosts: Iterable[str] = (),
        webhook_delivery: Literal["inline", "background"] = "inline",
        download_url_ttl: float = DEFAULT_URL_TTL,
        journal_limit: int | None = None,
    ) -> None:
        if webhook_delivery not in ("inline", "background"):
            raise ValueError("webhook_delivery must be 'inline' or 'background'")
        if journal_limit is not None and (type(journal_limit) is not int or journal_limit < 1):
            raise ValueError("journal_limit must be a positive integer, or None for no limit")
        #: The most entries each journal keeps (the oldest go first), or None.
        self.journal_limit = journal_limit
        self.api_key = api_key
        #: Where the API listens (``port`` 0: a free port, read back when it starts).
        self.host = host
        self.port = port
        #: Where the storage origin listens.
        self.storage_port = storage_port
        #: Unknown body fields are a 422 (True) or accepted and ignored, as by the API.
        self.strict = strict
        #: A ``unique_name`` already taken by another room is a 422 (True) or allowed.
        self.unique_names = unique_names
        #: Where the state is kept between runs, or None.
        self.state_path = Path(state_path) if state_path is not None else None
        #: Every object the fake knows.
        self.store = Store()
        if self.state_path is not None:
            load_state(self.state_path, self.store)
        #: Make the next matching requests misbehave (paths such as ``/rooms/*``).
        self.faults = Faults(API_ROUTES)
        #: Every request the API received, in order.
        self.requests: list[RecordedCall] = []
        #: The storage origin of completed recordings and compositions.
        self.storage = Storage(self.store, url_ttl=download_url_ttl)
        self._delivery = WebhookDelivery(
            self.store,
            seed=_seed(webhook_key),
            retries=webhook_retries,
            backoff=webhook_backoff,
            allowed_hosts=allow_webhook_hosts,
            background=webhook_delivery == "background",
        )
        #: Signed webhook delivery to rooms' ``webhook_event_url``.
        self.webhooks = self._delivery
        #: Make things happen in rooms: sessions, participants, recordings, compositions.
        self.sim = Simulation(self.store, self._emit, self.storage, on_change=self.changed)

    async def _emit(self, event_type: str, payload: dict[str, Any], room_id: str | None) -> object:
        # Looked up at each event: a test may stand its own recorder in for ``webhooks``.
        return await self.webhooks.emit(event_type, payload, room_id)

    # -- what tests look at ----------------------------------------------------------------

    @property
    def storage_requests(self) -> list[StorageRequest]:
        """Every request the storage origin received (no Authorization value is kept)."""
        return self.storage.requests

    @property
    def storage_faults(self) -> Faults:
        """The fault list of the storage origin (paths such as ``/recordings/*``)."""
        return self.storage.faults

    def calls(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests arrived, optionally only those matching ``method`` and ``path``.

        ``method`` in any case (``"post"``); ``path`` a shell pattern with or without the
        ``/v2`` prefix (``"/rooms"``, ``"/v2/rooms/*"``). A pattern no route of the API
        could match raises ``ValueError``.
        """
        return len(self.matching(method, path))

    def matching(self, method: str | None = None, path: str | None = None) -> list[RecordedCall]:
        """The recorded calls that match ``method`` and ``path`` (as for ``calls``)."""
        if method is None and path is None:
            return list(self.requests)
        pattern = API_ROUTES.pattern(
            "*" if method is None else method, "*" if path is None else path
        )
        return [call for call in self.requests if pattern.matches(call.method, call.path)]

    def reset(self) -> None:
        """Forget every object, fault and recorded call (the state file too)."""
        self.store.clear()
        self.faults.clear()
        self.requests.clear()
        self.webhooks.reset()
        self.storage.reset()
        self.changed()

    def trim_journals(self) -> None:
        """Drop the oldest journal entries beyond ``journal_limit`` (a long-running emulator)."""
        limit = self.journal_limit
        if limit is None:
            return
        for journal in (
            self.requests,
            self.storage.requests,
            self._delivery.events,
            self._delivery.deliveries,
        ):
            excess = len(journal) - limit
            if excess > 0:
                del journal[:excess]

    # -- the state file --------------------------------------------------------------------

    def changed(self) -> None:
        """The store changed: save it now, or when the request being handled ends."""
        if not _IN_REQUEST.get():
            self.save()

    def save(self) -> None:
        """Write the state file now (when there is one)."""
        if self.state_path is not None:
            save_state(self.state_path, self.store)

    @contextlib.contextmanager
    def request_scope(self, *, changes: bool) -> Iterator[None]:
        """Handle one request: its changes (``changes``: not a GET) are saved when it ends."""
        token = _IN_REQUEST.set(True)
        try:
            yield
        finally:
            _IN_REQUEST.reset(token)
            if changes:
                self.save()

    # -- for the handlers ------------------------------------------------------------------

    def page(self, request: web.Request, items: Iterable[Record]) -> web.Response:
        """One page of ``items``, filtered by the query (and under a ``sticky_page`` fault)."""
        sticky = self.faults.take(request, STICKY) is not None
        return _query.page(request, items, sticky=sticky)
