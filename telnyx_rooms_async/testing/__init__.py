"""A fake Telnyx Rooms API for tests (this project's and yours), served on loopback.

``FakeRoomsAPI`` runs in-process (and behind the pytest fixtures ``rooms_fake`` and
``rooms_client``); ``python -m telnyx_rooms_async.testing`` runs the same fake as a
standalone emulator (see ``emulator.main``). The names below are imported on first use, so
the pytest plugin that lives here costs nothing in test runs that do not use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._lazy import namespace

if TYPE_CHECKING:
    from ._app import (
        DEFAULT_API_KEY as DEFAULT_API_KEY,
    )
    from ._app import (
        FakeRoomsAPI as FakeRoomsAPI,
    )
    from ._app import (
        RecordedCall as RecordedCall,
    )
    from ._delivery import DeliveryAttempt as DeliveryAttempt
    from ._delivery import WebhookDelivery as WebhookDelivery
    from ._faults import Fault as Fault
    from ._faults import Faults as Faults
    from ._simulation import Simulation as Simulation
    from ._state import StateFileError as StateFileError
    from ._storage import StorageRequest as StorageRequest
    from ._storage import media_bytes as media_bytes

#: Where each public name is defined.
_HOMES: Final[dict[str, tuple[str, ...]]] = {
    "._app": ("DEFAULT_API_KEY", "FakeRoomsAPI", "RecordedCall"),
    "._delivery": ("DeliveryAttempt", "WebhookDelivery"),
    "._faults": ("Fault", "Faults"),
    "._simulation": ("Simulation",),
    "._state": ("StateFileError",),
    "._storage": ("StorageRequest", "media_bytes"),
}
__all__, __getattr__, __dir__ = namespace(__name__, _HOMES, globals())
