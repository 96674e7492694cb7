"""The fault matrix: every way the network or the server can misbehave, and what the client does.

``MATRIX`` is the table of ``docs/reliability.md`` (``tests/test_reliability_doc.py`` renders
it and checks the document). Each row names the expected outcome (a return or an exception
class, with ``request_sent`` for connection errors) and the number of attempts, and one test
below produces that fault against a real server on 127.0.0.1 and asserts exactly that row.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import Any, TypeVar

import attrs
import pytest
from rawserver import (
    RawServer,
    blackhole,
    declared_length,
    endless_chunked,
    refused_port,
    reset_mid_body,
    respond,
)

from telnyx_rooms_async import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    ClientClosedError,
    ConflictError,
    DeadlineExceededError,
    InternalServerError,
    NotFoundError,
    ResponseTooLargeError,
    RetryEvent,
    Room,
    RoomsClient,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

F = TypeVar("F", bound=Callable[..., Any])

ROOMS = "/v2/rooms"
ONE_ROOM = "/v2/rooms/*"


@attrs.frozen(kw_only=True)
class Row:
    """One fault and the client's outcome, as the test asserts it."""

    fault: str
    produced_by: str
    call: str
    outcome: type[BaseException] | None
    """The exception class raised, or None when the call returns ``returns``."""
    attempts: int
    """Requests the client started (1 means it did not retry)."""
    request_sent: bool | None = None
    """For connection errors: the ``request_sent`` flag the exception carries."""
    returns: str = ""
    note: str = ""

    def outcome_text(self) -> str:
        """The outcome column of the document."""
        if self.outcome is None:
            return f"returns `{self.returns}`"
        text = f"`{self.outcome.__name__}`"
        if self.request_sent is not None:
            text += f" (`request_sent={self.request_sent}`)"
        return text

    def retry_text(self) -> str:
        """The attempts column of the document."""
        if self.attempts == 0:
            return "0 (nothing sent)"
        return f"{self.attempts} (retried)" if self.attempts > 1 else "1 (not retried)"


def _rows() -> dict[str, Row]:
    get = "`rooms.retrieve` (GET)"
    create = "`rooms.create` (POST, no `unique_name`)"
    named = "`rooms.create(unique_name=...)` (POST)"
    rows = {
        # -- below HTTP --------------------------------------------------------------------
        "refused_get": Row(
            fault="connection refused",
            produced_by="closed loopback port",
            call=get,
            outcome=APIConnectionError,
            request_sent=False,
            attempts=2,
            note="every attempt refused; `max_retries=1`",
        ),
        "refused_create": Row(
            fault="connection refused",
            produced_by="closed loopback port",
            call=create,
            outcome=APIConnectionError,
            request_sent=False,
            attempts=2,
            note="a create is retried: the request provably never left",
        ),
        "connect_timeout_get": Row(
            fault="connect timeout",
            produced_by="listener with a full accept queue (SYN dropped)",
            call=get,
            outcome=APITimeoutError,
            request_sent=False,
            attempts=2,
            note="`connect_timeout=0.2`, `max_retries=1`",
        ),
        "connect_timeout_create": Row(
            fault="connect timeout",
            produced_by="listener with a full accept queue (SYN dropped)",
            call=create,
            outcome=APITimeoutError,
            request_sent=False,
            attempts=2,
            note="a create is retried: never connected",
        ),
        "reset_before_response_get": Row(
            fault="reset before the response",
            produced_by="fake API `faults.reset` (RST, nothing written)",
            call=get,
            outcome=None,
            returns="Room",
            attempts=2,
        ),
        "reset_before_response_create": Row(
            fault="reset before the response",
            produced_by="fake API `faults.reset`",
            call=create,
            outcome=APIConnectionError,
            request_sent=True,
            attempts=1,
            note="the request may have arrived: a create is not retried",
        ),
        "reset_mid_body_get": Row(
            fault="reset mid-body",
            produced_by="raw server: headers, half the body, RST",
            call=get,
            outcome=None,
            returns="Room",
            attempts=2,
        ),
        "reset_mid_body_create": Row(
            fault="reset mid-body",
            produced_by="raw server: headers, half the body, RST",
            call=create,
            outcome=APIConnectionError,
            request_sent=True,
            attempts=1,
        ),
        "short_body_get": Row(
            fault="body shorter than Content-Length",
            produced_by="fake API `faults.truncate` (half the body, then FIN)",
            call=get,
            outcome=None,
            returns="Room",
            attempts=2,
        ),
        "short_body_create": Row(
            fault="body shorter than Content-Length",
            produced_by="fake API `faults.truncate`",
            call=create,
            outcome=APIConnectionError,
            request_sent=True,
            attempts=1,
            note="the room was created once; no duplicate",
        ),
        "drip_read_timeout_get": Row(
            fault="slow drip past the read timeout",
            produced_by="fake API `faults.drip` (1 byte / 0.3 s)",
            call=get,
            outcome=None,
            returns="Room",
            attempts=2,
            note="`read_timeout=0.1`: the first attempt times out, the retry succeeds",
        ),
        "drip_read_timeout_create": Row(
            fault="slow drip past the read timeout",
            produced_by="fake API `faults.drip`",
            call=create,
            outcome=APITimeoutError,
            request_sent=True,
            attempts=1,
            note="the room was created once; no duplicate",
        ),
        "drip_deadline": Row(
            fault="slow drip past the call deadline",
            produced_by="fake API `faults.drip` on every attempt",
            call=get,
            outcome=DeadlineExceededError,
            request_sent=True,
            attempts=1,
            note="`timeout=0.6` (total per call) ends it although each byte beats `read_timeout`",
        ),
    }
    rows.update(
        {
            # -- HTTP status -------------------------------------------------------------------
            "status_429_seconds_get": Row(
                fault="429 with `Retry-After: 1` (seconds)",
                produced_by="fake API `faults.fail`",
                call=get,
                outcome=None,
                returns="Room",
                attempts=2,
                note="the retry waits exactly the 1 s asked for",
            ),
            "status_429_seconds_create": Row(
                fault="429 with `Retry-After: 1` (seconds)",
                produced_by="fake API `faults.fail`",
                call=create,
                outcome=None,
                returns="Room",
                attempts=2,
                note="429 means not processed: a create is retried; one room exists",
            ),
            "status_429_http_date": Row(
                fault="429 with `Retry-After` as an HTTP date",
                produced_by="fake API `faults.fail`, date 1 s ahead",
                call=get,
                outcome=None,
                returns="Room",
                attempts=2,
                note="the wait is the time left until that date (0 to 1 s)",
            ),
            "status_404_get": Row(
                fault="404",
                produced_by="fake API (unknown room)",
                call=get,
                outcome=NotFoundError,
                attempts=1,
            ),
            "status_409_create": Row(
                fault="409",
                produced_by="fake API `faults.fail`",
                call=create,
                outcome=ConflictError,
                attempts=1,
            ),
            "status_5xx_exhausted": Row(
                fault="500 on every attempt",
                produced_by="fake API `faults.fail`",
                call=get,
                outcome=InternalServerError,
                attempts=3,
                note="`max_retries=2`: three attempts, then the last error",
            ),
            "status_503_create": Row(
                fault="503 without Retry-After",
                produced_by="fake API `faults.fail`",
                call=create,
                outcome=InternalServerError,
                attempts=1,
            ),
            "status_503_retry_after_create": Row(
                fault="503 with `Retry-After: 0`",
                produced_by="fake API `faults.fail`",
                call=create,
                outcome=None,
                returns="Room",
                attempts=2,
                note="the server said it did not act: a create is retried",
            ),
        }
    )
    for status in (500, 502, 503, 504):
        rows[f"status_{status}_get"] = Row(
            fault=f"{status}",
            produced_by="fake API `faults.fail`",
            call=get,
            outcome=None,
            returns="Room",
            attempts=2,
        )
    for status in (500, 502, 504):
        rows[f"status_{status}_create"] = Row(
            fault=f"{status}",
            produced_by="fake API `faults.fail`",
            call=create,
            outcome=InternalServerError,
            attempts=1,
            note="the room may exist: a create is not retried",
        )
    rows.update(
        {
            # -- bodies ------------------------------------------------------------------------
            "html_error_page": Row(
                fault="HTML error page (502 `text/html`)",
                produced_by="fake API `faults.respond`",
                call=get,
                outcome=InternalServerError,
                attempts=2,
                note="`err.text` holds the page's first 200 characters; `max_retries=1`",
            ),
            "html_200": Row(
                fault="HTML page with status 200",
                produced_by="fake API `faults.respond`",
                call=get,
                outcome=APIResponseValidationError,
                attempts=1,
            ),
            "empty_200": Row(
                fault="empty 200",
                produced_by="fake API `faults.respond`",
                call=get,
                outcome=APIResponseValidationError,
                attempts=1,
            ),
            "invalid_json": Row(
                fault="invalid JSON",
                produced_by="fake API `faults.respond`",
                call=get,
                outcome=APIResponseValidationError,
                attempts=1,
            ),
            "wrong_shape": Row(
                fault="JSON of the wrong shape (`data` without `id`)",
                produced_by="fake API `faults.respond`",
                call=get,
                outcome=APIResponseValidationError,
                attempts=1,
            ),
            "wrong_shape_page": Row(
                fault="JSON of the wrong shape (`data` an object on a list)",
                produced_by="fake API `faults.respond`",
                call="`await rooms.list()` (GET)",
                outcome=APIResponseValidationError,
                attempts=1,
            ),
            "too_large_declared": Row(
                fault="body above the size limit, Content-Length declared",
                produced_by="fake API `faults.respond` (4 KiB)",
                call=get,
                outcome=ResponseTooLargeError,
                attempts=1,
                note="`max_response_size=1024`; nothing is read",
            ),
            "too_large_default": Row(
                fault="Content-Length of 10 GiB",
                produced_by="raw server",
                call=get,
                outcome=ResponseTooLargeError,
                attempts=1,
                note="the default limit (64 MiB) refuses it before reading",
            ),
            "too_large_streamed": Row(
                fault="endless chunked body",
                produced_by="raw server: chunks until the client leaves",
                call=get,
                outcome=ResponseTooLargeError,
                attempts=1,
                note="`max_response_size=1 MiB`: reading stops there; the next call works",
            ),
            # -- the caller ----------------------------------------------------------------------
            "closed_client": Row(
                fault="closed client",
                produced_by="`await client.aclose()` first",
                call=get,
                outcome=ClientClosedError,
                attempts=0,
                note="raised before any I/O",
            ),
            "cancelled_mid_request": Row(
                fault="task cancelled mid-request",
                produced_by="fake API `faults.delay`, then `task.cancel()`",
                call=get,
                outcome=asyncio.CancelledError,
                attempts=1,
                note="propagates at once, never retried; the next call works",
            ),
            "caller_timeout": Row(
                fault="caller's own timeout",
                produced_by="`asyncio.wait_for(..., 0.2)` over `faults.delay`",
                call=get,
                outcome=asyncio.TimeoutError,
                attempts=1,
                note="the caller's timeout wins; never retried",
            ),
        }
    )
    # Statuses read best in order: 429, then 5xx for a read and for a create, then 4xx.
    # -- named creates: a lost reply is reconciled by name ---------------------------------
    rows.update(
        {
            "named_reset_after_handling": Row(
                fault="reset after the room was made",
                produced_by="fake API `faults.reset(after_handling=True)`",
                call=named,
                outcome=None,
                returns="Room",
                attempts=2,
                note="found by name (`RetryEvent.kind` `lookup`): the POST is never sent twice",
            ),
            "named_reset_before_handling": Row(
                fault="reset before the room was made",
                produced_by="fake API `faults.reset`",
                call=named,
                outcome=None,
                returns="Room",
                attempts=3,
                note="the lookup finds no room, so the create is sent again (`resend`)",
            ),
            "named_500": Row(
                fault="500 (the create may or may not have been applied)",
                produced_by="fake API `faults.fail`",
                call=named,
                outcome=None,
                returns="Room",
                attempts=3,
                note="lookup, then `resend`; `max_retries=2`",
            ),
        }
    )
    status_order = [
        "status_429_seconds_get",
        "status_429_seconds_create",
        "status_429_http_date",
        *(f"status_{n}_get" for n in (500, 502, 503, 504)),
        "status_5xx_exhausted",
        *(f"status_{n}_create" for n in (500, 502, 504)),
        "status_503_create",
        "status_503_retry_after_create",
        "status_404_get",
        "status_409_create",
    ]
    assert sorted(status_order) == sorted(k for k in rows if k.startswith("status_"))
    keys = list(rows)
    start = min(keys.index(k) for k in status_order)
    end = max(keys.index(k) for k in status_order)
    return {k: rows[k] for k in (*keys[:start], *status_order, *keys[end + 1 :])}


MATRIX: dict[str, Row] = _rows()
#: Row key -> the test that checks it; every row must be covered exactly once.
COVERED: dict[str, str] = {}


def covers(*keys: str) -> Callable[[F], F]:
    """Mark a test as the one that checks these rows."""

    def mark(fn: F) -> F:
        for key in keys:
            assert key in MATRIX, key
            assert key not in COVERED, key
            COVERED[key] = fn.__name__
        return fn

    return mark


T = TypeVar("T")


async def outcome(call: Awaitable[T]) -> T | BaseException:
    """The call's result, or the exception it raised (cancellation included)."""
    try:
        return await call
    except BaseException as exc:  # the outcome is what the row is about
        return exc


def verify(key: str, result: object, attempts: int) -> None:
    """Assert that ``result`` and ``attempts`` are what row ``key`` says."""
    row = MATRIX[key]
    if row.outcome is None:
        assert not isinstance(result, BaseException), f"{key}: raised {result!r}"
        assert type(result).__name__ == row.returns, key
    else:
        assert type(result) is row.outcome, f"{key}: got {result!r}"
        if row.request_sent is not None:
            assert isinstance(result, APIConnectionError)
            assert result.request_sent is row.request_sent, key
    assert attempts == row.attempts, f"{key}: {attempts} attempts"


def client_for(
    base_url: str, events: list[RetryEvent] | None = None, **options: Any
) -> RoomsClient:
    """A client with short timeouts and one retry unless told otherwise."""
    settings: dict[str, Any] = {
        "timeout": 10.0,
        "connect_timeout": 1.0,
        "read_timeout": 2.0,
        "max_retries": 1,
        **options,
    }
    return RoomsClient(
        "KEY-fake-rooms-api",
        base_url=base_url,
        on_retry=events.append if events is not None else None,
        **settings,
    )


async def new_room(fake: FakeRoomsAPI) -> str:
    """A room in the fake's store, created through the API."""
    async with client_for(fake.base_url) as client:
        return (await client.rooms.create(unique_name="matrix")).id


# -- below HTTP ----------------------------------------------------------------------------


@covers("refused_get", "refused_create")
async def test_connection_refused() -> None:
    base_url = f"http://127.0.0.1:{refused_port()}/v2"
    events: list[RetryEvent] = []
    async with client_for(base_url, events) as client:
        verify("refused_get", await outcome(client.rooms.retrieve("r1")), len(events) + 1)
        events.clear()
        verify("refused_create", await outcome(client.rooms.create()), len(events) + 1)
    assert all(e.status is None for e in events)


@covers("connect_timeout_get", "connect_timeout_create")
async def test_connect_timeout() -> None:
    events: list[RetryEvent] = []
    with blackhole() as port:
        base_url = f"http://127.0.0.1:{port}/v2"
        async with client_for(base_url, events, connect_timeout=0.2) as client:
            started = time.monotonic()
            result = await outcome(client.rooms.retrieve("r1"))
            verify("connect_timeout_get", result, len(events) + 1)
            assert time.monotonic() - started < 5
            assert "could not connect within 0.2s" in str(result)
            events.clear()
            verify("connect_timeout_create", await outcome(client.rooms.create()), len(events) + 1)


@covers("reset_before_response_get", "reset_before_response_create")
async def test_reset_before_response(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    async with client_for(fake.base_url) as client:
        fake.faults.reset("GET", ONE_ROOM)
        result = await outcome(client.rooms.retrieve(room_id))
        verify("reset_before_response_get", result, fake.calls("GET", f"{ROOMS}/{room_id}"))

        fake.faults.reset("POST", ROOMS)
        before = fake.calls("POST", ROOMS)
        result = await outcome(client.rooms.create(max_participants=5))
        verify("reset_before_response_create", result, fake.calls("POST", ROOMS) - before)
    assert len(fake.store.rooms) == 1  # reset before handling: nothing created


@covers("reset_mid_body_get")
async def test_reset_mid_body_get() -> None:
    async with RawServer(reset_mid_body(), respond()) as server:
        async with client_for(server.base_url) as client:
            result = await outcome(client.rooms.retrieve("r1"))
        verify("reset_mid_body_get", result, len(server.requests))


@covers("reset_mid_body_create")
async def test_reset_mid_body_create() -> None:
    async with RawServer(reset_mid_body()) as server:
        async with client_for(server.base_url) as client:
            result = await outcome(client.rooms.create(max_participants=5))
        verify("reset_mid_body_create", result, len(server.requests))
    assert isinstance(result, APIConnectionError)
    assert "payload is not completed" in str(result)


@covers("short_body_get", "short_body_create")
async def test_short_body(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    async with client_for(fake.base_url) as client:
        fake.faults.truncate("GET", ONE_ROOM)
        result = await outcome(client.rooms.retrieve(room_id))
        verify("short_body_get", result, fake.calls("GET", f"{ROOMS}/{room_id}"))

        fake.faults.truncate("POST", ROOMS)
        before = fake.calls("POST", ROOMS)
        result = await outcome(client.rooms.create(max_participants=5))
        verify("short_body_create", result, fake.calls("POST", ROOMS) - before)
    assert len(fake.store.rooms) == 2  # "matrix" and the one the truncated reply was about


@covers("drip_read_timeout_get", "drip_read_timeout_create")
async def test_drip_past_read_timeout(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    async with client_for(fake.base_url, read_timeout=0.1) as client:
        fake.faults.drip("GET", ONE_ROOM, interval=0.3)
        result = await outcome(client.rooms.retrieve(room_id))
        verify("drip_read_timeout_get", result, fake.calls("GET", f"{ROOMS}/{room_id}"))

        fake.faults.drip("POST", ROOMS, interval=0.3)
        before = fake.calls("POST", ROOMS)
        result = await outcome(client.rooms.create(max_participants=5))
        verify("drip_read_timeout_create", result, fake.calls("POST", ROOMS) - before)
    assert len(fake.store.rooms) == 2  # "matrix" and the one the dripped reply was about


@covers("drip_deadline")
async def test_drip_past_deadline(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    fake.faults.drip("GET", ONE_ROOM, interval=0.3, times=None)
    async with client_for(fake.base_url, timeout=0.6, read_timeout=5, max_retries=3) as client:
        started = time.monotonic()
        result = await outcome(client.rooms.retrieve(room_id))
        elapsed = time.monotonic() - started
    verify("drip_deadline", result, fake.calls("GET", f"{ROOMS}/{room_id}"))
    assert 0.5 < elapsed < 3, elapsed
    assert "deadline" in str(result) and "0.6s" in str(result)


# -- HTTP status ---------------------------------------------------------------------------


@covers("status_429_seconds_get", "status_429_seconds_create")
async def test_429_retry_after_seconds(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    events: list[RetryEvent] = []
    async with client_for(fake.base_url, events) as client:
        fake.faults.fail("GET", ONE_ROOM, status=429, headers={"Retry-After": "1"})
        started = time.monotonic()
        result = await outcome(client.rooms.retrieve(room_id))
        assert time.monotonic() - started >= 1.0
        verify("status_429_seconds_get", result, fake.calls("GET", f"{ROOMS}/{room_id}"))
        assert [(e.status, e.wait) for e in events] == [(429, 1.0)]

        fake.faults.fail("POST", ROOMS, status=429, headers={"Retry-After": "1"})
        before = fake.calls("POST", ROOMS)
        result = await outcome(client.rooms.create(max_participants=5))
        verify("status_429_seconds_create", result, fake.calls("POST", ROOMS) - before)
    assert len(fake.store.rooms) == 2


@covers("status_429_http_date")
async def test_429_retry_after_http_date(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    events: list[RetryEvent] = []
    when = formatdate(time.time() + 1, usegmt=True)
    fake.faults.fail("GET", ONE_ROOM, status=429, headers={"Retry-After": when})
    async with client_for(fake.base_url, events) as client:
        result = await outcome(client.rooms.retrieve(room_id))
    verify("status_429_http_date", result, fake.calls("GET", f"{ROOMS}/{room_id}"))
    assert len(events) == 1
    assert 0.0 <= events[0].wait <= 1.0


@covers("status_500_get", "status_502_get", "status_503_get", "status_504_get")
async def test_5xx_get_is_retried(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    events: list[RetryEvent] = []
    async with client_for(fake.base_url, events) as client:
        for status in (500, 502, 503, 504):
            fake.faults.fail("GET", ONE_ROOM, status=status)
            before = fake.calls("GET", f"{ROOMS}/{room_id}")
            result = await outcome(client.rooms.retrieve(room_id))
            verify(f"status_{status}_get", result, fake.calls("GET", f"{ROOMS}/{room_id}") - before)
    assert [e.status for e in events] == [500, 502, 503, 504]


@covers("status_500_create", "status_502_create", "status_504_create", "status_503_create")
async def test_5xx_create_is_not_retried(fake: FakeRoomsAPI) -> None:
    async with client_for(fake.base_url, max_retries=3) as client:
        for status in (500, 502, 503, 504):
            fake.faults.fail("POST", ROOMS, status=status)
            before = fake.calls("POST", ROOMS)
            result = await outcome(client.rooms.create(max_participants=5))
            verify(f"status_{status}_create", result, fake.calls("POST", ROOMS) - before)
            assert isinstance(result, InternalServerError) and result.status == status
    assert fake.store.rooms == {}


@covers("status_503_retry_after_create")
async def test_503_with_retry_after_create_is_retried(fake: FakeRoomsAPI) -> None:
    fake.faults.fail("POST", ROOMS, status=503, headers={"Retry-After": "0"})
    async with client_for(fake.base_url) as client:
        result = await outcome(client.rooms.create(max_participants=5))
    verify("status_503_retry_after_create", result, fake.calls("POST", ROOMS))
    assert len(fake.store.rooms) == 1


@covers("status_5xx_exhausted")
async def test_5xx_until_retries_run_out(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    fake.faults.fail("GET", ONE_ROOM, status=500, headers={"Retry-After": "0"}, times=None)
    async with client_for(fake.base_url, max_retries=2) as client:
        result = await outcome(client.rooms.retrieve(room_id))
    verify("status_5xx_exhausted", result, fake.calls("GET", f"{ROOMS}/{room_id}"))


@covers("status_404_get")
async def test_404_is_not_retried(fake: FakeRoomsAPI) -> None:
    async with client_for(fake.base_url, max_retries=3) as client:
        result = await outcome(client.rooms.retrieve("no-such-room"))
    verify("status_404_get", result, fake.calls("GET", f"{ROOMS}/no-such-room"))
    assert isinstance(result, NotFoundError) and result.code == "10005"


@covers("status_409_create")
async def test_409_is_not_retried(fake: FakeRoomsAPI) -> None:
    fake.faults.fail("POST", ROOMS, status=409, headers={"Retry-After": "0"})
    async with client_for(fake.base_url, max_retries=3) as client:
        result = await outcome(client.rooms.create(max_participants=5))
    verify("status_409_create", result, fake.calls("POST", ROOMS))


# -- bodies --------------------------------------------------------------------------------

HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@covers("html_error_page")
async def test_html_error_page(fake: FakeRoomsAPI) -> None:
    fake.faults.respond(
        "GET", ONE_ROOM, status=502, body=HTML, content_type="text/html", times=None
    )
    async with client_for(fake.base_url) as client:
        result = await outcome(client.rooms.retrieve("r1"))
    verify("html_error_page", result, fake.calls("GET", f"{ROOMS}/r1"))
    assert isinstance(result, InternalServerError)
    assert result.text is not None and result.text.startswith("<html>")
    assert result.errors == ()


BAD_BODIES = {
    "html_200": (HTML, "text/html"),
    "empty_200": (b"", "application/json"),
    "invalid_json": (b'{"data": {"id": ', "application/json"),
    "wrong_shape": (b'{"data": {"unique_name": "no id"}}', "application/json"),
}


@covers(*BAD_BODIES)
async def test_bad_2xx_bodies(fake: FakeRoomsAPI) -> None:
    async with client_for(fake.base_url, max_retries=3) as client:
        for key, (body, content_type) in BAD_BODIES.items():
            fake.faults.respond("GET", ONE_ROOM, body=body, content_type=content_type)
            before = fake.calls()
            result = await outcome(client.rooms.retrieve("r1"))
            verify(key, result, fake.calls() - before)
            assert isinstance(result, APIResponseValidationError)


@covers("wrong_shape_page")
async def test_wrong_shape_page(fake: FakeRoomsAPI) -> None:
    fake.faults.respond("GET", ROOMS, body={"data": {"id": "r1"}, "meta": {}})
    async with client_for(fake.base_url) as client:
        result = await outcome(client.rooms.list())
    verify("wrong_shape_page", result, fake.calls("GET", ROOMS))


@covers("too_large_declared")
async def test_too_large_declared(fake: FakeRoomsAPI) -> None:
    body = b'{"data": {"id": "r1", "unique_name": "' + b"x" * 4096 + b'"}}'
    fake.faults.respond("GET", ONE_ROOM, body=body)
    async with client_for(fake.base_url, max_response_size=1024) as client:
        result = await outcome(client.rooms.retrieve("r1"))
        verify("too_large_declared", result, fake.calls("GET", f"{ROOMS}/r1"))
        assert "max_response_size=1024" in str(result)
        assert isinstance(await outcome(client.rooms.retrieve("r1")), NotFoundError)


@covers("too_large_default")
async def test_too_large_default_limit() -> None:
    async with RawServer(declared_length(10 * 1024**3), respond()) as server:
        async with client_for(server.base_url) as client:
            result = await outcome(client.rooms.retrieve("r1"))
            verify("too_large_default", result, len(server.requests))
            assert isinstance(await client.rooms.retrieve("r1"), Room)
        assert server.stats.bytes_sent < 4096


@covers("too_large_streamed")
async def test_too_large_streamed() -> None:
    limit = 1024 * 1024
    async with RawServer(endless_chunked(), respond()) as server:
        async with client_for(server.base_url, max_response_size=limit) as client:
            result = await outcome(client.rooms.retrieve("r1"))
            verify("too_large_streamed", result, len(server.requests))
            # The connection was dropped, not drained: the next call gets a fresh one.
            assert isinstance(await client.rooms.retrieve("r1"), Room)
        # What the kernel buffered past the limit, but nowhere near the 256 MiB on offer.
        assert server.stats.bytes_sent < 32 * limit
        assert server.stats.connections == 2


# -- the caller ----------------------------------------------------------------------------


@covers("closed_client")
async def test_closed_client(fake: FakeRoomsAPI) -> None:
    client = client_for(fake.base_url)
    await client.rooms.list()
    await client.aclose()
    before = fake.calls()
    verify("closed_client", await outcome(client.rooms.retrieve("r1")), fake.calls() - before)
    assert client.is_closed


@covers("cancelled_mid_request")
async def test_cancelled_mid_request(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    path = f"{ROOMS}/{room_id}"
    fake.faults.delay("GET", ONE_ROOM, 5.0)
    async with client_for(fake.base_url, max_retries=3) as client:
        task = asyncio.create_task(client.rooms.retrieve(room_id))
        for _ in range(200):
            if fake.calls("GET", path):
                break
            await asyncio.sleep(0.01)
        task.cancel()
        result = await outcome(task)
        await asyncio.sleep(0.2)  # a retry, if there were one, would have started by now
        verify("cancelled_mid_request", result, fake.calls("GET", path))
        assert isinstance(await client.rooms.retrieve(room_id), Room)


@covers("caller_timeout")
async def test_caller_timeout(fake: FakeRoomsAPI) -> None:
    room_id = await new_room(fake)
    path = f"{ROOMS}/{room_id}"
    fake.faults.delay("GET", ONE_ROOM, 5.0)
    async with client_for(fake.base_url, max_retries=3) as client:
        result = await outcome(asyncio.wait_for(client.rooms.retrieve(room_id), 0.2))
        await asyncio.sleep(0.2)
        verify("caller_timeout", result, fake.calls("GET", path))
        assert isinstance(await client.rooms.retrieve(room_id), Room)


def test_every_row_has_a_test() -> None:
    assert set(COVERED) == set(MATRIX)


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_rows_are_consistent(key: str) -> None:
    row = MATRIX[key]
    assert (row.outcome is None) == bool(row.returns)
    assert (row.request_sent is not None) == (
        row.outcome is not None and issubclass(row.outcome, APIConnectionError)
    )


@covers("named_reset_after_handling", "named_reset_before_handling", "named_500")
async def test_named_creates_are_reconciled(fake: FakeRoomsAPI) -> None:
    for key, fault in (
        (
            "named_reset_after_handling",
            lambda: fake.faults.reset("POST", ROOMS, after_handling=True),
        ),
        ("named_reset_before_handling", lambda: fake.faults.reset("POST", ROOMS)),
        ("named_500", lambda: fake.faults.fail("POST", ROOMS, status=500)),
    ):
        fault()
        before = len(fake.requests)
        async with client_for(fake.base_url, max_retries=2) as client:
            result = await outcome(client.rooms.create(unique_name=key))
        verify(key, result, len(fake.requests) - before)
        assert [r["unique_name"] for r in fake.store.rooms.values()].count(key) == 1
