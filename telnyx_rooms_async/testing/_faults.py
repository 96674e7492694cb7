"""Fault injection for the fake API and its storage origin: make the next N matching
requests misbehave."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import struct
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, Final, Literal

import attrs
from aiohttp import web

from ._patterns import RequestPattern, RouteTable

__all__ = [
    "AFTER",
    "BEFORE",
    "STICKY",
    "Fault",
    "Faults",
    "apply",
    "before",
    "reset_connection",
    "stream_body",
]

Kind = Literal["respond", "delay", "reset", "reset_after", "truncate", "drip", "sticky_page"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_IDS: Final = itertools.count(1)


@attrs.define(kw_only=True)
class Fault:
    """One injected misbehaviour, consumed ``times`` times (``None``: forever)."""

    kind: Kind
    method: str
    """Upper-case method, or ``*``."""
    path: str
    """Shell pattern over the full path (the API's ``/v2`` prefix included)."""
    times: int | None = 1
    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    hits: int = 0
    id: str = attrs.field(factory=lambda: f"fault-{next(_IDS)}")
    """How the admin API names the fault."""
    call: str = ""
    """The method of ``Faults`` that made it (``fail``, ``respond``, ``reset``...)."""

    def matches(self, request: web.Request) -> bool:
        """True when this fault applies to ``request`` and is not used up."""
        if self.times is not None and self.hits >= self.times:
            return False
        return RequestPattern(self.method, self.path).matches(request.method, request.path)

    def to_json(self) -> dict[str, Any]:
        """The fault as the admin API shows it."""
        return {
            "id": self.id,
            "kind": self.call or self.kind,
            "after_handling": self.kind == "reset_after",
            "method": self.method,
            "path": self.path,
            "times": self.times,
            "hits": self.hits,
            "status": self.status,
            "seconds": self.seconds,
            "record_type": "fault",
        }


def _encode(body: bytes | str | Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a number of seconds >= 0")
    return float(value)


def reset_connection(request: web.Request) -> None:
    """Close the client's connection with a TCP reset, nothing written."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if isinstance(sock, socket.socket):
        # Linger 0 turns the close into an RST: the client sees "connection reset".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class Faults:
    """The fault list of one origin of the fake.

    Paths are shell patterns, with or without the API's ``/v2`` prefix (``/rooms/*`` is
    ``/v2/rooms/*``); methods are in any case. A pattern that no route of the origin could
    match raises ``ValueError``.
    """

    def __init__(self, routes: RouteTable) -> None:
        self._routes = routes
        self._faults: list[Fault] = []

    def _add(
        self, call: str, kind: Kind, method: str, path: str, times: int | None, **extra: Any
    ) -> Fault:
        if times is not None and (type(times) is not int or times < 1):
            raise ValueError("times must be a positive integer, or None for every request")
        pattern = self._routes.pattern(method, path)
        fault = Fault(
            kind=kind, call=call, method=pattern.method, path=pattern.path, times=times, **extra
        )
        self._faults.append(fault)
        return fault

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int = 500,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | Any = None,
        content_type: str = "application/json",
        times: int | None = 1,
    ) -> Fault:
        """Answer with ``status``, ``headers`` and ``body`` instead of handling the request."""
        if body is None:
            body = {"errors": [{"code": str(status), "title": "Injected failure"}]}
        return self._reply("fail", method, path, status, headers, body, content_type, times)

    def respond(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        body: bytes | str | Any = b"",
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Answer with exactly this reply: an HTML page, an empty 200, invalid JSON…"""
        return self._reply("respond", method, path, status, headers, body, content_type, times)

    def _reply(
        self,
        call: str,
        method: str,
        path: str,
        status: int,
        headers: Mapping[str, str] | None,
        body: bytes | str | Any,
        content_type: str,
        times: int | None,
    ) -> Fault:
        if type(status) is not int or not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code from 100 to 599")
        all_headers = {"Content-Type": content_type, **(headers or {})}
        return self._add(
            call,
            "respond",
            method,
            path,
            times,
            status=status,
            headers=all_headers,
            body=_encode(body),
        )

    def delay(self, method: str, path: str, seconds: float, *, times: int | None = 1) -> Fault:
        """Wait ``seconds`` before handling the request normally."""
        return self._add(
            "delay", "delay", method, path, times, seconds=_seconds(seconds, "seconds")
        )

    def reset(
        self, method: str, path: str, *, after_handling: bool = False, times: int | None = 1
    ) -> Fault:
        """Reset the connection: before handling, or (``after_handling``) once the work is done.

        On the storage origin ``after_handling`` resets halfway through the body.
        """
        kind: Kind = "reset_after" if after_handling else "reset"
        return self._add("reset", kind, method, path, times)

    def truncate(self, method: str, path: str, *, times: int | None = 1) -> Fault:
        """Handle the request, then send fewer body bytes than Content-Length and close."""
        return self._add("truncate", "truncate", method, path, times)

    def drip(self, method: str, path: str, *, interval: float, times: int | None = 1) -> Fault:
        """Handle the request, then send its body one byte every ``interval`` seconds."""
        return self._add(
            "drip", "drip", method, path, times, seconds=_seconds(interval, "interval")
        )

    def sticky_page(self, path: str, *, times: int | None = None) -> Fault:
        """Make a list endpoint serve its first page for every page number, claiming more."""
        return self._add("sticky_page", "sticky_page", "GET", path, times)

    def clear(self) -> int:
        """Remove every fault; returns how many there were."""
        count = len(self._faults)
        self._faults.clear()
        return count

    def remove(self, fault_id: str) -> bool:
        """Remove one fault by its ``id``; False when there is none."""
        for fault in self._faults:
            if fault.id == fault_id:
                self._faults.remove(fault)
                return True
        return False

    def __iter__(self) -> Iterator[Fault]:
        return iter(list(self._faults))

    def take(self, request: web.Request, kinds: frozenset[str]) -> Fault | None:
        """The first unused fault of ``kinds`` matching ``request``, counted as used."""
        for fault in self._faults:
            if fault.kind in kinds and fault.matches(request):
                fault.hits += 1
                return fault
        return None


BEFORE: Final[frozenset[str]] = frozenset({"respond", "delay", "reset"})
"""Faults that act before the request is handled."""
AFTER: Final[frozenset[str]] = frozenset({"reset_after", "truncate", "drip"})
"""Faults that act on the reply."""
STICKY: Final[frozenset[str]] = frozenset({"sticky_page"})


async def before(fault: Fault, request: web.Request) -> web.StreamResponse | None:
    """Act out a ``BEFORE`` fault: the reply that replaces the request's, or None to go on."""
    if fault.kind == "respond":
        return web.Response(status=fault.status, body=fault.body, headers=fault.headers)
    if fault.kind == "reset":
        reset_connection(request)
        return web.Response(status=499)
    await asyncio.sleep(fault.seconds)
    return None


async def apply(faults: Faults, request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run ``handler`` under whatever faults match ``request``."""
    first = faults.take(request, BEFORE)
    if first is not None:
        replaced = await before(first, request)
        if replaced is not None:
            return replaced
    after = faults.take(request, AFTER)
    response = await handler(request)
    if after is None:
        return response
    if after.kind == "reset_after":
        # The work is done; the client gets nothing.
        reset_connection(request)
        return web.Response(status=499)
    assert isinstance(response, web.Response)
    body = response.body if isinstance(response.body, bytes) else b""
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    # At least 2 promised bytes, so that half of an empty body is still short.
    return await stream_body(request, stream, max(len(body), 2), [body], after)


def _prefix(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The first ``size`` bytes of ``chunks``."""
    for chunk in chunks:
        if size <= 0:
            return
        yield chunk[:size]
        size -= len(chunk)


async def stream_body(
    request: web.Request,
    response: web.StreamResponse,
    size: int,
    chunks: Iterable[bytes],
    fault: Fault | None,
) -> web.StreamResponse:
    """Send ``chunks`` (``size`` bytes promised in Content-Length) under an ``AFTER`` fault.

    ``truncate`` sends half and closes; ``reset_after`` sends half and resets the
    connection (a download cut mid-body); ``drip`` sends one byte every ``fault.seconds``.
    """
    response.content_length = size
    await response.prepare(request)
    if fault is not None and fault.kind in ("truncate", "reset_after"):
        for chunk in _prefix(chunks, size // 2):
            await response.write(chunk)
        if fault.kind == "reset_after":
            reset_connection(request)
        elif request.transport is not None:
            request.transport.close()
        return response
    for chunk in chunks:
        if fault is None:
            await response.write(chunk)
            continue
        for i in range(len(chunk)):
            await response.write(chunk[i : i + 1])
            await asyncio.sleep(fault.seconds)
    await response.write_eof()
    return response
