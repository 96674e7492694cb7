"""``aiohttp_handler``: a ``WebhookReceiver`` as an aiohttp request handler."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeAlias

from ._events import WebhookEvent
from ._receiver import WebhookReceiver
from ._store import EventStore
from ._verify import WebhookVerifier

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["EventHandler", "aiohttp_handler"]

EventHandler: TypeAlias = Callable[
    [WebhookEvent, "web.Request"], Awaitable["web.StreamResponse | None"]
]
"""What ``aiohttp_handler`` wraps: ``async def on_event(event, request) -> Response | None``."""


class _Declined(Exception):
    """The handler answered with a non-2xx response: release the claim, send that response."""

    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__(response.status)
        self.response = response


def aiohttp_handler(
    verifier: WebhookVerifier, *, event_store: EventStore | None = None
) -> Callable[[EventHandler], Callable[[web.Request], Awaitable[web.StreamResponse]]]:
    """Decorate ``async def on_event(event, request)`` into an aiohttp handler.

    The handler reads the raw body and gives it to a ``WebhookReceiver(verifier,
    event_store=event_store)``, which verifies it, claims the event id in the store and
    calls ``on_event`` with the typed event. The replies:

    - 200 when ``on_event`` returns None, or the response it returns; a 2xx response
      marks the event done, any other status releases the claim (so Telnyx's retry is
      handled) and is sent as it is;
    - 400 ``webhook rejected: <reason>`` for a bad signature, timestamp or body;
      ``on_event`` is not called;
    - 200 ``duplicate event ignored`` for an event id already handled;
    - 409 while another delivery of the same id is being handled (on this replica or,
      with ``RedisEventStore``, on another), so Telnyx delivers it again later;
    - 503 when the store cannot be reached: nothing is handled, Telnyx delivers it again;
    - if ``on_event`` raises (or is cancelled), the claim is released and aiohttp answers
      500.

    ``event_store`` defaults to an ``InMemoryEventStore`` for this handler alone; behind
    several replicas pass a shared ``RedisEventStore``.

    ::

        @aiohttp_handler(WebhookVerifier(public_key), event_store=RedisEventStore(redis))
        async def on_event(event: WebhookEvent, request: web.Request) -> None:
            ...

        app.router.add_post("/webhooks/telnyx", on_event)
    """
    receiver = WebhookReceiver(verifier, event_store=event_store)

    def decorate(handler: EventHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def endpoint(request: web.Request) -> web.StreamResponse:
            from aiohttp import web

            async def run(event: WebhookEvent) -> web.StreamResponse | None:
                response = await handler(event, request)
                if response is not None and not 200 <= response.status < 300:
                    raise _Declined(response)
                return response

            body = await request.read()
            try:
                reply = await receiver.receive(body, request.headers, run)
            except _Declined as declined:
                return declined.response
            if reply.result is not None:
                return reply.result
            return web.Response(status=reply.status, text=reply.text)

        return endpoint

    return decorate
