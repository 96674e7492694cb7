"""``client.room_recordings``: the per-participant recordings of room sessions."""

from __future__ import annotations

from datetime import date

from ._converter import structure_data
from ._errors import APIResponseValidationError
from ._http import Request, encode_id
from ._pagination import AsyncPaginator
from ._resource import Resource
from .models import RoomRecording, RoomRecordingsDeleted
from .params import RoomRecordingDeleteBulkParams, RoomRecordingListParams, to_query

__all__ = ["RoomRecordings"]


def _path(recording_id: str) -> str:
    return f"/room_recordings/{encode_id('recording_id', recording_id)}"


class RoomRecordings(Resource):
    """Operations on ``/room_recordings``."""

    __slots__ = ()

    def list(
        self,
        *,
        room_id: str | None = None,
        session_id: str | None = None,
        participant_id: str | None = None,
        status: str | None = None,
        type: str | None = None,
        duration_secs: int | None = None,
        date_started_at_eq: date | str | None = None,
        date_started_at_gte: date | str | None = None,
        date_started_at_lte: date | str | None = None,
        date_ended_at_eq: date | str | None = None,
        date_ended_at_gte: date | str | None = None,
        date_ended_at_lte: date | str | None = None,
        page_number: int | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> AsyncPaginator[RoomRecording]:
        """List recordings (``GET /room_recordings``); ``duration_secs`` is a minimum."""
        params = RoomRecordingListParams(
            room_id=room_id,
            session_id=session_id,
            participant_id=participant_id,
            status=status,
            type=type,
            duration_secs=duration_secs,
            date_started_at_eq=date_started_at_eq,
            date_started_at_gte=date_started_at_gte,
            date_started_at_lte=date_started_at_lte,
            date_ended_at_eq=date_ended_at_eq,
            date_ended_at_gte=date_ended_at_gte,
            date_ended_at_lte=date_ended_at_lte,
        )
        query = to_query(params)
        return self._paginate(
            "/room_recordings", query, RoomRecording, page_number, page_size, max_pages
        )

    async def retrieve(self, recording_id: str) -> RoomRecording:
        """Fetch one recording (``GET /room_recordings/{room_recording_id}``)."""
        body = await self._pipeline.send(Request("GET", _path(recording_id)))
        return structure_data(body, RoomRecording)

    async def delete(self, recording_id: str) -> None:
        """Delete a recording (``DELETE /room_recordings/{room_recording_id}``)."""
        await self._pipeline.send(Request("DELETE", _path(recording_id)))

    async def delete_bulk(
        self,
        *,
        room_id: str | None = None,
        session_id: str | None = None,
        participant_id: str | None = None,
        status: str | None = None,
        type: str | None = None,
        duration_secs: int | None = None,
        date_started_at_eq: date | str | None = None,
        date_started_at_gte: date | str | None = None,
        date_started_at_lte: date | str | None = None,
        date_ended_at_eq: date | str | None = None,
        date_ended_at_gte: date | str | None = None,
        date_ended_at_lte: date | str | None = None,
        all_recordings: bool = False,
    ) -> int:
        """Delete every recording the filters match (``DELETE /room_recordings``); the count.

        With no filter the API deletes every recording of the account, so that call needs
        ``all_recordings=True`` (and then no filter) as proof it is meant.
        """
        params = RoomRecordingDeleteBulkParams(
            room_id=room_id,
            session_id=session_id,
            participant_id=participant_id,
            status=status,
            type=type,
            duration_secs=duration_secs,
            date_started_at_eq=date_started_at_eq,
            date_started_at_gte=date_started_at_gte,
            date_started_at_lte=date_started_at_lte,
            date_ended_at_eq=date_ended_at_eq,
            date_ended_at_gte=date_ended_at_gte,
            date_ended_at_lte=date_ended_at_lte,
            all_recordings=all_recordings,
        )
        request = Request("DELETE", "/room_recordings", to_query(params))
        body = await self._pipeline.send(request)
        count = structure_data(body, RoomRecordingsDeleted).room_recordings
        # The whole result is this one number: its type is checked, unlike model fields
        # (isinstance, since ``type`` here is a filter argument).
        if not isinstance(count, int) or isinstance(count, bool):
            raise APIResponseValidationError("the reply's 'data.room_recordings' is not an integer")
        return count
