"""No leaks under load: 10,000 calls at concurrency 200 through a pool of 20, 10% disrupted.

One in ten calls is cancelled by its caller or runs out of its own deadline while the server
holds the reply back. Afterwards: open file descriptors are back to the starting count, the
client's pool never held more than 20 connections (sampled at every accept; the kernel's
socket table agrees, give or take the closes asyncio runs one loop step later), nothing
warned about an unclosed resource, no task is left behind, and traced memory grew by a
bounded amount. The run is bounded in count and in time (``RUN_BOUND``, well inside the
suite's 120 s per-test timeout); it takes about 6 s on two busy cores.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import sys
import time
import tracemalloc
import warnings
from collections import Counter
from typing import Any

import pytest
from rawserver import LoadServer

from telnyx_rooms_async import APITimeoutError, DeadlineExceededError, Room, RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI

CALLS = 10_000
CONCURRENCY = 200
POOL_LIMIT = 20
DISRUPTED = 0.10
WARM_UP = 1_000
#: Traced memory may grow this much between the end of the warm-up and the end of the run.
MEMORY_BOUND = 2 * 1024 * 1024
#: The whole run must finish within this many seconds (it takes about 6).
RUN_BOUND = 90.0

FD_DIR = "/proc/self/fd"
TCP_TABLE = "/proc/net/tcp"

pytestmark = pytest.mark.skipif(
    not (os.path.isdir(FD_DIR) and os.path.isfile(TCP_TABLE)),
    reason=f"needs Linux's {FD_DIR} and {TCP_TABLE} to count descriptors and sockets",
)


def open_fds() -> int:
    """How many file descriptors this process has open."""
    return len(os.listdir(FD_DIR))


def plan(seed: int) -> list[str]:
    """What each call does: ``ok``, ``cancel`` (the caller cancels) or ``deadline``."""
    rng = random.Random(seed)
    kinds = ["ok"] * CALLS
    disrupted = rng.sample(range(CALLS), int(CALLS * DISRUPTED))
    for n, index in enumerate(disrupted):
        kinds[index] = "cancel" if n % 2 else "deadline"
    return kinds


async def run_calls(client: RoomsClient, kinds: list[str], seed: int) -> Counter[str]:
    """Make the calls with ``CONCURRENCY`` workers; count the outcomes."""
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    # The server answers /slow paths after seconds; this view gives up after 50 ms.
    hurried = client.with_options(timeout=0.05, max_retries=0)
    queue = iter(enumerate(kinds))

    async def one(index: int, kind: str) -> None:
        if kind == "ok":
            room = await client.rooms.retrieve(f"r{index}")
            assert isinstance(room, Room)
            outcomes["ok"] += 1
        elif kind == "deadline":
            try:
                await hurried.rooms.retrieve(f"slow{index}")
            except APITimeoutError:
                outcomes["deadline"] += 1
        else:
            task = asyncio.create_task(client.rooms.retrieve(f"slow{index}"))
            await asyncio.sleep(rng.uniform(0, 0.02))
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                outcomes["cancel"] += 1

    async def worker() -> None:
        for index, kind in queue:
            await one(index, kind)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return outcomes


class PoolSampler:
    """Reads the client's connector at each connection the server accepts.

    aiohttp counts a pool slot from the moment a connection is being opened until it is
    released (``_acquired``, placeholders included) and keeps idle keep-alive connections in
    ``_conns``; their sum is every connection the pool holds.
    """

    def __init__(self, client: RoomsClient) -> None:
        self.client = client
        self.peak = 0
        self.samples = 0

    def __call__(self) -> None:
        connector = self.client.connector
        if connector is None:
            return
        acquired = len(connector._acquired)  # type: ignore[attr-defined]
        idle = sum(len(c) for c in connector._conns.values())  # type: ignore[attr-defined]
        self.peak = max(self.peak, acquired + idle)
        self.samples += 1


def _traced() -> int:
    gc.collect()
    current, _ = tracemalloc.get_traced_memory()
    return current


async def test_load_without_leaks() -> None:
    loop = asyncio.get_running_loop()
    loop_errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
    tasks_before = asyncio.all_tasks()
    kinds = plan(seed=7)
    started = time.monotonic()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Slow replies come after 5 s: far beyond every cancel and deadline, even on a busy box.
        async with LoadServer(slow_seconds=5.0, sample_every=10) as server:
            gc.collect()
            fds_before = open_fds()
            tracemalloc.start()
            try:
                client = RoomsClient(
                    "KEY-load-test",
                    base_url=server.base_url,
                    pool_limit=POOL_LIMIT,
                    timeout=30,
                    read_timeout=10,
                )
                sampler = PoolSampler(client)
                server.on_accept = sampler
                async with client:
                    outcomes = await asyncio.wait_for(
                        run_calls(client, kinds[:WARM_UP], seed=1), RUN_BOUND
                    )
                    after_warm_up = _traced()
                    outcomes += await asyncio.wait_for(
                        run_calls(client, kinds[WARM_UP:], seed=2), RUN_BOUND
                    )
                    after_run = _traced()
                    fds_during = open_fds()
                    assert client.connector is not None
                    assert client.connector.limit == POOL_LIMIT
                assert client.is_closed
                server.on_accept = None
                del client, sampler.client
            finally:
                tracemalloc.stop()
            drained = await server.drained()
            gc.collect()
            await asyncio.sleep(0)
            fds_after = open_fds()
        elapsed = time.monotonic() - started
        gc.collect()

    growth = after_run - after_warm_up
    figures = (
        f"calls={sum(outcomes.values())} {dict(outcomes)} elapsed={elapsed:.1f}s "
        f"requests_seen={server.requests} connections={server.total_connections} "
        f"pool_peak={sampler.peak} ({sampler.samples} samples) "
        f"peak_client_sockets={server.peak_client_sockets} "
        f"peak_server_connections={server.peak_connections} fds before={fds_before} "
        f"during={fds_during} after={fds_after} traced_growth={growth} bytes"
    )
    print(figures, file=sys.stderr)

    assert outcomes == Counter(kinds), figures
    assert sampler.samples >= server.total_connections - 1, figures
    assert 0 < sampler.peak <= POOL_LIMIT, figures
    # The kernel's view: at most the pool plus sockets whose close is one loop step away;
    # a pool without a limit would reach the concurrency (200).
    assert 0 < server.peak_client_sockets < 2 * POOL_LIMIT, figures
    assert drained, figures
    assert fds_after == fds_before, figures
    assert growth < MEMORY_BOUND, figures
    unclosed = [str(w.message) for w in caught if "nclosed" in str(w.message)]
    assert unclosed == [], unclosed
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert loop_errors == [], loop_errors
    leftover = asyncio.all_tasks() - tasks_before
    assert leftover == set(), leftover
    assert elapsed < RUN_BOUND, figures


async def test_callers_beyond_the_pool_are_served_first_come_first_served(
    fake: FakeRoomsAPI,
) -> None:
    """With more callers than connections, each gets its turn: none is starved.

    aiohttp alone hands a freed connection to whichever call asks next, so a caller that
    calls again at once keeps its connection and the others wait until their deadline.
    """
    fake.faults.delay("GET", "/v2/rooms", 0.02, times=None)
    served = Counter[int]()
    total = 60
    async with RoomsClient(
        fake.api_key, base_url=fake.base_url, pool_limit=2, timeout=20
    ) as client:

        async def caller(index: int) -> None:
            while sum(served.values()) < total:
                await client.rooms.list()
                served[index] += 1

        await asyncio.wait_for(asyncio.gather(*(caller(i) for i in range(12))), 20)
    # A fair share is total / 12 = 5 calls each.
    assert min(served[i] for i in range(12)) >= 3, served


async def test_a_call_queued_for_a_connection_past_its_deadline_never_left(
    fake: FakeRoomsAPI,
) -> None:
    fake.faults.delay("GET", "/v2/rooms", 1.0, times=1)
    async with RoomsClient(fake.api_key, base_url=fake.base_url, pool_limit=1) as client:
        slow = asyncio.ensure_future(client.rooms.list())
        await asyncio.sleep(0.05)
        with pytest.raises(DeadlineExceededError, match="no connection of the pool came free"):
            await client.with_options(timeout=0.2).rooms.create(unique_name="queued")
        assert (await slow).items == ()
    assert fake.calls("POST", "/v2/rooms") == 0
