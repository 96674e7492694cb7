"""The command line's name and exit statuses, shared by ``cli`` and the demo it runs."""

from __future__ import annotations

from typing import Final

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "PROG"]

PROG: Final = "telnyx-rooms"
#: Exit status of a failed API call, a connection failure or a bad reply.
EXIT_FAILURE: Final = 1
#: Exit status of bad usage: unknown option, invalid value, missing key, unconfirmed delete.
EXIT_USAGE: Final = 2
