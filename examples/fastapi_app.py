"""A FastAPI app that shares one ``RoomsClient`` across its handlers.

The client is built in the app's ``lifespan`` (inside the server's event loop, once), kept on
``app.state`` and closed on shutdown. Handlers get it through a dependency. Run it with::

    pip install fastapi uvicorn
    TELNYX_API_KEY=KEY... uvicorn examples.fastapi_app:app

``TELNYX_BASE_URL`` points it at another API (a fake one in tests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from telnyx_rooms_async import (
    APIStatusError,
    APITimeoutError,
    InvalidParams,
    RoomsClient,
    TelnyxError,
    to_dict,
)

#: How long a listing may take in all, retries included: a page should answer quickly.
LIST_DEADLINE = 5.0


class NewRoom(BaseModel):
    """Body of POST /rooms."""

    unique_name: str | None = None
    max_participants: int | None = None


def rooms_client(request: Request) -> RoomsClient:
    """The app's one client, made in ``lifespan``."""
    client: RoomsClient = request.app.state.rooms_client
    return client


Rooms = Annotated[RoomsClient, Depends(rooms_client)]


async def telnyx_error(request: Request, exc: Exception) -> JSONResponse:
    """Turn the client's errors into JSON replies; the API key never appears in them."""
    if isinstance(exc, InvalidParams):
        # Caught before anything was sent: the caller's input broke an API rule.
        return JSONResponse({"error": str(exc), "field": exc.field}, status_code=400)
    if isinstance(exc, APIStatusError):
        status = exc.status if exc.status in (404, 409, 422) else 502
        body = {"error": str(exc), "code": exc.code, "request_id": exc.request_id}
        return JSONResponse(body, status_code=status)
    if isinstance(exc, APITimeoutError):
        return JSONResponse({"error": "the Rooms API did not answer in time"}, status_code=504)
    return JSONResponse({"error": f"the Rooms API failed: {exc}"}, status_code=502)


def create_app(*, api_key: str | None = None, base_url: str | None = None) -> FastAPI:
    """The app; ``api_key``/``base_url`` default to ``TELNYX_API_KEY``/``TELNYX_BASE_URL``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with RoomsClient(api_key, base_url=base_url, timeout=15) as client:
            app.state.rooms_client = client
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_exception_handler(TelnyxError, telnyx_error)

    @app.post("/rooms", status_code=201)
    async def create_room(body: NewRoom, client: Rooms) -> dict[str, Any]:
        """Create a Telnyx room."""
        room = await client.rooms.create(
            unique_name=body.unique_name, max_participants=body.max_participants
        )
        shown: dict[str, Any] = to_dict(room)  # every field; datetimes in ISO 8601
        return shown

    @app.get("/rooms")
    async def list_rooms(client: Rooms, unique_name: Annotated[str | None, Query()] = None) -> Any:
        """Up to 100 rooms, from as many pages as that takes."""
        # A view: this handler's own deadline over the app's one pool (nothing to close).
        view = client.with_options(timeout=LIST_DEADLINE)
        rooms = [
            to_dict(room)
            async for room in view.rooms.list(unique_name=unique_name, page_size=50, max_pages=2)
        ]
        return {"rooms": rooms}

    return app


# For ``uvicorn examples.fastapi_app:app``; reads TELNYX_API_KEY when it starts, not here.
app = create_app()
