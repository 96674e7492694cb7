"""Signed webhook delivery from the fake API to a room's (or composition's) webhook URLs."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import aiohttp
import attrs

from .._net import is_loopback_host
from ..webhooks import INSTALL_HINT, SIGNATURE_HEADER, TIMESTAMP_HEADER
from ._store import Record, Store, new_id, now_text

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["DeliveryAttempt", "WebhookDelivery", "decode_seed"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 10.0
"""Seconds to wait for a webhook reply when the room's ``webhook_timeout_secs`` is unset or 0."""
DEFAULT_RETRIES: Final = 2
"""Retries of a failed delivery to one URL before the next URL (the failover) is tried."""
DEFAULT_BACKOFF: Final = 0.25
"""Seconds before the first retry; each further retry waits twice as long."""

_USER_AGENT: Final = "telnyx-rooms-async-fake-webhooks"


def decode_seed(text: str) -> bytes:
    """The 32-byte Ed25519 seed in ``text`` (base64); ``ValueError`` for anything else."""
    try:
        seed = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the webhook key must be base64 (of a 32-byte Ed25519 seed)") from None
    if len(seed) != 32:
        raise ValueError(f"the webhook key must be 32 bytes once decoded, not {len(seed)}")
    return seed


@attrs.frozen(kw_only=True)
class DeliveryAttempt:
    """One try at delivering an event: a POST, or a URL the fake would not contact."""

    event_id: str
    """The event's ``data.id`` (the same for every try, the failover's included)."""
    event_type: str
    """The event type, e.g. ``video.room.participant.joined``."""
    url: str
    """Where the event was sent."""
    attempt: int
    """The try's number for this event, 1 first, counting retries and the failover URL (as
    in the body's ``meta.attempt``)."""
    status: int | None
    """The receiver's HTTP status; None when no reply came (refused, timed out, not sent)."""
    ok: bool
    """True for a 2xx reply."""
    error: str | None = None
    """Why there was no 2xx reply, in words."""

    def to_json(self) -> dict[str, Any]:
        """The attempt as the admin API shows it."""
        return {**attrs.asdict(self), "record_type": "webhook_delivery"}


class WebhookDelivery:
    """Sends video-room events as Telnyx does; ``fake.webhooks``.

    Each event is signed with this fake's Ed25519 key (``public_key`` is the base64 public
    half, as the Telnyx portal shows it) and POSTed to the ``webhook_event_url`` of its
    composition or room, waiting as long as its ``webhook_timeout_secs``. A failure
    (connection error, timeout, non-2xx reply) is retried ``retries`` times, after
    ``backoff``, 2 x ``backoff``... seconds; then the same goes for the
    ``webhook_event_failover_url``. Only loopback hosts and ``allowed_hosts`` are contacted;
    any other URL is logged and recorded as not sent.

    Inline (the default), delivery completes before ``emit`` returns, so a test can assert
    on it straight away; in the background, ``emit`` queues the event and one task delivers
    the events in order (``await drain()`` waits for the queue).
    """

    def __init__(
        self,
        store: Store,
        *,
        seed: bytes | None = None,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        allowed_hosts: Iterable[str] = (),
        background: bool = False,
    ) -> None:
        if seed is not None and len(seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        if type(retries) is not int or retries < 0:
            raise ValueError("webhook retries must be an integer >= 0")
        if isinstance(backoff, bool) or not isinstance(backoff, int | float) or backoff < 0:
            raise ValueError("webhook backoff must be a number of seconds >= 0")
        self._store = store
        self._seed = seed
        self._private_key: Ed25519PrivateKey | None = None
        self.retries = retries
        self.backoff = float(backoff)
        #: Host names contacted besides loopback ones (lower case).
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.background = background
        #: Seconds to wait for a reply when the room sets no ``webhook_timeout_secs``.
        self.default_timeout = DEFAULT_TIMEOUT
        #: Every event emitted, as ``{"data": {...}}`` documents, whether or not it was sent.
        self.events: list[Record] = []
        #: Every delivery attempt, in order.
        self.deliveries: list[DeliveryAttempt] = []
        self._queue: asyncio.Queue[tuple[Record, list[str], float]] | None = None
        self._worker: asyncio.Task[None] | None = None

    # -- keys --------------------------------------------------------------------------------

    def _key(self) -> Ed25519PrivateKey:
        if self._private_key is None:
            try:
                from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            except ImportError as exc:
                raise ImportError(
                    f"signing webhooks needs the 'cryptography' package: {INSTALL_HINT}"
                ) from exc
            self._private_key = (
                Ed25519PrivateKey.generate()
                if self._seed is None
                else Ed25519PrivateKey.from_private_bytes(self._seed)
            )
        return self._private_key

    @property
    def public_key(self) -> str:
        """The base64 Ed25519 public key that verifies this fake's webhooks."""
        key = self._key()  # first: it explains a missing extra
        from cryptography.hazmat.primitives import serialization

        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.b64encode(raw).decode("ascii")

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        """The two signature headers Telnyx would send with ``body`` (now, or at ``timestamp``)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self._key().sign(stamp.encode("ascii") + b"|" + body)
        return {
            SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"),
            TIMESTAMP_HEADER: stamp,
        }

    # -- delivery ----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget recorded events and deliveries (the key pair stays)."""
        self.events.clear()
        self.deliveries.clear()

    @property
    def pending(self) -> int:
        """Events queued for background delivery and not yet delivered."""
        return self._queue.qsize() if self._queue is not None else 0

    async def drain(self) -> None:
        """Wait until every queued event has been delivered (at once when inline)."""
        if self._queue is not None:
            await self._queue.join()

    async def aclose(self) -> None:
        """Stop background delivery; events still queued are dropped."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._queue = None

    def _target(self, payload: dict[str, Any], room_id: str | None) -> Record | None:
        """The object whose webhook settings apply: the composition's own, else the room's."""
        store = self._store
        composition_id = payload.get("composition_id")
        if isinstance(composition_id, str):
            composition = store.compositions.get(composition_id)
            if composition is not None and composition.get("webhook_event_url"):
                return composition
        return store.rooms.get(room_id) if room_id is not None else None

    async def emit(
        self, event_type: str, payload: dict[str, Any], room_id: str | None
    ) -> list[DeliveryAttempt]:
        """Deliver one event to the webhook URLs of ``room_id`` (or its composition).

        Returns this event's attempts (none when no URL is configured, or when delivery is
        in the background).
        """
        data: Record = {
            "record_type": "event",
            "event_type": event_type,
            "id": new_id(),
            "occurred_at": now_text(),
            "payload": payload,
        }
        self.events.append({"data": data})
        target = self._target(payload, room_id)
        if target is None:
            return []
        urls = [
            url
            for url in (target.get("webhook_event_url"), target.get("webhook_event_failover_url"))
            if isinstance(url, str) and url
        ]
        if not urls:
            return []
        seconds = target.get("webhook_timeout_secs")
        timeout = (
            float(seconds)
            if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0
            else self.default_timeout
        )
        if not self.background:
            return await self._deliver(data, urls, timeout)
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(self._queue))
        self._queue.put_nowait((data, urls, timeout))
        return []

    async def _work(self, queue: asyncio.Queue[tuple[Record, list[str], float]]) -> None:
        while True:
            data, urls, timeout = await queue.get()
            try:
                await self._deliver(data, urls, timeout)
            except Exception:
                log.exception("webhook %s could not be delivered", data["event_type"])
            finally:
                queue.task_done()

    def _refusal(self, url: str) -> str | None:
        """Why ``url`` is not contacted, or None."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return "not sent: not a valid URL"
        if parts.scheme not in ("http", "https") or not host:
            return "not sent: not an http(s) URL"
        if is_loopback_host(host) or host.lower() in self.allowed_hosts:
            return None
        return f"not sent: {host} is not loopback or an allowed webhook host"

    async def _deliver(
        self, data: Record, urls: list[str], timeout: float
    ) -> list[DeliveryAttempt]:
        attempts: list[DeliveryAttempt] = []
        session: aiohttp.ClientSession | None = None
        try:
            for url in urls:
                refusal = self._refusal(url)
                if refusal is not None:
                    log.info("webhook %s to %s %s", data["event_type"], url, refusal)
                    attempts.append(self._attempt(data, url, len(attempts) + 1, None, refusal))
                    continue
                for retry in range(self.retries + 1):
                    if retry:
                        await asyncio.sleep(self.backoff * 2 ** (retry - 1))
                    if session is None:
                        # One session per event, closed below: nothing outlives delivery.
                        session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
                    result = await self._post(session, data, url, len(attempts) + 1, timeout)
                    attempts.append(result)
                    if result.ok:
                        return attempts
        finally:
            if session is not None:
                await session.close()
        return attempts

    def _attempt(
        self, data: Record, url: str, number: int, status: int | None, error: str | None
    ) -> DeliveryAttempt:
        ok = status is not None and 200 <= status < 300
        result = DeliveryAttempt(
            event_id=data["id"],
            event_type=data["event_type"],
            url=url,
            attempt=number,
            status=status,
            ok=ok,
            error=None if ok else (error or f"HTTP {status}"),
        )
        self.deliveries.append(result)
        return result

    async def _post(
        self, session: aiohttp.ClientSession, data: Record, url: str, number: int, timeout: float
    ) -> DeliveryAttempt:
        body = json.dumps({"data": data, "meta": {"attempt": number, "delivered_to": url}}).encode()
        headers = {
            **self.sign(body),
            "Content-Type": "application/json",
            "User-Agent": _USER_AGENT,
        }
        try:
            async with session.post(
                url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=False,
            ) as response:
                await response.read()
                return self._attempt(data, url, number, response.status, None)
        except asyncio.TimeoutError:
            return self._attempt(data, url, number, None, f"timed out after {timeout:g}s")
        except (aiohttp.ClientError, OSError) as exc:
            return self._attempt(data, url, number, None, f"{type(exc).__name__}: {exc}")
