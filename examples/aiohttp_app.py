"""An aiohttp web app that shares one ``RoomsClient`` across its handlers.

The client is built in a ``cleanup_ctx`` generator: inside the app's event loop, once, and
closed on shutdown. Handlers read it from the app, so every request uses the same connection
pool. Run it with::

    TELNYX_API_KEY=KEY... python examples/aiohttp_app.py

``TELNYX_BASE_URL`` points it at another API (a fake one in tests); ``PORT`` sets the port.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from telnyx_rooms_async import (
    APIStatusError,
    APITimeoutError,
    InvalidParams,
    RoomsClient,
    TelnyxError,
    to_dict,
)

ROOMS_CLIENT = web.AppKey("rooms_client", RoomsClient)
#: How long a listing may take in all, retries included: a page should answer quickly.
LIST_DEADLINE = 5.0


async def create_room(request: web.Request) -> web.Response:
    """POST /rooms {"unique_name": ..., "max_participants": ...}: create a Telnyx room."""
    client = request.app[ROOMS_CLIENT]
    try:
        payload = await request.json()
    except ValueError:
        return web.json_response({"error": "the body must be JSON"}, status=400)
    if not isinstance(payload, dict):
        return web.json_response({"error": "the body must be a JSON object"}, status=400)
    room = await client.rooms.create(
        unique_name=payload.get("unique_name"),
        max_participants=payload.get("max_participants"),
    )
    return web.json_response(to_dict(room), status=201)


async def list_rooms(request: web.Request) -> web.Response:
    """GET /rooms?unique_name=...: up to 100 rooms, from as many pages as that takes."""
    # A view: this handler's own deadline over the app's one pool (nothing to close).
    client = request.app[ROOMS_CLIENT].with_options(timeout=LIST_DEADLINE)
    rooms = []
    async for room in client.rooms.list(
        unique_name=request.query.get("unique_name"), page_size=50, max_pages=2
    ):
        rooms.append(to_dict(room))
    return web.json_response({"rooms": rooms})


@web.middleware
async def telnyx_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Turn the client's errors into JSON replies; the API key never appears in them."""
    try:
        return await handler(request)
    except InvalidParams as exc:
        # Caught before anything was sent: the caller's input broke an API rule.
        return web.json_response({"error": str(exc), "field": exc.field}, status=400)
    except APIStatusError as exc:
        status = exc.status if exc.status in (404, 409, 422) else 502
        body = {"error": str(exc), "code": exc.code, "request_id": exc.request_id}
        return web.json_response(body, status=status)
    except APITimeoutError:
        return web.json_response({"error": "the Rooms API did not answer in time"}, status=504)
    except TelnyxError as exc:
        return web.json_response({"error": f"the Rooms API failed: {exc}"}, status=502)


def create_app(*, api_key: str | None = None, base_url: str | None = None) -> web.Application:
    """The app; ``api_key``/``base_url`` default to ``TELNYX_API_KEY``/``TELNYX_BASE_URL``."""

    async def rooms_client(app: web.Application) -> AsyncIterator[None]:
        # Runs at startup inside the app's loop; the code after ``yield`` runs at shutdown.
        async with RoomsClient(api_key, base_url=base_url, timeout=15) as client:
            app[ROOMS_CLIENT] = client
            yield

    app = web.Application(middlewares=[telnyx_errors])
    app.cleanup_ctx.append(rooms_client)
    app.add_routes([web.post("/rooms", create_room), web.get("/rooms", list_rooms)])
    return app


if __name__ == "__main__":
    web.run_app(create_app(), port=int(os.environ.get("PORT", "8080")))
