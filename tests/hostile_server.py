"""A raw HTTP/1.1 server on 127.0.0.1 that can send any bytes at all, and its misbehaviours.

``HostileServer`` is built on ``asyncio.start_server``, not aiohttp.web, so a reply is whatever
bytes a *reply* function writes: a status line that is not one, headers with NUL bytes, two
Content-Lengths, a chunked body that never ends, a gzip bomb, a reset in the middle of a body.
It records every request it reads (and every raw byte it receives, so a second server can
prove that nothing reached it), counts connections, and keeps any exception of its own in
``errors`` so that a broken server can never pass for a broken client.

Reply functions take the connection and the request just read, write what they like, and
return True to read another request on the same connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
import struct
import zlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import brotli

try:
    from compression import zstd  # type: ignore[import-not-found]
except ImportError:  # before Python 3.14: the backport aiohttp itself uses
    from backports import zstd

__all__ = [
    "HOST",
    "ROOM",
    "ROOM_BODY",
    "Conn",
    "End",
    "HostileServer",
    "Reply",
    "Request",
    "bomb",
    "chunked",
    "compress",
    "drip",
    "endless_chunks",
    "endless_interim",
    "head",
    "json_body",
    "message",
    "never_read",
    "page_number",
    "pages",
    "raw",
    "respond",
    "room",
    "silent",
]

HOST = "127.0.0.1"


def room(room_id: str = "7b61621f-62e0-4aad-ab11-9fd19e272e73", **fields: Any) -> dict[str, Any]:
    """A room as the API sends it, with ``fields`` changed or added."""
    return {
        "id": room_id,
        "unique_name": "hostile",
        "max_participants": 10,
        "enable_recording": False,
        "created_at": "2021-04-16T09:46:20.954863Z",
        "updated_at": "2021-04-16T10:24:55.962200Z",
        "record_type": "room",
        **fields,
    }


ROOM: dict[str, Any] = room()
ROOM_BODY = json.dumps({"data": ROOM}).encode()


def json_body(document: object) -> bytes:
    """``document`` as compact JSON bytes (NaN and Infinity allowed, as a server might send)."""
    return json.dumps(document, separators=(",", ":")).encode()


@dataclass
class Request:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes


@dataclass
class Stats:
    """What the server saw."""

    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    open_connections: int = 0
    received: bytearray = field(default_factory=bytearray)
    """Every byte read from any client, in order of arrival."""
    bytes_sent: int = 0
    errors: list[BaseException] = field(default_factory=list)
    """Exceptions of the server's own making (never expected: a harness fault)."""


End = Literal["keep", "close", "rst", "hold"]
"""What a reply does after writing: keep the connection, FIN, RST, or wait for the peer."""


class Conn:
    """One accepted connection, as a reply function sees it."""

    def __init__(
        self, server: HostileServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer

    async def send(self, data: bytes) -> None:
        """Write ``data`` and wait until the transport has taken it."""
        self.writer.write(data)
        self.server.stats.bytes_sent += len(data)
        await self.writer.drain()

    def reset(self) -> None:
        """Close with a TCP reset (RST) instead of a FIN."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            # Linger 0 makes the kernel send RST on close.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def close(self) -> None:
        """Close cleanly (FIN)."""
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()

    async def hold(self, seconds: float = 30.0) -> None:
        """Keep the connection open, reading and dropping input, until the peer closes it."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        with contextlib.suppress(ConnectionError, OSError, asyncio.TimeoutError):
            while (left := until - loop.time()) > 0:
                data = await asyncio.wait_for(self.reader.read(65536), left)
                if not data:
                    return
                self.server.stats.received += data

    async def end(self, how: End) -> bool:
        """Finish a reply as ``how`` says; True when the connection may serve another request."""
        if how == "keep":
            return True
        if how == "close":
            await self.close()
        elif how == "rst":
            self.reset()
        else:
            await self.hold()
        return False

    async def read_request(self) -> Request | None:
        """The next request on this connection, or None when the peer closed it."""
        try:
            head_bytes = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            self.server.stats.received += exc.partial
            return None
        self.server.stats.received += head_bytes
        lines = head_bytes.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await self.reader.readexactly(length) if length else b""
        self.server.stats.received += body
        return Request(method, target, headers, body)


Reply = Callable[[Conn, Request], Awaitable[bool]]
"""Writes the reply to one request; returns True to keep the connection for another."""

OnConnect = Callable[[Conn], Awaitable[None]]
"""Takes over a connection entirely, before any request is read."""


class HostileServer:
    """Answers request N with ``replies[N]`` (the last one repeats) on 127.0.0.1."""

    def __init__(self, *replies: Reply, on_connect: OnConnect | None = None) -> None:
        self._replies = replies or (respond(),)
        self._on_connect = on_connect
        self.stats = Stats()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """The URL to give ``RoomsClient(base_url=...)``."""
        return f"{self.origin}/v2"

    @property
    def requests(self) -> list[Request]:
        """Every request read so far."""
        return self.stats.requests

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        # A reply may be asleep on purpose (a stall); newer Pythons' wait_closed() waits for
        # every handler, so they are ended here rather than left to hang the test.
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=5)
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        stats = self.stats
        stats.connections += 1
        stats.open_connections += 1
        conn = Conn(self, reader, writer)
        try:
            if self._on_connect is not None:
                await self._on_connect(conn)
                return
            while True:
                request = await conn.read_request()
                if request is None:
                    break
                index = min(len(stats.requests), len(self._replies) - 1)
                stats.requests.append(request)
                if not await self._replies[index](conn, request):
                    break
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away (or the server is stopping): nothing to answer
        except Exception as exc:  # a bug in a reply function, kept for the harness to report
            stats.errors.append(exc)
        finally:
            stats.open_connections -= 1
            self._writers.discard(writer)
            self._handlers.discard(task)
            if not writer.transport.is_closing():
                writer.transport.abort()


# -- building replies ----------------------------------------------------------------------

Header = tuple[bytes | str, bytes | str]


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def head(status_line: bytes | str, headers: Iterable[Header] = ()) -> bytes:
    """A status line and header lines, then the blank line; nothing is checked or fixed."""
    lines = [_bytes(status_line)] + [_bytes(k) + b": " + _bytes(v) for k, v in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def raw(data: bytes, end: End = "keep", *, pause: float = 0.0) -> Reply:
    """Write exactly ``data``, wait ``pause`` seconds, then end as ``end`` says."""

    async def reply(conn: Conn, request: Request) -> bool:
        await conn.send(data)
        if pause:
            await asyncio.sleep(pause)
        return await conn.end(end)

    return reply


def respond(
    status: int | bytes = 200,
    body: bytes = ROOM_BODY,
    *,
    headers: Sequence[Header] = (),
    content_type: bytes | str = "application/json",
    end: End = "keep",
    pause: float = 0.0,
) -> Reply:
    """A well-formed reply (``Content-Length`` set), with extra ``headers``."""
    return raw(message(status, body, headers=headers, content_type=content_type), end, pause=pause)


def message(
    status: int | bytes = 200,
    body: bytes = ROOM_BODY,
    *,
    headers: Sequence[Header] = (),
    content_type: bytes | str = "application/json",
) -> bytes:
    """The bytes of a well-formed reply: a status line (or ``status`` itself), headers, body."""
    line = status if isinstance(status, bytes) else f"HTTP/1.1 {status} Reason".encode()
    all_headers: list[Header] = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        *headers,
    ]
    return head(line, all_headers) + body


def chunked(
    pieces: Sequence[bytes],
    *,
    status_line: bytes = b"HTTP/1.1 200 OK",
    headers: Sequence[Header] = (),
    terminator: bytes = b"0\r\n\r\n",
    end: End = "keep",
) -> Reply:
    """A chunked body of ``pieces``, then ``terminator`` (pass ``b""`` to leave it out)."""
    frames = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces)
    all_headers: list[Header] = [
        ("Content-Type", "application/json"),
        ("Transfer-Encoding", "chunked"),
        *headers,
    ]
    return raw(head(status_line, all_headers) + frames + terminator, end)


def endless_chunks(chunk: int = 64 * 1024, cap: int = 512 * 1024 * 1024) -> Reply:
    """A 200 whose chunked body never ends (until ``cap`` bytes, or the client leaves)."""
    piece = b"[" + b" " * (chunk - 1)
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"

    async def reply(conn: Conn, request: Request) -> bool:
        await conn.send(head(b"HTTP/1.1 200 OK", [("Transfer-Encoding", "chunked")]))
        sent = 0
        while sent < cap:
            await conn.send(frame)
            sent += len(frame)
        return False

    return reply


def endless_interim(interval: float = 0.05) -> Reply:
    """``100 Continue`` after ``100 Continue``, never a final reply."""

    async def reply(conn: Conn, request: Request) -> bool:
        for _ in range(10_000):
            await conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            await asyncio.sleep(interval)
        return False

    return reply


def drip(data: bytes, interval: float, *, step: int = 1, end: End = "keep") -> Reply:
    """Write ``data`` ``step`` bytes at a time, ``interval`` seconds apart (0: no pause)."""

    async def reply(conn: Conn, request: Request) -> bool:
        for start in range(0, len(data), step):
            await conn.send(data[start : start + step])
            await asyncio.sleep(interval)
        return await conn.end(end)

    return reply


def silent() -> Reply:
    """Read the request and never answer."""

    async def reply(conn: Conn, request: Request) -> bool:
        await conn.hold()
        return False

    return reply


async def never_read(conn: Conn) -> None:
    """Accept the connection, then neither read nor write until the peer gives up."""
    await asyncio.sleep(30)


def page_number(request: Request) -> int:
    """The ``page[number]`` a list request asked for (1 when it did not say)."""
    query = parse_qs(urlsplit(request.target).query)
    return int(query.get("page[number]", ["1"])[0])


def pages(document: Callable[[int, int], object], *, end: End = "keep") -> Reply:
    """A list reply made by ``document(page_number, request_index)``."""

    async def reply(conn: Conn, request: Request) -> bool:
        body = json_body(document(page_number(request), len(conn.server.requests)))
        return await respond(body=body)(conn, request) and await conn.end(end)

    return reply


# -- compressed bodies ---------------------------------------------------------------------

#: What a bomb inflates to.
BOMB_SIZE = 200 * 1024 * 1024
_MIB = 1024 * 1024


def _compressor(encoding: str) -> tuple[Callable[[bytes], bytes], Callable[[], bytes]]:
    if encoding in ("gzip", "deflate"):
        z = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
        return z.compress, z.flush
    if encoding == "br":
        b = brotli.Compressor(quality=5)
        return b.process, b.finish
    if encoding == "zstd":
        c = zstd.ZstdCompressor(level=3)
        return c.compress, c.flush
    raise ValueError(encoding)


def compress(encoding: str, data: bytes) -> bytes:
    """``data`` compressed as the ``Content-Encoding`` ``encoding`` says."""
    feed, finish = _compressor(encoding)
    return feed(data) + finish()


@functools.cache
def bomb(encoding: str) -> bytes:
    """A small ``encoding`` stream that inflates to ``BOMB_SIZE`` zero bytes (built once)."""
    feed, finish = _compressor(encoding)
    block = bytes(_MIB)
    parts = [feed(block) for _ in range(BOMB_SIZE // _MIB)]
    return b"".join(parts) + finish()
