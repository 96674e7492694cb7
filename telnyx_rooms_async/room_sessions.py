"""``client.room_sessions``: inspect room sessions, end them, kick and mute participants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from ._converter import structure_data
from ._http import Request, encode_id
from ._pagination import AsyncPaginator
from ._resource import Resource
from .models import ActionResult, RoomParticipant, RoomSession
from .params import (
    RoomSessionActionParams,
    RoomSessionListParams,
    RoomSessionListParticipantsParams,
    RoomSessionRetrieveParams,
    to_body,
    to_query,
)

__all__ = ["RoomSessions"]


def _path(session_id: str, tail: str = "") -> str:
    return f"/room_sessions/{encode_id('session_id', session_id)}{tail}"


class RoomSessions(Resource):
    """Operations on ``/room_sessions``."""

    __slots__ = ()

    def list(
        self,
        *,
        include_participants: bool | None = None,
        room_id: str | None = None,
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
        """List room sessions of every room (``GET /room_sessions``)."""
        params = RoomSessionListParams(
            include_participants=include_participants,
            room_id=room_id,
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
        return self._paginate(
            "/room_sessions", query, RoomSession, page_number, page_size, max_pages
        )

    async def retrieve(
        self, session_id: str, *, include_participants: bool | None = None
    ) -> RoomSession:
        """Fetch one room session (``GET /room_sessions/{room_session_id}``)."""
        path = _path(session_id)
        query = to_query(RoomSessionRetrieveParams(include_participants=include_participants))
        return structure_data(await self._pipeline.send(Request("GET", path, query)), RoomSession)

    def list_participants(
        self,
        session_id: str,
        *,
        context: str | None = None,
        date_joined_at_eq: date | str | None = None,
        date_joined_at_gte: date | str | None = None,
        date_joined_at_lte: date | str | None = None,
        date_updated_at_eq: date | str | None = None,
        date_updated_at_gte: date | str | None = None,
        date_updated_at_lte: date | str | None = None,
        date_left_at_eq: date | str | None = None,
        date_left_at_gte: date | str | None = None,
        date_left_at_lte: date | str | None = None,
        page_number: int | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> AsyncPaginator[RoomParticipant]:
        """List a session's participants (``GET /room_sessions/{room_session_id}/participants``)."""
        path = _path(session_id, "/participants")
        params = RoomSessionListParticipantsParams(
            context=context,
            date_joined_at_eq=date_joined_at_eq,
            date_joined_at_gte=date_joined_at_gte,
            date_joined_at_lte=date_joined_at_lte,
            date_updated_at_eq=date_updated_at_eq,
            date_updated_at_gte=date_updated_at_gte,
            date_updated_at_lte=date_updated_at_lte,
            date_left_at_eq=date_left_at_eq,
            date_left_at_gte=date_left_at_gte,
            date_left_at_lte=date_left_at_lte,
        )
        query = to_query(params)
        return self._paginate(path, query, RoomParticipant, page_number, page_size, max_pages)

    async def end(self, session_id: str) -> ActionResult:
        """End a session; every participant still in it is removed."""
        request = Request("POST", _path(session_id, "/actions/end"), creates=True)
        return structure_data(await self._pipeline.send(request), ActionResult)

    async def kick(
        self,
        session_id: str,
        *,
        participants: Literal["all"] | Sequence[str],
        exclude: Sequence[str] | None = None,
    ) -> ActionResult:
        """Remove participants (``"all"`` or a list of ids, minus ``exclude``) from a session."""
        return await self._act(session_id, "kick", participants, exclude)

    async def mute(
        self,
        session_id: str,
        *,
        participants: Literal["all"] | Sequence[str],
        exclude: Sequence[str] | None = None,
    ) -> ActionResult:
        """Mute participants (``"all"`` or a list of ids, minus ``exclude``) of a session."""
        return await self._act(session_id, "mute", participants, exclude)

    async def unmute(
        self,
        session_id: str,
        *,
        participants: Literal["all"] | Sequence[str],
        exclude: Sequence[str] | None = None,
    ) -> ActionResult:
        """Unmute participants (``"all"`` or a list of ids, minus ``exclude``) of a session."""
        return await self._act(session_id, "unmute", participants, exclude)

    async def _act(
        self,
        session_id: str,
        action: str,
        participants: Literal["all"] | Sequence[str],
        exclude: Sequence[str] | None,
    ) -> ActionResult:
        path = _path(session_id, f"/actions/{action}")
        body = to_body(RoomSessionActionParams(participants=participants, exclude=exclude))
        request = Request("POST", path, body=body, creates=True)
        return structure_data(await self._pipeline.send(request), ActionResult)
