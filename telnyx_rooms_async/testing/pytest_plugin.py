"""pytest fixtures for testing code that calls the Rooms API: ``rooms_fake`` and ``rooms_client``.

Installing the package registers this module through the ``pytest11`` entry point, so a test
suite only needs pytest-asyncio (any mode) to use the fixtures. Only pytest loads this module;
``import telnyx_rooms_async`` never imports pytest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from .._client import RoomsClient
from ._app import FakeRoomsAPI

__all__ = ["rooms_client", "rooms_fake"]

_async_fixture: Callable[..., Any]
try:
    # Marked as pytest-asyncio fixtures, they work in its strict mode as well as in auto mode.
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - depends on what the user installed
    # Without pytest-asyncio, another async plugin (anyio's, say) may still run them.
    _async_fixture = pytest.fixture


@_async_fixture
async def rooms_fake() -> AsyncIterator[FakeRoomsAPI]:
    """A running fake Rooms API on 127.0.0.1, with its ``faults`` and recorded ``requests``."""
    async with FakeRoomsAPI() as api:
        yield api


@_async_fixture
async def rooms_client(rooms_fake: FakeRoomsAPI) -> AsyncIterator[RoomsClient]:
    """An open ``RoomsClient`` pointed at ``rooms_fake`` (timeout 10 s), closed after the test."""
    async with RoomsClient(
        rooms_fake.api_key,
        base_url=rooms_fake.base_url,
        timeout=10.0,
        connect_timeout=2.0,
        read_timeout=5.0,
    ) as client:
        yield client
