"""``RedisEventStore``: the event store shared by every replica behind a load balancer.

Each event id is one key, ``<prefix><event id>``. A claim is ``SET key <token> NX PX
<lease>``; success overwrites it with ``done`` for the window; a release deletes it only
while it still holds this claim's token. Each step is one Lua script, so it is atomic on
the server, and every key expires by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Final

from .._errors import ConfigurationError
from ._base import EventStoreError, check_seconds
from ._store import DEFAULT_LEASE, DEFAULT_WINDOW, Claim, ClaimStatus, new_token

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["DEFAULT_PREFIX", "REDIS_INSTALL_HINT", "RedisEventStore"]

DEFAULT_PREFIX: Final = "telnyx-rooms:webhook-event:"
"""The namespace of ``RedisEventStore``'s keys, unless another ``prefix`` is given."""
REDIS_INSTALL_HINT: Final = "pip install 'telnyx-rooms-async[redis]'"
"""How to get redis-py, which ``RedisEventStore`` needs."""

_DONE: Final = "done"  # never a token: tokens are 32 hex digits

# KEYS[1] the event key; ARGV: token, lease ms, the done marker. 1 claimed, 2 done, 3 held.
_CLAIM: Final = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[3] then return 2 end
return 3
"""
# ARGV: token, the done marker, window ms. 1 if the lease was still this token's.
_COMPLETE: Final = """
local held = redis.call('GET', KEYS[1]) == ARGV[1]
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if held then return 1 end
return 0
"""
# ARGV: token. 1 if this token's lease was deleted.
_RELEASE: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_STATUS: Final = {1: ClaimStatus.CLAIMED, 2: ClaimStatus.DONE, 3: ClaimStatus.IN_PROGRESS}


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class RedisEventStore:
    """An ``EventStore`` in Redis (or Valkey), shared by every replica that receives webhooks.

    ``redis`` is your ``redis.asyncio.Redis`` client (redis-py 5 or later, any
    ``decode_responses``); the store never closes it. ``prefix`` namespaces the keys (give
    each application its own); ``lease`` is how long a claim holds an event id before it
    lapses by itself, so it must exceed your handler's longest run; ``window`` is how long
    an id stays done after success, long enough for every retry Telnyx may send. Both are
    seconds. ``timeout`` bounds each call to Redis, in seconds; a call that fails or takes
    longer raises ``EventStoreError`` (the receiver answers 503).

    Each call is one round trip running a small Lua script (cached on the server, reloaded
    after a restart). Works with Redis Cluster too: every script touches a single key.

    Raises ``ConfigurationError`` for a bad setting, and ``ImportError`` naming
    ``pip install 'telnyx-rooms-async[redis]'`` when redis-py is missing.
    """

    __slots__ = (
        "_claim",
        "_complete",
        "_errors",
        "_redis",
        "_release",
        "lease",
        "prefix",
        "timeout",
        "window",
    )

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        lease: float = DEFAULT_LEASE,
        window: float = DEFAULT_WINDOW,
        timeout: float = 2.0,
    ) -> None:
        try:
            from redis.exceptions import RedisError
        except ImportError as exc:
            raise ImportError(f"RedisEventStore needs redis-py: {REDIS_INSTALL_HINT}") from exc
        if not isinstance(prefix, str) or not prefix:
            raise ConfigurationError("prefix must be a non-empty string")
        #: The namespace of this store's keys.
        self.prefix = prefix
        #: Seconds a claim holds an event id.
        self.lease = check_seconds("lease", lease, allow_zero=False)
        #: Seconds an event id stays done after its handler succeeded.
        self.window = check_seconds("window", window, allow_zero=False)
        #: Seconds each call to Redis may take.
        self.timeout = check_seconds("timeout", timeout, allow_zero=False)
        self._redis = redis
        # OSError: a refused or reset socket that redis-py let through unwrapped.
        self._errors: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)
        self._claim = redis.register_script(_CLAIM)
        self._complete = redis.register_script(_COMPLETE)
        self._release = redis.register_script(_RELEASE)

    def __repr__(self) -> str:
        return (
            f"RedisEventStore(prefix={self.prefix!r}, lease={self.lease:g}, window={self.window:g})"
        )

    def key(self, event_id: str) -> str:
        """The Redis key that holds ``event_id``'s lease or done mark."""
        return self.prefix + event_id

    async def claim(self, event_id: str) -> Claim:
        """Take the lease on ``event_id`` if it is free; else say whether it is held or done.

        Raises ``EventStoreError`` if Redis cannot be reached in ``timeout`` seconds.
        """
        token = new_token()
        answer = await self._call(
            "claim",
            self._claim(keys=[self.key(event_id)], args=[token, _milliseconds(self.lease), _DONE]),
        )
        status = _STATUS[int(answer)]
        claimed = status is ClaimStatus.CLAIMED
        return Claim(event_id=event_id, status=status, token=token if claimed else None)

    async def complete(self, claim: Claim) -> bool:
        """Mark ``claim.event_id`` done for the window; True if the lease was still this claim's.

        Raises ``EventStoreError`` if Redis cannot be reached in ``timeout`` seconds.
        """
        answer = await self._call(
            "complete",
            self._complete(
                keys=[self.key(claim.event_id)],
                args=[claim.token or "", _DONE, _milliseconds(self.window)],
            ),
        )
        return int(answer) == 1

    async def release(self, claim: Claim) -> bool:
        """Free ``claim.event_id`` if this claim still holds its lease; True if it did.

        Raises ``EventStoreError`` if Redis cannot be reached in ``timeout`` seconds.
        """
        if claim.token is None:
            return False
        answer = await self._call(
            "release", self._release(keys=[self.key(claim.event_id)], args=[claim.token])
        )
        return int(answer) == 1

    async def _call(self, what: str, call: Awaitable[Any]) -> Any:
        try:
            return await asyncio.wait_for(call, self.timeout)
        except asyncio.TimeoutError:
            raise EventStoreError(
                f"the event store did not answer the {what} within {self.timeout:g}s (down or slow)"
            ) from None
        except self._errors as exc:
            raise EventStoreError(
                f"the event store could not {what} the event: {type(exc).__name__}"
            ) from exc
