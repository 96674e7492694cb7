"""Receive Telnyx video-room webhooks in an aiohttp web app.

Run it with the base64 public key from the Telnyx portal::

    pip install 'telnyx-rooms-async[webhooks]'
    TELNYX_PUBLIC_KEY=... python examples/aiohttp_webhooks.py

and set the room's ``webhook_event_url`` to ``https://<your host>/telnyx/webhooks``.

Behind several replicas, give them one Redis so each event is handled once in all::

    pip install 'telnyx-rooms-async[webhooks,redis]'
    export TELNYX_PUBLIC_KEY=... REDIS_URL=redis://redis.internal:6379/0
    python examples/aiohttp_webhooks.py
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable

from aiohttp import web

from telnyx_rooms_async.webhooks import (
    EventStore,
    ParticipantJoinedEvent,
    ParticipantLeftEvent,
    RecordingCompletedEvent,
    RedisEventStore,
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
    verifier: WebhookVerifier | None = None,
    on_event: EventCallback = handle_event,
    event_store: EventStore | None = None,
) -> web.Application:
    """The webhook app.

    The verifier reads ``TELNYX_PUBLIC_KEY`` unless one is given. The event store is the
    one given, else a ``RedisEventStore`` on ``REDIS_URL`` when that is set (shared by
    every replica), else the in-memory default (this process only).
    """
    # Built once: it holds the loaded key.
    verifier = verifier if verifier is not None else WebhookVerifier()
    app = web.Application()
    redis_url = os.environ.get("REDIS_URL")
    if event_store is None and redis_url:
        # Imported here: a single process needs no Redis, nor redis-py.
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url)
        event_store = RedisEventStore(redis, prefix="my-app:telnyx-webhooks:")

        async def close_redis(app: web.Application) -> None:
            await redis.aclose()

        app.on_cleanup.append(close_redis)

    # Bad signatures get a 400 and never reach this function; a duplicate of an event
    # that is being handled, here or on another replica, gets a 409 and is retried later.
    @aiohttp_handler(verifier, event_store=event_store)
    async def telnyx_webhook(event: WebhookEvent, request: web.Request) -> None:
        await on_event(event)

    app.router.add_post("/telnyx/webhooks", telnyx_webhook)
    return app


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    web.run_app(create_app(), host="127.0.0.1", port=8080)
