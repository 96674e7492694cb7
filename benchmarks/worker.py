"""One measurement in a fresh process: one client variant, one scenario.

``run.py`` starts this script once per (variant, scenario, repeat) with a JSON config as its
only argument, and reads one JSON line of results from its stdout. Each variant makes the
same calls against the same server; the measured loop is preceded by a warm-up that opens
the connections, fills caches and checks that the replies have the expected shape.

Metrics: client CPU per call (``time.process_time``, all threads of this process), calls
per second and p50/p99 latency (wall clock) over the measured calls, and the process's peak
RSS at the end.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

API_KEY = "KEYbench0000000000000000"
ROOM_ID = "7b61621f-62e0-4aad-ab11-9fd19e272e73"
CREATE_ARGS: dict[str, Any] = {"unique_name": "My Room", "max_participants": 50}

Op = Callable[[], Awaitable[Any]]
Check = Callable[[Any], int]


class Variant:
    """A client under test: its operations, a shape check, and how to close it."""

    def __init__(self) -> None:
        self.ops: dict[str, Op] = {}
        self.count: Check = lambda result: 1
        self.close: Callable[[], Awaitable[None]] = _nothing


async def _nothing() -> None:
    return None


async def raw_aiohttp(base: str, page_size: int) -> Variant:
    """The floor: one ClientSession, ``json.loads`` of the body, nothing else."""
    import aiohttp

    session = aiohttp.ClientSession()
    headers = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
    rooms_url = f"{base}/rooms"
    room_url = f"{base}/rooms/{ROOM_ID}"
    list_params = {"page[size]": str(page_size), "page[number]": "1"}

    async def fetch(method: str, url: str, **kwargs: Any) -> Any:
        async with session.request(method, url, headers=headers, **kwargs) as resp:
            body = await resp.read()
            if resp.status >= 400:
                raise RuntimeError(f"HTTP {resp.status}")
        return json.loads(body)

    v = Variant()
    v.ops = {
        "create": lambda: fetch("POST", rooms_url, json=CREATE_ARGS),
        "list": lambda: fetch("GET", rooms_url, params=list_params),
        "retrieve": lambda: fetch("GET", room_url),
    }
    v.count = lambda doc: len(doc["data"]) if isinstance(doc["data"], list) else 1
    v.close = session.close
    return v


async def ours(base: str, page_size: int) -> Variant:
    """``telnyx_rooms_async.RoomsClient`` as installed by default (stdlib ``json``)."""
    # The default install has no orjson; hide it if this environment happens to have it.
    sys.modules["orjson"] = None  # type: ignore[assignment]
    return await _ours(base, page_size)


async def ours_orjson(base: str, page_size: int) -> Variant:
    """``RoomsClient`` with the optional ``speedups`` extra (orjson) installed."""
    return await _ours(base, page_size)


async def _ours(base: str, page_size: int) -> Variant:
    from telnyx_rooms_async import Room, RoomsClient

    client = RoomsClient(API_KEY, base_url=base)
    rooms = client.rooms

    async def listing() -> Any:
        return (await rooms.list(page_size=page_size)).items

    v = Variant()
    v.ops = {
        "create": lambda: rooms.create(**CREATE_ARGS),
        "list": listing,
        "retrieve": lambda: rooms.retrieve(ROOM_ID),
    }
    v.count = lambda r: (
        len(r)
        if isinstance(r, tuple) and isinstance(r[0], Room)
        else int(isinstance(r, Room) and bool(r.sessions))
    )
    v.close = client.aclose
    return v


async def _official(base: str, page_size: int, transport: str) -> Variant:
    import telnyx

    http_client = telnyx.DefaultAioHttpClient() if transport == "aiohttp" else None
    client = telnyx.AsyncTelnyx(api_key=API_KEY, base_url=base, http_client=http_client)
    rooms = client.rooms

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


async def official_aiohttp(base: str, page_size: int) -> Variant:
    """The ``telnyx`` package with its aiohttp transport (``telnyx[aiohttp]``)."""
    return await _official(base, page_size, "aiohttp")


async def official_httpx(base: str, page_size: int) -> Variant:
    """The ``telnyx`` package with its default transport (httpx)."""
    return await _official(base, page_size, "httpx")


VARIANTS: dict[str, Callable[[str, int], Awaitable[Variant]]] = {
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


def _percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def _peak_rss_kib() -> int | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return None
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


async def measure(config: dict[str, Any]) -> dict[str, Any]:
    """Warm up, check the replies, then time the measured calls."""
    name = config["variant"]
    if name.startswith("ours@"):
        # A/B runs: "ours@/path/to/tree" measures the package of another work tree.
        sys.path.insert(0, name.partition("@")[2])
        name = "ours"
    variant = await VARIANTS[name](config["base_url"], config.get("page_size", 100))
    op = variant.ops[config["op"]]
    concurrency = config["concurrency"]
    calls = config["calls"]
    try:
        expected = config.get("page_size", 100) if config["op"] == "list" else 1
        got = variant.count(await op())
        if got != expected:
            raise SystemExit(
                f"{config['variant']} {config['op']}: {got} items, expected {expected}"
            )
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
    finally:
        await variant.close()
    latencies.sort()
    return {
        "variant": config["variant"],
        "op": config["op"],
        "concurrency": concurrency,
        "page_size": config.get("page_size"),
        "calls": calls,
        "cpu_us_per_call": cpu / calls * 1e6,
        "calls_per_s": calls / wall,
        "p50_ms": _percentile(latencies, 0.50) * 1e3,
        "p99_ms": _percentile(latencies, 0.99) * 1e3,
        "peak_rss_kib": _peak_rss_kib(),
    }


def main() -> None:
    """Run the measurement described by ``argv[1]`` (JSON) and print one JSON line."""
    config = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(measure(config))), flush=True)


if __name__ == "__main__":
    main()
