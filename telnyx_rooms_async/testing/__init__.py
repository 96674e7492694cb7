"""A fake Telnyx Rooms API for tests (this project's and yours), served on loopback.

``FakeRoomsAPI`` runs in-process (and behind the pytest fixtures ``rooms_fake`` and
``rooms_client``); ``python -m telnyx_rooms_async.testing`` runs the same fake as a
standalone emulator (see ``emulator.main``).
"""

from ._app import DEFAULT_API_KEY, FakeRoomsAPI, RecordedCall
from ._delivery import DeliveryAttempt, WebhookDelivery
from ._faults import Fault, Faults
from ._simulation import Simulation
from ._state import StateFileError
from ._storage import StorageRequest, media_bytes

__all__ = [
    "DEFAULT_API_KEY",
    "DeliveryAttempt",
    "FakeRoomsAPI",
    "Fault",
    "Faults",
    "RecordedCall",
    "Simulation",
    "StateFileError",
    "StorageRequest",
    "WebhookDelivery",
    "media_bytes",
]
