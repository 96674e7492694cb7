"""The standalone emulator: the fake Rooms API as a server, for services in any language.

``python -m telnyx_rooms_async.testing [options]`` (or ``telnyx-rooms emulator [options]``)
serves the same implementation as ``FakeRoomsAPI``, until SIGINT or SIGTERM: the Rooms API
under ``/v2``, the admin API under ``/_emulator/``, and the storage origin of downloads on
a second port. It prints one line when it listens::

    telnyx-rooms emulator: base_url=http://127.0.0.1:4010/v2 storage_url=http://127.0.0.1:41234
    webhook_public_key=<base64> api_key=default state=none

(on one line), then one line per request on standard error. Exit status: 0 when stopped, 2
when it cannot start (a port in use, a state file that is not the emulator's, a bad option).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Final

from ._app import DEFAULT_API_KEY, FakeRoomsAPI
from ._delivery import DEFAULT_BACKOFF, DEFAULT_RETRIES
from ._state import StateFileError
from ._storage import DEFAULT_URL_TTL

__all__ = ["DEFAULT_PORT", "main"]

DEFAULT_PORT: Final = 4010
"""The port the emulator's API listens on unless told otherwise (``--port 0``: a free one)."""
_NAME: Final = "telnyx-rooms emulator"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_NAME,
        description=(
            "Serve a fake Telnyx Video Rooms API (with an admin API under /_emulator/, signed"
            " webhooks and a storage origin for downloads) until stopped."
        ),
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    add(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="API port; 0 for a free one (default: %(default)s)",
    )
    add(
        "--storage-port",
        type=int,
        default=0,
        help="port of the storage origin (default: a free one)",
    )
    add(
        "--api-key",
        default=DEFAULT_API_KEY,
        help="the bearer token accepted (default: the fake's own)",
    )
    add("--state", metavar="FILE", help="keep the state in FILE across restarts")
    add(
        "--webhook-key",
        metavar="BASE64",
        help="the Ed25519 seed (32 bytes, base64) that signs webhooks",
    )
    add(
        "--allow-webhook-host",
        metavar="HOST",
        action="append",
        default=[],
        help="a host webhooks may be sent to besides loopback (repeatable)",
    )
    add(
        "--webhook-retries",
        type=int,
        default=DEFAULT_RETRIES,
        help="retries per webhook URL (default: %(default)s)",
    )
    add(
        "--webhook-backoff",
        type=float,
        default=DEFAULT_BACKOFF,
        help="seconds before the first webhook retry, doubling (default: %(default)s)",
    )
    add(
        "--webhook-delivery",
        choices=("background", "inline"),
        default="background",
        help="deliver webhooks after the call that caused them returns (background), or before"
        " it returns (inline); default: %(default)s",
    )
    add(
        "--download-url-ttl",
        type=float,
        default=DEFAULT_URL_TTL,
        help="seconds a download URL is valid",
    )
    add(
        "--journal-limit",
        type=int,
        default=10_000,
        help="the most requests, downloads and webhooks each journal keeps (default: %(default)s)",
    )
    add(
        "--strict",
        action="store_true",
        help="refuse unknown body fields with 422 (the API accepts them)",
    )
    add("--allow-duplicate-names", action="store_true", help="do not enforce unique room names")
    add("--quiet", action="store_true", help="no line per request on standard error")
    return parser


def _fail(message: str) -> int:
    print(f"{_NAME}: error: {message}", file=sys.stderr, flush=True)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator with the command-line arguments ``argv`` (default ``sys.argv[1:]``).

    Blocks until SIGINT or SIGTERM; returns the exit status (0 when stopped, 2 when it could
    not start: a bad option, a port in use, a state file that is not the emulator's).
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already reported
        return exc.code if isinstance(exc.code, int) else 2
    if not args.quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger = logging.getLogger("telnyx_rooms_async.testing")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        fake = FakeRoomsAPI(
            api_key=args.api_key,
            host=args.host,
            port=args.port,
            storage_port=args.storage_port,
            strict=args.strict,
            unique_names=not args.allow_duplicate_names,
            state_path=args.state,
            webhook_key=args.webhook_key,
            webhook_retries=args.webhook_retries,
            webhook_backoff=args.webhook_backoff,
            allow_webhook_hosts=args.allow_webhook_host,
            webhook_delivery=args.webhook_delivery,
            download_url_ttl=args.download_url_ttl,
            journal_limit=args.journal_limit,
        )
        public_key = fake.webhooks.public_key
    except (StateFileError, ValueError, ImportError) as exc:
        return _fail(str(exc))
    return asyncio.run(_serve(fake, public_key, api_key_set=args.api_key != DEFAULT_API_KEY))


async def _serve(fake: FakeRoomsAPI, public_key: str, *, api_key_set: bool) -> int:
    try:
        await fake.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return _fail(
            f"cannot listen on {fake.host} (port {fake.port} or {fake.storage_port}): {reason}"
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows' default loop
            loop.add_signal_handler(signum, stop.set)
    state = str(fake.state_path) if fake.state_path is not None else "none"
    print(
        f"{_NAME}: base_url={fake.base_url} storage_url={fake.storage_url}"
        f" webhook_public_key={public_key} api_key={'set' if api_key_set else 'default'}"
        f" state={state}",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await fake.close()
    return 0
