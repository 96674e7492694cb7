"""``python -m telnyx_rooms_async.testing``: run the standalone emulator."""

from .emulator import main

if __name__ == "__main__":
    raise SystemExit(main())
