"""The offline ``demo``: a whole Rooms lifecycle against the built-in fake API."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sys
from pathlib import Path

import pytest

from telnyx_rooms_async._demo import run_demo
from telnyx_rooms_async._operations import OPERATIONS
from telnyx_rooms_async.cli import run
from telnyx_rooms_async.testing import FakeRoomsAPI

# Every operation of the table (method, path with ids as {id}): the demo runs them all.
EVERY_OPERATION = {
    (op.http_method, "/v2" + re.sub(r"\{[a-z_]+\}", "{id}", op.path)) for op in OPERATIONS
}

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

STEPS = [
    "Create a room",
    "Retrieve it, with its sessions",
    "Update it: allow 20 participants",
    "List rooms, 2 per page, across every page",
    "Filter by unique name",
    "Mint a join token",
    "Refresh it",
    "Participants join with their tokens (simulated",
    "Find the room's live session",
    "Look at the session with its participants",
    "Find a participant by context",
    "Mute everyone but Alice",
    "Unmute Bob",
    "Kick Carol",
    "End the session",
    "The recordings finish processing",
    "Fetch one recording",
    "Compose the session into one video",
    "The composition completes",
    "Clean up: delete the composition and the recordings",
    "Delete the rooms",
    "A deleted room is gone",
]


async def _run_demo() -> tuple[FakeRoomsAPI, str]:
    async with FakeRoomsAPI() as fake:
        out, err = io.StringIO(), io.StringIO()
        assert await run_demo(out, err=err, fake=fake) == 0, err.getvalue()
        assert err.getvalue() == ""
        return fake, out.getvalue()


@pytest.fixture(scope="module")
def demo() -> tuple[FakeRoomsAPI, str]:
    """One run of the demo, which the tests below read (the fake's state stays readable)."""
    return asyncio.run(_run_demo())


def test_demo_runs_every_operation(demo: tuple[FakeRoomsAPI, str]) -> None:
    fake, _ = demo
    seen = {(c.method, _UUID.sub("{id}", c.path)) for c in fake.requests}
    assert seen == EVERY_OPERATION
    assert all(c.authorized for c in fake.requests)


def test_demo_cleans_up_after_itself(demo: tuple[FakeRoomsAPI, str]) -> None:
    fake, _ = demo
    assert fake.store.rooms == {}
    assert fake.store.recordings == {}
    assert fake.store.compositions == {}
    session = next(iter(fake.store.sessions.values()))
    assert session["active"] is False
    assert all(p["left_at"] is not None for p in fake.store.participants.values())


def test_demo_prints_each_step_in_order(demo: tuple[FakeRoomsAPI, str]) -> None:
    _, text = demo
    titles = re.findall(r"^ ?(\d+)\. (.+)$", text, flags=re.M)
    assert [int(n) for n, _ in titles] == list(range(1, len(STEPS) + 1))
    for (_, title), expected in zip(titles, STEPS, strict=True):
        assert title.startswith(expected)
    # Each step shows the requests it sent, as the server received them.
    assert "-> PATCH /v2/rooms/" in text
    assert '{"max_participants": 20}' in text
    assert "muted now: Bob, Carol" in text
    assert "muted now: Carol" in text
    assert "bulk delete removed 1 more recording(s)" in text
    assert "rooms left: 0" in text
    assert "NotFoundError: HTTP 404" in text
    assert "video.room.participant.joined" in text
    assert text.rstrip().endswith("all answered by the fake API.")


def test_demo_shortens_tokens(demo: tuple[FakeRoomsAPI, str]) -> None:
    fake, text = demo
    tokens = list(fake.store.tokens)
    assert len(tokens) == 3
    for token in tokens:
        assert token not in text
    assert re.search(r"token +fake-client-.{8}… \(\d+ characters\)", text)


async def test_demo_stops_with_exit_1_when_the_api_fails() -> None:
    async with FakeRoomsAPI() as fake:
        # Retry-After: 0, so that the client's retries do not sleep.
        fake.faults.fail(
            "PATCH", "/v2/rooms/*", status=500, headers={"Retry-After": "0"}, times=None
        )
        out, err = io.StringIO(), io.StringIO()
        code = await run_demo(out, err=err, fake=fake)
    assert code == 1
    assert "demo: error: HTTP 500 — [500] Injected failure" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert " 3. Update it" in out.getvalue()
    assert " 4. " not in out.getvalue()


async def test_demo_through_the_command_line_ignores_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TELNYX_API_KEY", raising=False)
    monkeypatch.setenv("TELNYX_BASE_URL", "https://api.telnyx.invalid/v2")
    out, err = io.StringIO(), io.StringIO()
    assert await run(["demo"], stdout=out, stderr=err) == 0, err.getvalue()
    assert "http://127.0.0.1:" in out.getvalue()
    assert "22. A deleted room is gone" in out.getvalue()


def _offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELNYX_")}
    # Any attempt to reach the network would fail: the demo must not need it.
    env.update(
        TELNYX_BASE_URL="https://api.telnyx.invalid/v2",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
    )
    return env


async def test_demo_as_a_process() -> None:
    # The console script; `python -m telnyx_rooms_async` is run by test_cli.py.
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "telnyx-rooms"),
        "demo",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_offline_env(),
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    text = out.decode()
    assert text.startswith("telnyx-rooms demo: the whole Rooms family, offline")
    assert "22. A deleted room is gone" in text
    assert err.decode() == ""
