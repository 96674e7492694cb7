"""Profile one variant's calls with cProfile against the benchmark server.

    python benchmarks/profile_calls.py ours create --concurrency 64
    python benchmarks/profile_calls.py ours list --page-size 100 --sort cumulative

cProfile slows every Python call down, so absolute times are inflated; the proportions
show where the time goes. ``--out`` keeps the raw stats for snakeviz or ``pstats``.
"""

from __future__ import annotations

import argparse
import pstats
import sys
import tempfile
from pathlib import Path

from run import ALL_VARIANTS, Runner


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="cProfile one variant against the server.")
    parser.add_argument("variant", choices=ALL_VARIANTS)
    parser.add_argument("op", choices=("create", "list", "retrieve"))
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    parser.add_argument("--limit", type=int, default=40, help="rows to print")
    parser.add_argument("--out", type=Path, default=None, help="keep the .prof file here")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="rooms-profile-")) / "calls.prof"
    runner = Runner(args.python, pin=True)
    base = runner.start_server().http
    try:
        result = runner.measure(
            {
                "variant": args.variant,
                "op": args.op,
                "concurrency": args.concurrency,
                "page_size": args.page_size,
                "calls": args.calls,
                "warmup": 50,
                "base_url": base,
                "profile": str(out),
            }
        )
    finally:
        runner.stop_server()
    print(
        f"{args.variant} {args.op}: {result['cpu_us_per_call']:.0f} µs CPU/call under cProfile;"
        f" stats in {out}"
    )
    stats = pstats.Stats(str(out))
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
