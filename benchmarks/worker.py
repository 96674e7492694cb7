"""One measurement (or a batch of them) in a fresh process: one client variant, one scenario.

``run.py`` starts this script with a JSON config as its only argument (an object for one
measurement, a list for a batch, each with a fresh client) and reads one JSON line of
results per measurement from its stdout. Each variant makes the same calls against the
same server.

Two ways to drive the calls:

* **count** (``calls``, ``warmup``): a warm-up that opens the connections, fills caches
  and checks the reply shape, then ``calls`` calls by ``concurrency`` tasks;
* **window** (``window: {warmup_s, measure_s}``): ``concurrency`` tasks call without pause;
  what completes between the end of the warm-up and the end of the window is measured,
  and the calls still in flight are then cancelled. This is the closed-loop load of a
  service with a fixed number of callers, in its steady state, which is what a pool that
  queues callers needs (with 1,024 callers on 100 connections, each call waits its turn).

And a **cold** mode (``mode: "cold"``): imports first (timed on their own), then the time
from constructing the client to the end of its first successful call, then one more call.

Metrics: client CPU per call (``time.process_time``, all threads of this process), calls
per second and p50/p99 latency (wall clock) over the measured calls, the process's peak
RSS, and in window mode the server's CPU share over the window (read from ``/proc``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import json
import math
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple, TypeVar

from procutil import cpu_seconds_of, raise_nofile_limit

API_KEY = "KEYbench0000000000000000"
ROOM_ID = "7b61621f-62e0-4aad-ab11-9fd19e272e73"
CREATE_ARGS: dict[str, Any] = {"unique_name": "My Room", "max_participants": 50}

#: What each variant imports before its client exists (timed apart from the cold start).
IMPORTS: dict[str, tuple[str, ...]] = {
    "raw_aiohttp": ("aiohttp",),
    "ours": ("telnyx_rooms_async",),
    "ours_orjson": ("telnyx_rooms_async",),
    # The SDK defers ``telnyx.resources`` (every resource class) to the first ``client.rooms``;
    # that is import work, so it is imported here, not left inside the cold start.
    "official_aiohttp": ("telnyx", "telnyx.resources", "httpx_aiohttp"),
    "official_httpx": ("telnyx", "telnyx.resources"),
}

T = TypeVar("T")
Op = Callable[[], Awaitable[Any]]
Check = Callable[[Any], int]


class Setup(NamedTuple):
    """How a variant's client is built for one measurement."""

    base_url: str
    page_size: int
    ca: str | None
    """Trust this CA file (an HTTPS base URL); None: the library's default trust."""
    pool_limit: int | None
    """Connections in the pool; None: the library's default."""
    decode: bool
    """raw_aiohttp only: False returns the body bytes without ``json.loads``."""


class Variant:
    """A client under test: its operations, a shape check, and how to close it."""

    def __init__(self) -> None:
        self.ops: dict[str, Op] = {}
        self.count: Check = lambda result: 1
        self.close: Callable[[], Awaitable[None]] = _nothing


async def _nothing() -> None:
    return None


def _context(setup: Setup) -> ssl.SSLContext | None:
    return None if setup.ca is None else ssl.create_default_context(cafile=setup.ca)


def _count_doc(doc: Any) -> int:
    if isinstance(doc, (bytes, bytearray)):
        doc = json.loads(doc)
    return len(doc["data"]) if isinstance(doc["data"], list) else 1


async def raw_aiohttp(setup: Setup) -> Variant:
    """The floor: one ClientSession, ``json.loads`` of the body, nothing else."""
    import aiohttp

    ctx = _context(setup)
    if ctx is None and setup.pool_limit is None:
        session = aiohttp.ClientSession()
    else:
        connector = aiohttp.TCPConnector(
            ssl=ctx if ctx is not None else True,
            limit=setup.pool_limit if setup.pool_limit is not None else 100,
        )
        session = aiohttp.ClientSession(connector=connector)
    headers = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
    base = setup.base_url
    rooms_url = f"{base}/rooms"
    room_url = f"{base}/rooms/{ROOM_ID}"
    list_params = {"page[size]": str(setup.page_size), "page[number]": "1"}
    decode = setup.decode

    async def fetch(method: str, url: str, **kwargs: Any) -> Any:
        async with session.request(method, url, headers=headers, **kwargs) as resp:
            body = await resp.read()
            if resp.status >= 400:
                raise RuntimeError(f"HTTP {resp.status}")
        return json.loads(body) if decode else body

    v = Variant()
    v.ops = {
        "create": lambda: fetch("POST", rooms_url, json=CREATE_ARGS),
        "list": lambda: fetch("GET", rooms_url, params=list_params),
        "retrieve": lambda: fetch("GET", room_url),
    }
    v.count = _count_doc
    v.close = session.close
    return v


async def ours(setup: Setup) -> Variant:
    """``telnyx_rooms_async.RoomsClient`` as installed by default (stdlib ``json``)."""
    # The default install has no orjson; hide it if this environment happens to have it.
    sys.modules["orjson"] = None  # type: ignore[assignment]
    return await _ours(setup)


async def ours_orjson(setup: Setup) -> Variant:
    """``RoomsClient`` with the optional ``speedups`` extra (orjson) installed."""
    return await _ours(setup)


async def _ours(setup: Setup) -> Variant:
    from telnyx_rooms_async import Room, RoomsClient

    options: dict[str, Any] = {}
    ctx = _context(setup)
    if ctx is not None:
        options["ssl_context"] = ctx
    if setup.pool_limit is not None:
        options["pool_limit"] = setup.pool_limit
    client = RoomsClient(API_KEY, base_url=setup.base_url, **options)
    rooms = client.rooms
    page_size = setup.page_size

    async def listing() -> Any:
        return (await rooms.list(page_size=page_size)).items

    v = Variant()
    v.ops = {
        "create": lambda: rooms.create(**CREATE_ARGS),
        "list": listing,
        "retrieve": lambda: rooms.retrieve(ROOM_ID),
        "list_bytes": _pipeline_only(client, page_size),
    }
    v.count = lambda r: (
        _count_doc(r)
        if isinstance(r, bytes)
        else len(r)
        if isinstance(r, tuple) and isinstance(r[0], Room)
        else int(isinstance(r, Room) and bool(r.sessions))
    )
    v.close = client.aclose
    return v


def _pipeline_only(client: Any, page_size: int) -> Op:
    """The request pipeline alone, sending what ``rooms.list`` sends and returning bytes.

    Private API on purpose: ``breakdown.py`` subtracts it from a whole ``rooms.list`` to
    tell the paginator's cost from the pipeline's. Only that script uses this op.
    """

    async def send() -> Any:
        from telnyx_rooms_async._http import Request

        query = f"page[size]={page_size}&page[number]=1"
        return await client._pipeline.send(Request("GET", "/rooms", query))

    return send


async def _official(setup: Setup, transport: str) -> Variant:
    import telnyx

    options: dict[str, Any] = {}
    ctx = _context(setup)
    if ctx is not None:
        options["verify"] = ctx
    if setup.pool_limit is not None:
        import httpx

        options["limits"] = httpx.Limits(
            max_connections=setup.pool_limit, max_keepalive_connections=setup.pool_limit
        )
    http_client: Any = None
    if transport == "aiohttp":
        http_client = telnyx.DefaultAioHttpClient(**options)
    elif options:
        # The SDK's own defaults (timeouts, limits, redirects), with our trust or pool.
        http_client = telnyx.DefaultAsyncHttpxClient(**options)
    client = telnyx.AsyncTelnyx(api_key=API_KEY, base_url=setup.base_url, http_client=http_client)
    rooms = client.rooms
    page_size = setup.page_size

    async def listing() -> Any:
        return (await rooms.list(page_size=page_size)).data

    v = Variant()
    v.ops = {
        "create": lambda: rooms.create(**CREATE_ARGS),
        "list": listing,
        "retrieve": lambda: rooms.retrieve(ROOM_ID),
    }
    v.count = lambda r: len(r) if isinstance(r, list) else int(r.data.id == ROOM_ID)
    v.close = client.close
    return v


async def official_aiohttp(setup: Setup) -> Variant:
    """The ``telnyx`` package with its aiohttp transport (``telnyx[aiohttp]``)."""
    return await _official(setup, "aiohttp")


async def official_httpx(setup: Setup) -> Variant:
    """The ``telnyx`` package with its default transport (httpx)."""
    return await _official(setup, "httpx")


VARIANTS: dict[str, Callable[[Setup], Awaitable[Variant]]] = {
    "raw_aiohttp": raw_aiohttp,
    "ours": ours,
    "ours_orjson": ours_orjson,
    "official_aiohttp": official_aiohttp,
    "official_httpx": official_httpx,
}


async def _drive(op: Op, calls: int, concurrency: int, latencies: list[float] | None) -> None:
    """``calls`` calls of ``op`` by ``concurrency`` tasks that each take the next call."""
    left = calls
    clock = time.perf_counter

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            if latencies is None:
                await op()
            else:
                t = clock()
                await op()
                latencies.append(clock() - t)

    await asyncio.gather(*(worker() for _ in range(min(concurrency, calls))))


async def _drive_window(
    op: Op,
    concurrency: int,
    warmup_s: float,
    measure_s: float,
    tail_s: float,
    server_pid: int | None,
) -> dict[str, Any]:
    """``concurrency`` tasks calling without pause; throughput and CPU inside the window.

    Throughput and CPU count the calls that complete inside the window. Latency is taken
    over the calls that *start* inside it, and the load goes on after the window until each
    of those has completed (for at most ``tail_s``; a call still waiting then counts with
    the time it has waited, flagged as censored). A pool that hands connections out
    unfairly serves some callers over and over while others wait: the calls of a caller
    that never gets a turn start before the window and never complete, so they are in no
    latency sample. ``callers_served`` (callers with a call completed inside the window)
    and ``longest_wait_ms`` (the oldest call still waiting at the end, or the slowest
    completed one) show that.
    """
    clock = time.perf_counter
    started_at: list[float] = []
    took: list[float] = []
    # The start of each caller's call in flight; +inf between calls.
    inflight = [math.inf] * concurrency
    window = [math.inf, math.inf]
    served: set[int] = set()
    # Calls started inside the window and not yet done; the tail ends when none is left.
    pending = [0]
    tail_done = asyncio.Event()

    async def caller(slot: int) -> None:
        while True:
            t = clock()
            inflight[slot] = t
            mine = window[0] <= t < window[1]
            pending[0] += mine
            await op()
            end = clock()
            inflight[slot] = math.inf
            started_at.append(t)
            took.append(end - t)
            if window[0] <= end < window[1]:
                served.add(slot)
            if mine:
                pending[0] -= 1
                if pending[0] == 0 and end >= window[1]:
                    tail_done.set()

    tasks = [asyncio.create_task(caller(i)) for i in range(concurrency)]
    censored: list[float] = []
    try:
        await asyncio.sleep(warmup_s)
        server0 = cpu_seconds_of(server_pid)
        cpu0 = time.process_time()
        wall0 = window[0] = clock()
        done0 = len(took)
        await asyncio.sleep(measure_s)
        done1 = len(took)
        wall1 = window[1] = clock()
        cpu1 = time.process_time()
        server1 = cpu_seconds_of(server_pid)
        if pending[0]:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tail_done.wait(), tail_s)
        now = clock()
        censored = [now - t for t in inflight if wall0 <= t < wall1]
        oldest = max((now - t for t in inflight if t < math.inf), default=0.0)
    finally:
        # What is still in flight is not measured: stop it now rather than wait for it.
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
            raise outcome
    calls = done1 - done0
    if calls == 0:
        raise SystemExit("no call completed inside the measurement window")
    wall = wall1 - wall0
    # (latency, censored) of every call that started inside the window.
    sample = [(d, False) for t, d in zip(started_at, took, strict=True) if wall0 <= t < wall1]
    sample += [(d, True) for d in censored]
    sample.sort()
    p50, p50_censored = _percentile(sample, 0.50)
    p99, p99_censored = _percentile(sample, 0.99)
    server_pct = None
    if server0 is not None and server1 is not None:
        server_pct = (server1 - server0) / wall * 100
    return {
        "calls": calls,
        "window_s": wall,
        "cpu_us_per_call": (cpu1 - cpu0) / calls * 1e6,
        "client_cpu_pct": (cpu1 - cpu0) / wall * 100,
        "server_cpu_pct": server_pct,
        "calls_per_s": calls / wall,
        "p50_ms": p50 * 1e3,
        "p99_ms": p99 * 1e3,
        "p50_censored": p50_censored,
        "p99_censored": p99_censored,
        "callers_served": len(served),
        "longest_wait_ms": max(oldest, sample[-1][0]) * 1e3,
        # Still waiting at the end: the wait is at least this long.
        "longest_wait_censored": oldest > sample[-1][0],
        "latency_sample": len(sample),
    }


def _percentile(sorted_values: Sequence[T], q: float) -> T:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def _peak_rss_kib() -> int | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return None
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _variant_name(config: dict[str, Any]) -> str:
    name: str = config["variant"]
    if name.startswith("ours@"):
        # A/B runs: "ours@/path/to/tree" measures the package of another work tree.
        tree = name.partition("@")[2]
        if tree not in sys.path:
            sys.path.insert(0, tree)
        return "ours"
    return name


def _setup(config: dict[str, Any]) -> Setup:
    return Setup(
        base_url=config["base_url"],
        page_size=config.get("page_size", 100),
        ca=config.get("ca"),
        pool_limit=config.get("pool_limit"),
        decode=config.get("decode", True),
    )


def _check(variant: Variant, config: dict[str, Any], result: Any) -> None:
    expected = config.get("page_size", 100) if config["op"].startswith("list") else 1
    got = variant.count(result)
    if got != expected:
        raise SystemExit(f"{config['variant']} {config['op']}: {got} items, expected {expected}")


async def measure(config: dict[str, Any]) -> dict[str, Any]:
    """Warm up, check the replies, then time the measured calls."""
    variant = await VARIANTS[_variant_name(config)](_setup(config))
    op = variant.ops[config["op"]]
    concurrency = config["concurrency"]
    window = config.get("window")
    out: dict[str, Any] = {
        "variant": config["variant"],
        "op": config["op"],
        "concurrency": concurrency,
        "page_size": config.get("page_size"),
        "pool_limit": config.get("pool_limit"),
        "tls": config.get("ca") is not None,
    }
    try:
        _check(variant, config, await op())
        if window is not None:
            gc.collect()
            out.update(
                await _drive_window(
                    op,
                    concurrency,
                    window["warmup_s"],
                    window["measure_s"],
                    window.get("tail_s", 0.0),
                    config.get("server_pid"),
                )
            )
        else:
            calls = config["calls"]
            await _drive(op, max(config.get("warmup", 0), concurrency), concurrency, None)
            gc.collect()
            latencies: list[float] = []
            profiler = None
            if config.get("profile"):
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            wall0 = time.perf_counter()
            cpu0 = time.process_time()
            await _drive(op, calls, concurrency, latencies)
            cpu = time.process_time() - cpu0
            wall = time.perf_counter() - wall0
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(config["profile"])
            latencies.sort()
            out.update(
                {
                    "calls": calls,
                    "cpu_us_per_call": cpu / calls * 1e6,
                    "calls_per_s": calls / wall,
                    "p50_ms": _percentile(latencies, 0.50) * 1e3,
                    "p99_ms": _percentile(latencies, 0.99) * 1e3,
                }
            )
    finally:
        await variant.close()
    out["peak_rss_kib"] = _peak_rss_kib()
    return out


def cold_start(config: dict[str, Any]) -> dict[str, Any]:
    """Imports, then construct the client and make its first call; one more call after."""
    name = _variant_name(config)
    if name == "ours":
        sys.modules["orjson"] = None  # type: ignore[assignment]
    t = time.perf_counter()
    for module in IMPORTS[name]:
        importlib.import_module(module)
    import_s = time.perf_counter() - t
    setup = _setup(config)

    async def go() -> dict[str, float]:
        t0 = time.perf_counter()
        variant = await VARIANTS[name](setup)
        op = variant.ops[config["op"]]
        try:
            t1 = time.perf_counter()
            first = await op()
            t2 = time.perf_counter()
            _check(variant, config, first)
            t3 = time.perf_counter()
            await op()
            t4 = time.perf_counter()
        finally:
            await variant.close()
        return {
            "cold_ms": (t2 - t0) * 1e3,
            "construct_ms": (t1 - t0) * 1e3,
            "first_call_ms": (t2 - t1) * 1e3,
            "second_call_ms": (t4 - t3) * 1e3,
        }

    out: dict[str, Any] = {
        "variant": config["variant"],
        "op": config["op"],
        "tls": config["base_url"].startswith("https:"),
        "import_ms": import_s * 1e3,
    }
    out.update(asyncio.run(go()))
    return out


def run_one(config: dict[str, Any]) -> dict[str, Any]:
    """One measurement described by ``config``."""
    if config.get("mode") == "cold":
        return cold_start(config)
    return asyncio.run(measure(config))


def main() -> None:
    """Run the measurement(s) described by ``argv[1]`` (JSON) and print one JSON line each."""
    raise_nofile_limit()
    config = json.loads(sys.argv[1])
    for one in config if isinstance(config, list) else [config]:
        print(json.dumps(run_one(one)), flush=True)
        gc.collect()


if __name__ == "__main__":
    main()
