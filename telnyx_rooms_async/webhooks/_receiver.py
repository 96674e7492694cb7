"""``WebhookReceiver``: verify, dedupe through the event store, run the handler, say what to answer.

It knows no web framework: ``aiohttp_handler`` is built on it, and a FastAPI or Starlette
route calls ``receive`` with the raw body and the headers, then turns the reply into its
own response.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Final, Generic, TypeVar

import attrs

from ._base import EventStoreError, WebhookPayloadError, WebhookVerificationError
from ._events import WebhookEvent, parse_event
from ._store import Claim, ClaimStatus, EventStore, InMemoryEventStore
from ._verify import WebhookVerifier

__all__ = ["WebhookReceiver", "WebhookReply"]

T = TypeVar("T")

_logger: Final = logging.getLogger("telnyx_rooms_async.webhooks")

DUPLICATE_TEXT: Final = "duplicate event ignored"
IN_PROGRESS_TEXT: Final = "event in progress elsewhere; retry later"
UNAVAILABLE_TEXT: Final = "event store unavailable; retry later"
MALFORMED_TEXT: Final = "webhook rejected: malformed_payload"


@attrs.frozen(kw_only=True)
class WebhookReply(Generic[T]):
    """What ``WebhookReceiver.receive`` decided: the reply for Telnyx, and what happened.

    - 200, ``handled``: the handler ran and returned (its value is ``result``);
    - 400 ``webhook rejected: <reason>``: a bad signature, a stale timestamp, or a body
      that is not an event; the handler was not called and the store not touched;
    - 409: another delivery of the same id holds the claim; Telnyx should retry later;
    - 200 ``duplicate event ignored``: the id was handled already, within the window;
    - 503: the event store cannot be reached; nothing was handled.

    A handler that raises is not a reply: ``receive`` releases the claim and re-raises.
    """

    status: int
    """The HTTP status to answer with."""
    text: str
    """A short plain-text body for that status (never a header value or a secret)."""
    event: WebhookEvent | None = None
    """The verified event; None when the request was rejected (400)."""
    handled: bool = False
    """True when the handler ran, and returned, during this call."""
    result: T | None = None
    """What the handler returned, when it ran."""


class WebhookReceiver:
    """Receives Telnyx webhooks exactly once per event id: framework-neutral.

    ``verifier`` checks signatures and timestamps (its own replay guard is not consulted:
    the store alone decides what is a duplicate, so a delivery another replica failed to
    handle is never acknowledged unhandled). ``event_store`` is the ``EventStore`` shared
    by every receiver of the same events: ``RedisEventStore`` behind several replicas; by
    default a fresh ``InMemoryEventStore``, which dedupes within this receiver only.

    Build one at startup and share it between requests. Raises ``TypeError`` when
    ``event_store`` lacks ``claim``, ``complete`` or ``release``.

    ::

        receiver = WebhookReceiver(WebhookVerifier(), event_store=RedisEventStore(redis))
        reply = await receiver.receive(raw_body, headers, on_event)
        return Response(reply.text, status_code=reply.status)
    """

    __slots__ = ("_settling", "event_store", "verifier")

    def __init__(self, verifier: WebhookVerifier, *, event_store: EventStore | None = None) -> None:
        if event_store is None:
            event_store = InMemoryEventStore()
        elif not isinstance(event_store, EventStore):
            raise TypeError("event_store must have async claim(), complete() and release()")
        #: Checks signatures and timestamps.
        self.verifier = verifier
        #: Decides which delivery of an event id is handled.
        self.event_store: EventStore = event_store
        # Strong references: a settle task that outlives a cancelled request must not be
        # collected before it finishes.
        self._settling: set[asyncio.Future[bool]] = set()

    def __repr__(self) -> str:
        return f"WebhookReceiver({self.verifier!r}, event_store={self.event_store!r})"

    async def receive(
        self,
        body: bytes | str,
        headers: Mapping[str, str],
        handler: Callable[[WebhookEvent], Awaitable[T]],
    ) -> WebhookReply[T]:
        """Verify ``body``, claim its event id, run ``handler(event)``; return the reply.

        ``body`` is the raw request body, byte for byte (never re-serialised JSON);
        ``headers`` any mapping of the request's headers (names matched without regard to
        case). Only a request whose signature checks out reaches the store, so forged
        requests never touch it.

        For a claimed event, success marks it done for the store's window, whatever the
        handler returned. If ``handler`` raises, or is cancelled, the claim is released (so
        Telnyx's retry is handled) and the exception propagates: let your framework answer
        500. An event without an id cannot be deduplicated; its handler simply runs.
        """
        try:
            self.verifier.verify(body, headers)
            event = parse_event(body)
        except WebhookVerificationError as exc:
            _logger.info("webhook rejected: %s", exc.reason.value)
            return WebhookReply(status=400, text=f"webhook rejected: {exc.reason.value}")
        except WebhookPayloadError:
            _logger.info("webhook rejected: malformed payload")
            return WebhookReply(status=400, text=MALFORMED_TEXT)
        if event.id is None:
            result = await handler(event)
            return WebhookReply(status=200, text="", event=event, handled=True, result=result)
        try:
            claim = await self.event_store.claim(event.id)
        except EventStoreError as exc:
            _logger.warning("webhook event %s not handled: %s", event.id, exc)
            return WebhookReply(status=503, text=UNAVAILABLE_TEXT, event=event)
        if claim.status is ClaimStatus.DONE:
            _logger.debug("webhook event %s already handled", event.id)
            return WebhookReply(status=200, text=DUPLICATE_TEXT, event=event)
        if claim.status is ClaimStatus.IN_PROGRESS:
            _logger.info("webhook event %s is being handled elsewhere", event.id)
            return WebhookReply(status=409, text=IN_PROGRESS_TEXT, event=event)
        try:
            result = await handler(event)
        except BaseException:
            await self._settle(self.event_store.release(claim), claim, "release")
            raise
        held = await self._settle(self.event_store.complete(claim), claim, "mark done")
        if held is False:
            _logger.warning(
                "webhook event %s was handled after its lease lapsed: "
                "make the store's lease longer than the handler's longest run",
                event.id,
            )
        return WebhookReply(status=200, text="", event=event, handled=True, result=result)

    async def _settle(self, call: Awaitable[bool], claim: Claim, what: str) -> bool | None:
        """Run a complete or release to the end, even if this request is cancelled meanwhile.

        Returns its answer, or None when it failed (logged: the handler's outcome, not the
        store's, decides the reply).
        """
        task = asyncio.ensure_future(call)
        self._settling.add(task)
        task.add_done_callback(functools.partial(self._settled, what, claim.event_id))
        try:
            return await asyncio.shield(task)
        except Exception:
            return None

    def _settled(self, what: str, event_id: str, task: asyncio.Future[bool]) -> None:
        self._settling.discard(task)
        # Logged here, not where it is awaited: nobody awaits it once the request is gone.
        if not task.cancelled() and (exc := task.exception()) is not None:
            _logger.warning("could not %s webhook event %s: %s", what, event_id, exc)
