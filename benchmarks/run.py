"""Benchmark driver: every client variant side by side against one local server.

    python benchmarks/run.py            # full run (a few minutes), table + JSON
    python benchmarks/run.py --quick    # a smoke run for CI (well under a minute)

The server (``server.py``) runs in its own process; each measurement (``worker.py``) runs in
a fresh process, so no variant inherits another's imports, caches or pool. With ``taskset``
and two or more cores, the server is pinned to one core and every client process to another.
Measurements repeat (order reversed on every other repeat) and the table shows medians, with
ratios to ``raw_aiohttp`` taken from the same run. Nothing here asserts a timing: the targets
section reports "met" or "NOT met" and the exit status only reflects crashes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ALL_VARIANTS = ("raw_aiohttp", "ours", "ours_orjson", "official_aiohttp", "official_httpx")
REQUIRES = {
    "raw_aiohttp": ("aiohttp",),
    "ours": ("telnyx_rooms_async",),
    "ours_orjson": ("telnyx_rooms_async", "orjson"),
    "official_aiohttp": ("telnyx", "httpx_aiohttp"),
    "official_httpx": ("telnyx",),
}
#: The official SDK costs several times more per call; fewer calls keep its runs short.
CALL_SCALE = {"official_aiohttp": 0.25, "official_httpx": 0.25}
METRICS = ("cpu_us_per_call", "calls_per_s", "p50_ms", "p99_ms", "peak_rss_kib")

#: name -> (op, concurrency, page size, calls in a full run, calls in a quick run)
SCENARIOS: dict[str, tuple[str, int, int, int, int]] = {
    "create C=1": ("create", 1, 100, 2000, 300),
    "create C=64": ("create", 64, 100, 4000, 640),
    "list-100 C=1": ("list", 1, 100, 800, 120),
    "retrieve C=1": ("retrieve", 1, 100, 2000, 300),
}
SWEEP_SIZES = (10, 100, 250)
SWEEP_CONCURRENCY = (1, 16, 64, 256)
QUICK_SWEEP_SIZES = (10, 250)
QUICK_SWEEP_CONCURRENCY = (1, 64)
#: Calls per sweep point in a full run, by page size (about half a second each for ours).
SWEEP_CALLS = {10: 1200, 100: 400, 250: 200}
IMPORT_MODULES = {
    "aiohttp": "aiohttp",
    "ours": "telnyx_rooms_async",
    "official": "telnyx",
}


class Runner:
    """Starts the server and the worker processes, pinned when the machine allows."""

    def __init__(self, python: str, pin: bool) -> None:
        self.python = python
        cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.taskset = shutil.which("taskset") if pin and len(cores) >= 2 else None
        self.client_core = cores[0] if self.taskset else None
        self.server_core = cores[-1] if self.taskset else None
        self.env = dict(os.environ)
        # Measure this tree, whatever is installed; and no debug modes that skew timings.
        self.env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        )
        for name in ("PYTHONASYNCIODEBUG", "PYTHONDEVMODE", "PYTHONTRACEMALLOC"):
            self.env.pop(name, None)
        self.server: subprocess.Popen[str] | None = None

    def _pinned(self, core: int | None, argv: Sequence[str]) -> list[str]:
        if self.taskset is None or core is None:
            return list(argv)
        return [self.taskset, "-c", str(core), *argv]

    def start_server(self) -> str:
        """Start ``server.py`` and return its base URL."""
        argv = self._pinned(self.server_core, [self.python, str(HERE / "server.py")])
        self.server = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=self.env
        )
        assert self.server.stdout is not None
        line = self.server.stdout.readline()
        if not line.startswith("READY "):
            self.stop_server()
            raise SystemExit(f"benchmark server did not start (said {line!r})")
        return f"http://127.0.0.1:{int(line.split()[1])}/v2"

    def stop_server(self) -> None:
        """Close the server's stdin (it exits by itself) and reap it."""
        server, self.server = self.server, None
        if server is None:
            return
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    def importable(self, modules: Iterable[str]) -> bool:
        """True when every module imports in the worker interpreter."""
        code = "; ".join(f"import {m}" for m in modules)
        done = subprocess.run(
            [self.python, "-c", code], env=self.env, capture_output=True, timeout=120
        )
        return done.returncode == 0

    def measure(self, config: dict[str, Any]) -> dict[str, Any]:
        """One worker process; its JSON result."""
        argv = self._pinned(
            self.client_core, [self.python, str(HERE / "worker.py"), json.dumps(config)]
        )
        done = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"worker failed: {config['variant']} {config['op']}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def import_seconds(self, module: str) -> float:
        """Seconds ``import module`` takes in a fresh interpreter (without orjson)."""
        # sys is imported at start-up anyway; hiding orjson measures the default install.
        code = (
            "import sys; sys.modules['orjson'] = None; import time; t = time.perf_counter();"
            f" import {module}; print(time.perf_counter() - t)"
        )
        argv = self._pinned(self.client_core, [self.python, "-c", code])
        done = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"import {module} failed")
        return float(done.stdout.strip())


def _median_result(samples: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"repeats": len(samples)}
    for metric in METRICS:
        values = [s[metric] for s in samples if s.get(metric) is not None]
        out[metric] = statistics.median(values) if values else None
    return out


def _orders(variants: Sequence[str], repeat: int) -> Sequence[str]:
    return variants if repeat % 2 == 0 else variants[::-1]


def run_scenarios(
    runner: Runner,
    base: str,
    variants: Sequence[str],
    repeats: int,
    quick: bool,
    scenarios: Sequence[str],
) -> tuple[dict[str, dict[str, dict[str, Any]]], list[dict[str, Any]]]:
    """Every scenario for every variant, ``repeats`` times; medians per cell."""
    samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    runs = []
    for repeat in range(repeats):
        for name in scenarios:
            op, concurrency, size, full_calls, quick_calls = SCENARIOS[name]
            for variant in _orders(variants, repeat):
                calls = quick_calls if quick else full_calls
                calls = max(int(calls * CALL_SCALE.get(variant, 1.0)), 2 * concurrency, 50)
                config = {
                    "variant": variant,
                    "op": op,
                    "concurrency": concurrency,
                    "page_size": size,
                    "calls": calls,
                    "warmup": max(20, calls // 10),
                    "base_url": base,
                }
                result = runner.measure(config)
                result["scenario"] = name
                result["repeat"] = repeat
                runs.append(result)
                samples.setdefault((name, variant), []).append(result)
                _progress(f"{name:<14} {variant:<17} {result['cpu_us_per_call']:9.1f} µs/call")
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for (name, variant), cell in samples.items():
        table.setdefault(name, {})[variant] = _median_result(cell)
    return table, runs


def run_sweep(
    runner: Runner, base: str, variants: Sequence[str], repeats: int, quick: bool
) -> list[dict[str, Any]]:
    """List calls over page sizes and concurrency levels."""
    sizes = QUICK_SWEEP_SIZES if quick else SWEEP_SIZES
    levels = QUICK_SWEEP_CONCURRENCY if quick else SWEEP_CONCURRENCY
    samples: dict[tuple[int, int, str], list[dict[str, Any]]] = {}
    for repeat in range(repeats):
        for size in sizes:
            for concurrency in levels:
                for variant in _orders(variants, repeat):
                    calls = SWEEP_CALLS[size] // (5 if quick else 1)
                    calls = max(int(calls * CALL_SCALE.get(variant, 1.0)), 2 * concurrency)
                    config = {
                        "variant": variant,
                        "op": "list",
                        "concurrency": concurrency,
                        "page_size": size,
                        "calls": calls,
                        "warmup": max(10, calls // 10),
                        "base_url": base,
                    }
                    result = runner.measure(config)
                    samples.setdefault((size, concurrency, variant), []).append(result)
                    _progress(
                        f"sweep list-{size:<3} C={concurrency:<3} {variant:<17}"
                        f" {result['cpu_us_per_call']:9.1f} µs/call"
                    )
    return [
        {"op": "list", "page_size": s, "concurrency": c, "variant": v, **_median_result(cell)}
        for (s, c, v), cell in samples.items()
    ]


def run_imports(runner: Runner, names: Sequence[str], repeats: int) -> dict[str, dict[str, Any]]:
    """Median import time of each module in fresh interpreters (interleaved)."""
    times: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        for name in _orders(names, repeat):
            times[name].append(runner.import_seconds(IMPORT_MODULES[name]))
    out = {}
    for name, values in times.items():
        out[name] = {
            "module": IMPORT_MODULES[name],
            "median_ms": statistics.median(values) * 1e3,
            "samples_ms": [v * 1e3 for v in values],
        }
        _progress(f"import {IMPORT_MODULES[name]:<20} {out[name]['median_ms']:8.1f} ms")
    return out


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def ratios(table: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, dict[str, float]]]:
    """Each variant's CPU, throughput and RSS relative to raw_aiohttp in the same scenario."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, cells in table.items():
        raw = cells.get("raw_aiohttp")
        if raw is None:
            continue
        for variant, cell in cells.items():
            entry = {}
            for metric, key in (
                ("cpu_us_per_call", "cpu"),
                ("calls_per_s", "calls_per_s"),
                ("peak_rss_kib", "peak_rss"),
            ):
                if cell.get(metric) and raw.get(metric):
                    entry[key] = cell[metric] / raw[metric]
            out.setdefault(name, {})[variant] = entry
    return out


def targets(
    rel: dict[str, dict[str, dict[str, float]]], imports: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The performance targets for ``ours``, each with its measured value and verdict."""
    checks = []

    def add(name: str, value: float | None, limit: float, lower_is_better: bool = True) -> None:
        met = None if value is None else (value <= limit if lower_is_better else value >= limit)
        checks.append({"target": name, "value": value, "limit": limit, "met": met})

    def ours(scenario: str, key: str) -> float | None:
        return rel.get(scenario, {}).get("ours", {}).get(key)

    add("create C=1: CPU/call vs raw", ours("create C=1", "cpu"), 1.25)
    add("create C=64: CPU/call vs raw", ours("create C=64", "cpu"), 1.25)
    add("list-100: CPU/call vs raw + json.loads", ours("list-100 C=1", "cpu"), 2.0)
    if "ours" in imports and "aiohttp" in imports:
        extra = imports["ours"]["median_ms"] - imports["aiohttp"]["median_ms"]
        add("import: ms above import aiohttp", extra, 60.0)
    rss = [ours(s, "peak_rss") for s in rel]
    rss_known = [r for r in rss if r is not None]
    add("peak RSS vs raw (worst scenario)", max(rss_known) if rss_known else None, 1.3)
    add("create C=64: calls/s vs raw", ours("create C=64", "calls_per_s"), 0.9, False)
    return checks


def machine(runner: Runner) -> dict[str, Any]:
    """What the numbers were taken on."""
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {'python': sys.version.split()[0]}\n"
        "for n in ('aiohttp', 'attrs', 'cattrs', 'yarl', 'telnyx', 'httpx', 'orjson'):\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run(
        [runner.python, "-c", code], env=runner.env, capture_output=True, text=True, timeout=60
    )
    if done.returncode == 0:
        versions = json.loads(done.stdout)
    return {
        "platform": platform.platform(),
        "cpu": model,
        "cores": os.cpu_count(),
        "pinned": runner.taskset is not None,
        "client_core": runner.client_core,
        "server_core": runner.server_core,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "versions": versions,
    }


def _fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def render(report: dict[str, Any]) -> str:
    """The report as Markdown tables (also what README.md shows)."""
    lines = []
    m = report["machine"]
    v = m["versions"]
    pinning = "server and client pinned to separate cores" if m["pinned"] else "not pinned"
    lines.append(
        f"{report['mode']} run, {report['repeats']} repeat(s), medians; {m['cpu'] or '?'},"
        f" {m['cores']} cores, {pinning};"
        f" Python {v.get('python', '?')}, aiohttp {v.get('aiohttp', '?')},"
        f" attrs {v.get('attrs', '?')}, cattrs {v.get('cattrs', '?')}"
        + (f", telnyx {v['telnyx']}" if "telnyx" in v else "")
        + "."
    )
    lines.append("")
    lines.append(
        "| scenario | variant | CPU µs/call | CPU ×raw | calls/s | calls/s ×raw"
        " | p50 ms | p99 ms | peak RSS MiB | RSS ×raw |"
    )
    lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, cells in report["results"].items():
        for variant, cell in cells.items():
            rel = report["ratios"].get(name, {}).get(variant, {})
            rss = cell["peak_rss_kib"] / 1024 if cell.get("peak_rss_kib") else None
            lines.append(
                f"| {name} | {variant} | {_fmt(cell['cpu_us_per_call'])} | {_x(rel.get('cpu'))}"
                f" | {_fmt(cell['calls_per_s'])} | {_x(rel.get('calls_per_s'))}"
                f" | {_fmt(cell['p50_ms'], 2)} | {_fmt(cell['p99_ms'], 2)}"
                f" | {_fmt(rss, 1)} | {_x(rel.get('peak_rss'))} |"
            )
    if report["imports"]:
        lines.append("")
        lines.append("| import (fresh interpreter, median) | ms | above `import aiohttp` |")
        lines.append("| --- | ---: | ---: |")
        base = report["imports"].get("aiohttp", {}).get("median_ms")
        for entry in report["imports"].values():
            above = None if base is None else entry["median_ms"] - base
            lines.append(
                f"| `import {entry['module']}` | {_fmt(entry['median_ms'], 1)}"
                f" | {'–' if above is None else f'{above:+.1f} ms'} |"
            )
    if report["sweep"]:
        lines.append("")
        lines.append("Sweep: `list` CPU µs per call (ours / raw_aiohttp = ratio)")
        lines.append("")
        levels = sorted({p["concurrency"] for p in report["sweep"]})
        sizes = sorted({p["page_size"] for p in report["sweep"]})
        cells = {(p["page_size"], p["concurrency"], p["variant"]): p for p in report["sweep"]}
        lines.append("| page size | " + " | ".join(f"C={c}" for c in levels) + " |")
        lines.append("| ---: | " + " | ".join("---:" for _ in levels) + " |")
        for size in sizes:
            row = []
            for c in levels:
                ours = cells.get((size, c, "ours"))
                raw = cells.get((size, c, "raw_aiohttp"))
                if ours and raw:
                    ratio = ours["cpu_us_per_call"] / raw["cpu_us_per_call"]
                    row.append(
                        f"{ours['cpu_us_per_call']:,.0f} / {raw['cpu_us_per_call']:,.0f}"
                        f" = {ratio:.2f}×"
                    )
                else:
                    row.append("–")
            lines.append(f"| {size} | " + " | ".join(row) + " |")
    lines.append("")
    lines.append("| target (ours) | measured | limit | |")
    lines.append("| --- | ---: | ---: | --- |")
    for check in report["targets"]:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[check["met"]]
        value = check["value"]
        shown = (
            "–"
            if value is None
            else (f"{value:.1f}" if "ms" in check["target"] else f"{value:.2f}")
        )
        lines.append(f"| {check['target']} | {shown} | {check['limit']} | {verdict} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Benchmark the Rooms clients side by side.")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (for CI)")
    parser.add_argument("--repeats", type=int, default=None, help="default 5 (quick: 1)")
    parser.add_argument(
        "--variants",
        default=",".join(ALL_VARIANTS),
        help="comma-separated subset of " + ", ".join(ALL_VARIANTS) + "; 'ours@/other/tree'"
        " measures the package of another work tree (for A/B runs)",
    )
    parser.add_argument(
        "--scenarios",
        default=None,
        help="comma-separated subset of: " + ", ".join(SCENARIOS) + " (default: all)",
    )
    parser.add_argument("--no-imports", action="store_true", help="skip the import timings")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the clients")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON report")
    parser.add_argument("--no-sweep", action="store_true", help="skip the page-size sweep")
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument(
        "--sweep-all", action="store_true", help="sweep every variant, not just raw and ours"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    repeats = args.repeats or (1 if quick else 5)
    runner = Runner(args.python, pin=not args.no_pin)
    started = time.perf_counter()

    wanted = [v.strip() for v in args.variants.split(",") if v.strip()]
    for variant in wanted:
        if variant.startswith("ours@"):
            REQUIRES[variant] = REQUIRES["ours"]
    unknown = sorted(set(wanted) - set(ALL_VARIANTS) - set(REQUIRES))
    if unknown:
        parser.error(f"unknown variant(s): {', '.join(unknown)}")
    variants = []
    for variant in wanted:
        if runner.importable(REQUIRES[variant]):
            variants.append(variant)
        else:
            _progress(f"skipping {variant}: {', '.join(REQUIRES[variant])} not importable")
    if "raw_aiohttp" not in variants:
        parser.error("raw_aiohttp is the baseline and must run")
    scenarios = list(SCENARIOS) if args.scenarios is None else args.scenarios.split(",")
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")

    import_names = ["aiohttp", "ours"]
    if any(v.startswith("official") for v in variants):
        import_names.append("official")
    report: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "repeats": repeats,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(runner),
        "variants": variants,
    }
    base = runner.start_server()
    try:
        report["results"], report["runs"] = run_scenarios(
            runner, base, variants, repeats, quick, scenarios
        )
        sweep_variants = (
            variants if args.sweep_all else [v for v in variants if v in ("raw_aiohttp", "ours")]
        )
        report["sweep"] = (
            []
            if args.no_sweep
            else run_sweep(runner, base, sweep_variants, 1 if quick else 3, quick)
        )
    finally:
        runner.stop_server()
    report["imports"] = (
        {} if args.no_imports else run_imports(runner, import_names, 3 if quick else 11)
    )
    report["ratios"] = ratios(report["results"])
    report["targets"] = targets(report["ratios"], report["imports"])
    report["duration_s"] = time.perf_counter() - started

    print(render(report))
    path = args.json or HERE / "results" / ("quick.json" if quick else "full.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _progress(f"\nwrote {path} ({report['duration_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
