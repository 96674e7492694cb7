"""The fake's state in a file: written atomically on every change, loaded at start.

A write goes to a temporary file in the same directory, is flushed to disk (``fsync``) and
then renamed over the state file (``os.replace``), so a process killed at any moment leaves
either the previous state or the new one, never half of a file. A file that is not this
emulator's state (not JSON, another format, another version) is an error, never replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from ._store import Record, Store

__all__ = ["FORMAT", "VERSION", "StateFileError", "load_state", "save_state"]

FORMAT: Final = "telnyx-rooms-async-emulator-state"
"""The ``format`` field of a state file."""
VERSION: Final = 1
"""The ``version`` of the format this code reads and writes."""


class StateFileError(ValueError):
    """The state file cannot be read as this emulator's state; it is left as it is."""


def _document(store: Store) -> dict[str, Any]:
    tokens = [
        {**token, "token": text, "expires_at": token["expires_at"].isoformat()}
        for text, token in store.tokens.items()
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        **{name: list(table.values()) for name, table in store.tables().items()},
        "tokens": tokens,
        "muted": sorted(store.muted),
    }


def save_state(path: Path, store: Store) -> None:
    """Write ``store`` to ``path`` atomically (temporary file, fsync, rename)."""
    data = json.dumps(_document(store), separators=(",", ":")).encode()
    directory = path.parent
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    # The rename itself reaches the disk with the directory.
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _records(document: dict[str, Any], name: str, path: Path) -> list[Record]:
    items = document.get(name, [])
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in items
    ):
        raise StateFileError(f"{path}: {name!r} must be a list of objects with an 'id'")
    return items


def load_state(path: Path, store: Store) -> bool:
    """Fill ``store`` from ``path``; False (store untouched) when the file does not exist.

    Raises ``StateFileError`` when the file is not this emulator's state.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StateFileError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        document = json.loads(raw)
    except ValueError:
        raise StateFileError(f"{path}: is not JSON, so not a state file of this emulator") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateFileError(
            f'{path}: is not a state file of this emulator (no "format": {FORMAT!r})'
        )
    if document.get("version") != VERSION:
        raise StateFileError(
            f"{path}: state format version {document.get('version')!r} is not {VERSION},"
            " the one this emulator reads"
        )
    tables = {name: _records(document, name, path) for name in store.tables()}
    tokens: dict[str, Any] = {}
    try:
        for token in document.get("tokens", []):
            text = token.pop("token")
            token["expires_at"] = datetime.fromisoformat(token["expires_at"])
            tokens[text] = token
        muted = {str(m) for m in document.get("muted", [])}
    except (AttributeError, KeyError, TypeError, ValueError):
        raise StateFileError(f"{path}: its tokens or muted participants are malformed") from None
    store.clear()
    for name, items in tables.items():
        store.tables()[name].update((item["id"], item) for item in items)
    store.tokens.update(tokens)
    store.muted.update(muted)
    return True
