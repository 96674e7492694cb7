"""Receiving webhooks: requests per second through ``aiohttp_handler`` on one core.

For each repeat and handler, a fresh receiver (``webhook_receiver.py``) runs on the server
core and the load generator (``webhook_load.py``) on the client core, sending pre-signed
deliveries at a fixed concurrency. ``verified`` (the package's helper: read, verify,
parse, replay guard, an empty handler) is compared with ``read`` (an aiohttp handler that
only reads the body). The receiver's CPU per request, read from ``/proc``, says the same
as requests/s when the receiver is saturated and still holds when it is not; its CPU
share says which it was. Then ``bench_webhooks.py`` measures the CPU of
``construct_event`` against the bare Ed25519 check and ``json.loads``, without network.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
from collections.abc import Mapping
from typing import Any

from harness import HERE, Runner, fmt, median_of, orders, progress, ratio, stop, times

HANDLERS = ("read", "verified")
METRICS = (
    "requests_per_s",
    "p50_ms",
    "p99_ms",
    "server_cpu_us_per_request",
    "server_cpu_pct",
    "load_cpu_pct",
)
CONCURRENCY = 32
#: (measured requests, warm-up requests) per measurement.
FULL = (20_000, 2_000)
QUICK = (3_000, 500)


def run(runner: Runner, repeats: int, quick: bool) -> dict[str, Any]:
    """Every handler ``repeats`` times, then the offline costs; medians."""
    seed = base64.b64encode(os.urandom(32)).decode("ascii")
    requests, warmup = QUICK if quick else FULL
    samples: dict[str, list[dict[str, Any]]] = {h: [] for h in HANDLERS}
    body_bytes = None
    for repeat in range(repeats):
        for handler in orders(HANDLERS, repeat):
            proc, words = runner.spawn(
                [
                    runner.python,
                    str(HERE / "webhook_receiver.py"),
                    "--handler",
                    handler,
                    "--seed",
                    seed,
                ]
            )
            try:
                config = {
                    "handler": handler,
                    "port": int(words[0]),
                    "seed": seed,
                    "concurrency": CONCURRENCY,
                    "requests": requests,
                    "warmup": warmup,
                    "receiver_pid": proc.pid,
                }
                result = runner.run_json("webhook_load.py", [json.dumps(config)])
            finally:
                stop(proc)
            body_bytes = result["body_bytes"]
            samples[handler].append(result)
            progress(
                f"webhooks {handler:<9} {result['requests_per_s']:9,.0f} req/s"
                f"  receiver CPU {result['server_cpu_pct'] or 0:4.0f} %"
            )
    network = {h: median_of(s, METRICS) for h, s in samples.items() if s}
    offline_runs = []
    for _ in range(repeats):
        args = ["--json"] + (["--quick"] if quick else [])
        offline_runs.append(runner.run_json("bench_webhooks.py", args))
    offline: dict[str, list[float]] = {}
    for one in offline_runs:
        for row in one["rows"]:
            offline.setdefault(row["path"], []).append(row["us"])
    progress(f"webhooks offline: {len(offline)} paths, {repeats} process(es)")
    return {
        "concurrency": CONCURRENCY,
        "requests": requests,
        "body_bytes": body_bytes,
        "network": network,
        "offline": [{"path": p, "us": statistics.median(v)} for p, v in offline.items()],
        "offline_repeats": repeats,
    }


def render(result: Mapping[str, Any]) -> list[str]:
    """The two webhook tables."""
    from bench_webhooks import render as render_offline

    network = result["network"]
    read = network.get("read", {})
    lines = [
        "",
        f"Webhooks over the network: receiver on one core, {result['concurrency']} connections"
        f" of pre-signed {result['body_bytes']}-byte deliveries, each a new event id"
        f" ({result['requests']:,} requests per run after a warm-up, median of"
        f" {max((c['repeats'] for c in network.values()), default=0)})",
        "",
        "| handler | requests/s | ×read-only | p50 ms | p99 ms | receiver CPU µs/request"
        " | ×read-only | receiver CPU | load generator CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {
        "read": "aiohttp handler that only reads the body",
        "verified": "`aiohttp_handler` (verify + parse + replay guard, empty handler)",
    }
    for handler in HANDLERS:
        cell = network.get(handler)
        if cell is None:
            continue
        cpu_x = ratio(cell["server_cpu_us_per_request"], read.get("server_cpu_us_per_request"))
        lines.append(
            f"| {names[handler]} | {fmt(cell['requests_per_s'])}"
            f" | {times(ratio(cell['requests_per_s'], read.get('requests_per_s')))}"
            f" | {fmt(cell['p50_ms'], 2)} | {fmt(cell['p99_ms'], 2)}"
            f" | {fmt(cell['server_cpu_us_per_request'])}"
            f" | {times(cpu_x)}"
            f" | {_pct(cell['server_cpu_pct'])} | {_pct(cell['load_cpu_pct'])} |"
        )
    lines.append("")
    lines.extend(render_offline(result["offline"], result["offline_repeats"]))
    return lines


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} %"


def skipped_reason(runner: Runner) -> str | None:
    """Why the webhook scenario cannot run here, or None."""
    if not runner.importable(("cryptography", "telnyx_rooms_async.webhooks")):
        return "cryptography (the webhooks extra) is not importable"
    return None
