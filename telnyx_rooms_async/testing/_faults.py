"""Fault injection for the fake API: make the next N matching requests misbehave."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import Awaitable, Callable, Mapping
from fnmatch import fnmatchcase
from typing import Any, Literal

import attrs
from aiohttp import web

__all__ = ["Fault", "Faults"]

Kind = Literal["respond", "delay", "reset", "reset_after", "truncate", "drip", "sticky_page"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.define(kw_only=True)
class Fault:
    """One injected misbehaviour, consumed ``times`` times (``None``: forever)."""

    kind: Kind
    method: str
    path: str
    times: int | None = 1
    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    hits: int = 0

    def matches(self, request: web.Request) -> bool:
        """True when this fault applies to ``request`` and is not used up."""
        if self.times is not None and self.hits >= self.times:
            return False
        method_ok = self.method == "*" or self.method == request.method
        return method_ok and fnmatchcase(request.path, self.path)


def _encode(body: bytes | str | Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


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
    """The fault list of one fake API; paths are shell patterns such as ``/v2/rooms*``."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def _add(self, fault: Fault) -> Fault:
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
        all_headers = {"Content-Type": content_type, **(headers or {})}
        return self._add(
            Fault(
                kind="respond",
                method=method,
                path=path,
                status=status,
                headers=all_headers,
                body=_encode(body),
                times=times,
            )
        )

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
        return self.fail(
            method,
            path,
            status=status,
            headers=headers,
            body=_encode(body),
            content_type=content_type,
            times=times,
        )

    def delay(self, method: str, path: str, seconds: float, *, times: int | None = 1) -> Fault:
        """Wait ``seconds`` before handling the request normally."""
        return self._add(
            Fault(kind="delay", method=method, path=path, seconds=seconds, times=times)
        )

    def reset(
        self, method: str, path: str, *, after_handling: bool = False, times: int | None = 1
    ) -> Fault:
        """Reset the connection, before handling or (``after_handling``) once the work is done."""
        kind: Kind = "reset_after" if after_handling else "reset"
        return self._add(Fault(kind=kind, method=method, path=path, times=times))

    def truncate(self, method: str, path: str, *, times: int | None = 1) -> Fault:
        """Handle the request, then send fewer body bytes than Content-Length and close."""
        return self._add(Fault(kind="truncate", method=method, path=path, times=times))

    def drip(self, method: str, path: str, *, interval: float, times: int | None = 1) -> Fault:
        """Handle the request, then send its body one byte every ``interval`` seconds."""
        return self._add(
            Fault(kind="drip", method=method, path=path, seconds=interval, times=times)
        )

    def sticky_page(self, path: str, *, times: int | None = None) -> Fault:
        """Make a list endpoint serve its first page for every page number, claiming more."""
        return self._add(Fault(kind="sticky_page", method="GET", path=path, times=times))

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def take(self, request: web.Request, kinds: frozenset[str]) -> Fault | None:
        """The first unused fault of ``kinds`` matching ``request``, counted as used."""
        for fault in self._faults:
            if fault.kind in kinds and fault.matches(request):
                fault.hits += 1
                return fault
        return None


_BEFORE: frozenset[str] = frozenset({"respond", "delay", "reset"})
_AFTER: frozenset[str] = frozenset({"reset_after", "truncate", "drip"})


async def apply(faults: Faults, request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run ``handler`` under whatever faults match ``request``."""
    before = faults.take(request, _BEFORE)
    if before is not None:
        if before.kind == "respond":
            return web.Response(status=before.status, body=before.body, headers=before.headers)
        if before.kind == "reset":
            reset_connection(request)
            return web.Response(status=499)
        await asyncio.sleep(before.seconds)
    after = faults.take(request, _AFTER)
    response = await handler(request)
    if after is None:
        return response
    if after.kind == "reset_after":
        reset_connection(request)
        return web.Response(status=499)
    assert isinstance(response, web.Response)
    body = response.body if isinstance(response.body, bytes) else b""
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    stream.content_length = max(len(body), 2)
    await stream.prepare(request)
    if after.kind == "truncate":
        await stream.write(body[: len(body) // 2])
        transport = request.transport
        if transport is not None:
            transport.close()
        return stream
    for i in range(len(body)):
        await stream.write(body[i : i + 1])
        await asyncio.sleep(after.seconds)
    await stream.write_eof()
    return stream
