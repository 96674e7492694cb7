"""Instructions per call under valgrind: a timing-free comparison for a busy machine.

    python benchmarks/instructions.py                       # raw_aiohttp and ours, 3 scenarios
    python benchmarks/instructions.py --variants raw_aiohttp,ours,ours@/tmp/other-tree

On a shared machine CPU time moves by ±10 % from run to run; the number of instructions a
client process executes per call barely moves, so a change of 1 % shows. Each cell runs the
worker twice under ``valgrind --tool=cachegrind --cache-sim=no`` (``few`` and ``many`` calls,
same warm-up) and divides the difference by the extra calls, which cancels start-up, imports
and warm-up. Instructions are not time (C code in aiohttp and json retires more per cycle than
the interpreter), so this ranks changes; ``run.py`` gives the times.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from run import HERE, REQUIRES, SCENARIOS, Runner
from tlscerts import make_certificates

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count(runner: Runner, valgrind: str, config: dict[str, Any] | list[Any]) -> int:
    """Instructions the worker process executed for ``config``."""
    return count_script(runner, valgrind, ["worker.py", json.dumps(config)])


def count_script(runner: Runner, valgrind: str, args: list[str]) -> int:
    """Instructions ``python benchmarks/<args[0]> <args[1:]>`` executed under valgrind."""
    argv = [
        valgrind,
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        runner.python,
        str(HERE / args[0]),
        *args[1:],
    ]
    argv = runner.pinned(runner.client_core, argv)
    done = subprocess.run(argv, env=runner.env, capture_output=True, text=True, timeout=900)
    match = _REFS.search(done.stderr)
    if done.returncode != 0 or match is None:
        sys.stderr.write(done.stderr[-2000:])
        raise SystemExit(f"valgrind run failed: {' '.join(args)[:200]}")
    return int(match.group(1).replace(",", ""))


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Instructions per call, under valgrind.")
    parser.add_argument("--variants", default="raw_aiohttp,ours")
    parser.add_argument("--scenarios", default="create C=1,create C=64,list-100 C=1")
    parser.add_argument("--few", type=int, default=100, help="calls in the short run")
    parser.add_argument("--many", type=int, default=600, help="calls in the long run")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    runner = Runner(args.python, pin=True)
    # Same hash seed in every run: set and dict layouts, and so the counts, repeat.
    runner.env["PYTHONHASHSEED"] = "0"
    variants = [v for v in args.variants.split(",") if v]
    for variant in variants:
        modules = REQUIRES.get(variant, REQUIRES["ours"])
        if not runner.importable(modules):
            raise SystemExit(f"{variant}: {', '.join(modules)} not importable")
    scenarios = args.scenarios.split(",")
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    workdir = Path(tempfile.mkdtemp(prefix="rooms-instructions-"))
    tls = any(SCENARIOS[name].tls for name in scenarios)
    certificates = make_certificates(workdir) if tls else None
    server = runner.start_server(certificates)
    rows = []
    try:
        for name in scenarios:
            scenario = SCENARIOS[name]
            per_call: dict[str, float] = {}
            for variant in variants:
                totals = []
                for calls in (args.few, args.many):
                    config = {
                        "variant": variant,
                        "op": scenario.op,
                        "concurrency": scenario.concurrency,
                        "page_size": scenario.page_size,
                        "calls": calls,
                        "warmup": 64,
                        "base_url": server.base(scenario.tls),
                        "ca": str(certificates.ca) if scenario.tls and certificates else None,
                    }
                    totals.append(count(runner, valgrind, config))
                per_call[variant] = (totals[1] - totals[0]) / (args.many - args.few)
                print(f"{name:<14} {variant:<20} {per_call[variant] / 1e3:9.1f} k", file=sys.stderr)
            floor = per_call.get("raw_aiohttp")
            for variant, value in per_call.items():
                rows.append((name, variant, value, value / floor if floor else None))
    finally:
        runner.stop_server()
        shutil.rmtree(workdir, ignore_errors=True)
    print("| scenario | variant | k instructions/call | × raw_aiohttp |")
    print("| --- | --- | ---: | ---: |")
    for name, variant, value, ratio in rows:
        shown = "–" if ratio is None else f"{ratio:.3f}×"
        print(f"| {name} | {variant} | {value / 1e3:,.1f} | {shown} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
