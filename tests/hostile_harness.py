"""The machinery of the hostile-server tier: run one case, observe everything, judge it.

``run_case`` starts a fresh event loop (the default one or uvloop), a ``HostileServer`` that
misbehaves as the case says and a second server on another port (the *trap*, which a
redirect must never reach), makes the case's call through a real ``RoomsClient``, closes it,
and returns an ``Observed`` record. ``violations`` turns that record into the list of broken
promises, one line each, naming the invariant.

Every call runs under two limits: an asyncio one (the call is cancelled past ``hard_limit``
seconds) and a CPU-time one (``SIGPROF``) for a call stuck in plain Python code, where the
loop never gets a turn to cancel it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import re
import signal
import time
import traceback
import tracemalloc
import warnings
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Final

import uvloop
from hostile_server import HostileServer, Request, respond

from telnyx_rooms_async import RoomsClient, TelnyxError
from telnyx_rooms_async._errors import error_for

__all__ = [
    "KEY",
    "LOOPS",
    "MAX_RESPONSE_SIZE",
    "MEMORY_BOUND",
    "SETTINGS",
    "Case",
    "Context",
    "Observed",
    "client_sockets",
    "escape_json",
    "escape_percent",
    "exception_texts",
    "leaks",
    "run_case",
    "violations",
]

#: A key no server or library would make up: any sight of it is an echo.
KEY: Final = "KEYhostile7Qx2vR9mZp4LcW8nT3b"
MIB: Final = 1024 * 1024
MAX_RESPONSE_SIZE: Final = MIB
#: max_response_size, plus room for decoding a page below it (100,000 empty objects take
#: about 7 MiB as Python dicts); a 200 MiB bomb or an explanation per item is far above.
MEMORY_BOUND: Final = MAX_RESPONSE_SIZE + 15 * MIB
#: A call may end this long after the client's own ``timeout``.
TIME_SLACK: Final = 1.0
#: Past ``timeout + TIME_SLACK + HARD_SLACK`` a call is stopped (and fails invariant 2).
HARD_SLACK: Final = 0.25

SETTINGS: Final[Mapping[str, Any]] = {
    "timeout": 1.5,
    "connect_timeout": 0.5,
    "read_timeout": 0.6,
    "max_retries": 1,
    "max_response_size": MAX_RESPONSE_SIZE,
}

LOOPS: Final[Mapping[str, Callable[[], asyncio.AbstractEventLoop]]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}

LOGGER: Final = "telnyx_rooms_async"


# -- the key in every form a server can echo it -------------------------------------------


def escape_json(text: str) -> str:
    """``text`` with every character as a JSON ``\\u00xx`` escape (decodes back to ``text``)."""
    return "".join(f"\\u{ord(c):04x}" for c in text)


def escape_percent(text: str) -> str:
    """``text`` with every character percent-encoded."""
    return "".join(f"%{b:02X}" for b in text.encode())


def _hex(code: int) -> str:
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{code:02x}")


def _key_pattern(key: str) -> re.Pattern[str]:
    # Each character raw, JSON-escaped (\u00xx, any case, its backslash itself escaped any
    # number of times by repr or json.dumps) or percent-encoded (%xx, any case), mixed freely:
    # a key with only some characters escaped still matches.
    parts = [rf"(?:{re.escape(c)}|\\+[uU]00{_hex(ord(c))}|%{_hex(ord(c))})" for c in key]
    return re.compile("".join(parts))


KEY_PATTERN: Final = _key_pattern(KEY)


def _may_hold_key(text: str) -> bool:
    # A cheap look first: the pattern needs the key's first character raw, a backslash-u
    # escape or a percent sign, and texts may be hundreds of MiB (an inflated bomb).
    return KEY[0] in text or "\\u" in text or "\\U" in text or "%" in text


def leaks(texts: Sequence[tuple[str, str]]) -> list[str]:
    """Where (the label of each text) the key shows, in any of its forms."""
    return [where for where, text in texts if _may_hold_key(text) and KEY_PATTERN.search(text)]


# -- what a user could print --------------------------------------------------------------


def _attribute_names(exc: BaseException) -> list[str]:
    names = set(vars(exc)) if hasattr(exc, "__dict__") else set()
    names.update(n for n in dir(exc) if not n.startswith("__"))
    return sorted(names)


def _chain(exc: BaseException) -> list[tuple[str, BaseException]]:
    """``exc`` and every exception reachable from it, each with the path that reaches it.

    Both ``__cause__`` and ``__context__`` are followed, suppressed or not: a debugger,
    Sentry or plain ``exc.__context__`` shows a suppressed context all the same.
    """
    found: list[tuple[str, BaseException]] = []
    seen: set[int] = set()
    pending: list[tuple[str, BaseException]] = [("exc", exc)]
    while pending:
        where, current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append((where, current))
        for label, linked in (
            ("__cause__", current.__cause__),
            ("__context__", current.__context__),
        ):
            if linked is not None:
                pending.append((f"{where}.{label}", linked))
    return found


def exception_texts(exc: BaseException) -> tuple[list[tuple[str, str]], list[str]]:
    """Every text an exception and its whole chain show, and the texts that failed to build."""
    texts: list[tuple[str, str]] = []
    failures: list[str] = []

    def add(where: str, build: Callable[[], str]) -> None:
        try:
            texts.append((where, build()))
        except Exception as error:  # a repr that fails is a text a user cannot print
            failures.append(f"{where} raised {type(error).__name__}")

    add("traceback", lambda: "".join(traceback.format_exception(exc)))
    for where, current in _chain(exc):
        add(f"str({where})", lambda current=current: str(current))
        add(f"repr({where})", lambda current=current: repr(current))
        add(f"{where}.args", lambda current=current: repr(current.args))
        for name in _attribute_names(current):
            try:
                value = getattr(current, name)
            except Exception as error:  # a property that refuses: its message counts
                value = error
            if callable(value) and not isinstance(value, BaseException):
                continue
            if isinstance(value, str):
                # Scanned as it is: a repr of a 200 MiB ``doc`` would double it.
                texts.append((f"{where}.{name}", value))
            elif isinstance(value, bytes | bytearray):
                texts.append((f"{where}.{name}", bytes(value).decode("latin-1")))
            else:
                add(f"{where}.{name}", lambda value=value: repr(value))
    return texts, failures


def _unprintable(exc: BaseException) -> list[str]:
    """Exceptions of the chain whose ``str()`` cannot be written as UTF-8 (lone surrogates)."""
    found = []
    for where, current in _chain(exc):
        try:
            str(current).encode("utf-8")
        except UnicodeEncodeError:
            found.append(f"str({where}) ({type(current).__name__}) is not valid UTF-8 text")
        except Exception:
            pass  # exception_texts reports a str() that fails
    return found


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _log_texts(records: Sequence[logging.LogRecord]) -> tuple[list[tuple[str, str]], list[str]]:
    texts: list[tuple[str, str]] = []
    unprintable: list[str] = []
    formatter = logging.Formatter()
    for number, record in enumerate(records):
        where = f"log record {number} ({record.levelname})"
        try:
            message = record.getMessage()
        except Exception as error:
            unprintable.append(f"{where}: getMessage() raised {type(error).__name__}")
            continue
        texts.append((f"{where} message", message))
        texts.append((f"{where} args", repr(record.args)))
        if record.exc_info:
            texts.append((f"{where} exc_info", formatter.formatException(record.exc_info)))
        try:
            message.encode("utf-8")
        except UnicodeEncodeError:
            unprintable.append(f"{where}: message is not valid UTF-8 text")
    return texts, unprintable


# -- sockets --------------------------------------------------------------------------------

_FD_DIR: Final = "/proc/self/fd"
_TCP_TABLE: Final = "/proc/net/tcp"
#: The kernel's states for a socket still open at our end (all but CLOSE, TIME_WAIT, FIN_WAIT*).
_OPEN_STATES: Final = frozenset({"01", "02", "03", "08", "0A", "0B"})


def client_sockets(server_port: int) -> int:
    """TCP sockets this process holds open towards ``server_port`` on 127.0.0.1."""
    wanted = f":{server_port:04X}"
    candidates = set()
    with open(_TCP_TABLE) as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[2].endswith(wanted) and fields[3] in _OPEN_STATES:
                candidates.add(fields[9])
    if not candidates:
        return 0
    # Another process on this host could talk to a port of the same number: count only
    # sockets that are this process's own file descriptors.
    mine = 0
    for fd in os.listdir(_FD_DIR):
        with contextlib.suppress(OSError):
            if os.readlink(f"{_FD_DIR}/{fd}")[8:-1] in candidates:
                mine += 1
    return mine


# -- the case table's row -------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a case's server may need to know when it is built."""

    trap: str
    """Origin (``http://127.0.0.1:port``) of the server a redirect points to."""


Steps = list[object]
"""Outcomes (values or exceptions) of the earlier calls of a sequence, in order."""

Call = Callable[[RoomsClient, Steps], Awaitable[object]]


@dataclass(frozen=True)
class Case:
    """One misbehaviour, the call made against it, and what the client must do."""

    key: str
    """Names the case in test ids and in the document."""
    family: str
    misbehaviour: str
    """What the server does, for the document."""
    call: str
    """A key of the tier's ``CALLS``."""
    expect: tuple[type[BaseException] | None, ...]
    """Acceptable outcomes: None for a normal return, else an exception class."""
    requests: int | tuple[int, int]
    """Requests the server reads: exactly, or (at least, at most)."""
    serve: Callable[[Context], HostileServer] | None = None
    pure: Callable[[], tuple[int, Mapping[str, str], bytes]] | None = None
    """For ``error_for`` cases: its arguments."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """Client settings that differ from ``SETTINGS``."""
    posts_allowed: int = 1
    """POSTs the retry rule allows for the whole case."""
    check: Callable[[Observed], list[str]] | None = None
    """Case-specific promises, beyond the seven invariants."""
    note: str = ""

    @property
    def timeout(self) -> float:
        """The client's ``timeout`` in this case."""
        return float({**SETTINGS, **self.options}["timeout"])

    def request_range(self) -> tuple[int, int]:
        """``requests`` as (at least, at most)."""
        if isinstance(self.requests, int):
            return self.requests, self.requests
        return self.requests


@dataclass
class Observed:
    """Everything one run of a case showed."""

    case: Case
    loop: str
    loop_class: str = ""
    value: object = None
    error: BaseException | None = None
    steps: Steps = field(default_factory=list)
    hung: bool = False
    elapsed: float = 0.0
    peak: int = 0
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    texts: list[tuple[str, str]] = field(default_factory=list)
    text_failures: list[str] = field(default_factory=list)
    unprintable: list[str] = field(default_factory=list)
    sockets_after: int = 0
    resource_warnings: list[str] = field(default_factory=list)
    loop_errors: list[str] = field(default_factory=list)
    trap_connections: int = 0
    trap_received: bytes = b""
    server_errors: list[str] = field(default_factory=list)

    @property
    def posts(self) -> int:
        """POST requests the server read."""
        return sum(1 for r in self.requests if r.method == "POST")

    def outcome_name(self) -> str:
        """What the call ended in, for messages."""
        if self.hung:
            return f"no end within {self.elapsed:.2f}s (stopped)"
        if self.error is not None:
            return f"{type(self.error).__name__}: {str(self.error)[:160]!r}"
        return f"returned {type(self.value).__name__}"


# -- limits ---------------------------------------------------------------------------------


class HardLimit(BaseException):
    """Raised into a call that ran past its hard limit without giving the loop a turn."""


@contextlib.contextmanager
def _cpu_watchdog(task: asyncio.Task[Any], seconds: float) -> Iterator[None]:
    """Stop ``task`` when the process has used ``seconds`` of CPU inside it.

    A reply that takes many seconds of pure-Python work to explain holds the event loop, so
    no asyncio timeout can fire. ``SIGPROF`` counts CPU time: when it fires while ``task``
    itself runs, the handler raises ``HardLimit`` into it; anywhere else (a transport
    callback, the selector) it checks again shortly after. The CPU time is the whole
    process's, so another busy thread makes it fire a little before the wall clock would.
    """

    def fire(signum: int, frame: FrameType | None) -> None:
        try:
            running = asyncio.current_task()
        except RuntimeError:
            running = None
        if running is task:
            raise HardLimit(f"stopped after {seconds:.2f}s of CPU")
        signal.setitimer(signal.ITIMER_PROF, 0.01)

    previous = signal.signal(signal.SIGPROF, fire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


async def _timed(
    make: Callable[[], Awaitable[object]], limit: float
) -> tuple[object, BaseException | None, bool, float, int]:
    """Run one call under both limits; (value, error, hung, elapsed, peak traced bytes)."""
    started_tracing = not tracemalloc.is_tracing()
    if started_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    started = time.monotonic()

    async def call() -> object:
        return await make()

    task = asyncio.ensure_future(call())
    try:
        with _cpu_watchdog(task, limit):
            done, _ = await asyncio.wait({task}, timeout=limit)
            elapsed = time.monotonic() - started
            if not done:
                task.cancel()
                await asyncio.wait({task}, timeout=1.0)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        if started_tracing:
            tracemalloc.stop()
    if not done:
        return None, None, True, elapsed, peak - base
    if task.cancelled():
        return None, asyncio.CancelledError(), False, elapsed, peak - base
    error = task.exception()
    if isinstance(error, HardLimit):
        return None, None, True, elapsed, peak - base
    value = None if error is not None else task.result()
    return value, error, False, elapsed, peak - base


# -- one run --------------------------------------------------------------------------------


def run_case(case: Case, loop_name: str, calls: Mapping[str, Call]) -> Observed:
    """Run ``case`` on a fresh ``loop_name`` loop and return what it showed."""
    observed = Observed(case=case, loop=loop_name)
    handler = _Records()
    logger = logging.getLogger(LOGGER)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    # Only objects made from here on are collected at the end: a full collection of the
    # test process's heap would cost more than most cases.
    gc.freeze()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loop = LOOPS[loop_name]()
            try:
                loop.run_until_complete(_run(case, observed, calls))
            finally:
                _close_loop(loop)
            # A leaked session or transport warns from __del__, which a cycle may delay.
            gc.collect()
    finally:
        gc.unfreeze()
        logger.removeHandler(handler)
        logger.setLevel(level)
    observed.resource_warnings = [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if issubclass(w.category, ResourceWarning) or "nclosed" in str(w.message)
    ]
    texts, unprintable = _log_texts(handler.records)
    observed.texts += texts
    observed.unprintable += unprintable
    return observed


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=2))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


async def _run(case: Case, observed: Observed, calls: Mapping[str, Call]) -> None:
    loop = asyncio.get_running_loop()
    observed.loop_class = f"{type(loop).__module__}.{type(loop).__qualname__}"
    loop.set_exception_handler(
        lambda _loop, context: observed.loop_errors.append(
            f"{context.get('message')}: {context.get('exception')!r}"
        )
    )
    limit = case.timeout + TIME_SLACK + HARD_SLACK
    options = {**SETTINGS, **case.options}
    if case.pure is not None:
        status, headers, body = case.pure()

        async def pure() -> object:
            return error_for(status, headers, body)

        result = await _timed(pure, limit)
        observed.value, observed.error, observed.hung, observed.elapsed, observed.peak = result
        _collect_texts(observed)
        return
    assert case.serve is not None
    async with HostileServer(respond()) as trap:
        server = case.serve(Context(trap=trap.origin))
        async with server:
            client = RoomsClient(KEY, base_url=server.base_url, **options)
            steps = observed.steps
            call = calls[case.call]
            try:
                result = await _timed(lambda: call(client, steps), limit)
                observed.value, observed.error, observed.hung = result[:3]
                observed.elapsed, observed.peak = result[3:]
            finally:
                await client.aclose()
            observed.sockets_after = await _sockets_after_close(server.port)
            observed.requests = list(server.requests)
            observed.connections = server.stats.connections
            observed.server_errors = [repr(e) for e in server.stats.errors]
        observed.trap_connections = trap.stats.connections
        observed.trap_received = bytes(trap.stats.received)
    _collect_texts(observed)


async def _sockets_after_close(port: int) -> int:
    # asyncio and uvloop close a socket one loop step or so after transport.close().
    for _ in range(20):
        count = client_sockets(port)
        if count == 0:
            return 0
        await asyncio.sleep(0.005)
    return count


def _collect_texts(observed: Observed) -> None:
    errors = [s for s in observed.steps if isinstance(s, BaseException)]
    if observed.error is not None:
        errors.append(observed.error)
    if observed.case.pure is not None and isinstance(observed.value, BaseException):
        errors.append(observed.value)
    for number, error in enumerate(errors):
        texts, failures = exception_texts(error)
        observed.texts += [(f"error {number}: {where}", text) for where, text in texts]
        observed.text_failures += failures
        observed.unprintable += _unprintable(error)


# -- judging --------------------------------------------------------------------------------


def _matches(error: BaseException | None, expect: Sequence[Any]) -> bool:
    if error is not None:
        return any(e is not None and isinstance(error, e) for e in expect)
    return None in expect


def _is_lookup(request: Request) -> bool:
    return request.method == "GET" and "filter[unique_name]=" in request.target


def violations(observed: Observed) -> list[str]:
    """Every promise the run broke, one line each."""
    case = observed.case
    found: list[str] = []
    error = observed.error
    # 1. a normal return or a TelnyxError, and the outcome the case table promises
    for step in [*observed.steps, error]:
        if isinstance(step, BaseException) and not isinstance(step, TelnyxError):
            found.append(
                f"1 outcome: {type(step).__name__} is not a TelnyxError: {str(step)[:200]!r}"
            )
    if observed.hung:
        found.append(f"1 outcome: the call did not end (stopped at {observed.elapsed:.2f}s)")
    elif case.pure is not None:
        returned = observed.value
        if error is not None or not any(e and isinstance(returned, e) for e in case.expect):
            got = observed.outcome_name() if error else f"returned {type(returned).__name__}"
            found.append(f"1 outcome: expected error_for to return {_expected(case)}, {got}")
    elif not _matches(error, case.expect):
        found.append(f"1 outcome: expected {_expected(case)}, got {observed.outcome_name()}")
    found += [f"1 outcome: {f}" for f in observed.text_failures]
    found += [f"1 outcome: unprintable text: {u}" for u in observed.unprintable]
    # 2. within the client's timeout + 1 s
    bound = case.timeout + TIME_SLACK
    if observed.elapsed > bound:
        found.append(f"2 time: {observed.elapsed:.2f}s, above timeout + 1s = {bound:.2f}s")
    # 3. bounded memory
    if observed.peak > MEMORY_BOUND:
        found.append(
            f"3 memory: peak {observed.peak / MIB:.1f} MiB traced, above {MEMORY_BOUND / MIB:.0f}"
        )
    # 4. the key in no string the library built
    where = leaks(observed.texts)
    if where:
        found.append(f"4 key: shows in {', '.join(where[:6])}" + (" …" if len(where) > 6 else ""))
    # 5. a POST sent twice only where the rule allows it
    if observed.posts > case.posts_allowed:
        found.append(f"5 duplicate POST: {observed.posts} sent, {case.posts_allowed} allowed")
    # A named create whose reply was lost looks the room up by name (one GET per step of
    # its retry budget) before it would send the create again: those lookups are apart.
    lookups = [r for r in observed.requests if _is_lookup(r)]
    counted = len(observed.requests) - len(lookups)
    retries = int({**SETTINGS, **case.options}["max_retries"])
    low, high = case.request_range()
    if case.pure is None and not low <= counted <= high:
        found.append(f"5 requests: {counted} read by the server, expected {_n(case)}")
    if len(lookups) > retries * max(observed.posts, 1):
        found.append(f"5 lookups: {len(lookups)} by name, above the retry budget {retries}")
    # 6. no redirect followed, nothing reaches another origin
    if observed.trap_connections or KEY.encode() in observed.trap_received:
        found.append(f"6 redirect: the other origin got {observed.trap_connections} connection(s)")
    if any("/elsewhere" in r.target for r in observed.requests):
        found.append("6 redirect: the client followed a same-origin redirect")
    # 7. nothing left open after aclose()
    if observed.sockets_after:
        found.append(f"7 leak: {observed.sockets_after} client socket(s) open after aclose()")
    found += [f"7 leak: {w}" for w in observed.resource_warnings]
    found += [f"7 leak: loop error: {e}" for e in observed.loop_errors if "nclosed" in e]
    if case.check is not None and not observed.hung:
        found += [f"case: {c}" for c in case.check(observed)]
    return found


def harness_faults(observed: Observed, loop_name: str) -> list[str]:
    """What would make a failure the harness's, not the library's."""
    faults = [f"server error: {e}" for e in observed.server_errors]
    if loop_name == "uvloop" and not observed.loop_class.startswith("uvloop"):
        faults.append(f"the loop was {observed.loop_class}, not uvloop")
    return faults


def _expected(case: Case) -> str:
    return " or ".join("a return" if e is None else e.__name__ for e in case.expect)


def _n(case: Case) -> str:
    low, high = case.request_range()
    return str(low) if low == high else f"{low} to {high}"


def dumps_figures(figures: Mapping[str, Any]) -> str:
    """The tier's figures as one JSON line."""
    return json.dumps(figures, sort_keys=True)
