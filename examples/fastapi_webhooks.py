"""Receive Telnyx video-room webhooks in FastAPI (the same body works in a Starlette route).

Run it with the base64 public key from the Telnyx portal::

    pip install 'telnyx-rooms-async[webhooks]' fastapi uvicorn
    TELNYX_PUBLIC_KEY=... uvicorn --factory examples.fastapi_webhooks:create_app

and set the room's ``webhook_event_url`` to ``https://<your host>/telnyx/webhooks``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from telnyx_rooms_async.webhooks import (
    ParticipantJoinedEvent,
    ParticipantLeftEvent,
    RecordingCompletedEvent,
    SessionEndedEvent,
    UnknownEvent,
    VerificationFailure,
    WebhookEvent,
    WebhookPayloadError,
    WebhookVerificationError,
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
    verifier: WebhookVerifier | None = None, on_event: EventCallback = handle_event
) -> FastAPI:
    """The webhook app; the verifier reads ``TELNYX_PUBLIC_KEY`` unless one is given."""
    # Built once: it holds the loaded key and the replay guard's memory.
    verifier = verifier if verifier is not None else WebhookVerifier()
    app = FastAPI()

    @app.post("/telnyx/webhooks")
    async def telnyx_webhook(request: Request) -> Response:
        # The raw bytes: the signature covers them exactly, so never re-serialise JSON.
        body = await request.body()
        try:
            event = verifier.construct_event(body, request.headers)
        except WebhookVerificationError as exc:
            if exc.reason is VerificationFailure.REPLAYED:
                # Already handled: acknowledge, so the duplicate is not delivered again.
                return Response("duplicate event ignored", status_code=200)
            return Response(f"webhook rejected: {exc.reason.value}", status_code=400)
        except WebhookPayloadError:
            return Response("webhook rejected: malformed_payload", status_code=400)
        try:
            await on_event(event)
        except BaseException:
            # Let Telnyx's retry of this event through the replay guard; answer 500.
            if event.id is not None:
                verifier.forget(event.id)
            raise
        return Response(status_code=200)

    return app
