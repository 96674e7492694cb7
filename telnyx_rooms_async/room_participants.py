"""``client.room_participants``: operations on ``/room_participants``."""

from __future__ import annotations

from ._resource import Resource

__all__ = ["RoomParticipants"]


class RoomParticipants(Resource):
    """Operations on ``/room_participants``."""

    __slots__ = ()
