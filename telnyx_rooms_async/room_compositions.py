"""``client.room_compositions``: operations on ``/room_compositions``."""

from __future__ import annotations

from ._resource import Resource

__all__ = ["RoomCompositions"]


class RoomCompositions(Resource):
    """Operations on ``/room_compositions``."""

    __slots__ = ()
