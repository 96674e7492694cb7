"""``python -m telnyx_rooms_async``: the ``telnyx-rooms`` command line."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
