"""The shared connection pool: one aiohttp session, created lazily inside its event loop."""

from __future__ import annotations

import asyncio
import ssl
import warnings
import weakref
from typing import Final

import aiohttp

from ._errors import ClientClosedError

__all__ = ["Pool"]

_LOOP_HELP: Final = (
    "this RoomsClient's connection pool belongs to another event loop{state}, for example an"
    " earlier asyncio.run(); a client works only in the loop of its first call. Create the"
    " client inside the coroutine that uses it ('async with RoomsClient() as client:'),"
    " or make one client per event loop"
)


class Pool:
    """Owns (or borrows) the aiohttp session every view of one client shares."""

    __slots__ = (
        "__weakref__",
        "_closed",
        "_gate",
        "_keepalive_timeout",
        "_limit",
        "_limit_per_host",
        "_loop",
        "_names",
        "_owns",
        "_session",
        "_ssl",
    )

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None,
        limit: int,
        limit_per_host: int,
        keepalive_timeout: float,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self._session = session
        self._owns = session is None
        self._closed = False
        self._limit = limit
        self._limit_per_host = limit_per_host
        self._keepalive_timeout = keepalive_timeout
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Hands out the pool's connections first come, first served (see ``gate``).
        self._gate: asyncio.Semaphore | None = None
        #: One lock per room name that a get_or_create is working on.
        self._names: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @property
    def closed(self) -> bool:
        """True once the owning client was closed."""
        return self._closed

    @property
    def connector(self) -> aiohttp.BaseConnector | None:
        """The session's connector, once the session exists."""
        return None if self._session is None else self._session.connector

    def loop_time(self) -> float:
        """The running loop's clock."""
        return asyncio.get_running_loop().time()

    def session(self) -> aiohttp.ClientSession:
        """The session, created on first use inside the running loop."""
        if self._closed:
            raise ClientClosedError("this RoomsClient was closed; create a new one")
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None:
            # No await between the check and the assignment: concurrent first calls share one.
            connector = aiohttp.TCPConnector(
                limit=self._limit,
                limit_per_host=self._limit_per_host,
                keepalive_timeout=self._keepalive_timeout,
                ssl=self._ssl,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                raise_for_status=False,
                auto_decompress=True,
                trust_env=False,
            )
            # aiohttp would resend a GET or DELETE once by itself when a connection drops,
            # unseen by max_retries and on_retry; the pipeline owns every retry instead.
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False
            self._session = session
            self._loop = loop
            self._gate = _gate_for(connector)
            return session
        if loop is not self._loop:
            if self._loop is None:
                # A caller's session: adopt the loop it was made in, once.
                self._loop = getattr(session, "_loop", loop)
                self._gate = _gate_for(session.connector)
                if loop is self._loop:
                    return self.session()
            raise self._loop_error()
        if not self._owns and session.closed:
            raise ClientClosedError("the aiohttp session given to RoomsClient is closed")
        return session

    @property
    def gate(self) -> asyncio.Semaphore | None:
        """A semaphore with one permit per connection the pool may open, or None if unlimited.

        aiohttp gives a freed connection to whichever call asks next, not to the one that has
        waited longest: with more calls than connections, a caller that just finished takes
        its connection straight back and others starve until their deadline. Taking a permit
        first makes the queue first come, first served.
        """
        return self._gate

    def name_lock(self, name: str) -> asyncio.Lock:
        """The lock of one room name: ``get_or_create`` calls of this client take turns."""
        lock = self._names.get(name)
        if lock is None:
            lock = self._names[name] = asyncio.Lock()
        return lock

    def _loop_error(self) -> RuntimeError:
        other = self._loop
        state = " (that loop is already closed)" if other is not None and other.is_closed() else ""
        return RuntimeError(_LOOP_HELP.format(state=state))

    async def aclose(self) -> None:
        """Close the session if this pool created it; mark every view closed."""
        if self._closed:
            return
        session = self._session
        if self._owns and session is not None and asyncio.get_running_loop() is not self._loop:
            # aiohttp cannot close sockets from another loop; say why instead of failing inside it.
            raise self._loop_error()
        self._closed = True
        self._session = None
        if self._owns and session is not None and not session.closed:
            await session.close()

    def __del__(self) -> None:
        session = getattr(self, "_session", None)
        # Judged by the pool's own state: inside a garbage cycle the connector may already
        # have been finalised (and so look closed) before this runs.
        if getattr(self, "_owns", False) and session is not None and not self._closed:
            # Nothing is scheduled from here: with no loop running that would fail or leak.
            warnings.warn(
                "RoomsClient was never closed: use 'async with RoomsClient() as client:'"
                " or 'await client.aclose()'",
                ResourceWarning,
                stacklevel=2,
                source=self,
            )


def _gate_for(connector: aiohttp.BaseConnector | None) -> asyncio.Semaphore | None:
    limits = [
        n
        for n in (getattr(connector, "limit", 0), getattr(connector, "limit_per_host", 0))
        if isinstance(n, int) and n > 0
    ]
    return asyncio.Semaphore(min(limits)) if limits else None
