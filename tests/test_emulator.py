"""The standalone emulator, run as a subprocess: ``python -m telnyx_rooms_async.testing``."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fakehttp import Receiver, raw, serve

from telnyx_rooms_async import AuthenticationError, RoomsClient
from telnyx_rooms_async.testing import DEFAULT_API_KEY, FakeRoomsAPI, media_bytes
from telnyx_rooms_async.testing.emulator import main
from telnyx_rooms_async.webhooks import ParticipantJoinedEvent, WebhookVerifier

SEED = bytes(range(100, 132))
SEED_TEXT = base64.b64encode(SEED).decode()
START_TIMEOUT = 30.0
ROOT = Path(__file__).resolve().parent.parent


@attrs.define
class Running:
    """A started emulator: its process, what it printed, and where its log goes."""

    process: subprocess.Popen[str]
    line: str
    log: Path
    fields: dict[str, str] = attrs.field(factory=dict)

    @property
    def base_url(self) -> str:
        return self.fields["base_url"]

    @property
    def admin_url(self) -> str:
        return self.base_url.removesuffix("/v2") + "/_emulator"

    def client(self, **options: Any) -> RoomsClient:
        return RoomsClient(DEFAULT_API_KEY, base_url=self.base_url, timeout=10, **options)

    def stop(self, signum: int = signal.SIGTERM) -> float:
        """Send ``signum``; the seconds until the process was gone."""
        started = time.monotonic()
        self.process.send_signal(signum)
        self.process.wait(timeout=10)
        return time.monotonic() - started

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _first_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=START_TIMEOUT):
            process.kill()
            raise AssertionError("the emulator printed nothing")
    return process.stdout.readline()


def launch(log: Path, *args: str) -> subprocess.Popen[str]:
    """Start the emulator (a free port unless ``args`` name one); its stderr goes to ``log``."""
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "telnyx_rooms_async.testing", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=ROOT,
        )


def start(log: Path, *args: str) -> Running:
    process = launch(log, *args)
    line = _first_line(process)
    assert line.startswith("telnyx-rooms emulator: "), (line, log.read_text())
    fields = dict(item.split("=", 1) for item in line.split()[2:])
    return Running(process, line, log, fields)


@contextlib.contextmanager
def running(log: Path, *args: str) -> Iterator[Running]:
    emulator = start(log, *args)
    try:
        yield emulator
    finally:
        if emulator.process.poll() is None:
            emulator.process.kill()
            emulator.process.wait(timeout=10)
        if emulator.process.stdout is not None:
            emulator.process.stdout.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One emulator for the tests that reset it first."""
    log = tmp_path_factory.mktemp("emulator") / "stderr.log"
    with running(
        log,
        "--webhook-key",
        SEED_TEXT,
        "--webhook-retries",
        "1",
        "--webhook-backoff",
        "0",
        "--allow-webhook-host",
        "203.0.113.9",
    ) as emulator:
        yield emulator


@pytest.fixture
async def emulator(shared: Running) -> Running:
    status, _ = await raw(shared.admin_url, "POST", "/reset")
    assert status == 200
    return shared


async def admin(emulator: Running, method: str, path: str, body: Any = None) -> Any:
    status, document = await raw(emulator.admin_url, method, path, body=body)
    assert 200 <= status < 300, (method, path, status, document)
    return document["data"]


async def drained(emulator: Running) -> list[dict[str, Any]]:
    await admin(emulator, "POST", "/webhooks/drain")
    deliveries: list[dict[str, Any]] = await admin(emulator, "GET", "/webhooks")
    return deliveries


# -- the start line, the public API and the admin API -------------------------------------------


async def test_the_start_line_and_a_round_trip(emulator: Running) -> None:
    fields = emulator.fields
    assert fields["base_url"].startswith("http://127.0.0.1:")
    assert fields["base_url"].endswith("/v2")
    assert fields["storage_url"] != fields["base_url"].removesuffix("/v2")
    assert (fields["api_key"], fields["state"]) == ("default", "none")
    assert DEFAULT_API_KEY not in emulator.line
    async with emulator.client() as client:
        room = await client.rooms.create(unique_name="standup")
        page = await client.rooms.list(unique_name="standup")
        assert [r.id for r in page.items] == [room.id]
        session = await admin(emulator, "POST", f"/rooms/{room.id}/sessions")
        alice = await admin(
            emulator, "POST", f"/room_sessions/{session['id']}/participants", {"context": "Alice"}
        )
        people = await client.room_sessions.list_participants(session["id"])
        assert [(p.id, p.context) for p in people.items] == [(alice["id"], "Alice")]
    calls = await admin(emulator, "GET", "/requests")
    assert [c["operation"] for c in calls] == [
        "rooms.create",
        "rooms.list",
        "room_sessions.list_participants",
    ]
    assert DEFAULT_API_KEY not in json.dumps(calls)
    health = await admin(emulator, "GET", "/health")
    assert (health["status"], health["storage_url"]) == ("ok", fields["storage_url"])


async def test_one_log_line_per_request_and_no_key(emulator: Running) -> None:
    async with emulator.client() as client:
        await client.rooms.create(unique_name="logged")
    await admin(emulator, "GET", "/health")
    await asyncio.sleep(0)  # the lines are written before the replies
    text = emulator.log_text()
    assert "POST /v2/rooms -> 201" in text
    assert "admin GET /_emulator/health -> 200" in text
    assert DEFAULT_API_KEY not in text


# -- webhooks out --------------------------------------------------------------------------------


async def test_a_signed_participant_joined_reaches_a_receiver(emulator: Running) -> None:
    receiver = Receiver(200)
    async with serve(receiver.app) as base, emulator.client() as client:
        room = await client.rooms.create(webhook_event_url=f"{base}/hooks")
        session = await admin(emulator, "POST", f"/rooms/{room.id}/sessions")
        alice = await admin(
            emulator, "POST", f"/room_sessions/{session['id']}/participants", {"context": "Alice"}
        )
        deliveries = await drained(emulator)
    assert [(d["event_type"], d["ok"]) for d in deliveries] == [
        ("video.room.session.started", True),
        ("video.room.participant.joined", True),
    ]
    public_key = (await admin(emulator, "GET", "/webhooks/public_key"))["public_key"]
    assert public_key == emulator.fields["webhook_public_key"]
    expected = (
        Ed25519PrivateKey.from_private_bytes(SEED)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    assert base64.b64decode(public_key) == expected
    verifier = WebhookVerifier(public_key)
    body, headers = receiver.calls[1]
    event = verifier.construct_event(body, headers)
    assert isinstance(event, ParticipantJoinedEvent)
    assert (event.payload.participant_id, event.payload.context) == (alice["id"], "Alice")
    assert event.payload.room_id == room.id


async def test_retries_then_the_failover(emulator: Running) -> None:
    primary, failover = Receiver(500), Receiver(200)
    async with (
        serve(primary.app) as one,
        serve(failover.app) as two,
        emulator.client() as client,
    ):
        room = await client.rooms.create(
            webhook_event_url=f"{one}/hooks", webhook_event_failover_url=f"{two}/hooks"
        )
        await admin(emulator, "POST", f"/rooms/{room.id}/sessions")
        deliveries = await drained(emulator)
    assert [(d["url"], d["status"], d["attempt"]) for d in deliveries] == [
        (f"{one}/hooks", 500, 1),
        (f"{one}/hooks", 500, 2),
        (f"{two}/hooks", 200, 3),
    ]
    assert len(primary.calls) == 2 and len(failover.calls) == 1


async def test_a_host_that_is_not_allowed_is_refused_and_journaled(emulator: Running) -> None:
    async with emulator.client() as client:
        room = await client.rooms.create(webhook_event_url="https://hooks.example.com/in")
        allowed = await client.rooms.create(
            webhook_event_url="http://203.0.113.9/in", webhook_timeout_secs=1
        )
        await admin(emulator, "POST", f"/rooms/{room.id}/sessions")
        await admin(emulator, "POST", f"/rooms/{allowed.id}/sessions")
        refused, tried, retried = await drained(emulator)
    assert refused["url"] == "https://hooks.example.com/in"
    assert refused["status"] is None
    assert refused["error"].startswith("not sent: hooks.example.com")
    # The allowed host is contacted (nothing answers at this documentation address).
    assert tried["url"] == retried["url"] == "http://203.0.113.9/in"
    assert not tried["error"].startswith("not sent")
    assert "hooks.example.com is not loopback or an allowed webhook host" in emulator.log_text()


# -- storage -----------------------------------------------------------------------------------


async def test_downloads_from_the_storage_origin(emulator: Running) -> None:
    async with emulator.client() as client:
        room = await client.rooms.create()
        session = await admin(emulator, "POST", f"/rooms/{room.id}/sessions")
        alice = await admin(emulator, "POST", f"/room_sessions/{session['id']}/participants")
        recording = await admin(
            emulator,
            "POST",
            f"/room_sessions/{session['id']}/recordings",
            {"participant_id": alice["id"], "type": "video"},
        )
        await admin(
            emulator, "POST", f"/room_recordings/{recording['id']}/complete", {"size_mb": 0.2}
        )
        fetched = await client.room_recordings.retrieve(recording["id"])
    assert fetched.download_url is not None
    assert fetched.download_url.startswith(emulator.fields["storage_url"] + "/recordings/")
    status, body = await raw(fetched.download_url, "GET", "")
    assert (status, body) == (200, media_bytes(recording["id"], 200_000))
    [seen] = await admin(emulator, "GET", "/storage/requests")
    assert seen["authorization"] is False
    await admin(emulator, "POST", "/storage/expire")
    assert (await raw(fetched.download_url, "GET", ""))[0] == 403


# -- stopping, starting, failing to start ------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_it_within_a_second(tmp_path: Path, signum: int) -> None:
    with running(tmp_path / "stderr.log") as emulator:
        async with emulator.client() as client:
            await client.rooms.create()  # a pooled keep-alive connection stays open
            elapsed = await asyncio.to_thread(emulator.stop, signum)
    assert elapsed < 1.0
    assert emulator.process.returncode == 0


async def test_a_delivery_stuck_in_a_request_does_not_hold_the_stop(tmp_path: Path) -> None:
    arrived, release = asyncio.Event(), asyncio.Event()

    async def stuck(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hooks", stuck)
    log = tmp_path / "stderr.log"
    async with serve(app) as base:
        with running(log, "--webhook-delivery", "inline") as emulator:
            async with emulator.client() as client:
                room = await client.rooms.create(webhook_event_url=f"{base}/hooks")
            # The admin call waits for a delivery that never ends.
            call = asyncio.create_task(
                raw(emulator.admin_url, "POST", f"/rooms/{room.id}/sessions")
            )
            await asyncio.wait_for(arrived.wait(), 20)
            elapsed = await asyncio.to_thread(emulator.stop)
            with contextlib.suppress(Exception):
                await call
        release.set()
    assert elapsed < 1.0
    assert emulator.process.returncode == 0


async def test_a_port_in_use_exits_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = launch(tmp_path / "stderr.log", "--port", str(port))
        code = await asyncio.to_thread(process.wait, 30)
    assert process.stdout is not None
    assert process.stdout.read() == ""
    process.stdout.close()
    assert code == 2
    text = (tmp_path / "stderr.log").read_text()
    assert f"cannot listen on 127.0.0.1 (port {port}" in text
    assert "in use" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--webhook-key", "short"), "webhook key"),
        (("--port", "many"), "invalid int value"),
        (("--webhook-retries", "-1"), "retries"),
    ],
)
async def test_bad_options_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    process = launch(tmp_path / "stderr.log", *args)
    assert await asyncio.to_thread(process.wait, 30) == 2
    assert process.stdout is not None
    process.stdout.close()
    assert message in (tmp_path / "stderr.log").read_text()


async def test_a_restart_with_state_keeps_the_room(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with running(tmp_path / "one.log", "--state", str(state)) as first:
        assert first.fields["state"] == str(state)
        async with first.client() as client:
            room = await client.rooms.create(unique_name="kept")
        await asyncio.to_thread(first.stop)
    with running(tmp_path / "two.log", "--state", str(state)) as second:
        async with second.client() as client:
            again = await client.rooms.retrieve(room.id)
    assert again.unique_name == "kept"


@pytest.mark.parametrize("content", [b"not json at all", b'{"format": "something-else"}'])
async def test_a_corrupt_state_file_exits_2_and_is_kept(tmp_path: Path, content: bytes) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content)
    process = launch(tmp_path / "stderr.log", "--state", str(state))
    assert await asyncio.to_thread(process.wait, 30) == 2
    assert process.stdout is not None
    process.stdout.close()
    assert "not" in (tmp_path / "stderr.log").read_text()
    assert state.read_bytes() == content


BURST = 60


async def creates(emulator: Running, acknowledged: list[str], enough: asyncio.Event) -> None:
    """Create rooms until the process is gone; ``enough`` once ``BURST`` were acknowledged."""
    async with emulator.client(max_retries=0) as client:
        while True:
            try:
                room = await client.rooms.create()
            except Exception:
                return
            acknowledged.append(room.id)
            if len(acknowledged) >= BURST:
                enough.set()


async def test_kill_9_during_a_burst_of_writes_leaves_a_loadable_state(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    acknowledged: list[str] = []
    enough = asyncio.Event()
    with running(tmp_path / "stderr.log", "--state", str(state), "--quiet") as emulator:
        workers = [asyncio.create_task(creates(emulator, acknowledged, enough)) for _ in range(4)]
        await asyncio.wait_for(enough.wait(), 20)
        # Mid-burst: four creates are in flight when the process dies.
        os.kill(emulator.process.pid, signal.SIGKILL)
        await asyncio.to_thread(emulator.process.wait, 10)
        await asyncio.wait_for(asyncio.gather(*workers), 20)
    assert len(acknowledged) >= BURST
    loaded = FakeRoomsAPI(state_path=state)
    # Every create the client saw succeed was written before its reply.
    assert set(acknowledged) <= set(loaded.store.rooms)


async def test_another_api_key(tmp_path: Path) -> None:
    with running(tmp_path / "stderr.log", "--api-key", "KEY-other-secret") as emulator:
        assert emulator.fields["api_key"] == "set"
        assert "KEY-other-secret" not in emulator.line
        async with emulator.client() as client:
            with pytest.raises(AuthenticationError):
                await client.rooms.list()
        async with RoomsClient("KEY-other-secret", base_url=emulator.base_url) as client:
            await client.rooms.create()
        await asyncio.to_thread(emulator.stop)
    assert "KEY-other-secret" not in emulator.log_text()


def test_main_takes_its_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--allow-webhook-host" in capsys.readouterr().out
    assert main(["--no-such-option"]) == 2
