"""``RoomsClient``: configuration, the shared pool, and the resources."""

from __future__ import annotations

import math
import os
import ssl
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final, NoReturn

import aiohttp
import attrs
from yarl import URL

from ._errors import ClientClosedError, ConfigurationError
from ._http import OnRetry, Pipeline, Settings
from ._net import is_loopback_host
from ._resources import RoomCompositions, RoomParticipants, RoomRecordings, Rooms, RoomSessions
from ._secret import Secret
from ._session import Pool
from ._version import __version__
from .params import UNSET, Unset

__all__ = ["DEFAULT_BASE_URL", "RoomsClient"]

DEFAULT_BASE_URL: Final = "https://api.telnyx.com/v2"
USER_AGENT: Final = f"telnyx-rooms-async/{__version__}"
#: 64 MiB: far above any Rooms reply (a 250-item page is well under 1 MiB).
DEFAULT_MAX_RESPONSE_SIZE: Final = 64 * 1024 * 1024


def _check_base_url(base_url: str, allow_insecure_http: bool) -> str:
    try:
        url = URL(base_url)
    except (TypeError, ValueError):
        # The value is not echoed: it may carry credentials.
        raise ConfigurationError("base_url is not a URL", argument="base_url") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError("base_url must be an absolute http(s) URL", argument="base_url")
    if url.user or url.password:
        raise ConfigurationError("base_url must not carry credentials", argument="base_url")
    if url.query_string or url.fragment:
        raise ConfigurationError("base_url must not have a query or fragment", argument="base_url")
    if url.scheme == "http" and not allow_insecure_http and not is_loopback_host(url.host):
        raise ConfigurationError(
            "base_url uses plain http to a non-loopback host, which would send the API key"
            " unencrypted; use https, or pass allow_insecure_http=True if you really mean it",
            argument="allow_insecure_http",
        )
    return base_url.rstrip("/")


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds", argument=name)
    if math.isinf(value):
        raise ConfigurationError(f"{name} must be finite", argument=name)
    return float(value)


def _count(name: str, value: int, lo: int) -> int:
    if type(value) is not int or value < lo:
        raise ConfigurationError(f"{name} must be an integer >= {lo}", argument=name)
    return value


def _hook(on_retry: OnRetry | None) -> OnRetry | None:
    if on_retry is not None and not callable(on_retry):
        raise ConfigurationError(
            "on_retry must be a callable taking a RetryEvent", argument="on_retry"
        )
    return on_retry


def _merge_headers(base: Mapping[str, str], extra: Mapping[str, str] | None) -> dict[str, str]:
    """``base`` overridden by ``extra``, header names compared without regard to case."""
    out = dict(base)
    for name, value in (extra or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ConfigurationError("headers must map str to str", argument="headers")
        lowered = name.lower()
        if lowered == "authorization":
            raise ConfigurationError(
                "pass the key as api_key, not as an Authorization header", argument="headers"
            )
        for same in [k for k in out if k.lower() == lowered]:
            del out[same]
        out[name] = value
    return out


class RoomsClient:
    """Async client for the Telnyx Video Rooms API; use ``async with`` or ``aclose()``."""

    __slots__ = (
        "_base_url",
        "_is_view",
        "_key",
        "_pipeline",
        "_pool",
        "room_compositions",
        "room_participants",
        "room_recordings",
        "room_sessions",
        "rooms",
    )

    rooms: Rooms
    """``/rooms``: create, retrieve, update, delete, list, join tokens and sessions."""
    room_sessions: RoomSessions
    """``/room_sessions``: list, retrieve, participants, end, kick, mute, unmute."""
    room_participants: RoomParticipants
    """``/room_participants``: list and retrieve."""
    room_compositions: RoomCompositions
    """``/room_compositions``: create, list, retrieve, delete."""
    room_recordings: RoomRecordings
    """``/room_recordings``: list, retrieve, delete, bulk delete."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        max_retries: int = 2,
        pool_limit: int = 100,
        pool_limit_per_host: int = 0,
        keepalive_timeout: float = 15.0,
        headers: Mapping[str, str] | None = None,
        on_retry: OnRetry | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        session: aiohttp.ClientSession | None = None,
        ssl_context: ssl.SSLContext | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("TELNYX_API_KEY")
        if not key or not key.strip():
            raise ConfigurationError(
                "no API key: pass api_key=... or set the TELNYX_API_KEY environment variable",
                argument="api_key",
            )
        if any(c in key for c in "\r\n"):
            raise ConfigurationError("the API key contains a line break", argument="api_key")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ConfigurationError("session must be an aiohttp.ClientSession", argument="session")
        self._key = Secret(key.strip())
        self._is_view = False
        self._base_url = _check_base_url(
            base_url or os.environ.get("TELNYX_BASE_URL") or DEFAULT_BASE_URL,
            allow_insecure_http,
        )
        self._pool = Pool(
            session=session,
            limit=_count("pool_limit", pool_limit, 0),
            limit_per_host=_count("pool_limit_per_host", pool_limit_per_host, 0),
            keepalive_timeout=_positive("keepalive_timeout", keepalive_timeout),
            ssl_context=ssl_context,
        )
        settings = Settings(
            timeout=_positive("timeout", timeout),
            connect_timeout=_positive("connect_timeout", connect_timeout),
            read_timeout=_positive("read_timeout", read_timeout),
            max_retries=_count("max_retries", max_retries, 0),
            headers=_merge_headers({"User-Agent": USER_AGENT}, headers),
            on_retry=_hook(on_retry),
            max_response_size=_count("max_response_size", max_response_size, 1),
        )
        self._attach(Pipeline(self._pool, self._base_url, self._key.bearer(), settings))

    def _attach(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self.rooms = Rooms(pipeline)
        self.room_sessions = RoomSessions(pipeline)
        self.room_participants = RoomParticipants(pipeline)
        self.room_compositions = RoomCompositions(pipeline)
        self.room_recordings = RoomRecordings(pipeline)

    def with_options(
        self,
        *,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
        on_retry: OnRetry | Unset | None = UNSET,
        max_response_size: int | None = None,
    ) -> RoomsClient:
        """A view with other call settings over this client's pool; it needs no closing.

        The view shares the session, connector and converter, so making views is cheap and
        opens no connection. Closing this client ends every view: their calls then raise
        ``ClientClosedError``. ``aclose()`` (or ``async with``) on a view does nothing, so
        one handler's view cannot close the pool every other caller shares.
        """
        current = self._pipeline.settings
        changes: dict[str, Any] = {}
        if timeout is not None:
            changes["timeout"] = _positive("timeout", timeout)
        if connect_timeout is not None:
            changes["connect_timeout"] = _positive("connect_timeout", connect_timeout)
        if read_timeout is not None:
            changes["read_timeout"] = _positive("read_timeout", read_timeout)
        if max_retries is not None:
            changes["max_retries"] = _count("max_retries", max_retries, 0)
        if headers is not None:
            changes["headers"] = _merge_headers(current.headers, headers)
        if on_retry is not UNSET:
            # None removes an inherited hook; leaving the argument out keeps it.
            changes["on_retry"] = _hook(on_retry)
        if max_response_size is not None:
            changes["max_response_size"] = _count("max_response_size", max_response_size, 1)
        view = object.__new__(RoomsClient)
        view._key = self._key
        view._base_url = self._base_url
        view._pool = self._pool
        view._is_view = True
        view._attach(self._pipeline.derive(self._key.bearer(), attrs.evolve(current, **changes)))
        return view

    @property
    def base_url(self) -> str:
        """The API's base URL, e.g. ``https://api.telnyx.com/v2``."""
        return self._base_url

    @property
    def timeout(self) -> float:
        """Seconds one call may take in all, retries and waits included."""
        return self._pipeline.settings.timeout

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt, where a retry is safe."""
        return self._pipeline.settings.max_retries

    @property
    def is_closed(self) -> bool:
        """True once this client (or the client it was derived from) was closed."""
        return self._pool.closed

    @property
    def connector(self) -> aiohttp.BaseConnector | None:
        """The shared connector, once the first call created it (for metrics)."""
        return self._pool.connector

    async def aclose(self) -> None:
        """Close the pool (unless the caller lent the session); on a view, do nothing."""
        if not self._is_view:
            await self._pool.aclose()

    async def __aenter__(self) -> RoomsClient:
        if self._pool.closed:
            raise ClientClosedError("this RoomsClient was closed; create a new one")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __enter__(self) -> NoReturn:
        raise TypeError("RoomsClient is async-only: use 'async with RoomsClient() as client:'")

    def __exit__(self, *args: object) -> None:  # pragma: no cover - __enter__ always raises
        return None

    def __repr__(self) -> str:
        state = "closed" if self._pool.closed else "open"
        return f"RoomsClient(base_url={self._base_url!r}, {state})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("RoomsClient cannot be pickled")
