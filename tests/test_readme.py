"""The README's Python examples compile, and the runnable ones run against the fake API."""

from __future__ import annotations

import ast
import asyncio
import base64
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import telnyx_rooms_async
from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def _block(marker: str) -> str:
    """The one README block containing ``marker``."""
    found = [b for b in BLOCKS if marker in b]
    assert len(found) == 1, f"{len(found)} README blocks contain {marker!r}"
    return found[0]


def _compile(source: str) -> Any:
    return compile(source, str(README), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i + 1}" for i in range(len(BLOCKS))])
def test_every_python_block_compiles(source: str) -> None:
    _compile(source)


async def test_quick_start_runs_against_the_fake(fake: FakeRoomsAPI) -> None:
    # The quick start reads its key and base URL from the environment, as documented.
    env = {**os.environ, "TELNYX_API_KEY": fake.api_key, "TELNYX_BASE_URL": fake.base_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _block("asyncio.run(main())"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert "My Room" in stdout.decode()
    assert fake.calls("POST", "/v2/rooms") == 1
    assert fake.calls("DELETE") == 1
    assert fake.store.rooms == {}


async def _run(source: str, namespace: dict[str, Any]) -> dict[str, Any]:
    result = eval(_compile(source), namespace)
    if result is not None:
        await result
    return namespace


async def test_pagination_and_error_examples_run(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create(unique_name="readme")
    namespace: dict[str, Any] = {
        "client": client,
        "room_id": room.id,
        "log": logging.getLogger("readme"),
    }
    await _run(_block("page = await client.rooms.list(page_size=50)"), namespace)
    assert [r.id for r in namespace["rooms"]] == [room.id]
    assert namespace["next_page"] is None
    await _run(_block("except UnprocessableEntityError as exc:"), namespace)
    assert fake.store.rooms[room.id]["max_participants"] == 20


async def test_fake_simulation_example_runs() -> None:
    namespace = await _run(
        _block("await fake.sim.start_session(room.id)  # room.active_session_id is set"),
        {"FakeRoomsAPI": FakeRoomsAPI, "RoomsClient": RoomsClient},
    )
    recording = namespace["fake"].store.recordings[namespace["rec"]["id"]]
    assert recording["status"] == "completed"
    composition = namespace["fake"].store.compositions[namespace["comp"].id]
    assert composition["status"] == "completed"


@pytest.mark.parametrize(
    "marker",
    [
        "class RoomService:",
        "app.cleanup_ctx.append(rooms_client)",
        "from telnyx_rooms_async.webhooks import (\n    ParticipantJoinedEvent,",
        "from fastapi import FastAPI, Request, Response",
    ],
)
async def test_definition_examples_import_and_define(
    marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", "KEY-readme")
    # Any 32 bytes, base64: the portal's form of an Ed25519 public key.
    monkeypatch.setenv("TELNYX_PUBLIC_KEY", base64.b64encode(bytes(range(32))).decode())
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    try:
        await _run(_block(marker), namespace)
    finally:
        for value in namespace.values():
            if isinstance(value, RoomsClient):
                await value.aclose()
    defined = {k for k in namespace if not k.startswith("__")}
    assert defined - set(dir(telnyx_rooms_async)), "the example defines nothing of its own"
