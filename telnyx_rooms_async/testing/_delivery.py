"""Signed webhook delivery from the fake API to a room's ``webhook_event_url``."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import aiohttp
import attrs

from .._net import is_loopback_host
from ..webhooks import INSTALL_HINT, SIGNATURE_HEADER, TIMESTAMP_HEADER
from ._store import Record, new_id, now_text

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ._app import FakeRoomsAPI

__all__ = ["DeliveryAttempt", "WebhookDelivery"]

DEFAULT_TIMEOUT: Final = 10.0
"""Seconds to wait for a webhook reply when the room's ``webhook_timeout_secs`` is unset or 0."""

_USER_AGENT: Final = "telnyx-rooms-async-fake-webhooks"


@attrs.frozen(kw_only=True)
class DeliveryAttempt:
    """One try at delivering an event: a POST, or a URL the fake would not contact."""

    event_id: str
    """The event's ``data.id`` (the same for the primary and the failover attempt)."""
    event_type: str
    """The event type, e.g. ``video.room.participant.joined``."""
    url: str
    """Where the event was sent."""
    attempt: int
    """1 for the primary URL, 2 for the failover URL (as in the body's ``meta.attempt``)."""
    status: int | None
    """The receiver's HTTP status; None when no reply came (refused, timed out, not sent)."""
    ok: bool
    """True for a 2xx reply."""
    error: str | None = None
    """Why there was no 2xx reply, in words."""


def _is_loopback(url: str) -> bool:
    try:
        return is_loopback_host(urlsplit(url).hostname)
    except ValueError:
        return False


class WebhookDelivery:
    """Sends video-room events as Telnyx does; ``fake.webhooks``.

    Each event is signed with this fake's own Ed25519 key pair (``public_key`` is the base64
    public half, as the Telnyx portal shows it) and POSTed to the room's
    ``webhook_event_url``; if that fails (connection error, timeout after the room's
    ``webhook_timeout_secs``, or a non-2xx reply) it goes to ``webhook_event_failover_url``.
    Only loopback URLs are contacted; any other URL is recorded as not sent. Delivery
    completes before ``emit`` returns, so a test can assert on it straight away.
    """

    def __init__(self, api: FakeRoomsAPI) -> None:
        self._api = api
        self._private_key: Ed25519PrivateKey | None = None
        #: Seconds to wait for a reply when the room sets no ``webhook_timeout_secs``.
        self.default_timeout = DEFAULT_TIMEOUT
        #: Every event emitted, as ``{"data": {...}}`` documents, whether or not it was sent.
        self.events: list[Record] = []
        #: Every delivery attempt, in order.
        self.deliveries: list[DeliveryAttempt] = []

    # -- keys --------------------------------------------------------------------------------

    def _key(self) -> Ed25519PrivateKey:
        if self._private_key is None:
            try:
                from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            except ImportError as exc:
                raise ImportError(
                    f"signing webhooks needs the 'cryptography' package: {INSTALL_HINT}"
                ) from exc
            self._private_key = Ed25519PrivateKey.generate()
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

    def _target(self, payload: dict[str, Any], room_id: str | None) -> Record | None:
        """The object whose webhook settings apply: the composition's own, else the room's."""
        store = self._api.store
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

        Returns this event's attempts (none when no URL is configured).
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
        attempts: list[DeliveryAttempt] = []
        session: aiohttp.ClientSession | None = None
        try:
            for number, url in enumerate(urls, start=1):
                if not _is_loopback(url):
                    result = self._attempt(data, url, number, None, "not sent: not a loopback URL")
                else:
                    if session is None:
                        # One session per event, closed below: nothing outlives emit().
                        session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
                    result = await self._post(session, data, url, number, timeout)
                attempts.append(result)
                if result.ok:
                    break
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
