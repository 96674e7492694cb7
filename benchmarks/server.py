"""Benchmark server: an aiohttp.web app that answers with pre-serialised Rooms replies.

Run by ``benchmarks/run.py`` in its own process (pinned to its own core with ``taskset``
when the machine has one to spare). It prints ``READY <http port> <https port or ->`` once
it listens and stops when its standard input closes, so it never outlives the driver.
With ``--certfile``/``--keyfile`` the same app is also served over HTTPS on a second port.

Replies are built once at start-up, so the server's own cost per request is small and the
same for every client variant:

* ``POST /v2/rooms``: the example reply of Telnyx's "Create a room" documentation
  (``tests/data/create_room_reply.json``);
* ``GET /v2/rooms/{room_id}``: the same room;
* ``GET /v2/rooms?page[size]=N``: ``N`` rooms shaped like that room (one session each),
  with ``meta``; one byte string per page size, built on first use.

Every route is also served under ``/delay/<ms>/v2/...``, which answers the same after
``await asyncio.sleep(ms / 1000)``: a network round trip of that length that costs the
server no CPU, so a client's pool, not the server, sets the pace at high concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import ssl
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from procutil import raise_nofile_limit

MAX_PAGE_SIZE = 250
#: Longest delay a path may ask for, so a typo cannot hang a run.
MAX_DELAY_MS = 10_000
#: Pending connections the kernel may queue (it caps this at net.core.somaxconn). A burst of
#: 1,024 connects at once must not overflow it: a dropped SYN is retried after a second.
BACKLOG = 4096

#: The example reply of Telnyx's "Create a room" documentation, byte for byte.
CREATE_ROOM_REPLY = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "create_room_reply.json"
)


def load_room() -> dict[str, Any]:
    """The room object of the documented create-room reply."""
    room: dict[str, Any] = json.loads(CREATE_ROOM_REPLY.read_text(encoding="utf-8"))["data"]
    return room


def _dumps(doc: object) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def page_body(room: dict[str, Any], size: int) -> bytes:
    """A list reply of ``size`` rooms shaped like ``room``, each with its own ids and name."""
    rooms = []
    for i in range(size):
        item = copy.deepcopy(room)
        room_id = f"7b61621f-62e0-4aad-ab11-{i:012x}"
        item["id"] = room_id
        item["unique_name"] = f"Room {i}"
        for session in item.get("sessions", ()):
            session["id"] = f"7b61621f-62e0-4aad-ac11-{i:012x}"
            session["room_id"] = room_id
        item["active_session_id"] = item["sessions"][0]["id"] if item.get("sessions") else None
        rooms.append(item)
    meta = {"page_number": 1, "page_size": size, "total_pages": 10, "total_results": 10 * size}
    return _dumps({"data": rooms, "meta": meta})


def make_app(room: dict[str, Any]) -> web.Application:
    """The benchmark app: every reply is a byte string built before the first request."""
    one = _dumps({"data": room})
    pages: dict[int, bytes] = {}

    async def reply(request: web.Request, body: bytes, status: int = 200) -> web.Response:
        delay = request.match_info.get("delay_ms")
        if delay is not None:
            await asyncio.sleep(min(int(delay), MAX_DELAY_MS) / 1000)
        return web.Response(body=body, status=status, content_type="application/json")

    async def create(request: web.Request) -> web.Response:
        await request.read()
        return await reply(request, one, 201)

    async def retrieve(request: web.Request) -> web.Response:
        return await reply(request, one)

    async def listing(request: web.Request) -> web.Response:
        try:
            size = int(request.query.get("page[size]", "20"))
        except ValueError:
            size = 20
        size = min(max(size, 1), MAX_PAGE_SIZE)
        body = pages.get(size)
        if body is None:
            body = pages[size] = page_body(room, size)
        return await reply(request, body)

    app = web.Application()
    for prefix in ("/v2", r"/delay/{delay_ms:\d+}/v2"):
        app.router.add_post(f"{prefix}/rooms", create)
        app.router.add_get(f"{prefix}/rooms", listing)
        app.router.add_get(f"{prefix}/rooms/{{room_id}}", retrieve)
    return app


async def serve(
    host: str, port: int, tls_port: int, certfile: str | None, keyfile: str | None
) -> None:
    """Listen, announce the ports, and stop when stdin closes."""
    raise_nofile_limit()
    # A latency window ends by cancelling the calls in flight; aiohttp would log each of
    # those cut requests as an error. A real failure shows on the client side anyway.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    room = load_room()
    runner = web.AppRunner(make_app(room), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=BACKLOG)
    await site.start()
    bound = runner.addresses[0][1]
    tls_bound = "-"
    if certfile is not None:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(certfile, keyfile)
        tls_site = web.TCPSite(runner, host, tls_port, backlog=BACKLOG, ssl_context=ctx)
        await tls_site.start()
        tls_bound = str(runner.addresses[1][1])
    print(f"READY {bound} {tls_bound}", flush=True)
    loop = asyncio.get_running_loop()
    try:
        # Blocks in a thread until the driver closes our stdin (or dies).
        await loop.run_in_executor(None, sys.stdin.read)
    finally:
        await runner.cleanup()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-port", type=int, default=0)
    parser.add_argument("--certfile", default=None, help="PEM chain: serve HTTPS too")
    parser.add_argument("--keyfile", default=None, help="PEM private key of --certfile")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.tls_port, args.certfile, args.keyfile))


if __name__ == "__main__":
    main()
