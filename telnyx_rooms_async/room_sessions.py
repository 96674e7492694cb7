"""``client.room_sessions``: operations on ``/room_sessions``."""

from __future__ import annotations

from ._resource import Resource

__all__ = ["RoomSessions"]


class RoomSessions(Resource):
    """Operations on ``/room_sessions``."""

    __slots__ = ()
