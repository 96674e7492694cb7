"""A fake Telnyx Rooms API for tests (this project's and yours), served on loopback."""

from ._app import DEFAULT_API_KEY, FakeRoomsAPI, Filter, RecordedCall
from ._delivery import DeliveryAttempt, WebhookDelivery
from ._faults import Fault, Faults

__all__ = [
    "DEFAULT_API_KEY",
    "DeliveryAttempt",
    "FakeRoomsAPI",
    "Fault",
    "Faults",
    "Filter",
    "RecordedCall",
    "WebhookDelivery",
]
