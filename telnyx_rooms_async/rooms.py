"""``client.rooms``: create, inspect, change and delete video rooms."""

from __future__ import annotations

from datetime import date

from ._converter import structure_data
from ._http import Request, encode_id
from ._pagination import AsyncPaginator
from ._resource import Resource
from .models import ClientToken, RefreshedClientToken, Room, RoomSession
from .params import (
    UNSET,
    RoomCreateParams,
    RoomGenerateJoinClientTokenParams,
    RoomListParams,
    RoomListSessionsParams,
    RoomRefreshClientTokenParams,
    RoomRetrieveParams,
    RoomUpdateParams,
    Unset,
    to_body,
    to_query,
)

__all__ = ["Rooms"]


class Rooms(Resource):
    """Operations on ``/rooms``."""

    __slots__ = ()

    async def create(
        self,
        *,
        unique_name: str | None = None,
        max_participants: int | None = None,
        enable_recording: bool | None = None,
        webhook_event_url: str | None = None,
        webhook_event_failover_url: str | None = None,
        webhook_timeout_secs: int | None = None,
    ) -> Room:
        """Create a room (``POST /rooms``)."""
        params = RoomCreateParams(
            unique_name=unique_name,
            max_participants=max_participants,
            enable_recording=enable_recording,
            webhook_event_url=webhook_event_url,
            webhook_event_failover_url=webhook_event_failover_url,
            webhook_timeout_secs=webhook_timeout_secs,
        )
        request = Request("POST", "/rooms", body=to_body(params), creates=True)
        return structure_data(await self._pipeline.send(request), Room)

    async def retrieve(self, room_id: str, *, include_sessions: bool | None = None) -> Room:
        """Fetch one room (``GET /rooms/{room_id}``)."""
        path = f"/rooms/{encode_id('room_id', room_id)}"
        query = to_query(RoomRetrieveParams(include_sessions=include_sessions))
        return structure_data(await self._pipeline.send(Request("GET", path, query)), Room)

    async def update(
        self,
        room_id: str,
        *,
        unique_name: str | Unset = UNSET,
        max_participants: int | Unset = UNSET,
        enable_recording: bool | Unset = UNSET,
        webhook_event_url: str | Unset = UNSET,
        webhook_event_failover_url: str | Unset = UNSET,
        webhook_timeout_secs: int | Unset | None = UNSET,
    ) -> Room:
        """Change a room (``PATCH /rooms/{room_id}``); only the arguments passed are sent."""
        path = f"/rooms/{encode_id('room_id', room_id)}"
        params = RoomUpdateParams(
            unique_name=unique_name,
            max_participants=max_participants,
            enable_recording=enable_recording,
            webhook_event_url=webhook_event_url,
            webhook_event_failover_url=webhook_event_failover_url,
            webhook_timeout_secs=webhook_timeout_secs,
        )
        request = Request("PATCH", path, body=to_body(params))
        return structure_data(await self._pipeline.send(request), Room)

    async def delete(self, room_id: str) -> None:
        """Delete a room (``DELETE /rooms/{room_id}``)."""
        path = f"/rooms/{encode_id('room_id', room_id)}"
        await self._pipeline.send(Request("DELETE", path))

    def list(
        self,
        *,
        include_sessions: bool | None = None,
        unique_name: str | None = None,
        date_created_at_eq: date | str | None = None,
        date_created_at_gte: date | str | None = None,
        date_created_at_lte: date | str | None = None,
        date_updated_at_eq: date | str | None = None,
        date_updated_at_gte: date | str | None = None,
        date_updated_at_lte: date | str | None = None,
        page_number: int | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> AsyncPaginator[Room]:
        """List rooms (``GET /rooms``): await it for a page, ``async for`` it for every room."""
        params = RoomListParams(
            include_sessions=include_sessions,
            unique_name=unique_name,
            date_created_at_eq=date_created_at_eq,
            date_created_at_gte=date_created_at_gte,
            date_created_at_lte=date_created_at_lte,
            date_updated_at_eq=date_updated_at_eq,
            date_updated_at_gte=date_updated_at_gte,
            date_updated_at_lte=date_updated_at_lte,
        )
        return self._paginate("/rooms", to_query(params), Room, page_number, page_size, max_pages)

    async def generate_join_client_token(
        self,
        room_id: str,
        *,
        token_ttl_secs: int | None = None,
        refresh_token_ttl_secs: int | None = None,
    ) -> ClientToken:
        """Create a token to join a room, and the refresh token that renews it."""
        path = f"/rooms/{encode_id('room_id', room_id)}/actions/generate_join_client_token"
        params = RoomGenerateJoinClientTokenParams(
            token_ttl_secs=token_ttl_secs, refresh_token_ttl_secs=refresh_token_ttl_secs
        )
        request = Request("POST", path, body=to_body(params), creates=True)
        return structure_data(await self._pipeline.send(request), ClientToken)

    async def refresh_client_token(
        self, room_id: str, *, refresh_token: str, token_ttl_secs: int | None = None
    ) -> RefreshedClientToken:
        """Exchange a refresh token for a new join token of the room."""
        path = f"/rooms/{encode_id('room_id', room_id)}/actions/refresh_client_token"
        params = RoomRefreshClientTokenParams(
            refresh_token=refresh_token, token_ttl_secs=token_ttl_secs
        )
        request = Request("POST", path, body=to_body(params), creates=True)
        return structure_data(await self._pipeline.send(request), RefreshedClientToken)

    def list_sessions(
        self,
        room_id: str,
        *,
        include_participants: bool | None = None,
        active: bool | None = None,
        date_created_at_eq: date | str | None = None,
        date_created_at_gte: date | str | None = None,
        date_created_at_lte: date | str | None = None,
        date_updated_at_eq: date | str | None = None,
        date_updated_at_gte: date | str | None = None,
        date_updated_at_lte: date | str | None = None,
        date_ended_at_eq: date | str | None = None,
        date_ended_at_gte: date | str | None = None,
        date_ended_at_lte: date | str | None = None,
        page_number: int | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> AsyncPaginator[RoomSession]:
        """List one room's sessions (``GET /rooms/{room_id}/sessions``)."""
        path = f"/rooms/{encode_id('room_id', room_id)}/sessions"
        params = RoomListSessionsParams(
            include_participants=include_participants,
            active=active,
            date_created_at_eq=date_created_at_eq,
            date_created_at_gte=date_created_at_gte,
            date_created_at_lte=date_created_at_lte,
            date_updated_at_eq=date_updated_at_eq,
            date_updated_at_gte=date_updated_at_gte,
            date_updated_at_lte=date_updated_at_lte,
            date_ended_at_eq=date_ended_at_eq,
            date_ended_at_gte=date_ended_at_gte,
            date_ended_at_lte=date_ended_at_lte,
        )
        query = to_query(params)
        return self._paginate(path, query, RoomSession, page_number, page_size, max_pages)
