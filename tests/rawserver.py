"""Small raw-socket HTTP/1.1 servers on 127.0.0.1 for what aiohttp.web cannot produce.

``RawServer`` answers each request with a scripted *behaviour* written straight to the socket
(a reset in the middle of a body, an endless chunked body, a lying Content-Length…).
``LoadServer`` is a minimal keep-alive server that counts its concurrent connections.
``refused_port()`` and ``blackhole()`` give addresses where connecting fails or hangs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl as ssl_module
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

__all__ = [
    "ROOM",
    "Behaviour",
    "LoadServer",
    "RawRequest",
    "RawServer",
    "blackhole",
    "client_sockets",
    "declared_length",
    "echo_headers",
    "endless_chunked",
    "refused_port",
    "reset_mid_body",
    "respond",
    "short_body",
]

HOST = "127.0.0.1"

#: A room as the API sends it; what the servers here answer with by default.
ROOM: dict[str, Any] = {
    "id": "7b61621f-62e0-4aad-ab11-9fd19e272e73",
    "unique_name": "raw",
    "max_participants": 10,
    "enable_recording": False,
    "created_at": "2021-04-16T09:46:20.954863Z",
    "updated_at": "2021-04-16T10:24:55.962200Z",
    "record_type": "room",
}
ROOM_BODY = json.dumps({"data": ROOM}).encode()


@dataclass
class RawRequest:
    """One request as the raw server read it."""

    method: str
    target: str
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes


@dataclass
class Stats:
    """What a raw server did, for assertions."""

    requests: list[RawRequest] = field(default_factory=list)
    bytes_sent: int = 0
    connections: int = 0


Behaviour = Callable[
    [RawRequest, asyncio.StreamReader, asyncio.StreamWriter, Stats], Awaitable[bool]
]
"""Writes the reply; returns True to keep the connection open for another request."""


def _head(status: int, headers: Sequence[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _send(writer: asyncio.StreamWriter, stats: Stats, data: bytes) -> None:
    writer.write(data)
    stats.bytes_sent += len(data)
    await writer.drain()


def _rst(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        # Linger 0 makes the close an RST instead of a FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def respond(
    status: int = 200,
    body: bytes = ROOM_BODY,
    *,
    content_type: str = "application/json",
    headers: Sequence[tuple[str, str]] = (),
) -> Behaviour:
    """A complete, well-formed reply."""

    async def behave(
        request: RawRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stats: Stats,
    ) -> bool:
        all_headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            *headers,
        ]
        await _send(writer, stats, _head(status, all_headers) + body)
        return True

    return behave


def echo_headers(status: int = 502, *, as_json: bool = False) -> Behaviour:
    """An error page that repeats the request's headers, as some debugging proxies do."""

    async def behave(
        request: RawRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stats: Stats,
    ) -> bool:
        lines = "; ".join(f"{k}: {v}" for k, v in request.headers.items())
        if as_json:
            error = {"code": "echo", "title": "Bad request", "detail": f"headers were {lines}"}
            body = json.dumps({"errors": [error]}).encode()
            content_type = "application/json"
        else:
            body = f"<html><body><pre>{lines}</pre></body></html>".encode()
            content_type = "text/html"
        return await respond(status, body, content_type=content_type)(
            request, reader, writer, stats
        )

    return behave


def reset_mid_body(body: bytes = ROOM_BODY) -> Behaviour:
    """Headers with the full Content-Length, half the body, then a TCP reset."""

    async def behave(
        request: RawRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stats: Stats,
    ) -> bool:
        head = _head(
            200, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        await _send(writer, stats, head + body[: len(body) // 2])
        await asyncio.sleep(0.02)  # let the client start reading the body first
        _rst(writer)
        return False

    return behave


def short_body(body: bytes = ROOM_BODY) -> Behaviour:
    """Headers with the full Content-Length, half the body, then a clean close (FIN)."""

    async def behave(
        request: RawRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stats: Stats,
    ) -> bool:
        head = _head(
            200, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        await _send(writer, stats, head + body[: len(body) // 2])
        writer.close()
        return False

    return behave


def endless_chunked(chunk: int = 64 * 1024, cap: int = 256 * 1024 * 1024) -> Behaviour:
    """A 200 with a chunked body that never ends (stops at ``cap`` bytes or when the peer goes)."""
    piece = b"[" + b" " * (chunk - 1)
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"

    async def behave(
        request: RawRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stats: Stats,
    ) -> bool:
        head = _head(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
        await _send(writer, stats, head)
        sent = 0
        while sent < cap:
            try:
                await _send(writer, stats, frame)
            except (ConnectionError, OSError):
                return False
            sent += len(piece)
        return False

    return behave


def declared_length(length: int) -> Behaviour:
    """A 200 declaring ``length`` body bytes, then sending a few and waiting to be dropped."""

    async def behave(
        request: RawRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stats: Stats,
    ) -> bool:
        head = _head(200, [("Content-Type", "application/json"), ("Content-Length", str(length))])
        await _send(writer, stats, head + b'{"data": ')
        # Hold the connection until the client drops it (read() then returns b"").
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            await asyncio.wait_for(reader.read(), 5)
        return False

    return behave


class RawServer:
    """Answers request N with ``behaviours[N]`` (the last one repeats) on 127.0.0.1."""

    def __init__(self, *behaviours: Behaviour, ssl: ssl_module.SSLContext | None = None) -> None:
        if not behaviours:
            behaviours = (respond(),)
        self._behaviours = behaviours
        self._ssl = ssl
        self.stats = Stats()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def base_url(self) -> str:
        """The URL to give ``RoomsClient(base_url=...)``."""
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://{HOST}:{self.port}/v2"

    @property
    def requests(self) -> list[RawRequest]:
        """Every request read so far."""
        return self.stats.requests

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, HOST, 0, ssl=self._ssl)
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
        # Aborting the transports ends every behaviour still writing or waiting.
        for writer in list(self._writers):
            writer.transport.abort()
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        self.stats.connections += 1
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                index = min(len(self.stats.requests), len(self._behaviours) - 1)
                self.stats.requests.append(request)
                if not await self._behaviours[index](request, reader, writer, self.stats):
                    break
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            if not writer.transport.is_closing():
                writer.close()


async def _read_request(reader: asyncio.StreamReader) -> RawRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return RawRequest(method, target, headers, body)


def refused_port() -> int:
    """A loopback port nothing listens on (connecting is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.contextmanager
def blackhole() -> Iterator[int]:
    """A loopback port where connecting hangs: a listener whose accept queue is full.

    Linux drops a SYN to a listener with a full accept queue, so the client's connect waits
    for its SYN to be answered until its own timeout, as with an unreachable host.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind((HOST, 0))
        listener.listen(0)
        port: int = listener.getsockname()[1]
        # Fill the queue (backlog 0 still admits one or two) with connections never accepted.
        for _ in range(8):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            fillers.append(filler)
            with contextlib.suppress(BlockingIOError):
                filler.connect((HOST, port))
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


# -- load ------------------------------------------------------------------------------------

_TCP_TABLE = "/proc/net/tcp"
#: Socket states in which the client still holds the connection: ESTABLISHED, CLOSE_WAIT.
_HELD = frozenset({"01", "08"})


def client_sockets(server_port: int) -> int:
    """Open client-side sockets to ``server_port`` on this host, as the kernel sees them.

    A socket its owner has closed is in FIN_WAIT or gone, so there is no lag from the server
    noticing the close; but asyncio closes a socket one loop step after ``transport.close()``,
    so sockets a pool has just given up still count for that step.
    """
    wanted = f":{server_port:04X}"
    count = 0
    with open(_TCP_TABLE) as table:
        next(table)
        for line in table:
            fields = line.split(None, 4)
            if fields[2].endswith(wanted) and fields[3] in _HELD:
                count += 1
    return count


class _LoadProtocol(asyncio.Protocol):
    def __init__(self, server: LoadServer) -> None:
        self._server = server
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._counted = True
        self._server.opened()

    def _uncount(self) -> None:
        # Counted down at the first sign of the peer's close, not at connection_lost: the
        # peer's pool may open its next connection before our close callback runs.
        if self._counted:
            self._counted = False
            self._server.closed()

    def eof_received(self) -> bool:
        self._uncount()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._uncount()
        self._server.forget(self)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self._buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            total = end + 4 + length
            if len(self._buffer) < total:
                return
            self._buffer = self._buffer[total:]
            target = head.split(" ", 2)[1]
            self._server.requests += 1
            if "/slow" in target:
                loop = asyncio.get_running_loop()
                loop.call_later(self._server.slow_seconds, self._reply)
            else:
                self._reply()

    def _reply(self) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(self._server.reply)

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()


class LoadServer:
    """A fast keep-alive server: every request gets ``ROOM``; ``/slow`` paths answer late."""

    def __init__(
        self,
        *,
        slow_seconds: float = 1.0,
        on_accept: Callable[[], None] | None = None,
        sample_every: int = 0,
    ) -> None:
        self.slow_seconds = slow_seconds
        #: Called at each accepted connection (e.g. to sample a client's pool).
        self.on_accept = on_accept
        self._sample_every = sample_every
        #: Most client-side sockets open at once, sampled every ``sample_every`` accepts.
        self.peak_client_sockets = 0
        self.reply = (
            _head(
                200,
                [("Content-Type", "application/json"), ("Content-Length", str(len(ROOM_BODY)))],
            )
            + ROOM_BODY
        )
        self.requests = 0
        self.open_connections = 0
        self.peak_connections = 0
        self.total_connections = 0
        self._protocols: set[_LoadProtocol] = set()
        self._gone = asyncio.Event()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """The URL to give ``RoomsClient(base_url=...)``."""
        return f"http://{HOST}:{self.port}/v2"

    def opened(self) -> None:
        """A connection was accepted (counted until its peer's close is seen)."""
        self.open_connections += 1
        self.total_connections += 1
        self.peak_connections = max(self.peak_connections, self.open_connections)
        if self.on_accept is not None:
            self.on_accept()
        if self._sample_every and self.total_connections % self._sample_every == 1:
            held = client_sockets(self.port)
            self.peak_client_sockets = max(self.peak_client_sockets, held)

    def closed(self) -> None:
        """The peer closed a connection."""
        self.open_connections -= 1

    def forget(self, protocol: _LoadProtocol) -> None:
        """A connection is gone entirely."""
        self._protocols.discard(protocol)
        if not self._protocols:
            self._gone.set()

    def _protocol(self) -> _LoadProtocol:
        protocol = _LoadProtocol(self)
        self._protocols.add(protocol)
        self._gone.clear()
        return protocol

    async def __aenter__(self) -> LoadServer:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, HOST, 0, backlog=1024)
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
        for protocol in list(self._protocols):
            protocol.abort()
        await server.wait_closed()

    async def drained(self, timeout: float = 5.0) -> bool:
        """Wait until every connection is gone; False if some are still open at ``timeout``."""
        if self._protocols:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._gone.wait(), timeout)
        return not self._protocols


@contextlib.asynccontextmanager
async def raw_server(*behaviours: Behaviour) -> AsyncIterator[RawServer]:
    """``async with raw_server(...) as server``: a started ``RawServer``."""
    async with RawServer(*behaviours) as server:
        yield server
