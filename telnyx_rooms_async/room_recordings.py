"""``client.room_recordings``: operations on ``/room_recordings``."""

from __future__ import annotations

from ._resource import Resource

__all__ = ["RoomRecordings"]


class RoomRecordings(Resource):
    """Operations on ``/room_recordings``."""

    __slots__ = ()
