"""Shared fixtures: a fake Rooms API on 127.0.0.1 and a client pointed at it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI

# The user-facing pytest plugin (telnyx_rooms_async.testing.pytest_plugin) is registered
# through its entry point; these fixtures are the project's own, with short timeouts.


@pytest.fixture
async def fake() -> AsyncIterator[FakeRoomsAPI]:
    """A running fake API on a free loopback port."""
    async with FakeRoomsAPI() as api:
        yield api


@pytest.fixture
async def client(fake: FakeRoomsAPI) -> AsyncIterator[RoomsClient]:
    """A client for ``fake`` with fast timeouts, closed after the test."""
    async with RoomsClient(
        fake.api_key, base_url=fake.base_url, timeout=10, connect_timeout=2, read_timeout=5
    ) as c:
        yield c


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A skipped test is a failed one: every part a test needs is brought by the test extra."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = call.excinfo.value if call.excinfo is not None else "skipped"
        report.longrepr = f"a test may not skip (every part it needs must be installed): {reason}"


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown without it
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """What ``-n auto`` means here: two workers per usable core, at most 16.

    Many tests spend their time waiting (on sockets, on a deadline, on a subprocess), so a
    core runs a second worker while the first waits: on 2 cores the suite takes about 120 s
    with 4 workers against 150 s with 2.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, min(16, 2 * (cores or 1)))
