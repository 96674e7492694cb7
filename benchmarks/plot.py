"""Draw a benchmark report's sweep and latency results as PNGs (matplotlib, ``bench`` extra).

    python benchmarks/plot.py                         # results/full.json -> sweep.png, latency.png
    python benchmarks/plot.py results/quick.json -o /tmp/sweep.png --latency-out /tmp/latency.png

``sweep.png``: left, client CPU per ``list`` call against page size, one line per
concurrency level, for ``ours`` (solid) and ``raw_aiohttp`` (dashed); right, the ratio ours /
raw_aiohttp.

``latency.png``: one panel per server latency, calls/s against the number of callers (both
axes logarithmic), a line per variant; the grey lines are the pool bounds, min(C, pool) ÷
latency, for the default pool of 100 (dashed) and for a pool of C (dotted).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def plot_sweep(plt: Any, sweep: list[dict[str, Any]], out: Path) -> None:
    """The page-size / concurrency sweep."""
    cells = {(p["variant"], p["page_size"], p["concurrency"]): p for p in sweep}
    sizes = sorted({p["page_size"] for p in sweep})
    levels = sorted({p["concurrency"] for p in sweep})

    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2), dpi=100)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, level in enumerate(levels):
        color = colors[i % len(colors)]
        ours = [cells.get(("ours", s, level)) for s in sizes]
        raw = [cells.get(("raw_aiohttp", s, level)) for s in sizes]
        xs = [s for s, o, r in zip(sizes, ours, raw, strict=True) if o and r]
        ys_ours = [o["cpu_us_per_call"] for o, r in zip(ours, raw, strict=True) if o and r]
        ys_raw = [r["cpu_us_per_call"] for o, r in zip(ours, raw, strict=True) if o and r]
        left.plot(xs, ys_ours, "o-", color=color, label=f"ours C={level}")
        left.plot(xs, ys_raw, "x--", color=color, alpha=0.7, label=f"raw C={level}")
        right.plot(
            xs,
            [o / r for o, r in zip(ys_ours, ys_raw, strict=True)],
            "o-",
            color=color,
            label=f"C={level}",
        )
    left.set_xlabel("rooms per page")
    left.set_ylabel("client CPU µs per call")
    left.set_title("list: CPU per call", fontsize=10)
    left.legend(fontsize=6, ncol=2)
    right.axhline(1.5, color="grey", linestyle=":", linewidth=1)
    right.set_xlabel("rooms per page")
    right.set_ylabel("ours / raw_aiohttp")
    right.set_title("list: ratio to raw aiohttp + json.loads", fontsize=10)
    right.set_ylim(bottom=1.0)
    right.legend(fontsize=6)
    for ax in (left, right):
        ax.set_xticks(sizes)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def plot_latency(plt: Any, latency: dict[str, Any], out: Path) -> None:
    """Calls/s against concurrency, one panel per latency, one line per variant."""
    rows = latency["rows"]
    latencies = sorted({r["latency_ms"] for r in rows})
    labels: list[str] = []
    for r in rows:
        if r["label"] not in labels:
            labels.append(r["label"])
    fig, axes = plt.subplots(
        1, len(latencies), figsize=(4.2 * len(latencies), 3.4), dpi=100, squeeze=False
    )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, ms in zip(axes[0], latencies, strict=True):
        mine = [r for r in rows if r["latency_ms"] == ms]
        levels = sorted({r["concurrency"] for r in mine})
        for i, label in enumerate(labels):
            points = sorted(
                (r["concurrency"], r["calls_per_s"])
                for r in mine
                if r["label"] == label and r["calls_per_s"]
            )
            if label.endswith(" (pool=C)"):
                # Below the default pool size the default pool is a pool of C: same cells.
                default = label.removesuffix(" (pool=C)")
                points = sorted(
                    points
                    + [
                        (r["concurrency"], r["calls_per_s"])
                        for r in mine
                        if r["label"] == default and r["concurrency"] <= r["pool"]
                    ]
                )
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, "o-", color=colors[i % len(colors)], label=label)
        seconds = ms / 1e3
        ax.plot(
            levels,
            [min(c, 100) / seconds for c in levels],
            "--",
            color="grey",
            linewidth=1,
            label="bound, pool 100",
        )
        ax.plot(
            levels,
            [c / seconds for c in levels],
            ":",
            color="grey",
            linewidth=1,
            label="bound, pool C",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(levels)
        ax.set_xticklabels([f"{c:,}" for c in levels])
        ax.set_xlabel("callers (C)")
        ax.set_ylabel("calls/s")
        ax.set_title(f"{ms} ms per reply ({latency.get('scheme', '')})", fontsize=10)
        ax.grid(alpha=0.3, which="both")
    axes[0][-1].legend(fontsize=6)
    fig.suptitle(f"rooms.{latency.get('op', 'create')}: throughput against callers", fontsize=10)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Plot the sweep and the latency scenario.")
    parser.add_argument("report", nargs="?", type=Path, default=HERE / "results" / "full.json")
    parser.add_argument("-o", "--out", type=Path, default=HERE / "sweep.png", help="sweep PNG")
    parser.add_argument("--latency-out", type=Path, default=HERE / "latency.png")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt

    report: dict[str, Any] = json.loads(args.report.read_text(encoding="utf-8"))
    drawn = []
    if report.get("sweep"):
        plot_sweep(plt, report["sweep"], args.out)
        drawn.append(args.out)
    if report.get("latency") and report["latency"].get("rows"):
        plot_latency(plt, report["latency"], args.latency_out)
        drawn.append(args.latency_out)
    if not drawn:
        raise SystemExit(f"{args.report}: no sweep and no latency results to plot")
    for path in drawn:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
