"""The event store: claim an event id before its handler runs, mark it done or release it.

One interface, two stores: ``InMemoryEventStore`` for one process (the default) and
``RedisEventStore`` (in ``_redis.py``) for replicas that share a Redis server.
"""

from __future__ import annotations

import enum
import secrets
import threading
import time
from collections import OrderedDict
from typing import Final, Protocol, runtime_checkable

import attrs

from .._errors import ConfigurationError
from ._base import check_seconds

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_WINDOW",
    "Claim",
    "ClaimStatus",
    "EventStore",
    "InMemoryEventStore",
]

DEFAULT_LEASE: Final = 30.0
"""Seconds a claim holds an event id before it lapses by itself (e.g. its replica died).

Telnyx waits at most 30 seconds (a room's ``webhook_timeout_secs``) for a reply, so a
handler that takes longer has failed in Telnyx's eyes anyway.
"""
DEFAULT_WINDOW: Final = 86_400.0
"""Seconds an event id stays done after its handler succeeded (24 hours).

It covers Telnyx's failover attempt and any duplicate it sends later, and is well above
twice the signature tolerance, so a replayed request is caught by the store or, once the
window is over, by the timestamp check.
"""


class ClaimStatus(str, enum.Enum):
    """What ``EventStore.claim`` found; the ``status`` of a ``Claim``."""

    CLAIMED = "claimed"
    """The id was free: this caller holds the lease and runs the handler."""
    IN_PROGRESS = "in_progress"
    """Another claim holds the lease: the handler is running elsewhere (answer 409)."""
    DONE = "done"
    """A handler already succeeded for this id within the window (answer 200, do nothing)."""


@attrs.frozen(kw_only=True)
class Claim:
    """The answer of ``EventStore.claim``; pass it back to ``complete`` or ``release``."""

    event_id: str
    """The event id that was claimed (``data.id``)."""
    status: ClaimStatus
    """Whether this caller holds the lease, or why not."""
    token: str | None = attrs.field(default=None, repr=False)
    """Identifies this caller's lease (only when ``status`` is CLAIMED); opaque."""

    @property
    def claimed(self) -> bool:
        """True when this caller holds the lease and must run the handler."""
        return self.status is ClaimStatus.CLAIMED


@runtime_checkable
class EventStore(Protocol):
    """Decides, across every receiver that shares it, which delivery of an event is handled.

    A receiver calls ``claim`` with the event id (after the signature checked out), runs
    the handler only for a CLAIMED claim, then calls ``complete`` when the handler succeeded
    or ``release`` when it raised or was cancelled. Implementations raise
    ``EventStoreError`` when the store cannot be reached; they must be safe to call from
    many tasks at once.
    """

    async def claim(self, event_id: str) -> Claim:
        """Take the lease on ``event_id`` if it is free; else say whether it is held or done."""
        ...

    async def complete(self, claim: Claim) -> bool:
        """Mark ``claim.event_id`` done for the window; True if the lease was still this claim's.

        The handler has run, so the id is marked done even when the lease had lapsed.
        """
        ...

    async def release(self, claim: Claim) -> bool:
        """Free ``claim.event_id`` so the next delivery is handled; only if the lease is still ours.

        Returns True if the lease was freed, False if it had lapsed or another claim holds it.
        """
        ...


def new_token() -> str:
    """A fresh, unguessable lease token."""
    return secrets.token_hex(16)


@attrs.define(slots=True)
class _Entry:
    token: str | None  # None once done
    expires: float  # time.monotonic() seconds


class InMemoryEventStore:
    """An ``EventStore`` in this process's memory: the default of ``WebhookReceiver``.

    It gives one process the same semantics ``RedisEventStore`` gives many: a claim holds
    the id for ``lease`` seconds, success keeps it done for ``window`` seconds, and a failed
    handler frees it at once. Behind several replicas use ``RedisEventStore``: this memory
    is not shared, and it is lost on restart.

    ``lease`` and ``window`` are seconds (finite, more than 0). Memory is bounded: at most
    ``max_events`` ids are kept (about 150 bytes each); when the table is full, expired ids
    go first, then the oldest. Safe to share between asyncio tasks and threads.

    Raises ``ConfigurationError`` for a bad setting.
    """

    __slots__ = ("_entries", "_lock", "_max", "lease", "window")

    def __init__(
        self,
        *,
        lease: float = DEFAULT_LEASE,
        window: float = DEFAULT_WINDOW,
        max_events: int = 10_000,
    ) -> None:
        #: Seconds a claim holds an event id.
        self.lease = check_seconds("lease", lease, allow_zero=False)
        #: Seconds an event id stays done after its handler succeeded.
        self.window = check_seconds("window", window, allow_zero=False)
        if type(max_events) is not int or max_events < 1:
            raise ConfigurationError("max_events must be an integer of at least 1")
        self._max = max_events
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"InMemoryEventStore(lease={self.lease:g}, window={self.window:g})"

    def __len__(self) -> int:
        """How many event ids (leased or done) the store holds right now."""
        return len(self._entries)

    async def claim(self, event_id: str) -> Claim:
        """Take the lease on ``event_id`` if it is free; else say whether it is held or done."""
        now = time.monotonic()
        with self._lock:
            self._purge(now)
            entry = self._entries.get(event_id)
            if entry is not None and entry.expires > now:
                status = ClaimStatus.DONE if entry.token is None else ClaimStatus.IN_PROGRESS
                return Claim(event_id=event_id, status=status)
            token = new_token()
            self._put(event_id, _Entry(token, now + self.lease))
        return Claim(event_id=event_id, status=ClaimStatus.CLAIMED, token=token)

    async def complete(self, claim: Claim) -> bool:
        """Mark ``claim.event_id`` done for the window; True if the lease was still this claim's."""
        now = time.monotonic()
        with self._lock:
            held = self._holds(claim, now)
            self._put(claim.event_id, _Entry(None, now + self.window))
        return held

    async def release(self, claim: Claim) -> bool:
        """Free ``claim.event_id`` if this claim still holds its lease; True if it did."""
        with self._lock:
            if not self._holds(claim, time.monotonic()):
                return False
            del self._entries[claim.event_id]
        return True

    def _holds(self, claim: Claim, now: float) -> bool:
        entry = self._entries.get(claim.event_id)
        return (
            claim.token is not None
            and entry is not None
            and entry.token == claim.token
            and entry.expires > now
        )

    def _put(self, event_id: str, entry: _Entry) -> None:
        entries = self._entries
        entries.pop(event_id, None)
        while len(entries) >= self._max:
            entries.popitem(last=False)
        entries[event_id] = entry  # at the end: newest last

    def _purge(self, now: float) -> None:
        # Oldest first; an entry that outlives its neighbours only delays the purge.
        entries = self._entries
        while entries:
            oldest = next(iter(entries.values()))
            if oldest.expires > now:
                break
            entries.popitem(last=False)
