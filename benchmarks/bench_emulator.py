"""Emulator throughput: requests per second of the emulator, beside the pre-serialised server.

    python benchmarks/bench_emulator.py            # 5 s per measurement, 3 repeats
    python benchmarks/bench_emulator.py --quick    # a smoke run (a few seconds)

Two servers run as subprocesses: the emulator (``python -m telnyx_rooms_async.testing``, the
fake's full implementation: routing, checks, journal, store) and ``benchmarks/server.py``
(replies serialised once at start, close to aiohttp's own cost). With ``taskset`` and two or
more cores both are pinned to one core and the load comes from a separate process pinned to
another, so each server has one core to itself while it is measured. The load is raw aiohttp
with ``--concurrency`` requests in flight, for:

* ``create``: ``POST /v2/rooms`` with a small body;
* ``list-20``: ``GET /v2/rooms?page[size]=20`` (the emulator holds 20 rooms).

The table gives requests per second of each server, medians over the repeats (the order of
the servers alternates), and the emulator's share of the pre-serialised server's rate.
Nothing here asserts a number; the exit status only reflects crashes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import Runner, stop

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
API_KEY = "KEY-fake-rooms-api"
SCENARIOS = ("create", "list-20")


class Servers:
    """The two servers under test, pinned (through ``harness.Runner``) to the server core."""

    def __init__(self, pin: bool) -> None:
        self.runner = Runner(sys.executable, pin)
        self.taskset = self.runner.taskset
        self.server_core = self.runner.server_core
        self.load_core = self.runner.client_core
        self.env = self.runner.env
        self.pinned = self.runner.pinned
        self.processes: list[subprocess.Popen[str]] = []
        self.urls: dict[str, str] = {}

    def start(self) -> None:
        emulator, words = self.runner.start_emulator()
        self.processes.append(emulator)
        self.urls["emulator"] = words["base_url"]
        preserialised = self.runner.popen(
            [sys.executable, str(HERE / "server.py"), "--port", "0"], quiet=True
        )
        self.processes.append(preserialised)
        assert preserialised.stdout is not None
        ready = preserialised.stdout.readline().split()
        self.urls["server.py"] = f"http://127.0.0.1:{ready[1]}/v2"

    def stop(self) -> None:
        for process in self.processes:
            stop(process, terminate=True)  # server.py stops when its stdin closes

    def load(self, name: str, scenario: str, seconds: float, concurrency: int) -> dict[str, Any]:
        argv = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--load",
            self.urls[name],
            scenario,
            str(seconds),
            str(concurrency),
            name,
        ]
        out = subprocess.run(
            self.pinned(self.load_core, argv),
            capture_output=True,
            text=True,
            check=True,
            env=self.env,
            timeout=seconds + 60,
        )
        result: dict[str, Any] = json.loads(out.stdout)
        return result


async def _prepare(url: str, scenario: str) -> None:
    """Start the emulator's measurement from an empty store, or from 20 rooms to list."""
    import aiohttp

    admin = url.removesuffix("/v2") + "/_emulator"
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{admin}/reset") as reply:
            reply.raise_for_status()
        if scenario == "list-20":
            for i in range(20):
                body = {"unique_name": f"room {i}"}
                async with session.post(f"{url}/rooms", json=body, headers=headers) as reply:
                    reply.raise_for_status()


async def _load(
    url: str, scenario: str, seconds: float, concurrency: int, emulator: bool
) -> dict[str, Any]:
    import aiohttp

    if emulator:
        await _prepare(url, scenario)
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    body = json.dumps({"max_participants": 10}).encode()
    count = errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds

        async def one() -> None:
            nonlocal count, errors
            while loop.time() < end:
                if scenario == "create":
                    request = session.post(f"{url}/rooms", data=body)
                else:
                    request = session.get(f"{url}/rooms", params={"page[size]": "20"})
                async with request as reply:
                    await reply.read()
                    if reply.status >= 400:
                        errors += 1
                count += 1

        started = loop.time()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        elapsed = loop.time() - started
    return {"requests": count, "errors": errors, "seconds": elapsed}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with ``--load``, be its load process)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--load"]:
        url, scenario, seconds, concurrency = args[1], args[2], float(args[3]), int(args[4])
        emulator = args[5] == "emulator"
        print(json.dumps(asyncio.run(_load(url, scenario, seconds, concurrency, emulator))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 s, 1 repeat")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per server")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument("--json", type=Path, help="also write the results here")
    options = parser.parse_args(args)
    seconds, repeat = (1.0, 1) if options.quick else (options.seconds, options.repeat)
    servers = Servers(pin=not options.no_pin)
    servers.start()
    rates: dict[str, dict[str, list[float]]] = {s: {n: [] for n in servers.urls} for s in SCENARIOS}
    try:
        for scenario in SCENARIOS:
            for i in range(repeat):
                names = list(servers.urls) if i % 2 == 0 else list(reversed(servers.urls))
                for name in names:
                    result = servers.load(name, scenario, seconds, options.concurrency)
                    if result["errors"]:
                        raise SystemExit(f"{name} {scenario}: {result['errors']} errors")
                    rates[scenario][name].append(result["requests"] / result["seconds"])
    finally:
        servers.stop()
    pinned = (
        f"pinned with taskset (server core {servers.server_core})"
        if servers.taskset
        else "not pinned"
    )
    runs = f"{seconds:g} s x {repeat}, concurrency {options.concurrency}"
    print(f"emulator throughput, {runs}, {pinned}")
    print(f"{'scenario':<10} {'emulator req/s':>15} {'server.py req/s':>16} {'ratio':>7}")
    report: dict[str, Any] = {"when": time.time(), "pinned": bool(servers.taskset), "results": {}}
    for scenario in SCENARIOS:
        rate = statistics.median(rates[scenario]["emulator"])
        baseline = statistics.median(rates[scenario]["server.py"])
        ratio = rate / baseline
        print(f"{scenario:<10} {rate:>15.0f} {baseline:>16.0f} {ratio:>7.2f}")
        report["results"][scenario] = {"emulator": rate, "server.py": baseline, "ratio": ratio}
    if options.json is not None:
        options.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
