"""Where the vendor documents the tests read live: ``tests/data/vendor/`` (see its README)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

VENDOR: Final = Path(__file__).resolve().parent / "data" / "vendor"
#: The Video Rooms subset of the vendor's OpenAPI document.
SPEC_FILE: Final = VENDOR / "telnyx-rooms-openapi.json"
#: The vendor's "Create a room" documentation page, saved as text.
SEED_PAGE: Final = VENDOR / "create-room.txt"
