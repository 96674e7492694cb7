"""Webhook receiver for the benchmark: an aiohttp app with one handler at ``POST /hooks``.

    python benchmarks/webhook_receiver.py --handler verified --seed <base64 seed>

* ``verified``: ``telnyx_rooms_async.webhooks.aiohttp_handler`` around an empty coroutine,
  with a ``WebhookVerifier`` (replay guard on, as by default): read, verify the Ed25519
  signature and timestamp, parse into a typed event, remember its id, answer 200;
* ``read``: an aiohttp handler that only reads the body and answers 200 (the floor).

Run by ``scenario_webhooks.py`` pinned to one core, a fresh process per measurement. It
prints ``READY <port>`` once it listens and stops when its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from aiohttp import web
from procutil import raise_nofile_limit

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def read_only() -> Handler:
    """Read the body, answer 200: what any receiver pays before doing anything."""

    async def endpoint(request: web.Request) -> web.StreamResponse:
        await request.read()
        return web.Response(status=200)

    return endpoint


def verified(public_key: str) -> Handler:
    """The package's aiohttp helper around a handler that does nothing."""
    from telnyx_rooms_async.webhooks import WebhookVerifier, aiohttp_handler

    @aiohttp_handler(WebhookVerifier(public_key))
    async def on_event(event: object, request: web.Request) -> None:
        return None

    return on_event


async def serve(handler: Handler, host: str, port: int) -> None:
    """Listen, announce the port, and stop when stdin closes."""
    raise_nofile_limit()
    app = web.Application()
    app.router.add_post("/hooks", handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=4096)
    await site.start()
    print(f"READY {runner.addresses[0][1]}", flush=True)
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, sys.stdin.read)
    finally:
        await runner.cleanup()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handler", choices=("verified", "read"), required=True)
    parser.add_argument("--seed", required=True, help="base64 Ed25519 seed of the sender")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.handler == "verified":
        from webhook_events import public_key_b64

        handler = verified(public_key_b64(args.seed))
    else:
        handler = read_only()
    asyncio.run(serve(handler, args.host, args.port))


if __name__ == "__main__":
    main()
