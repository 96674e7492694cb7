"""Helpers for the tests of the fake API and the emulator: raw requests, receivers, servers."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web


async def raw(
    base_url: str,
    method: str,
    path: str,
    *,
    body: Any = None,
    query: str = "",
    api_key: str | None = None,
    data: bytes | None = None,
) -> tuple[int, Any]:
    """One request straight to a server, past the client's own checks: (status, the JSON
    reply, or its bytes when it is not JSON, or None when empty)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key is not None else {}
    url = base_url + path + (f"?{query}" if query else "")
    payload: dict[str, Any] = {"data": data} if data is not None else {"json": body}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers, **payload) as resp,
    ):
        text = await resp.read()
        if not text:
            return resp.status, None
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, text


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on a free 127.0.0.1 port; yield its base URL."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


class Receiver:
    """A webhook receiver: records body and headers, answers with ``statuses`` in turn
    (the last one for every further request)."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses or (200,))
        self.calls: list[tuple[bytes, dict[str, str]]] = []
        self.app = web.Application()
        self.app.router.add_post("/hooks", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((await request.read(), dict(request.headers)))
        status = self.statuses[min(len(self.calls), len(self.statuses)) - 1]
        return web.Response(status=status)

    def documents(self) -> list[dict[str, Any]]:
        """The JSON documents received, in order."""
        return [json.loads(body) for body, _ in self.calls]
