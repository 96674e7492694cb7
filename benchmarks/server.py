"""Benchmark server: an aiohttp.web app that answers with pre-serialised Rooms replies.

Run by ``benchmarks/run.py`` in its own process (pinned to its own core with ``taskset``
when the machine has one to spare). It prints ``READY <port>`` once it listens and stops
when its standard input closes, so it never outlives the driver.

Replies are built once at start-up, so the server's own cost per request is small and the
same for every client variant:

* ``POST /v2/rooms``: the create-room reply of the seed page (``shared/seed/create-room.txt``,
  or its copy in ``tests/data/``);
* ``GET /v2/rooms/{room_id}``: the same room;
* ``GET /v2/rooms?page[size]=N``: ``N`` rooms shaped like the seed room (one session each),
  with ``meta``; one byte string per page size, built on first use.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

_SEED_MARK = '{\n"data":'

MAX_PAGE_SIZE = 250


def default_seed_path() -> Path:
    """``shared/seed/create-room.txt`` beside the repository (where CI and developers have it)."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "create-room.txt"


#: The same reply, kept in the repository for machines without ``shared/``.
REPO_COPY = Path(__file__).resolve().parent.parent / "tests" / "data" / "create_room_reply.json"


def load_seed_room(path: Path | None = None) -> tuple[dict[str, Any], str]:
    """The room object of the seed's create-room reply, and which file it came from."""
    path = path or default_seed_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        if not REPO_COPY.is_file():
            raise SystemExit(f"no create-room reply: neither {path} nor {REPO_COPY}") from None
        path, text = REPO_COPY, REPO_COPY.read_text(encoding="utf-8")
    start = text.find(_SEED_MARK)
    if start < 0:
        raise SystemExit(f"{path}: no create-room reply found")
    doc, _ = json.JSONDecoder().raw_decode(text, start)
    return doc["data"], str(path)


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

    def reply(body: bytes, status: int = 200) -> web.Response:
        return web.Response(body=body, status=status, content_type="application/json")

    async def create(request: web.Request) -> web.Response:
        await request.read()
        return reply(one, 201)

    async def retrieve(request: web.Request) -> web.Response:
        return reply(one)

    async def listing(request: web.Request) -> web.Response:
        try:
            size = int(request.query.get("page[size]", "20"))
        except ValueError:
            size = 20
        size = min(max(size, 1), MAX_PAGE_SIZE)
        body = pages.get(size)
        if body is None:
            body = pages[size] = page_body(room, size)
        return reply(body)

    app = web.Application()
    app.router.add_post("/v2/rooms", create)
    app.router.add_get("/v2/rooms", listing)
    app.router.add_get("/v2/rooms/{room_id}", retrieve)
    return app


async def serve(host: str, port: int, seed: Path | None) -> None:
    """Listen, announce the port, and stop when stdin closes."""
    room, _ = load_seed_room(seed)
    runner = web.AppRunner(make_app(room), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"READY {bound}", flush=True)
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
    parser.add_argument("--seed", type=Path, default=None, help="path of create-room.txt")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.seed))


if __name__ == "__main__":
    main()
