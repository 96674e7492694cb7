"""A fake Telnyx Rooms API for tests (this project's and yours), served on loopback."""

from ._app import DEFAULT_API_KEY, FakeRoomsAPI, Filter, RecordedCall
from ._faults import Fault, Faults

__all__ = ["DEFAULT_API_KEY", "FakeRoomsAPI", "Fault", "Faults", "Filter", "RecordedCall"]
