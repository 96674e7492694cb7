"""Helpers of the command-line tests: run ``telnyx-rooms`` in this loop or as a process."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import attrs

from telnyx_rooms_async.cli import run
from telnyx_rooms_async.testing import FakeRoomsAPI

#: A fake API key that looks like a real secret, to catch it in any output.
SECRET = "KEY-very-secret-0123456789"

CONSOLE_SCRIPT = Path(sys.executable).parent / "telnyx-rooms"


@attrs.frozen
class Result:
    """What one run printed, and its exit status."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """Stdout as one JSON document."""
        return json.loads(self.out)

    def lines(self) -> list[Any]:
        """Stdout as JSON lines."""
        return [json.loads(line) for line in self.out.splitlines()]

    def check_clean(self) -> None:
        """No key and no traceback anywhere in the output."""
        assert SECRET not in self.out
        assert SECRET not in self.err
        assert "Traceback" not in self.err


def connection(fake: FakeRoomsAPI, key: str | None = None) -> list[str]:
    """The options that point the command line at ``fake``."""
    return [
        "--base-url",
        fake.base_url,
        "--api-key",
        key or fake.api_key,
        "--max-retries",
        "0",
        "--timeout",
        "10",
    ]


async def cli(fake: FakeRoomsAPI | None, *args: str, key: str | None = None) -> Result:
    """Run the CLI in this loop with the fake's URL and key; check the key never shows."""
    argv = list(args) + (connection(fake, key) if fake is not None else [])
    out, err = io.StringIO(), io.StringIO()
    code = await run(argv, stdout=out, stderr=err)
    result = Result(code, out.getvalue(), err.getvalue())
    result.check_clean()
    return result


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without TELNYX_* settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELNYX_")}
    env.update(extra)
    return env


async def spawn(*argv: str, env: dict[str, str] | None = None) -> Result:
    """Run a process to its end (bounded in time) and return what it printed."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env if env is not None else clean_env(),
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    result = Result(proc.returncode, out.decode(), err.decode())
    result.check_clean()
    return result


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subparsers of ``parser`` by name."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def leaf(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The parser of one subcommand, such as ``rooms get``."""
    group, verb = command.split()
    return subcommands(subcommands(parser)[group])[verb]
