"""``client.room_participants``: the participants of every room session."""

from __future__ import annotations

from datetime import date

from ._converter import structure_data
from ._http import Request, encode_id
from ._pagination import AsyncPaginator
from ._resource import Resource
from .models import RoomParticipant
from .params import RoomParticipantListParams, to_query

__all__ = ["RoomParticipants"]


class RoomParticipants(Resource):
    """Operations on ``/room_participants``."""

    __slots__ = ()

    def list(
        self,
        *,
        session_id: str | None = None,
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
        """List participants of every session (``GET /room_participants``)."""
        params = RoomParticipantListParams(
            session_id=session_id,
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
        return self._paginate(
            "/room_participants", query, RoomParticipant, page_number, page_size, max_pages
        )

    async def retrieve(self, participant_id: str) -> RoomParticipant:
        """Fetch one participant (``GET /room_participants/{room_participant_id}``)."""
        path = f"/room_participants/{encode_id('participant_id', participant_id)}"
        return structure_data(await self._pipeline.send(Request("GET", path)), RoomParticipant)
