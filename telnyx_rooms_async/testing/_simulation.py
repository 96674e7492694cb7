"""Drive the fake API's world: sessions start, participants join and leave, media completes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._app import FakeRoomsAPI

__all__ = ["Simulation"]


class Simulation:
    """What happens in rooms without an API call: ``fake.sim.start_session(room_id)``…"""

    def __init__(self, api: FakeRoomsAPI) -> None:
        self._api = api
