"""``aiohttp_handler``: verify, parse and dispatch webhooks in an aiohttp app."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, TypeAlias

from ._base import VerificationFailure, WebhookPayloadError, WebhookVerificationError
from ._events import WebhookEvent
from ._verify import WebhookVerifier

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["EventHandler", "aiohttp_handler"]

_logger: Final = logging.getLogger("telnyx_rooms_async.webhooks")

EventHandler: TypeAlias = Callable[
    [WebhookEvent, "web.Request"], Awaitable["web.StreamResponse | None"]
]
"""What ``aiohttp_handler`` wraps: ``async def on_event(event, request) -> Response | None``."""


def aiohttp_handler(
    verifier: WebhookVerifier,
) -> Callable[[EventHandler], Callable[[web.Request], Awaitable[web.StreamResponse]]]:
    """Decorate ``async def on_event(event, request)`` into an aiohttp handler.

    The handler reads the raw body, verifies and parses it with ``verifier``, and calls
    ``on_event`` with the typed event. A bad signature, timestamp or body gets a 400 and
    ``on_event`` is not called. An event id the replay guard already accepted gets a 200
    ("duplicate") without calling it, so a duplicate delivery is not retried again.
    ``on_event`` returning None means 200; if it raises, the event id is forgotten (so
    Telnyx's retry is accepted) and aiohttp answers 500.

    ::

        @aiohttp_handler(WebhookVerifier(public_key))
        async def on_event(event: WebhookEvent, request: web.Request) -> None:
            ...

        app.router.add_post("/webhooks/telnyx", on_event)
    """

    def decorate(handler: EventHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def endpoint(request: web.Request) -> web.StreamResponse:
            from aiohttp import web

            body = await request.read()
            try:
                event = verifier.construct_event(body, request.headers)
            except WebhookVerificationError as exc:
                if exc.reason is VerificationFailure.REPLAYED:
                    return web.Response(status=200, text="duplicate event ignored")
                _logger.info("webhook rejected: %s", exc.reason.value)
                return web.Response(status=400, text=f"webhook rejected: {exc.reason.value}")
            except WebhookPayloadError:
                _logger.info("webhook rejected: malformed payload")
                return web.Response(status=400, text="webhook rejected: malformed_payload")
            try:
                response = await handler(event, request)
            except BaseException:
                # Cancelled or failed: let Telnyx's retry of this event through.
                if event.id is not None:
                    verifier.forget(event.id)
                raise
            return web.Response(status=200) if response is None else response

        return endpoint

    return decorate
