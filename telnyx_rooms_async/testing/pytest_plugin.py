"""pytest fixtures for testing code that calls the Rooms API: ``rooms_fake`` and ``rooms_client``.

Installing the package registers this module through the ``pytest11`` entry point, so a test
suite only needs pytest-asyncio (any mode) to use the fixtures. Loading the plugin costs
(almost) nothing: the fake and the client are imported when a test first asks for a fixture.
``import telnyx_rooms_async`` never imports pytest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from .._client import RoomsClient
    from ._app import FakeRoomsAPI

__all__ = ["rooms_client", "rooms_fake"]

_HINT: Final = (
    "the rooms_fake and rooms_client fixtures are async: install pytest-asyncio"
    ' (pip install pytest-asyncio) and set asyncio_mode = "auto" (or mark your tests'
    " @pytest.mark.asyncio)"
)

_async_fixture: Callable[..., Any] | None
try:
    # Marked as pytest-asyncio fixtures, they work in its strict mode as well as in auto mode.
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # depends on what the user installed
    _async_fixture = None


def _anyio_plugin() -> bool:
    try:
        import anyio.pytest_plugin  # noqa: F401 - another plugin that runs async fixtures
    except ImportError:
        return False
    return True


if _async_fixture is not None or _anyio_plugin():
    _fixture: Callable[[Callable[..., Any]], Any] = _async_fixture or pytest.fixture

    @_fixture
    async def rooms_fake() -> AsyncIterator[FakeRoomsAPI]:
        """A running fake Rooms API on 127.0.0.1, with its ``faults`` and recorded ``requests``."""
        from ._app import FakeRoomsAPI

        async with FakeRoomsAPI() as api:
            yield api

    @_fixture
    async def rooms_client(rooms_fake: FakeRoomsAPI) -> AsyncIterator[RoomsClient]:
        """An open ``RoomsClient`` pointed at ``rooms_fake`` (timeout 10 s), closed after it."""
        from .._client import RoomsClient

        async with RoomsClient(
            rooms_fake.api_key,
            base_url=rooms_fake.base_url,
            timeout=10.0,
            connect_timeout=2.0,
            read_timeout=5.0,
        ) as client:
            yield client

else:
    # Without an async plugin pytest would say only that async fixtures are not supported.

    @pytest.fixture
    def rooms_fake() -> Any:
        """Needs pytest-asyncio (see the error it gives)."""
        pytest.fail(_HINT, pytrace=False)

    @pytest.fixture
    def rooms_client(rooms_fake: Any) -> Any:
        """Needs pytest-asyncio (see the error it gives)."""
        pytest.fail(_HINT, pytrace=False)
