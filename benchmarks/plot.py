"""Draw the sweep of a benchmark report as a small PNG (matplotlib, from the ``bench`` extra).

    python benchmarks/plot.py                                   # results/full.json -> sweep.png
    python benchmarks/plot.py benchmarks/results/quick.json -o /tmp/sweep.png

Left: client CPU per ``list`` call against page size, one line per concurrency level, for
``ours`` (solid) and ``raw_aiohttp`` (dashed). Right: the ratio ours / raw_aiohttp.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Plot the page-size/concurrency sweep.")
    parser.add_argument("report", nargs="?", type=Path, default=HERE / "results" / "full.json")
    parser.add_argument("-o", "--out", type=Path, default=HERE / "sweep.png")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt

    report: dict[str, Any] = json.loads(args.report.read_text(encoding="utf-8"))
    sweep = report.get("sweep") or []
    if not sweep:
        raise SystemExit(f"{args.report}: no sweep in this report (run without --no-sweep)")
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
    right.axhline(2.0, color="grey", linestyle=":", linewidth=1)
    right.set_xlabel("rooms per page")
    right.set_ylabel("ours / raw_aiohttp")
    right.set_title("list: ratio to raw aiohttp + json.loads", fontsize=10)
    right.set_ylim(bottom=1.0)
    right.legend(fontsize=6)
    for ax in (left, right):
        ax.set_xticks(sizes)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
