"""Load generator for the webhook receiver: pre-signed deliveries at a fixed concurrency.

    python benchmarks/webhook_load.py '{"port": 8080, "seed": "...", "requests": 20000, ...}'

Every request is built (and signed, each with its own event id) before the first is sent,
so the measured loop does nothing but write bytes and read replies. The client is a bare
``asyncio.Protocol`` over keep-alive connections, one request in flight per connection:
an aiohttp client costs about as much CPU per request as the receiver's handler does, and
on its own core it would be the limit instead of the receiver. What it prints (one JSON
line) is measured while every connection is busy: from the end of the warm-up to the
moment the last requests are handed out. Every reply must be a 200 with an empty body:
a rejected signature (400) or a replay-guard short cut ("duplicate event ignored") fails
the run instead of flattering it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from procutil import cpu_seconds_of, raise_nofile_limit
from webhook_events import signed_events


def build_requests(port: int, seed: str, count: int) -> list[bytes]:
    """Complete HTTP/1.1 requests, each with a distinct signed event."""
    out = []
    for body, headers in signed_events(seed, count):
        head = (
            "POST /hooks HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "User-Agent: telnyx-webhooks\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            + "\r\n"
        )
        out.append(head.encode("ascii") + body)
    return out


class Load:
    """The shared state of every connection: what to send next, and what came back."""

    def __init__(
        self, requests: list[bytes], warmup: int, concurrency: int, receiver_pid: int | None
    ) -> None:
        self.requests = requests
        self.next = 0
        self.completed = 0
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.warmup = warmup
        # Measure until the last request is handed out: after that, connections go idle.
        self.stop_at = len(requests) - concurrency
        self.receiver_pid = receiver_pid
        self.marks: list[tuple[float, float, float | None]] = []
        self.open = 0
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def take(self) -> bytes | None:
        if self.next >= len(self.requests):
            return None
        request = self.requests[self.next]
        self.next += 1
        return request

    def done(self, status: int, body: bytes, took: float) -> None:
        self.completed += 1
        if (status != 200 or body) and len(self.errors) < 5:
            self.errors.append(f"HTTP {status}: {body[:80]!r}")
        if self.warmup < self.completed <= self.stop_at:
            self.latencies.append(took)
        if self.completed in (self.warmup, self.stop_at):
            self.marks.append(
                (time.perf_counter(), time.process_time(), cpu_seconds_of(self.receiver_pid))
            )

    def closed(self) -> None:
        self.open -= 1
        if self.open == 0 and not self.finished.done():
            self.finished.set_result(None)


class Connection(asyncio.Protocol):
    """One keep-alive connection: send a request, read its reply, send the next."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.buffer = bytearray()
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send_next()

    def send_next(self) -> None:
        assert self.transport is not None
        request = self.load.take()
        if request is None:
            self.transport.close()
            return
        self.sent_at = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            at = head.find(b"\r\ncontent-length:")
            length = 0
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            total = end + 4 + length
            if len(buffer) < total:
                return
            body = bytes(buffer[end + 4 : total])
            del buffer[:total]
            self.load.done(int(head[9:12]), body, time.perf_counter() - self.sent_at)
            self.send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and len(self.load.errors) < 5:
            self.load.errors.append(f"connection lost: {exc!r}")
        self.load.closed()


def _percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


async def run(config: dict[str, Any]) -> dict[str, Any]:
    """Send every request; the measured part's throughput, latency and CPU shares."""
    concurrency = config["concurrency"]
    warmup = config["warmup"]
    requests = build_requests(config["port"], config["seed"], warmup + config["requests"])
    load = Load(requests, warmup, concurrency, config.get("receiver_pid"))
    loop = asyncio.get_running_loop()
    load.open = concurrency
    for _ in range(concurrency):
        await loop.create_connection(lambda: Connection(load), "127.0.0.1", config["port"])
    await asyncio.wait_for(load.finished, timeout=600)
    if load.errors:
        raise SystemExit("webhook receiver answered: " + "; ".join(load.errors))
    if len(load.marks) != 2:
        raise SystemExit("too few requests for a measurement window")
    (wall0, cpu0, server0), (wall1, cpu1, server1) = load.marks
    wall = wall1 - wall0
    measured = load.stop_at - load.warmup
    latencies = sorted(load.latencies)
    server_cpu = None if server0 is None or server1 is None else server1 - server0
    return {
        "handler": config["handler"],
        "requests": measured,
        "concurrency": concurrency,
        "requests_per_s": measured / wall,
        "p50_ms": _percentile(latencies, 0.5) * 1e3,
        "p99_ms": _percentile(latencies, 0.99) * 1e3,
        "server_cpu_us_per_request": None if server_cpu is None else server_cpu / measured * 1e6,
        "server_cpu_pct": None if server_cpu is None else server_cpu / wall * 100,
        "load_cpu_pct": (cpu1 - cpu0) / wall * 100,
        "body_bytes": len(requests[0]) - requests[0].index(b"\r\n\r\n") - 4,
    }


def main() -> None:
    """Run the load described by ``argv[1]`` (JSON) and print one JSON line."""
    raise_nofile_limit()
    print(json.dumps(asyncio.run(run(json.loads(sys.argv[1])))), flush=True)


if __name__ == "__main__":
    main()
