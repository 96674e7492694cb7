"""The hostile-server tier: the client keeps its promises against a server that lies.

Each row of ``CASES`` is one misbehaviour of a raw ``asyncio.start_server`` server on
127.0.0.1 (``hostile_server.py``), the call made against it through a real ``RoomsClient``,
and what the client must do. Every row runs under the default asyncio loop and under uvloop,
and every run is judged on the same seven invariants (``hostile_harness.violations``):

1. the call returns normally or raises a ``TelnyxError`` (and the outcome the row names);
2. it ends within the client's ``timeout`` + 1 s;
3. traced memory during the call stays below ``MEMORY_BOUND``;
4. the API key shows in no string the library builds: exception texts and attributes along
   the whole ``__cause__``/``__context__`` chain and every DEBUG record of the library's
   logger, raw, JSON-escaped or percent-encoded; and those strings are printable UTF-8;
5. a POST is sent once unless the retry rule allows more, and the server reads the number
   of requests the row names;
6. no redirect is followed, and nothing reaches another origin;
7. after ``aclose()`` no socket of the client is open and nothing warned of a leak.

``docs/reliability.md`` shows this table (``render_table``), checked by
``tests/test_reliability_doc.py``. Run the tier alone with
``.venv/bin/python -m pytest -q tests/test_hostile.py``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

import pytest
from hostile_harness import (
    HARD_SLACK,
    KEY,
    LOOPS,
    MAX_RESPONSE_SIZE,
    MEMORY_BOUND,
    SETTINGS,
    TIME_SLACK,
    Call,
    Case,
    Context,
    Observed,
    Steps,
    dumps_figures,
    escape_json,
    escape_percent,
    harness_faults,
    leaks,
    run_case,
    violations,
)
from hostile_server import (
    ROOM_BODY,
    HostileServer,
    Reply,
    Request,
    bomb,
    chunked,
    compress,
    drip,
    endless_chunks,
    endless_interim,
    head,
    json_body,
    message,
    never_read,
    pages,
    raw,
    respond,
    room,
    silent,
)

from telnyx_rooms_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DeadlineExceededError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    ResponseTooLargeError,
    Room,
    RoomsClient,
    UnprocessableEntityError,
)

BEARER: Final = f"Bearer {KEY}"

# -- the calls ------------------------------------------------------------------------------


async def _create(client: RoomsClient, steps: Steps) -> object:
    return await client.rooms.create(unique_name="hostile", max_participants=5)


async def _retrieve(client: RoomsClient, steps: Steps) -> object:
    return await client.rooms.retrieve("room-1")


async def _list(client: RoomsClient, steps: Steps) -> object:
    return await client.rooms.list(page_size=2)


async def _list_next(client: RoomsClient, steps: Steps) -> object:
    page = await client.rooms.list(page_size=2)
    steps.append(page)
    return await page.next_page()


async def _iterate(client: RoomsClient, steps: Steps) -> object:
    return [item async for item in client.rooms.list(page_size=2)]


def _twice(first: Call, second: Call) -> Call:
    async def call(client: RoomsClient, steps: Steps) -> object:
        try:
            steps.append(await first(client, steps))
        except Exception as exc:  # judged with the rest; the second call must still work
            steps.append(exc)
        # Long enough for a server's close of the idle connection to reach the client.
        await asyncio.sleep(0.15)
        return await second(client, steps)

    return call


CALLS: Final[Mapping[str, Call]] = {
    "create": _create,
    "retrieve": _retrieve,
    "list": _list,
    "list_next": _list_next,
    "iterate": _iterate,
    "retrieve_twice": _twice(_retrieve, _retrieve),
    "create_twice": _twice(_create, _create),
}

CALL_TEXT: Final[Mapping[str, tuple[str, str]]] = {
    # call key: (the call column, what a normal return is)
    "create": ("`rooms.create` (POST)", "`Room`"),
    "retrieve": ("`rooms.retrieve` (GET)", "`Room`"),
    "list": ("`await rooms.list()` (GET)", "`Page`"),
    "list_next": ("`await rooms.list()`, then `page.next_page()`", "`Page` or `None`"),
    "iterate": ("`async for` over `rooms.list()`", "the rooms"),
    "retrieve_twice": ("`rooms.retrieve`, and again 150 ms later", "`Room`"),
    "create_twice": ("`rooms.create`, and again 150 ms later", "`Room`"),
    "error_for": ("`error_for(status, headers, body)`", ""),
}

# -- building blocks ------------------------------------------------------------------------

JSON_CT: Final = ("Content-Type", "application/json")
ERROR_404: Final = json_body({"errors": [{"code": "10005", "title": "Resource not found"}]})
ERROR_422: Final = json_body({"errors": [{"code": "10015", "title": "Invalid", "detail": "bad"}]})
ERROR_503: Final = json_body({"errors": [{"code": "90001", "title": "Service unavailable"}]})
GENUINE: Final = json_body({"data": room("genuine-2")})
DEEP: Final = 100_000
FAST: Final[Mapping[str, Any]] = {"timeout": 0.6, "read_timeout": 0.3}
#: Calls that should take milliseconds get a short deadline, so a loop that does not end is
#: stopped soon and the tier stays short.
SHORT: Final[Mapping[str, Any]] = {"timeout": 0.5}


def serve(*replies: Reply) -> Callable[[Context], HostileServer]:
    """A case's server: ``replies`` in order, the last one repeating."""
    return lambda ctx: HostileServer(*replies)


def lazily(build: Callable[[], Sequence[Reply]]) -> Callable[[Context], HostileServer]:
    """A case's server whose replies are built (bombs compressed) just before the case runs."""
    return lambda ctx: HostileServer(*build())


def status_line(line: bytes, body: bytes = ROOM_BODY) -> Reply:
    """A reply with the status line ``line`` and a JSON body with its length."""
    return raw(head(line, [JSON_CT, ("Content-Length", str(len(body)))]) + body)


def with_header(name: bytes | str, value: bytes | str, status: int = 200) -> Reply:
    """A complete reply carrying one more header line, exactly as given."""
    body = ROOM_BODY if status < 300 else ERROR_404
    return respond(status, body, headers=[(name, value)])


def embed(template: str, text: str) -> bytes:
    """``template`` with ``@`` replaced by ``text`` as it is (escapes stay escapes)."""
    return template.replace("@", text).encode()


def nested(depth: int) -> bytes:
    """A JSON array nested ``depth`` levels deep."""
    return b"[" * depth + b"]" * depth


def encoded(encoding: str, payload: bytes, framing: str) -> Reply:
    """``payload`` (already compressed) as a 200 with ``Content-Encoding: encoding``.

    ``framing`` is ``length`` (Content-Length), ``close`` (neither: the body ends at FIN),
    or ``chunked``.
    """
    headers = [JSON_CT, ("Content-Encoding", encoding)]
    if framing == "length":
        return raw(
            head(b"HTTP/1.1 200 OK", [*headers, ("Content-Length", str(len(payload)))]) + payload
        )
    if framing == "close":
        return raw(head(b"HTTP/1.1 200 OK", [*headers, ("Connection", "close")]) + payload, "close")
    step = 16 * 1024
    pieces = [payload[i : i + step] for i in range(0, len(payload), step)]
    return chunked(pieces, headers=[("Content-Encoding", encoding)])


def list_page(prefix: str, *, meta: object, count: int = 2) -> dict[str, Any]:
    """A list document of ``count`` rooms named after ``prefix``, with ``meta`` as given."""
    return {"data": [room(f"{prefix}-{i}") for i in range(count)], "meta": meta}


def meta(number: object, total: object = 3) -> dict[str, object]:
    """A page's ``meta`` with the given number and total (any JSON, as a server may lie)."""
    return {"page_number": number, "page_size": 2, "total_pages": total, "total_results": 6}


def three_pages(make_meta: Callable[[int], object]) -> Reply:
    """Pages 1 to 3 of two distinct rooms each, then empty pages, with ``make_meta(n)``."""
    return pages(
        lambda n, _: list_page(f"p{n}", meta=make_meta(n), count=2 if n <= 3 else 0),
    )


# -- case-specific checks -------------------------------------------------------------------


def rooms_unique(most: int) -> Callable[[Observed], list[str]]:
    """When the iteration returns: no room twice and at most ``most`` rooms."""

    def check(observed: Observed) -> list[str]:
        if observed.error is not None or not isinstance(observed.value, list):
            return []
        ids = [getattr(r, "id", None) for r in observed.value]
        problems = []
        if len(ids) != len(set(ids)):
            problems.append(f"a room came twice: {Counter(ids).most_common(1)[0]}")
        if len(ids) > most:
            problems.append(f"{len(ids)} rooms, at most {most} exist")
        return problems

    return check


def rooms_exactly(count: int) -> Callable[[Observed], list[str]]:
    """The iteration returns ``count`` distinct rooms."""

    def check(observed: Observed) -> list[str]:
        if not isinstance(observed.value, list) or len({r.id for r in observed.value}) != count:
            return [f"expected {count} distinct rooms, got {observed.outcome_name()}"]
        return []

    return check


def genuine_second(observed: Observed) -> list[str]:
    """The second call got the server's real reply to it, not bytes left from the first."""
    value = observed.value
    if observed.error is None and getattr(value, "id", None) != "genuine-2":
        return [f"the second call returned {getattr(value, 'id', value)!r}, not 'genuine-2'"]
    return []


def no_sleep(observed: Observed) -> list[str]:
    """A wait the deadline cannot cover is refused at once, not slept towards."""
    if observed.elapsed > 0.5:
        return [f"took {observed.elapsed:.2f}s: it waited instead of giving up"]
    return []


# -- the table ------------------------------------------------------------------------------

RETURNS: Final = (None,)
VALIDATION: Final = (APIResponseValidationError,)
CONNECTION: Final = (APIConnectionError,)
NOT_A_RETURN: Final = (APIStatusError, APIResponseValidationError, APIConnectionError)
TOO_LARGE: Final = (ResponseTooLargeError,)
CORRUPT: Final = (APIConnectionError, APIResponseValidationError)
RETURN_OR_VALIDATION: Final = (None, APIResponseValidationError)
RETURN_OR_CONNECTION: Final = (None, APIConnectionError)


def _cases() -> Iterator[tuple[str, Case]]:
    # -- status lines ------------------------------------------------------------------
    family = "status line"
    yield Case(
        "status_garbage",
        family,
        "`FOO BAR BAZ` as the status line",
        "retrieve",
        CONNECTION,
        2,
        serve(status_line(b"FOO BAR BAZ")),
    )
    yield Case(
        "status_garbage_create",
        family,
        "`FOO BAR BAZ` as the status line",
        "create",
        CONNECTION,
        1,
        serve(status_line(b"FOO BAR BAZ")),
    )
    yield Case(
        "status_no_reason",
        family,
        "`HTTP/1.1 200` (no reason phrase)",
        "retrieve",
        RETURNS,
        1,
        serve(status_line(b"HTTP/1.1 200")),
    )
    yield Case(
        "status_099",
        family,
        "status `099` with a room body",
        "retrieve",
        NOT_A_RETURN,
        (1, 2),
        serve(status_line(b"HTTP/1.1 099 Weird")),
    )
    yield Case(
        "status_000_create",
        family,
        "status `000` with a room body",
        "create",
        NOT_A_RETURN,
        1,
        serve(status_line(b"HTTP/1.1 000 Zero")),
    )
    yield Case(
        "status_150",
        family,
        "status `150` (below 200) with a room body",
        "retrieve",
        NOT_A_RETURN,
        (1, 2),
        serve(status_line(b"HTTP/1.1 150 Odd")),
        options=FAST,
    )
    yield Case(
        "status_199_create",
        family,
        "status `199` with a room body",
        "create",
        NOT_A_RETURN,
        1,
        serve(status_line(b"HTTP/1.1 199 Odd")),
        options=FAST,
    )
    yield Case(
        "status_600",
        family,
        "status `600` with an error body",
        "retrieve",
        (APIStatusError,),
        1,
        serve(status_line(b"HTTP/1.1 600 Beyond", ERROR_404)),
    )
    yield Case(
        "status_999_create",
        family,
        "status `999` with an error body",
        "create",
        (APIStatusError,),
        1,
        serve(status_line(b"HTTP/1.1 999 Beyond", ERROR_404)),
    )
    yield Case(
        "status_four_digits",
        family,
        "status `2000`",
        "create",
        CONNECTION,
        1,
        serve(status_line(b"HTTP/1.1 2000 OK")),
    )
    yield Case(
        "status_negative",
        family,
        "status `-200`",
        "create",
        CONNECTION,
        1,
        serve(status_line(b"HTTP/1.1 -200 OK")),
    )
    yield Case(
        "http09",
        family,
        "HTTP/0.9-style: the body alone, no status line, then FIN",
        "retrieve",
        CONNECTION,
        2,
        serve(raw(ROOM_BODY, "close")),
    )
    yield Case(
        "http_version_unknown",
        family,
        "`HTTP/9.9 200 OK`",
        "create",
        RETURN_OR_CONNECTION,
        1,
        serve(status_line(b"HTTP/9.9 200 OK")),
    )
    yield Case(
        "status_line_nul",
        family,
        "a NUL byte in the reason phrase",
        "retrieve",
        RETURN_OR_CONNECTION,
        (1, 2),
        serve(status_line(b"HTTP/1.1 200 O\x00K")),
    )
    yield Case(
        "status_line_is_authorization",
        family,
        "the request's Authorization value where the status line should be",
        "retrieve",
        CONNECTION,
        2,
        serve(status_line(BEARER.encode())),
    )
    yield Case(
        "status_line_is_authorization_create",
        family,
        "`HTTP/1.1 Bearer <key>` as the status line",
        "create",
        CONNECTION,
        1,
        serve(status_line(f"HTTP/1.1 {BEARER}".encode())),
    )

    # -- headers ----------------------------------------------------------------------
    family = "headers"
    yield Case(
        "header_huge",
        family,
        "one header of 1 MiB",
        "retrieve",
        CONNECTION,
        2,
        serve(with_header("X-Big", "a" * MAX_RESPONSE_SIZE)),
    )
    yield Case(
        "header_many",
        family,
        "10,000 header lines",
        "create",
        RETURN_OR_CONNECTION,
        1,
        serve(respond(headers=[(f"X-H{i}", "v") for i in range(10_000)])),
    )
    yield Case(
        "header_nul",
        family,
        "a NUL byte in a header value",
        "create",
        CONNECTION,
        1,
        serve(with_header("X-Bad", b"a\x00b")),
    )
    yield Case(
        "header_obs_fold",
        family,
        "an obs-fold continuation line",
        "retrieve",
        RETURN_OR_CONNECTION,
        (1, 2),
        serve(with_header("X-Folded", b"first\r\n  second")),
    )
    yield Case(
        "header_non_utf8",
        family,
        "a header value that is not UTF-8",
        "retrieve",
        RETURNS,
        1,
        serve(with_header("X-Weird", b"\xff\xfe\xc3(")),
    )
    yield Case(
        "header_no_colon",
        family,
        "a header line without a colon",
        "create",
        CONNECTION,
        1,
        serve(
            raw(head(b"HTTP/1.1 200 OK", [JSON_CT]).replace(b"\r\n\r\n", b"\r\nNoColon\r\n\r\n"))
        ),
    )
    yield Case(
        "request_id_key_error",
        family,
        "`x-request-id` echoing the Authorization value, on a 404",
        "retrieve",
        (NotFoundError,),
        1,
        serve(with_header("x-request-id", BEARER, 404)),
    )
    yield Case(
        "request_id_key_2xx",
        family,
        "`x-request-id` echoing the Authorization value, on a 200",
        "retrieve",
        RETURNS,
        1,
        serve(with_header("x-request-id", BEARER)),
    )
    yield Case(
        "request_id_key_create_error",
        family,
        "`x-request-id` echoing the key, on a 409",
        "create",
        (ConflictError,),
        1,
        serve(respond(409, ERROR_422, headers=[("x-request-id", KEY)])),
    )
    yield Case(
        "request_id_non_utf8_error",
        family,
        "`x-request-id` that is not UTF-8, on a 404",
        "retrieve",
        (NotFoundError,),
        1,
        serve(with_header("x-request-id", b"req-\xff\xfe-\xed\xa0\x80", 404)),
    )
    yield Case(
        "request_id_non_utf8_2xx",
        family,
        "`x-request-id` that is not UTF-8, on a 200",
        "retrieve",
        RETURNS,
        1,
        serve(with_header("x-request-id", b"req-\xff\xfe-\xed\xa0\x80")),
    )

    # -- framing ----------------------------------------------------------------------
    family = "framing"
    short = b'{"data": {"id": "r1"'
    yield Case(
        "length_longer_fin",
        family,
        "Content-Length longer than the body, then FIN",
        "retrieve",
        CONNECTION,
        2,
        serve(
            raw(head(b"HTTP/1.1 200 OK", [JSON_CT, ("Content-Length", "1000")]) + short, "close")
        ),
    )
    yield Case(
        "length_longer_fin_create",
        family,
        "Content-Length longer than the body, then FIN",
        "create",
        CONNECTION,
        1,
        serve(
            raw(head(b"HTTP/1.1 201 OK", [JSON_CT, ("Content-Length", "1000")]) + short, "close")
        ),
    )
    yield Case(
        "length_longer_held",
        family,
        "Content-Length longer than the body, connection held open",
        "create",
        (APITimeoutError,),
        1,
        serve(raw(head(b"HTTP/1.1 201 OK", [JSON_CT, ("Content-Length", "1000")]) + short, "hold")),
        options=FAST,
    )
    yield Case(
        "length_shorter",
        family,
        "Content-Length shorter than the body",
        "create",
        CORRUPT,
        1,
        serve(raw(head(b"HTTP/1.1 200 OK", [JSON_CT, ("Content-Length", "20")]) + ROOM_BODY)),
    )
    yield Case(
        "length_twice",
        family,
        "Content-Length twice, different values",
        "create",
        CONNECTION,
        1,
        serve(
            raw(
                head(
                    b"HTTP/1.1 200 OK",
                    [JSON_CT, ("Content-Length", str(len(ROOM_BODY))), ("Content-Length", "5")],
                )
                + ROOM_BODY
            )
        ),
    )
    yield Case(
        "length_negative",
        family,
        "Content-Length `-1`",
        "create",
        CONNECTION,
        1,
        serve(raw(head(b"HTTP/1.1 200 OK", [JSON_CT, ("Content-Length", "-1")]) + ROOM_BODY)),
    )
    yield Case(
        "length_not_a_number",
        family,
        "Content-Length `12abc`",
        "create",
        CONNECTION,
        1,
        serve(raw(head(b"HTTP/1.1 200 OK", [JSON_CT, ("Content-Length", "12abc")]) + ROOM_BODY)),
    )
    yield Case(
        "length_and_chunked",
        family,
        "Content-Length and `Transfer-Encoding: chunked` together",
        "create",
        CONNECTION,
        1,
        serve(
            raw(
                head(
                    b"HTTP/1.1 200 OK",
                    [JSON_CT, ("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
                )
                + f"{len(ROOM_BODY):x}\r\n".encode()
                + ROOM_BODY
                + b"\r\n0\r\n\r\n"
            )
        ),
    )
    yield Case(
        "chunk_bad_size",
        family,
        "chunk size `zz`",
        "create",
        CONNECTION,
        1,
        serve(
            raw(
                head(b"HTTP/1.1 200 OK", [JSON_CT, ("Transfer-Encoding", "chunked")])
                + b"zz\r\n"
                + ROOM_BODY
                + b"\r\n0\r\n\r\n"
            )
        ),
    )
    yield Case(
        "chunk_size_overflow",
        family,
        "chunk size of 20 hex digits",
        "create",
        CONNECTION,
        1,
        serve(
            raw(
                head(b"HTTP/1.1 200 OK", [JSON_CT, ("Transfer-Encoding", "chunked")])
                + b"f" * 20
                + b"\r\n"
                + ROOM_BODY,
                "close",
            )
        ),
    )
    yield Case(
        "chunk_no_terminator_fin",
        family,
        "chunks without the last chunk, then FIN",
        "retrieve",
        CONNECTION,
        2,
        serve(chunked([ROOM_BODY[:20], ROOM_BODY[20:]], terminator=b"", end="close")),
    )
    yield Case(
        "chunk_no_terminator_held",
        family,
        "chunks without the last chunk, connection held open",
        "create",
        (APITimeoutError,),
        1,
        serve(chunked([ROOM_BODY], terminator=b"", end="hold", status_line=b"HTTP/1.1 201 OK")),
        options=FAST,
    )
    yield Case(
        "chunks_endless", family, "endless chunks", "create", TOO_LARGE, 1, serve(endless_chunks())
    )
    yield Case(
        "smuggled_reply",
        family,
        "a second, unasked-for reply right after the first",
        "retrieve_twice",
        RETURNS,
        2,
        serve(
            raw(message() + message(body=json_body({"data": room("smuggled")}))),
            respond(body=GENUINE),
        ),
        check=genuine_second,
    )
    yield Case(
        "smuggled_reply_create",
        family,
        "a second, unasked-for reply right after the first",
        "create_twice",
        RETURNS,
        2,
        serve(
            raw(message(201) + message(201, json_body({"data": room("smuggled")}))),
            respond(201, GENUINE),
        ),
        posts_allowed=2,
        check=genuine_second,
    )

    # -- encodings --------------------------------------------------------------------
    family = "encodings"
    for encoding in ("gzip", "deflate", "br", "zstd"):
        for framing, text in (
            ("length", "with a small Content-Length"),
            ("close", "without Content-Length (ends at FIN)"),
            ("chunked", "chunked"),
        ):
            yield Case(
                f"bomb_{encoding}_{framing}",
                family,
                f"`{encoding}` bomb (200 MiB inflated), {text}",
                "retrieve",
                TOO_LARGE,
                1,
                lazily(lambda e=encoding, f=framing: [encoded(e, bomb(e), f)]),
            )
    yield Case(
        "bomb_gzip_create",
        family,
        "`gzip` bomb with a small Content-Length",
        "create",
        TOO_LARGE,
        1,
        lazily(lambda: [encoded("gzip", bomb("gzip"), "length")]),
    )
    yield Case(
        "bomb_gzip_error_status",
        family,
        "`gzip` bomb as the body of a 500",
        "retrieve",
        (ResponseTooLargeError, InternalServerError, DeadlineExceededError),
        (1, 2),
        lazily(
            lambda: [
                raw(
                    head(
                        b"HTTP/1.1 500 Oops",
                        [
                            JSON_CT,
                            ("Content-Encoding", "gzip"),
                            ("Content-Length", str(len(bomb("gzip")))),
                        ],
                    )
                    + bomb("gzip")
                )
            ]
        ),
    )
    for encoding in ("gzip", "deflate", "br", "zstd"):
        yield Case(
            f"garbage_{encoding}",
            family,
            f"`Content-Encoding: {encoding}` over bytes that are not {encoding}",
            "retrieve" if encoding == "gzip" else "create",
            CORRUPT,
            (1, 2) if encoding == "gzip" else 1,
            serve(encoded(encoding, b"\x00not compressed at all", "length")),
        )
    for encoding in ("gzip", "deflate", "br", "zstd"):
        yield Case(
            f"truncated_{encoding}",
            family,
            f"a `{encoding}` stream cut in half",
            "create",
            CORRUPT,
            1,
            lazily(lambda e=encoding: [encoded(e, compress(e, ROOM_BODY * 20)[:40], "length")]),
        )
    yield Case(
        "stacked_gzip_bomb",
        family,
        "`Content-Encoding: gzip, gzip`, a bomb twice compressed",
        "retrieve",
        VALIDATION,
        1,
        lazily(lambda: [encoded("gzip, gzip", compress("gzip", bomb("gzip")), "length")]),
    )
    yield Case(
        "stacked_gzip",
        family,
        "`Content-Encoding: gzip, gzip` over a room gzipped twice",
        "retrieve",
        RETURN_OR_VALIDATION,
        1,
        lazily(
            lambda: [encoded("gzip, gzip", compress("gzip", compress("gzip", ROOM_BODY)), "length")]
        ),
    )
    yield Case(
        "unknown_encoding",
        family,
        "`Content-Encoding: compress` (unsupported)",
        "retrieve",
        VALIDATION,
        1,
        lazily(lambda: [encoded("compress", zlib.compress(ROOM_BODY), "length")]),
    )

    # -- bodies -----------------------------------------------------------------------
    family = "bodies"
    yield Case(
        "body_invalid_utf8",
        family,
        "a 200 body that is not UTF-8",
        "retrieve",
        VALIDATION,
        1,
        serve(respond(body=b'{"data": {"id": "r\xff\xfe", "unique_name": "\xc3("}}')),
    )
    yield Case(
        "error_body_invalid_utf8",
        family,
        "a 404 body that is not UTF-8",
        "retrieve",
        (NotFoundError,),
        1,
        serve(respond(404, b'{"errors": [{"code": "\xff\xfe", "title": "\xc3("}]}')),
    )
    yield Case(
        "number_1e400",
        family,
        "`max_participants: 1e400`",
        "retrieve",
        RETURN_OR_VALIDATION,
        1,
        serve(respond(body=b'{"data": {"id": "r1", "max_participants": 1e400}}')),
    )
    yield Case(
        "number_10000_digits",
        family,
        "a 10,000-digit integer",
        "retrieve",
        RETURN_OR_VALIDATION,
        1,
        serve(respond(body=b'{"data": {"id": "r1", "max_participants": ' + b"9" * 10_000 + b"}}")),
    )
    yield Case(
        "number_10000_digits_error",
        family,
        "a 10,000-digit integer as an error's code",
        "retrieve",
        (UnprocessableEntityError,),
        1,
        serve(respond(422, b'{"errors": [{"code": ' + b"9" * 10_000 + b"}]}")),
    )
    yield Case(
        "nan_infinity",
        family,
        "`NaN` and `Infinity` as numbers",
        "retrieve",
        RETURN_OR_VALIDATION,
        1,
        serve(
            respond(
                body=b'{"data": {"id": "r1", "max_participants": NaN,'
                b' "webhook_timeout_secs": -Infinity}}'
            )
        ),
    )
    deep_2xx = b'{"data": {"id": "r1", "extra": ' + nested(DEEP) + b"}}"
    yield Case(
        "deep_2xx_retrieve",
        family,
        "100,000 levels of nesting in a 200",
        "retrieve",
        VALIDATION,
        1,
        serve(respond(body=deep_2xx)),
    )
    yield Case(
        "deep_2xx_create",
        family,
        "100,000 levels of nesting in a 201",
        "create",
        VALIDATION,
        1,
        serve(respond(201, deep_2xx)),
    )
    yield Case(
        "deep_2xx_list",
        family,
        "100,000 levels of nesting in a page",
        "list",
        VALIDATION,
        1,
        serve(respond(body=b'{"data": [' + nested(DEEP) + b'], "meta": {}}')),
    )
    deep_error = b'{"errors": ' + nested(DEEP) + b"}"
    deep_meta = (
        b'{"errors": [{"code": "1", "meta": ' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}]}"
    )
    yield Case(
        "deep_error_body",
        family,
        "100,000 levels of nesting in a 422 body",
        "retrieve",
        (UnprocessableEntityError,),
        1,
        serve(respond(422, deep_error)),
    )
    yield Case(
        "deep_error_meta",
        family,
        "100,000 levels of nesting in an error's `meta`",
        "retrieve",
        (BadRequestError,),
        1,
        serve(respond(400, deep_meta)),
    )
    yield Case(
        "deep_error_for_body",
        family,
        "100,000 levels of nesting in an error body",
        "error_for",
        (UnprocessableEntityError,),
        0,
        pure=lambda: (422, {}, deep_error),
    )
    yield Case(
        "deep_error_for_meta",
        family,
        "100,000 levels of nesting in an error's `meta`",
        "error_for",
        (BadRequestError,),
        0,
        pure=lambda: (400, {}, deep_meta),
    )
    yield Case(
        "wrong_type_id",
        family,
        '`"id": 5`',
        "retrieve",
        RETURN_OR_VALIDATION,
        1,
        serve(respond(body=b'{"data": {"id": 5}}')),
    )
    yield Case(
        "wrong_type_created_at",
        family,
        '`"created_at": 7`',
        "retrieve",
        VALIDATION,
        1,
        serve(respond(body=b'{"data": {"id": "r1", "created_at": 7}}')),
    )
    yield Case(
        "wrong_container_data",
        family,
        "`data` a list where an object is due",
        "retrieve",
        VALIDATION,
        1,
        serve(respond(body=json_body({"data": [room()]}))),
    )
    yield Case(
        "wrong_container_sessions",
        family,
        "`sessions` an object",
        "retrieve",
        VALIDATION,
        1,
        serve(respond(body=json_body({"data": room(sessions={"id": "s1"})}))),
    )
    yield Case(
        "page_100k_null_items",
        family,
        "a page of 100,000 `null` items (500 KB)",
        "list",
        VALIDATION,
        1,
        serve(respond(body=b'{"data": [' + b",".join([b"null"] * 100_000) + b'], "meta": {}}')),
        options=SHORT,
    )
    yield Case(
        "page_100k_empty_items",
        family,
        "a page of 100,000 `{}` items (300 KB)",
        "list",
        VALIDATION,
        1,
        serve(respond(body=b'{"data": [' + b",".join([b"{}"] * 100_000) + b'], "meta": {}}')),
        options=SHORT,
    )
    yield Case(
        "error_body_wrong_types",
        family,
        "an error whose fields have the wrong types",
        "retrieve",
        (UnprocessableEntityError,),
        1,
        serve(
            respond(
                422,
                json_body(
                    {
                        "errors": [
                            {
                                "code": 5,
                                "title": ["x"],
                                "detail": {"a": 1},
                                "source": "nowhere",
                                "meta": [1],
                            }
                        ]
                    }
                ),
            )
        ),
    )
    yield Case(
        "error_for_errors_not_a_list",
        family,
        "`errors` an object, `meta` a string",
        "error_for",
        (APIStatusError,),
        0,
        pure=lambda: (418, {}, b'{"errors": {"code": "1"}, "meta": "x"}'),
    )

    # -- interim and bodiless statuses ------------------------------------------------
    family = "interim statuses"
    cont = b"HTTP/1.1 100 Continue\r\n\r\n"
    yield Case(
        "continue_then_reply",
        family,
        "`100 Continue`, then the reply",
        "retrieve",
        RETURNS,
        1,
        serve(raw(cont + message())),
    )
    yield Case(
        "continue_then_reply_create",
        family,
        "`100 Continue`, then the reply",
        "create",
        RETURNS,
        1,
        serve(raw(cont + message(201))),
    )
    yield Case(
        "continue_1000",
        family,
        "1,000 `100 Continue`s, then the reply",
        "retrieve",
        RETURNS,
        1,
        serve(raw(cont * 1000 + message())),
    )
    yield Case(
        "continue_endless",
        family,
        "`100 Continue` every 50 ms, never a reply",
        "create",
        (APITimeoutError,),
        1,
        serve(endless_interim()),
        options=FAST,
    )
    upgrade = head(
        b"HTTP/1.1 101 Switching Protocols", [("Upgrade", "websocket"), ("Connection", "Upgrade")]
    )
    yield Case(
        "switching_protocols",
        family,
        "`101 Switching Protocols`, then a room and FIN",
        "retrieve",
        NOT_A_RETURN,
        (1, 2),
        serve(raw(upgrade + ROOM_BODY, "close")),
    )
    yield Case(
        "switching_protocols_create",
        family,
        "`101 Switching Protocols`, then a room and FIN",
        "create",
        NOT_A_RETURN,
        1,
        serve(raw(upgrade + ROOM_BODY, "close")),
    )
    yield Case(
        "early_hints",
        family,
        "`103 Early Hints`, then the reply",
        "retrieve",
        RETURNS,
        1,
        serve(raw(head(b"HTTP/1.1 103 Early Hints", [("Link", "</x>; rel=preload")]) + message())),
    )
    smuggled = message(body=json_body({"data": room("smuggled")}))
    yield Case(
        "no_content_with_body",
        family,
        "`204` whose body is a whole second reply",
        "retrieve_twice",
        RETURNS,
        2,
        serve(
            raw(
                head(b"HTTP/1.1 204 No Content", [("Content-Length", str(len(smuggled)))])
                + smuggled
            ),
            respond(body=GENUINE),
        ),
        check=genuine_second,
    )
    yield Case(
        "not_modified_with_body",
        family,
        "`304` whose body is a whole second reply",
        "retrieve_twice",
        RETURNS,
        2,
        serve(
            raw(
                head(b"HTTP/1.1 304 Not Modified", [("Content-Length", str(len(smuggled)))])
                + smuggled
            ),
            respond(body=GENUINE),
        ),
        check=genuine_second,
    )
    yield Case(
        "no_content_create",
        family,
        "`204` to a create",
        "create",
        VALIDATION,
        1,
        serve(raw(head(b"HTTP/1.1 204 No Content", []))),
    )

    # -- redirects --------------------------------------------------------------------
    family = "redirects"
    for status, call in (
        (301, "retrieve"),
        (302, "retrieve"),
        (303, "create"),
        (307, "create"),
        (308, "create"),
        (308, "iterate"),
    ):
        yield Case(
            f"redirect_{status}_{call}",
            family,
            f"`{status}` to another origin on 127.0.0.1",
            call,
            (APIStatusError,),
            1,
            lambda ctx, s=status: HostileServer(
                respond(s, b"", headers=[("Location", f"{ctx.trap}/v2/rooms")])
            ),
        )
    yield Case(
        "redirect_same_origin",
        family,
        "`302` to a path on the same origin",
        "retrieve",
        (APIStatusError,),
        1,
        serve(respond(302, b"", headers=[("Location", "/v2/elsewhere")])),
    )
    yield Case(
        "redirect_with_credentials",
        family,
        "`307` to another origin with `user:password@` in the URL",
        "create",
        (APIStatusError,),
        1,
        lambda ctx: HostileServer(
            respond(
                307,
                b"",
                headers=[
                    ("Location", ctx.trap.replace("http://", "http://user:pw@") + "/v2/rooms")
                ],
            )
        ),
    )

    # -- Retry-After junk -------------------------------------------------------------
    family = "Retry-After"
    then_room = respond(201)
    junk: tuple[tuple[str, bytes | str, str], ...] = (
        ("negative", "-5", "`-5`"),
        ("nan", "NaN", "`NaN`"),
        ("infinity", "inf", "`inf`"),
        ("non_ascii", b"\xc3\xa9\xff", "bytes C3 A9 FF (not ASCII)"),
        ("empty", "", "empty"),
        ("date_overflow", "Mon, 01 Jan 99999 00:00:00 GMT", "a date in the year 99999"),
    )
    for name, value, text in junk:
        yield Case(
            f"retry_after_{name}",
            family,
            f"503 with `Retry-After` {text}",
            "create",
            (InternalServerError,),
            1,
            serve(respond(503, ERROR_503, headers=[("Retry-After", value)]), then_room),
            note="no valid Retry-After: a create is not retried",
        )
    yield Case(
        "retry_after_negative_get",
        family,
        "503 with `Retry-After: -5`",
        "retrieve",
        (InternalServerError,),
        2,
        serve(respond(503, ERROR_503, headers=[("Retry-After", "-5")])),
    )
    yield Case(
        "retry_after_huge",
        family,
        "503 with `Retry-After: 99999999999999999999`",
        "create",
        (DeadlineExceededError, InternalServerError),
        1,
        serve(respond(503, ERROR_503, headers=[("Retry-After", "9" * 20)]), then_room),
        check=no_sleep,
    )
    yield Case(
        "retry_after_far_date",
        family,
        "429 with `Retry-After` in the year 9999",
        "create",
        (DeadlineExceededError, RateLimitError),
        1,
        serve(
            respond(429, ERROR_503, headers=[("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")]),
            then_room,
        ),
        check=no_sleep,
    )
    yield Case(
        "retry_after_past_date",
        family,
        "429 with `Retry-After` in 2015",
        "create",
        RETURNS,
        2,
        serve(
            respond(429, ERROR_503, headers=[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]),
            then_room,
        ),
        posts_allowed=2,
        note="429: a create may be retried",
    )
    yield Case(
        "retry_after_many",
        family,
        "429 with 100 `Retry-After` headers (0, then junk)",
        "create",
        RETURNS,
        2,
        serve(
            respond(
                429,
                ERROR_503,
                headers=[("Retry-After", "0")] + [("Retry-After", f"junk{i}") for i in range(99)],
            ),
            then_room,
        ),
        posts_allowed=2,
        note="429: a create may be retried",
    )
    yield Case(
        "retry_after_ms_junk",
        family,
        "503 with `retry-after-ms: NaN` and `Retry-After: 0`",
        "retrieve",
        RETURNS,
        2,
        serve(
            respond(503, ERROR_503, headers=[("retry-after-ms", "NaN"), ("Retry-After", "0")]),
            respond(),
        ),
    )

    # -- timing -----------------------------------------------------------------------
    family = "timing"
    yield Case(
        "drip",
        family,
        "the reply one byte every 100 ms",
        "retrieve",
        (APITimeoutError,),
        (1, 2),
        serve(drip(message(), 0.1)),
        options=FAST,
    )
    yield Case(
        "drip_create",
        family,
        "the reply one byte every 100 ms",
        "create",
        (APITimeoutError,),
        1,
        serve(drip(message(201), 0.1)),
        options=FAST,
    )
    stall = head(b"HTTP/1.1 200 OK", [JSON_CT, ("Content-Length", str(len(ROOM_BODY)))])
    yield Case(
        "stall_after_headers",
        family,
        "headers, then silence",
        "retrieve",
        (APITimeoutError,),
        (1, 2),
        serve(raw(stall, "hold")),
        options=FAST,
    )
    yield Case(
        "stall_after_headers_create",
        family,
        "headers, then silence",
        "create",
        (APITimeoutError,),
        1,
        serve(raw(stall, "hold")),
        options=FAST,
    )
    yield Case(
        "never_answers",
        family,
        "reads the request, never answers",
        "create",
        (APITimeoutError,),
        1,
        serve(silent()),
        options=FAST,
    )
    yield Case(
        "never_reads",
        family,
        "accepts, never reads the request",
        "create",
        (APITimeoutError,),
        0,
        lambda ctx: HostileServer(on_connect=never_read),
        options=FAST,
    )
    for stage, data in (
        ("before_status", b""),
        ("after_headers", stall),
        ("mid_body", stall + ROOM_BODY[:30]),
    ):
        text = stage.replace("_", " ")
        yield Case(
            f"reset_{stage}",
            family,
            f"RST {text}",
            "retrieve",
            CONNECTION,
            2,
            serve(raw(data, "rst", pause=0.02)),
        )
        yield Case(
            f"reset_{stage}_create",
            family,
            f"RST {text}",
            "create",
            CONNECTION,
            1,
            serve(raw(data, "rst", pause=0.02)),
        )
    yield Case(
        "fin_before_status",
        family,
        "FIN before the status line",
        "retrieve",
        CONNECTION,
        2,
        serve(raw(b"", "close")),
    )
    yield Case(
        "one_byte_writes",
        family,
        "a whole valid reply in one-byte writes",
        "retrieve",
        RETURNS,
        1,
        serve(drip(message(), 0)),
    )
    yield Case(
        "one_byte_writes_create",
        family,
        "a whole valid reply in one-byte writes",
        "create",
        RETURNS,
        1,
        serve(drip(message(201), 0)),
    )
    yield Case(
        "stale_keepalive",
        family,
        "keep-alive connection closed by the server between two calls",
        "retrieve_twice",
        RETURNS,
        2,
        serve(respond(end="close", pause=0.03), respond(body=GENUINE)),
        check=genuine_second,
    )
    yield Case(
        "stale_keepalive_create",
        family,
        "keep-alive connection closed by the server between two calls",
        "create_twice",
        RETURNS,
        2,
        serve(respond(201, end="close", pause=0.03), respond(201, GENUINE)),
        posts_allowed=2,
        check=genuine_second,
    )

    # -- pagination lies --------------------------------------------------------------
    family = "pagination"
    yield Case(
        "page_number_string",
        family,
        '`page_number: "1"` (a string)',
        "iterate",
        RETURN_OR_VALIDATION,
        (1, 4),
        serve(three_pages(lambda n: meta(str(n)))),
        options=SHORT,
        check=rooms_unique(6),
    )
    yield Case(
        "total_pages_string",
        family,
        '`total_pages: "10"` (a string)',
        "iterate",
        RETURN_OR_VALIDATION,
        (1, 4),
        serve(three_pages(lambda n: meta(n, "10"))),
        options=SHORT,
        check=rooms_unique(6),
    )
    yield Case(
        "page_number_string_next",
        family,
        '`page_number: "1"`, then `next_page()`',
        "list_next",
        RETURN_OR_VALIDATION,
        (1, 2),
        serve(three_pages(lambda n: meta(str(n)))),
        options=SHORT,
    )
    yield Case(
        "meta_wrong_types",
        family,
        "`meta` fields of the wrong types (list, object)",
        "iterate",
        RETURN_OR_VALIDATION,
        (1, 4),
        serve(three_pages(lambda n: meta([n], {"n": 3}))),
        options=SHORT,
        check=rooms_unique(6),
    )
    yield Case(
        "meta_not_an_object",
        family,
        "`meta` a string",
        "iterate",
        RETURN_OR_VALIDATION,
        (1, 4),
        serve(three_pages(lambda n: "page 1 of 3")),
        options=SHORT,
        check=rooms_unique(6),
    )
    yield Case(
        "page_number_negative",
        family,
        "`page_number: -1`",
        "iterate",
        RETURN_OR_VALIDATION,
        (1, 4),
        serve(three_pages(lambda n: meta(-1))),
        options=SHORT,
        check=rooms_unique(6),
    )
    yield Case(
        "page_number_fraction",
        family,
        "`page_number: 1.5`",
        "iterate",
        RETURN_OR_VALIDATION,
        (1, 4),
        serve(three_pages(lambda n: meta(n + 0.5))),
        options=SHORT,
        check=rooms_unique(6),
    )
    yield Case(
        "page_number_stuck",
        family,
        "`page_number` stuck at 1 while the items alternate between two sets",
        "iterate",
        RETURN_OR_VALIDATION,
        (1, 4),
        serve(pages(lambda n, i: list_page("ab"[i % 2], meta=meta(1)))),
        options=SHORT,
        check=rooms_unique(4),
    )
    yield Case(
        "total_pages_huge",
        family,
        "`total_pages: 10**30`, three real pages, then an empty one",
        "iterate",
        RETURNS,
        4,
        serve(three_pages(lambda n: meta(n, 10**30))),
        options=SHORT,
        check=rooms_exactly(6),
    )
    yield Case(
        "repeat_earlier_page",
        family,
        "pages cycle A, B, C, A… with honest page numbers and `total_pages: 10**6`",
        "iterate",
        RETURN_OR_VALIDATION,
        4,
        serve(pages(lambda n, i: list_page("abc"[(n - 1) % 3], meta=meta(n, 10**6)))),
        options=SHORT,
        check=rooms_unique(6),
    )
    yield Case(
        "repeat_earlier_page_no_meta",
        family,
        "no `meta`; pages alternate A, B, A…",
        "iterate",
        RETURN_OR_VALIDATION,
        (2, 3),
        serve(pages(lambda n, i: {"data": list_page("ab"[(n - 1) % 2], meta={})["data"]})),
        options=SHORT,
        check=rooms_unique(4),
    )
    yield Case(
        "repeat_previous_page",
        family,
        "page 2 repeats page 1",
        "iterate",
        RETURNS,
        2,
        serve(pages(lambda n, i: list_page("a", meta=meta(n, 5)))),
        options=SHORT,
        check=rooms_exactly(2),
    )

    # -- key echoes -------------------------------------------------------------------
    family = "key echoes"
    escaped = escape_json(KEY)
    percent = escape_percent(KEY)

    def detail(text: str, status: int = 422) -> Reply:
        return respond(status, embed('{"errors": [{"code": "1", "detail": "@"}]}', text))

    yield Case(
        "key_status_line_percent",
        family,
        "status line `HTTP/1.1 Bearer%20<key percent-encoded>`",
        "create",
        CONNECTION,
        1,
        serve(status_line(f"HTTP/1.1 Bearer%20{percent}".encode())),
    )
    yield Case(
        "key_status_line_escaped",
        family,
        "status line with the key JSON-escaped",
        "create",
        CONNECTION,
        1,
        serve(status_line(f"HTTP/1.1 {escaped}".encode())),
    )
    yield Case(
        "key_reason_phrase",
        family,
        "`HTTP/1.1 401 Bearer <key>`",
        "retrieve",
        (AuthenticationError,),
        1,
        serve(status_line(f"HTTP/1.1 401 {BEARER}".encode(), ERROR_404)),
    )
    yield Case(
        "key_header_nul",
        family,
        "a header `Bearer <key>` with a NUL byte after it",
        "create",
        CONNECTION,
        1,
        serve(with_header("X-Echo", BEARER.encode() + b"\x00")),
    )
    yield Case(
        "key_header_name",
        family,
        "`Bearer <key>` as a header name",
        "create",
        CONNECTION,
        1,
        serve(with_header(BEARER, "1")),
    )
    yield Case(
        "key_header_too_long",
        family,
        "a header of 9,000 bytes ending in `Bearer <key>`",
        "create",
        CONNECTION,
        1,
        serve(with_header("X-Echo", "a" * 9000 + BEARER)),
    )
    yield Case(
        "key_www_authenticate",
        family,
        "`WWW-Authenticate: Bearer <key>` on a 401",
        "retrieve",
        (AuthenticationError,),
        1,
        serve(respond(401, ERROR_404, headers=[("WWW-Authenticate", BEARER)])),
    )
    yield Case(
        "key_html_error_page",
        family,
        "a 502 HTML page showing `Authorization: Bearer <key>`",
        "retrieve",
        (InternalServerError,),
        2,
        serve(
            respond(502, f"<pre>Authorization: {BEARER}</pre>".encode(), content_type="text/html")
        ),
    )
    yield Case(
        "key_error_escaped",
        family,
        "error `detail` with the key JSON-escaped",
        "retrieve",
        (UnprocessableEntityError,),
        1,
        serve(detail(f"Authorization: Bearer {escaped}")),
    )
    yield Case(
        "key_error_bearer_escaped",
        family,
        "error `detail`: `\\u0042earer <key>`",
        "retrieve",
        (UnprocessableEntityError,),
        1,
        serve(detail(f"\\u0042earer {KEY}")),
    )
    yield Case(
        "key_error_percent",
        family,
        "error `detail` with the key percent-encoded",
        "create",
        (BadRequestError,),
        1,
        serve(detail(f"Authorization=Bearer%20{percent}", 400)),
    )
    yield Case(
        "key_error_text_percent",
        family,
        "a 502 text body with the key percent-encoded",
        "create",
        (InternalServerError,),
        1,
        serve(respond(502, f"auth=Bearer%20{percent}".encode(), content_type="text/plain")),
    )
    yield Case(
        "key_error_meta",
        family,
        "error `meta` with the key JSON-escaped",
        "retrieve",
        (BadRequestError,),
        1,
        serve(
            respond(
                400,
                embed('{"errors": [{"code": "1", "meta": {"auth": "Bearer @"}}]}', escaped),
            )
        ),
    )
    yield Case(
        "key_error_message",
        family,
        '`{"message": ...}` with the key JSON-escaped',
        "retrieve",
        (NotFoundError,),
        1,
        serve(respond(404, embed('{"message": "Bearer @", "success": false}', escaped))),
    )
    yield Case(
        "key_error_source",
        family,
        "error `source.parameter` with the key JSON-escaped",
        "retrieve",
        (UnprocessableEntityError,),
        1,
        serve(
            respond(
                422,
                embed('{"errors": [{"code": "1", "source": {"parameter": "@"}}]}', escaped),
            )
        ),
    )
    yield Case(
        "key_2xx_field",
        family,
        "a 200 whose `created_at` is `Bearer <key>`",
        "retrieve",
        VALIDATION,
        1,
        serve(respond(body=json_body({"data": room(created_at=BEARER)}))),
    )
    yield Case(
        "key_2xx_field_escaped",
        family,
        "a 200 whose `created_at` is the key JSON-escaped",
        "retrieve",
        VALIDATION,
        1,
        serve(respond(body=embed('{"data": {"id": "r1", "created_at": "@"}}', escaped))),
    )
    yield Case(
        "key_2xx_field_create",
        family,
        "a 201 whose session's `created_at` is `Bearer <key>`",
        "create",
        RETURN_OR_VALIDATION,
        1,
        serve(respond(201, json_body({"data": room(sessions=[{"id": 1, "created_at": BEARER}])}))),
    )
    yield Case(
        "key_2xx_invalid_json",
        family,
        "a 200 cut short after `Bearer <key>`",
        "retrieve",
        VALIDATION,
        1,
        serve(respond(body=f'{{"data": {{"id": "{BEARER}'.encode())),
    )
    yield Case(
        "key_request_id_percent",
        family,
        "`x-request-id: Bearer%20<key percent-encoded>` on a 200",
        "retrieve",
        RETURNS,
        1,
        serve(with_header("x-request-id", f"Bearer%20{percent}")),
    )
    yield Case(
        "key_redirect_location",
        family,
        "`302` to another origin with the key in the query",
        "retrieve",
        (APIStatusError,),
        1,
        lambda ctx: HostileServer(
            respond(
                302,
                b"",
                headers=[("Location", f"{ctx.trap}/v2/rooms?auth={BEARER.replace(' ', '%20')}")],
            )
        ),
    )
    yield Case(
        "key_retry_after",
        family,
        "`Retry-After: Bearer <key>` on a 503",
        "create",
        (InternalServerError,),
        1,
        serve(respond(503, ERROR_503, headers=[("Retry-After", BEARER)]), respond(201)),
    )
    yield Case(
        "key_chunk_extension",
        family,
        "`;auth=Bearer <key>` as a chunk extension",
        "create",
        RETURN_OR_CONNECTION,
        1,
        serve(
            raw(
                head(b"HTTP/1.1 200 OK", [JSON_CT, ("Transfer-Encoding", "chunked")])
                + f"{len(ROOM_BODY):x};auth={BEARER}\r\n".encode()
                + ROOM_BODY
                + b"\r\n0\r\n\r\n"
            )
        ),
    )


CASES: Final[dict[str, Case]] = {case.key: case for case in _cases()}

FAMILIES: Final = tuple(dict.fromkeys(case.family for case in CASES.values()))

# -- the tier -------------------------------------------------------------------------------


class Figures:
    """Time and memory of every run, for the summary the tier prints when it ends."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, float, float, bool]] = []
        """(test id, seconds, peak MiB, passed) of each run."""

    def add(self, name: str, observed: Observed, passed: bool) -> None:
        """Record one run."""
        self.runs.append((name, observed.elapsed, observed.peak / 2**20, passed))

    def summary(self) -> dict[str, Any]:
        """Case counts per family, and the worst time and memory of passing and failing runs."""
        passing = [r for r in self.runs if r[3]]
        failing = [r for r in self.runs if not r[3]]

        def worst(runs: list[tuple[str, float, float, bool]], at: int) -> object:
            top = max(runs, key=lambda r: r[at], default=None)
            return None if top is None else [round(top[at], 3), top[0]]

        return {
            "cases": len(CASES),
            "cases per family": dict(Counter(case.family for case in CASES.values())),
            "runs": len(self.runs),
            "failing runs": len(failing),
            "slowest passing run (s)": worst(passing, 1),
            "highest passing peak (MiB)": worst(passing, 2),
            "slowest failing run (s)": worst(failing, 1),
            "highest failing peak (MiB)": worst(failing, 2),
        }


@pytest.fixture(scope="module")
def figures() -> Iterator[Figures]:
    """Collects each run's time and memory, and reports the tier's figures at its end.

    The summary goes to stderr; with ``HOSTILE_FIGURES=path`` it and every run's figures are
    also written to that file as JSON.
    """
    collected = Figures()
    yield collected
    if not collected.runs:
        return
    summary = collected.summary()
    print(f"\nhostile tier: {dumps_figures(summary)}", file=sys.__stderr__)
    target = os.environ.get("HOSTILE_FIGURES")
    if target:
        with open(target, "w") as out:
            json.dump({**summary, "each run": collected.runs}, out, indent=1)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("key", "loop_name"),
    [(k, loop) for k in CASES for loop in LOOPS],
    ids=[f"{k}-{loop}" for k in CASES for loop in LOOPS],
)
def test_hostile_server(key: str, loop_name: str, figures: Figures) -> None:
    case = CASES[key]
    observed = run_case(case, loop_name, CALLS)
    faults = harness_faults(observed, loop_name)
    assert not faults, f"harness fault, not a client defect: {faults}"
    broken = violations(observed)
    figures.add(f"{key}-{loop_name}", observed, passed=not broken)
    assert not broken, (
        f"{key} ({case.misbehaviour}; {case.call}) under {loop_name}, "
        f"{observed.elapsed:.2f}s, peak {observed.peak / 2**20:.1f} MiB, "
        f"{len(observed.requests)} request(s): {observed.outcome_name()}\n  " + "\n  ".join(broken)
    )


# -- the document ---------------------------------------------------------------------------


def _outcome_text(case: Case) -> str:
    returns = CALL_TEXT[case.call][1]
    parts = []
    for outcome in case.expect:
        if outcome is None:
            parts.append(f"returns {returns}")
        elif case.call == "error_for":
            parts.append(f"returns `{outcome.__name__}`")
        else:
            parts.append(f"`{outcome.__name__}`")
    return " or ".join(parts)


def _requests_text(case: Case) -> str:
    if case.call == "error_for":
        return "0 (no I/O)"
    low, high = case.request_range()
    count = str(low) if low == high else f"{low}–{high}"
    if case.call in ("iterate", "list_next", "retrieve_twice", "create_twice"):
        return f"{count} in all"
    if high == 0:
        return "0 (never read)"
    if low == high:
        return "1 (not retried)" if low == 1 else f"{low} (retried)"
    return f"{count} (a retry allowed)"


def render_table() -> str:
    """The tier's case table as Markdown, one row per case, in table order."""
    lines = [
        "| # | family | misbehaviour | call | outcome | requests | case |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, (key, case) in enumerate(CASES.items(), 1):
        cells = [
            str(number),
            case.family,
            case.misbehaviour + (f"; {case.note}" if case.note else ""),
            CALL_TEXT[case.call][0] + "".join(f", `{k}={v}`" for k, v in case.options.items()),
            _outcome_text(case),
            _requests_text(case),
            f"`{key}`",
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    counts = Counter(case.family for case in CASES.values())
    lines.append("")
    lines.append(
        f"{len(CASES)} cases, each under the default asyncio loop and under uvloop: "
        + ", ".join(f"{family} {counts[family]}" for family in FAMILIES)
        + "."
    )
    return "\n".join(lines)


# -- the harness checked against correct replies ------------------------------------------


def _sanity() -> Iterator[Case]:
    family = "sanity"
    yield Case("plain", family, "", "retrieve", RETURNS, 1, serve(respond()))
    yield Case("plain_create", family, "", "create", RETURNS, 1, serve(respond(201)))
    yield Case(
        "pages", family, "", "iterate", RETURNS, 3, serve(three_pages(meta)), check=rooms_exactly(6)
    )
    yield Case(
        "chunked",
        family,
        "",
        "retrieve",
        RETURNS,
        1,
        serve(chunked([ROOM_BODY[:10], ROOM_BODY[10:]])),
    )
    yield Case("one_byte", family, "", "retrieve", RETURNS, 1, serve(drip(message(), 0)))
    yield Case(
        "keepalive",
        family,
        "",
        "retrieve_twice",
        RETURNS,
        2,
        serve(respond(), respond(body=GENUINE)),
        check=genuine_second,
    )
    yield Case("error", family, "", "retrieve", (NotFoundError,), 1, serve(respond(404, ERROR_404)))
    yield Case("reset", family, "", "create", CONNECTION, 1, serve(raw(b"", "rst", pause=0.02)))
    yield Case(
        "redirect",
        family,
        "",
        "retrieve",
        (APIStatusError,),
        1,
        lambda ctx: HostileServer(
            respond(302, b"", headers=[("Location", f"{ctx.trap}/v2/rooms")])
        ),
    )
    for encoding in ("gzip", "deflate", "br", "zstd"):
        for framing in ("length", "close", "chunked"):
            yield Case(
                f"{encoding}_{framing}",
                family,
                "",
                "retrieve",
                RETURNS,
                1,
                lazily(lambda e=encoding, f=framing: [encoded(e, compress(e, ROOM_BODY), f)]),
            )


SANITY: Final[dict[str, Case]] = {case.key: case for case in _sanity()}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("loop_name", LOOPS)
@pytest.mark.parametrize("key", SANITY)
def test_harness_pieces_serve_a_correct_reply(key: str, loop_name: str) -> None:
    """Each way of writing a reply, given a correct one, gets a correct result: no false alarm."""
    observed = run_case(SANITY[key], loop_name, CALLS)
    assert not harness_faults(observed, loop_name)
    assert violations(observed) == []
    if SANITY[key].expect == RETURNS and SANITY[key].call == "retrieve":
        assert isinstance(observed.value, Room)


async def _hog_the_loop(client: RoomsClient, steps: Steps) -> object:
    until = time.monotonic() + 30
    while time.monotonic() < until:
        pass
    return None


async def _sleep(client: RoomsClient, steps: Steps) -> object:
    await asyncio.sleep(30)
    return None


async def _leave_a_client_open(client: RoomsClient, steps: Steps) -> object:
    other = RoomsClient(KEY, base_url=client.base_url, **SETTINGS)
    steps.append(await other.rooms.retrieve("room-1"))
    return await client.rooms.retrieve("room-1")


async def _hold_memory(client: RoomsClient, steps: Steps) -> object:
    steps.append(bytearray(MEMORY_BOUND + MAX_RESPONSE_SIZE))
    return await client.rooms.retrieve("room-1")


async def _log_the_key(client: RoomsClient, steps: Steps) -> object:
    logging.getLogger("telnyx_rooms_async.control").debug("echo %s", escape_percent(KEY))
    return await client.rooms.retrieve("room-1")


async def _post_twice(client: RoomsClient, steps: Steps) -> object:
    steps.append(await client.rooms.create(unique_name="once"))
    return await client.rooms.create(unique_name="twice")


#: The controls end at once or not at all: a short deadline keeps the second kind short.
QUICK: Final[Mapping[str, float]] = {"timeout": 0.2}

CONTROLS: Final[Mapping[str, Call]] = {
    **CALLS,
    "hog": _hog_the_loop,
    "sleep": _sleep,
    "leak": _leave_a_client_open,
    "memory": _hold_memory,
    "log": _log_the_key,
    "post_twice": _post_twice,
}


def _control(call: str) -> Case:
    return Case(
        f"control_{call}", "control", "", call, RETURNS, (0, 9), serve(respond()), options=QUICK
    )


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("call", "loop_name"), [("hog", "asyncio"), ("hog", "uvloop"), ("sleep", "asyncio")]
)
def test_a_call_that_never_ends_is_stopped(call: str, loop_name: str) -> None:
    """Both limits work: a busy loop in plain Python (on both loops), and a call that waits."""
    observed = run_case(_control(call), loop_name, CONTROLS)
    assert not harness_faults(observed, loop_name)
    assert observed.hung
    limit = QUICK["timeout"] + TIME_SLACK + HARD_SLACK
    # The hard stop counts the process's CPU time, to which another thread of the process
    # (a resolver, an executor) may add: it can fire a little before the wall-clock limit.
    assert limit - 0.1 <= observed.elapsed < limit + 2.0, observed.elapsed
    found = violations(observed)
    assert any(v.startswith("1 outcome: the call did not end") for v in found), found
    assert any(v.startswith("2 time") for v in found), found


@pytest.mark.parametrize(
    ("call", "invariant"),
    [
        ("leak", "7 leak"),
        ("memory", "3 memory"),
        ("log", "4 key: shows in log record"),
        ("post_twice", "5 duplicate POST"),
    ],
)
def test_the_harness_sees_a_real_breach(call: str, invariant: str) -> None:
    """A client left open, memory held, the key logged, a POST sent twice: each is caught."""
    observed = run_case(_control(call), "asyncio", CONTROLS)
    found = violations(observed)
    assert any(v.startswith(invariant) for v in found), found


def test_the_key_is_found_in_every_form() -> None:
    forms = {
        "raw": f"detail: {BEARER}",
        "json": json.dumps({"d": escape_json(KEY)}),
        "escaped": escape_json(KEY),
        "one char escaped": f"\\u004b{KEY[1:]}",
        "upper escape": "\\u004B" + KEY[1:],
        "percent": escape_percent(KEY),
        "lower percent": escape_percent(KEY).lower(),
        "repr of escaped": repr(escape_json(KEY)),
    }
    assert leaks(list(forms.items())) == list(forms)
    assert leaks([("part", KEY[:-1]), ("other", "KEY-other")]) == []


def test_the_judge_sees_each_invariant_broken() -> None:
    """``violations`` reports each kind of broken promise (it is not a judge that passes all)."""
    case = Case("judge", "x", "", "create", RETURNS, 1, serve(respond()))
    observed = Observed(case=case, loop="asyncio")
    observed.error = RecursionError("deep")
    observed.elapsed = 99.0
    observed.peak = MEMORY_BOUND + 1
    observed.texts = [("str(exc)", f"oops {BEARER}")]
    observed.requests = [_request("POST"), _request("POST")]
    observed.trap_connections = 1
    observed.sockets_after = 1
    observed.resource_warnings = ["ResourceWarning: unclosed"]
    found = {line.split(" ", 1)[0] for line in violations(observed)}
    assert found == {"1", "2", "3", "4", "5", "6", "7"}


def _request(method: str) -> Request:
    return Request(method, "/v2/rooms", {}, b"")


def test_the_table_is_large_and_spread() -> None:
    counts = Counter(case.family for case in CASES.values())
    distinct = {(case.family, case.misbehaviour) for case in CASES.values()}
    assert len(distinct) >= 40
    assert all(n >= 3 for n in counts.values()), counts
    assert set(CALL_TEXT) >= {case.call for case in CASES.values()}
    for case in CASES.values():
        assert (case.pure is None) == (case.call != "error_for")
        assert (case.serve is None) == (case.call == "error_for")
        assert case.expect
