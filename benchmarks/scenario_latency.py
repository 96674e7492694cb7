"""Latency and the pool: ``rooms.create`` against a server that answers after a fixed delay.

The server sleeps (``await asyncio.sleep``, no CPU) for 20 or 100 ms before each reply, as a
network round trip to the API would. ``concurrency`` callers call without pause (the
worker's window mode) and each variant runs with its default pool: 100 connections for
``raw_aiohttp`` (aiohttp's ``TCPConnector``), for ``ours`` (``pool_limit=100``) and for the
official SDK (httpx: 100 connections, 20 kept alive; its aiohttp transport: 100). ``ours``
runs once more with ``pool_limit=C``. Once the pool is what limits, calls/s is about
``pool / latency`` and each call waits ``C / pool`` round trips; the table shows that bound
next to what was measured, and the server's CPU share shows it was not the server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from harness import fmt, median_of, orders, ratio, times

LATENCIES_MS = (20, 100)
CONCURRENCY = (16, 256, 1024)
QUICK_LATENCIES_MS = (20,)
QUICK_CONCURRENCY = (16, 1024)
#: Variants that also run with a pool as large as the concurrency.
POOLED = ("ours",)
#: Connections each variant's default pool allows at once.
DEFAULT_POOL = 100
METRICS = (
    "calls_per_s",
    "p50_ms",
    "p99_ms",
    "cpu_us_per_call",
    "server_cpu_pct",
    "client_cpu_pct",
    "calls",
    "callers_served",
    "longest_wait_ms",
)
#: Flags that hold for a cell when they held in any of its repeats.
FLAGS = ("p50_censored", "p99_censored", "longest_wait_censored")


class Cell(NamedTuple):
    """One latency measurement."""

    latency_ms: int
    concurrency: int
    variant: str
    pool_limit: int | None
    """None: the variant's default pool."""

    @property
    def label(self) -> str:
        """The table's variant column."""
        return self.variant if self.pool_limit is None else f"{self.variant} (pool=C)"

    @property
    def pool(self) -> int:
        """Connections this variant may open."""
        return self.pool_limit if self.pool_limit is not None else DEFAULT_POOL


def window(cell: Cell, quick: bool) -> dict[str, float]:
    """Warm-up and measurement seconds for ``cell``.

    In a pool-bound queue each caller's turn comes every ``C / pool`` round trips (its
    "cycle"): the warm-up must last about one cycle for the queue to reach its steady
    state, and the window at least one more for every caller to be counted.
    """
    cycle = math.ceil(cell.concurrency / min(cell.concurrency, cell.pool)) * cell.latency_ms / 1e3
    if quick:
        return {"warmup_s": max(0.15, cycle), "measure_s": max(0.3, cycle), "tail_s": 0.5}
    return {
        "warmup_s": max(0.25, 1.2 * cycle),
        "measure_s": max(0.75, 1.5 * cycle),
        # A fair queue lets the window's last calls through within about one cycle; a
        # client short of CPU may need longer, and its late calls then show as "≥".
        "tail_s": min(1.5, max(0.5, 1.2 * cycle)),
    }


def _with_handshakes(times: dict[str, float], cell: Cell, tls: bool) -> dict[str, float]:
    """Over HTTPS, a longer warm-up: every connection of the pool starts with a handshake.

    About a millisecond of CPU each on each side; 1,024 of them must be over before the
    window opens, or the window measures them instead of the pool.
    """
    if tls:
        times = {**times, "warmup_s": times["warmup_s"] + min(cell.concurrency, cell.pool) * 2e-3}
    return times


def plan(
    variants: Sequence[str], quick: bool, latencies: Sequence[int] | None = None
) -> list[list[Cell]]:
    """The cells of one repeat, in batches of one (latency, variant) each.

    ``run.py`` runs the batches of one variant in one process per repeat, their cells one
    after the other, each with a fresh client: the pool and its connections are new per
    cell, and cells of a few seconds each do not also pay an interpreter start (over two
    seconds for the official SDK).
    """
    levels = QUICK_CONCURRENCY if quick else CONCURRENCY
    chosen = latencies or (QUICK_LATENCIES_MS if quick else LATENCIES_MS)
    batches = []
    for latency in chosen:
        for variant in variants:
            cells = [Cell(latency, c, variant, None) for c in levels]
            if variant in POOLED:
                # Below the default pool size, pool=C is the default pool: nothing to add.
                cells += [Cell(latency, c, variant, c) for c in levels if c > DEFAULT_POOL]
            batches.append(cells)
    return batches


def configs(
    batch: Sequence[Cell], base_for: Mapping[int, str], server_pid: int, ca: str | None, quick: bool
) -> list[dict[str, Any]]:
    """Worker configs for one batch (``base_for``: latency -> base URL)."""
    return [
        {
            "variant": cell.variant,
            "op": "create",
            "concurrency": cell.concurrency,
            "page_size": 100,
            "pool_limit": cell.pool_limit,
            "window": _with_handshakes(window(cell, quick), cell, ca is not None),
            "base_url": base_for[cell.latency_ms],
            "ca": ca,
            "server_pid": server_pid,
        }
        for cell in batch
    ]


def ordered(batches: Sequence[list[Cell]], repeat: int) -> list[list[Cell]]:
    """Variant order reversed on odd repeats, within each latency."""
    by_latency: dict[int, list[list[Cell]]] = {}
    for batch in batches:
        by_latency.setdefault(batch[0].latency_ms, []).append(batch)
    out: list[list[Cell]] = []
    for group in by_latency.values():
        out.extend(orders(group, repeat))
    return out


def summarise(samples: Mapping[Cell, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Median per cell, with the pool bound and ratios to ``raw_aiohttp`` (default pool)."""
    rows = []
    medians = {cell: median_of(cell_samples, METRICS) for cell, cell_samples in samples.items()}
    for cell, med in medians.items():
        for flag in FLAGS:
            med[flag] = any(s.get(flag) for s in samples[cell])
        raw = medians.get(Cell(cell.latency_ms, cell.concurrency, "raw_aiohttp", None))
        bound = min(cell.concurrency, cell.pool) / (cell.latency_ms / 1e3)
        rows.append(
            {
                "latency_ms": cell.latency_ms,
                "concurrency": cell.concurrency,
                "variant": cell.variant,
                "label": cell.label,
                "pool": cell.pool,
                "pool_bound_calls_per_s": bound,
                **med,
                "calls_per_s_x_raw": ratio(med["calls_per_s"], raw["calls_per_s"] if raw else None),
                "cpu_x_raw": ratio(med["cpu_us_per_call"], raw["cpu_us_per_call"] if raw else None),
            }
        )
    rows.sort(key=lambda r: (r["latency_ms"], r["concurrency"], _rank(r["label"])))
    return rows


def _rank(label: str) -> tuple[int, str]:
    order = ("raw_aiohttp", "ours", "ours (pool=C)", "ours_orjson", "official_aiohttp")
    return (order.index(label) if label in order else len(order), label)


def _ms(value: float | None, censored: bool) -> str:
    return ("≥ " if censored else "") + fmt(value, 1)


def render(rows: Sequence[Mapping[str, Any]], scheme: str) -> list[str]:
    """One Markdown table per latency."""
    lines: list[str] = []
    for latency in sorted({r["latency_ms"] for r in rows}):
        lines.append("")
        lines.append(
            f"Latency {latency} ms per reply ({scheme}, `rooms.create`, C callers without"
            " pause); bound = min(C, pool) ÷ latency; served = callers with a call completed"
            " in the window"
        )
        lines.append("")
        lines.append(
            "| C | variant | pool | calls/s | ×raw | bound | p50 ms | p99 ms | served"
            " | longest wait ms | CPU µs/call | CPU ×raw | server CPU |"
        )
        lines.append("| ---: | --- |" + " ---: |" * 11)
        for r in rows:
            if r["latency_ms"] != latency:
                continue
            server = r.get("server_cpu_pct")
            served = r.get("callers_served")
            lines.append(
                f"| {r['concurrency']:,} | {r['label']} | {r['pool']:,}"
                f" | {fmt(r['calls_per_s'])} | {times(r['calls_per_s_x_raw'])}"
                f" | {fmt(r['pool_bound_calls_per_s'])}"
                f" | {_ms(r['p50_ms'], r.get('p50_censored', False))}"
                f" | {_ms(r['p99_ms'], r.get('p99_censored', False))}"
                f" | {'–' if served is None else f'{served:,.0f}'}"
                f" | {_ms(r.get('longest_wait_ms'), r.get('longest_wait_censored', False))}"
                f" | {fmt(r['cpu_us_per_call'])} | {times(r['cpu_x_raw'])}"
                f" | {'–' if server is None else f'{server:.0f} %'} |"
            )
    return lines
