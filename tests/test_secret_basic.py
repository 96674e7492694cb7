"""The API key shows up in no repr, str, exception text, traceback or log record."""

from __future__ import annotations

import copy
import logging
import pickle
import socket
import traceback

import pytest

from telnyx_rooms_async import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    InvalidParams,
    RetryEvent,
    RoomsClient,
    TelnyxError,
)
from telnyx_rooms_async._secret import Secret
from telnyx_rooms_async.testing import FakeRoomsAPI

KEY = "KEY0123456789SECRETabcdef"


def _texts(obj: object) -> str:
    return f"{obj!r}\n{obj!s}\n{obj}"


def _error_texts(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + _texts(exc) + repr(vars(exc))


def test_secret_never_shows_its_value() -> None:
    secret = Secret(KEY)
    assert KEY not in _texts(secret)
    assert KEY not in f"{secret:}" + f"{secret} {secret!r}"
    assert repr(secret) == "Secret('***')"
    assert secret.bearer() == f"Bearer {KEY}"
    assert secret == Secret(KEY)
    assert secret != Secret(KEY + "x")
    assert secret != KEY
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(TypeError):
        copy.copy(secret)
    with pytest.raises(AttributeError):
        secret.__dict__  # noqa: B018 - slotted: nothing for vars() to show


async def test_client_and_views_hide_the_key(fake: FakeRoomsAPI) -> None:
    fake.api_key = KEY
    async with RoomsClient(KEY, base_url=fake.base_url) as client:
        view = client.with_options(timeout=3, headers={"X-A": "b"})
        paginator = client.rooms.list()
        page = await paginator
        for obj in (client, view, client.rooms, view.rooms, client.room_sessions, paginator, page):
            assert KEY not in _texts(obj)
        assert "RoomsClient(" in repr(client)
        with pytest.raises(TypeError):
            pickle.dumps(client)
    assert KEY not in _texts(client)


async def test_status_errors_hide_the_key(fake: FakeRoomsAPI) -> None:
    # The fake expects another key: its 401 must not echo the one that was sent.
    async with RoomsClient(KEY, base_url=fake.base_url) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.rooms.retrieve("r1")
    assert KEY not in _error_texts(info.value)


async def test_connection_errors_hide_the_key() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    events: list[RetryEvent] = []
    async with RoomsClient(
        KEY, base_url=f"http://127.0.0.1:{port}/v2", max_retries=1, on_retry=events.append
    ) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.rooms.create(unique_name="x")
    assert KEY not in _error_texts(info.value)
    assert events
    assert KEY not in repr(events)


async def test_timeouts_and_retries_hide_the_key(fake: FakeRoomsAPI) -> None:
    fake.api_key = KEY
    events: list[RetryEvent] = []
    fake.faults.fail("GET", "/v2/rooms", status=503, headers={"Retry-After": "0"})
    fake.faults.delay("GET", "/v2/rooms", 1.0, times=None)
    async with RoomsClient(
        KEY, base_url=fake.base_url, read_timeout=0.2, timeout=0.6, on_retry=events.append
    ) as client:
        with pytest.raises(APITimeoutError) as info:
            await client.rooms.list()
    assert KEY not in _error_texts(info.value)
    assert events
    assert KEY not in repr(events)


@pytest.mark.parametrize(
    "build",
    [
        lambda: RoomsClient(KEY, base_url="http://example.com/v2"),
        lambda: RoomsClient(KEY, base_url="not a url at all"),
        lambda: RoomsClient(KEY, headers={"Authorization": f"Bearer {KEY}"}),
        lambda: RoomsClient(KEY, timeout=-1),
        lambda: RoomsClient(KEY + "\n"),
    ],
)
def test_configuration_errors_hide_the_key(build: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        build()  # type: ignore[operator]
    assert KEY not in _error_texts(info.value)


async def test_invalid_params_hide_the_key(fake: FakeRoomsAPI) -> None:
    async with RoomsClient(KEY, base_url=fake.base_url) as client:
        with pytest.raises(InvalidParams) as info:
            await client.rooms.create(max_participants=KEY)  # type: ignore[arg-type]
    assert KEY not in _error_texts(info.value)


async def test_no_log_record_carries_the_key(
    fake: FakeRoomsAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, aiohttp's, asyncio's
    fake.api_key = KEY
    fake.faults.fail("POST", "/v2/rooms", status=429, headers={"Retry-After": "0"})
    fake.faults.reset("GET", "/v2/rooms/*")
    async with RoomsClient(KEY, base_url=fake.base_url, read_timeout=2) as client:
        room = await client.rooms.create(unique_name="logged")
        await client.rooms.retrieve(room.id)
        await client.rooms.update(room.id, max_participants=5)
        await client.rooms.list().to_list()
        await client.rooms.delete(room.id)
    async with RoomsClient("KEY-wrong" + KEY, base_url=fake.base_url) as wrong:
        with pytest.raises(TelnyxError):
            await wrong.rooms.list()
    ours = [r for r in caplog.records if r.name.startswith("telnyx_rooms_async")]
    assert len(ours) >= 6  # the calls were logged at DEBUG
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(record.__dict__)
        if record.exc_info and record.exc_info[1] is not None:
            text += "".join(traceback.format_exception(record.exc_info[1]))
        assert KEY not in text, record.getMessage()
    assert KEY not in caplog.text
