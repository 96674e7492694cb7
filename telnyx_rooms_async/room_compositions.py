"""``client.room_compositions``: mix a session's recordings into one video."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ._converter import structure_data
from ._http import Request, encode_id
from ._pagination import AsyncPaginator
from ._resource import Resource
from .models import RoomComposition, VideoRegion
from .params import (
    RoomCompositionCreateParams,
    RoomCompositionListParams,
    VideoRegionParams,
    to_body,
    to_query,
)

__all__ = ["RoomCompositions"]


def _path(composition_id: str) -> str:
    return f"/room_compositions/{encode_id('composition_id', composition_id)}"


class RoomCompositions(Resource):
    """Operations on ``/room_compositions``."""

    __slots__ = ()

    async def create(
        self,
        *,
        session_id: str,
        format: str | None = None,
        resolution: str | None = None,
        video_layout: Mapping[str, VideoRegionParams | VideoRegion | Mapping[str, Any]]
        | None = None,
        webhook_event_url: str | None = None,
        webhook_event_failover_url: str | None = None,
        webhook_timeout_secs: int | None = None,
    ) -> RoomComposition:
        """Start composing a session's recordings (``POST /room_compositions``)."""
        params = RoomCompositionCreateParams(
            session_id=session_id,
            format=format,
            resolution=resolution,
            video_layout=video_layout,
            webhook_event_url=webhook_event_url,
            webhook_event_failover_url=webhook_event_failover_url,
            webhook_timeout_secs=webhook_timeout_secs,
        )
        request = Request("POST", "/room_compositions", body=to_body(params), creates=True)
        return structure_data(await self._pipeline.send(request), RoomComposition)

    def list(
        self,
        *,
        session_id: str | None = None,
        status: str | None = None,
        date_created_at_eq: date | str | None = None,
        date_created_at_gte: date | str | None = None,
        date_created_at_lte: date | str | None = None,
        page_number: int | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> AsyncPaginator[RoomComposition]:
        """List compositions (``GET /room_compositions``)."""
        params = RoomCompositionListParams(
            session_id=session_id,
            status=status,
            date_created_at_eq=date_created_at_eq,
            date_created_at_gte=date_created_at_gte,
            date_created_at_lte=date_created_at_lte,
        )
        query = to_query(params)
        return self._paginate(
            "/room_compositions", query, RoomComposition, page_number, page_size, max_pages
        )

    async def retrieve(self, composition_id: str) -> RoomComposition:
        """Fetch one composition (``GET /room_compositions/{room_composition_id}``)."""
        body = await self._pipeline.send(Request("GET", _path(composition_id)))
        return structure_data(body, RoomComposition)

    async def delete(self, composition_id: str) -> None:
        """Delete a composition (``DELETE /room_compositions/{room_composition_id}``)."""
        await self._pipeline.send(Request("DELETE", _path(composition_id)))
