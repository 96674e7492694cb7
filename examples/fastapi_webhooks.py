"""Receive Telnyx video-room webhooks in FastAPI (the same body works in a Starlette route).

Run it with the base64 public key from the Telnyx portal::

    pip install 'telnyx-rooms-async[webhooks]' fastapi uvicorn
    TELNYX_PUBLIC_KEY=... uvicorn --factory examples.fastapi_webhooks:create_app

and set the room's ``webhook_event_url`` to ``https://<your host>/telnyx/webhooks``.
Behind several workers or replicas, give them one Redis so each event is handled once::

    pip install 'telnyx-rooms-async[webhooks,redis]' fastapi uvicorn
    export TELNYX_PUBLIC_KEY=... REDIS_URL=redis://redis.internal:6379/0
    uvicorn --factory --workers 4 examples.fastapi_webhooks:create_app
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI, Request, Response

from telnyx_rooms_async.webhooks import (
    EventStore,
    ParticipantJoinedEvent,
    ParticipantLeftEvent,
    RecordingCompletedEvent,
    RedisEventStore,
    SessionEndedEvent,
    UnknownEvent,
    WebhookEvent,
    WebhookReceiver,
    WebhookVerifier,
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
) -> FastAPI:
    """The webhook app.

    The verifier reads ``TELNYX_PUBLIC_KEY`` unless one is given. The event store is the
    one given, else a ``RedisEventStore`` on ``REDIS_URL`` when that is set (shared by
    every worker and replica), else the in-memory default (this process only).
    """
    verifier = verifier if verifier is not None else WebhookVerifier()
    close: Callable[[], Awaitable[None]] | None = None
    redis_url = os.environ.get("REDIS_URL")
    if event_store is None and redis_url:
        # Imported here: a single process needs no Redis, nor redis-py.
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url)
        event_store = RedisEventStore(redis, prefix="my-app:telnyx-webhooks:")
        close = redis.aclose
    # Built once: it holds the loaded key and the event store.
    receiver = WebhookReceiver(verifier, event_store=event_store)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if close is not None:
            await close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/telnyx/webhooks")
    async def telnyx_webhook(request: Request) -> Response:
        # The raw bytes: the signature covers them exactly, so never re-serialise JSON.
        body = await request.body()
        # 400 for a bad signature or body, 409 while another delivery of the event is
        # being handled, 200 once it was, 503 when the store is down. If on_event raises,
        # the claim is released (Telnyx's retry is handled) and FastAPI answers 500.
        reply = await receiver.receive(body, request.headers, on_event)
        return Response(reply.text, status_code=reply.status)

    return app
