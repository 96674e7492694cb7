"""Receive Telnyx video-room webhooks in an aiohttp web app.

Run it with the base64 public key from the Telnyx portal::

    pip install 'telnyx-rooms-async[webhooks]'
    TELNYX_PUBLIC_KEY=... python examples/aiohttp_webhooks.py

and set the room's ``webhook_event_url`` to ``https://<your host>/telnyx/webhooks``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from telnyx_rooms_async.webhooks import (
    ParticipantJoinedEvent,
    ParticipantLeftEvent,
    RecordingCompletedEvent,
    SessionEndedEvent,
    UnknownEvent,
    WebhookEvent,
    WebhookVerifier,
    aiohttp_handler,
)

log = logging.getLogger("telnyx_webhooks_example")

EventCallback = Callable[[WebhookEvent], Awaitable[None]]


async def handle_event(event: WebhookEvent) -> None:
    """Your application logic: one branch per event type you care about."""
    match event:
        case ParticipantJoinedEvent(payload=p):
            log.info("%s joined room %s", p.context, p.room_id)
        case ParticipantLeftEvent(payload=p):
            log.info("%s left after %ss (%s)", p.context, p.duration_secs, p.left_reason)
        case SessionEndedEvent(payload=p):
            log.info("session %s ended after %ss", p.session_id, p.duration_secs)
        case RecordingCompletedEvent(payload=p):
            log.info("recording %s ready at %s", p.recording_id, p.download_url)
        case UnknownEvent():
            log.info("ignoring event type %s", event.event_type)
        case _:
            pass


def create_app(
    verifier: WebhookVerifier | None = None, on_event: EventCallback = handle_event
) -> web.Application:
    """The webhook app; the verifier reads ``TELNYX_PUBLIC_KEY`` unless one is given."""
    # Built once: it holds the loaded key and the replay guard's memory.
    verifier = verifier if verifier is not None else WebhookVerifier()

    # Bad signatures get a 400 and never reach this function.
    @aiohttp_handler(verifier)
    async def telnyx_webhook(event: WebhookEvent, request: web.Request) -> None:
        await on_event(event)

    app = web.Application()
    app.router.add_post("/telnyx/webhooks", telnyx_webhook)
    return app


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    web.run_app(create_app(), host="127.0.0.1", port=8080)
