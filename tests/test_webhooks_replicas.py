"""Exactly once across replicas: separate OS processes behind one Redis server.

Each replica is this file run as a program: an aiohttp app on 127.0.0.1 with
``aiohttp_handler`` and a ``RedisEventStore``. The tests play Telnyx: they sign events with
the fake API's key and deliver them, and their retries (the same ``data.id``, the next
``meta.attempt``), to the replicas. Every handler run is appended to a file per replica,
so the count is read from what the processes did, not from what they answered.

The handler's behaviour comes from the event: ``payload.context`` is ``sleep:<s>``,
``raise-on-1`` or ``hang-on-1`` (the last two act on delivery attempt 1 only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from redis_server import RedisServer, redis_server  # noqa: F401  (a fixture)

from telnyx_rooms_async.testing import FakeRoomsAPI

LEASE = 1.5
"""The replicas' lease in seconds: short, so a dead replica's claim lapses within the test."""


def event_body(event_id: str, context: str, attempt: int = 1) -> bytes:
    return json.dumps(
        {
            "data": {
                "record_type": "event",
                "event_type": "video.room.participant.joined",
                "id": event_id,
                "occurred_at": "2024-05-01T10:00:00Z",
                "payload": {"room_id": "room-1", "context": context},
            },
            "meta": {"attempt": attempt, "delivered_to": "http://127.0.0.1/telnyx/webhooks"},
        }
    ).encode()


class Replica:
    """One replica process: its URL, its handler-run log, and a way to kill it."""

    def __init__(self, name: str, directory: Path, redis_port: int, public_key: str) -> None:
        self.name = name
        self.log = directory / f"{name}.runs"
        self.stderr = directory / f"{name}.stderr"
        with self.stderr.open("wb") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    f"--name={name}",
                    f"--redis-port={redis_port}",
                    f"--public-key={public_key}",
                    f"--lease={LEASE}",
                    f"--log={self.log}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=Path(__file__).parents[1],
            )
        self.url = ""

    async def ready(self, timeout: float = 30.0) -> None:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), timeout)
        assert line.startswith(b"READY "), self.stderr.read_text()
        self.url = f"http://127.0.0.1:{int(line.split()[1])}/telnyx/webhooks"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        assert self.process.stdout is not None
        self.process.stdout.close()

    def runs(self) -> list[tuple[str, str, int]]:
        """(``start`` or ``done``, event id, attempt) for each step of each handler run."""
        if not self.log.exists():
            return []
        return [
            (step, event_id, int(attempt))
            for step, event_id, attempt in (
                line.split() for line in self.log.read_text().splitlines()
            )
        ]


@pytest.fixture
async def replicas(
    tmp_path: Path,
    redis_server: RedisServer,  # noqa: F811
    fake: FakeRoomsAPI,
) -> AsyncIterator[list[Replica]]:
    """Two replica processes sharing ``redis_server``; stopped after the test."""
    started = [
        Replica(name, tmp_path, redis_server.port, fake.webhooks.public_key) for name in "AB"
    ]
    try:
        await asyncio.gather(*(replica.ready() for replica in started))
        yield started
    finally:
        for replica in started:
            replica.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as client:
        yield client


async def deliver(
    session: aiohttp.ClientSession, fake: FakeRoomsAPI, replica: Replica, body: bytes
) -> tuple[int, str]:
    """One delivery, signed now, as Telnyx sends it."""
    headers = {**fake.webhooks.sign(body), "Content-Type": "application/json"}
    async with session.post(replica.url, data=body, headers=headers) as response:
        return response.status, await response.text()


def handler_runs(replicas: list[Replica]) -> list[tuple[str, str, str, int]]:
    return sorted((r.name, *run) for r in replicas for run in r.runs())


def done(replicas: list[Replica]) -> list[str]:
    return sorted(event_id for _, step, event_id, _ in handler_runs(replicas) if step == "done")


async def wait_for_start(replica: Replica, event_id: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while ("start", event_id, 1) not in replica.runs():
        assert time.monotonic() < deadline, "the handler never started"
        await asyncio.sleep(0.02)


async def test_the_same_events_at_once_on_two_replicas_run_once(
    replicas: list[Replica], fake: FakeRoomsAPI, session: aiohttp.ClientSession
) -> None:
    a, b = replicas
    ids = [f"ev-burst-{i}" for i in range(10)]
    bodies = {event_id: event_body(event_id, "sleep:0.5") for event_id in ids}
    # 20 deliveries at once: every event to both replicas, as a duplicate delivery would be.
    replies = await asyncio.gather(
        *(deliver(session, fake, replica, bodies[i]) for i in ids for replica in (a, b))
    )
    in_progress = (409, "event in progress elsewhere; retry later")
    duplicate = (200, "duplicate event ignored")
    pairs = list(zip(replies[::2], replies[1::2], strict=True))
    for event_id, pair in zip(ids, pairs, strict=True):
        # One replica handled it; the other found the lease held (or, if it came late, the
        # event done) and did not run it.
        assert (200, "") in pair, (event_id, pair)
        assert set(pair) - {(200, "")} <= {in_progress, duplicate}, (event_id, pair)
    # They did arrive at once: the 0.5 s handler was still running for most.
    assert sum(pair.count(in_progress) for pair in pairs) >= len(ids) // 2
    # Telnyx retries the 409s: both replicas now answer "duplicate" without running it.
    retries = [event_body(event_id, "sleep:0.5", attempt=2) for event_id in ids]
    again = await asyncio.gather(
        *(deliver(session, fake, replica, body) for body in retries for replica in (a, b))
    )
    assert set(again) == {(200, "duplicate event ignored")}
    assert done(replicas) == sorted(ids)
    assert len(handler_runs(replicas)) == 2 * len(ids)  # one start and one done each


async def test_a_replica_killed_mid_handler_loses_its_lease(
    replicas: list[Replica], fake: FakeRoomsAPI, session: aiohttp.ClientSession
) -> None:
    a, b = replicas
    first = asyncio.create_task(deliver(session, fake, a, event_body("ev-killed", "hang-on-1")))
    await wait_for_start(a, "ev-killed")
    claimed_at = time.monotonic()
    a.kill()
    with pytest.raises(aiohttp.ClientError):
        await first  # Telnyx sees no reply, and retries
    # The dead replica's lease still holds the id: the retry must wait, not run twice.
    retry = event_body("ev-killed", "hang-on-1", attempt=2)
    assert await deliver(session, fake, b, retry) == (
        409,
        "event in progress elsewhere; retry later",
    )
    await asyncio.sleep(max(0.0, claimed_at + LEASE + 0.2 - time.monotonic()))
    retry = event_body("ev-killed", "hang-on-1", attempt=3)
    assert await deliver(session, fake, b, retry) == (200, "")
    retry = event_body("ev-killed", "hang-on-1", attempt=4)
    assert await deliver(session, fake, b, retry) == (200, "duplicate event ignored")
    assert handler_runs(replicas) == [
        ("A", "start", "ev-killed", 1),
        ("B", "done", "ev-killed", 3),
        ("B", "start", "ev-killed", 3),
    ]


async def test_a_handler_that_raises_is_retried_once(
    replicas: list[Replica], fake: FakeRoomsAPI, session: aiohttp.ClientSession
) -> None:
    a, b = replicas
    assert (await deliver(session, fake, a, event_body("ev-raise", "raise-on-1")))[0] == 500
    retry = event_body("ev-raise", "raise-on-1", attempt=2)
    assert await deliver(session, fake, b, retry) == (200, "")
    retry = event_body("ev-raise", "raise-on-1", attempt=3)
    assert await deliver(session, fake, a, retry) == (200, "duplicate event ignored")
    assert handler_runs(replicas) == [
        ("A", "start", "ev-raise", 1),
        ("B", "done", "ev-raise", 2),
        ("B", "start", "ev-raise", 2),
    ]


async def test_redis_down_is_503_and_the_event_is_handled_once_it_is_back(
    replicas: list[Replica],
    fake: FakeRoomsAPI,
    session: aiohttp.ClientSession,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    a, b = replicas
    redis_server.stop()
    for attempt, replica in enumerate((a, b), start=1):
        body = event_body("ev-outage", "sleep:0", attempt=attempt)
        assert await deliver(session, fake, replica, body) == (
            503,
            "event store unavailable; retry later",
        )
    assert handler_runs(replicas) == []  # nothing ran while the store was away
    redis_server.start()  # same port, empty
    assert await deliver(session, fake, b, event_body("ev-outage", "sleep:0", 3)) == (200, "")
    assert await deliver(session, fake, a, event_body("ev-outage", "sleep:0", 4)) == (
        200,
        "duplicate event ignored",
    )
    assert handler_runs(replicas) == [
        ("B", "done", "ev-outage", 3),
        ("B", "start", "ev-outage", 3),
    ]


# -- the replica program ----------------------------------------------------------------------


def _replica_main(argv: Iterator[str] | None = None) -> None:
    from aiohttp import web
    from redis.asyncio import Redis

    from telnyx_rooms_async.webhooks import (
        RedisEventStore,
        WebhookEvent,
        WebhookVerifier,
        aiohttp_handler,
    )

    parser = argparse.ArgumentParser()
    for option in ("--name", "--redis-port", "--public-key", "--lease", "--log"):
        parser.add_argument(option, required=True)
    args = parser.parse_args(None if argv is None else list(argv))
    log = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    def record(step: str, event: WebhookEvent) -> None:
        attempt = event.meta.attempt if event.meta is not None else 0
        # One write per line on an O_APPEND file: a kill cannot leave half a line.
        os.write(log, f"{step} {event.id} {attempt}\n".encode())

    async def main() -> None:
        redis = Redis(host="127.0.0.1", port=int(args.redis_port), socket_timeout=1)
        store = RedisEventStore(redis, prefix="replica-test:", lease=float(args.lease), timeout=1)

        @aiohttp_handler(WebhookVerifier(args.public_key), event_store=store)
        async def on_event(event: WebhookEvent, request: web.Request) -> None:
            record("start", event)
            context = str(getattr(event.payload, "context", ""))
            first = event.meta is not None and event.meta.attempt == 1
            if context.startswith("sleep:"):
                await asyncio.sleep(float(context.removeprefix("sleep:")))
            elif context == "raise-on-1" and first:
                raise RuntimeError("the application failed")
            elif context == "hang-on-1" and first:
                await asyncio.Event().wait()
            record("done", event)

        app = web.Application()
        app.router.add_post("/telnyx/webhooks", on_event)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        print("READY", runner.addresses[0][1], flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await runner.cleanup()
        await redis.aclose()

    asyncio.run(main())


if __name__ == "__main__":
    _replica_main()
