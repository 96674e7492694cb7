"""Benchmark driver: every client variant side by side against one local server.

    python benchmarks/run.py            # full run (about 12 minutes), tables + JSON
    python benchmarks/run.py --quick    # a smoke run for CI (under a minute)

The server (``server.py``) runs in its own process and serves plain HTTP and, with a
throwaway certificate made at start, HTTPS. Measurements run in worker processes
(``worker.py``); with ``taskset`` and two or more cores, servers are pinned to one core and
every client process to another. Measurements repeat (order reversed on every other
repeat) and the tables show medians, with ratios to ``raw_aiohttp`` taken from the same run.

Groups (``--only`` / ``--skip``): ``main`` (the CPU-per-call scenarios over plain HTTP),
``tls`` (the same over HTTPS), ``sweep`` (page size × concurrency), ``latency`` (a server
that answers after 20 or 100 ms, callers from 16 to 1,024, default pools against
``pool_limit=C``), ``cold`` (client construction to first reply, fresh processes),
``webhooks`` (receiving signed webhooks on one core; their CPU without network) and
``imports``. Nothing here asserts a timing: the targets section reports "met" or "NOT met"
and the exit status only reflects crashes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Hashable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

import scenario_cold
import scenario_latency
import scenario_webhooks
from harness import (
    HERE,
    ROOT,
    Runner,
    Server,
    describe,
    fmt,
    machine,
    median_of,
    orders,
    progress,
    ratio,
    times,
)
from tlscerts import KEY_TYPES, cold_start_bundle, make_certificates

__all__ = ["ALL_VARIANTS", "HERE", "REQUIRES", "ROOT", "SCENARIOS", "Runner", "Scenario"]

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
GROUPS = ("main", "tls", "sweep", "latency", "cold", "webhooks", "imports")


class Scenario(NamedTuple):
    """One row group of the main table."""

    op: str
    concurrency: int
    page_size: int
    calls: int
    """Measured calls in a full run."""
    quick_calls: int
    tls: bool = False


SCENARIOS: dict[str, Scenario] = {
    "create C=1": Scenario("create", 1, 100, 2000, 300),
    "create C=64": Scenario("create", 64, 100, 4000, 640),
    "list-100 C=1": Scenario("list", 1, 100, 800, 120),
    "retrieve C=1": Scenario("retrieve", 1, 100, 2000, 300),
    "TLS create C=1": Scenario("create", 1, 100, 2000, 300, tls=True),
    "TLS create C=64": Scenario("create", 64, 100, 4000, 640, tls=True),
    "TLS list-100 C=1": Scenario("list", 1, 100, 800, 120, tls=True),
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
    # What the SDK imports on the first ``client.rooms``: every resource module.
    "official_resources": "telnyx.resources",
}
#: The list target: CPU per call against raw aiohttp + stdlib ``json.loads``.
LIST_TARGET = 1.5


class Job(NamedTuple):
    """One measurement in a worker process."""

    group: str
    key: Any
    repeat: int
    config: dict[str, Any]
    batch: Hashable
    """Jobs with the same batch share a worker process (each with a fresh client)."""


def execute(
    runner: Runner, jobs: Sequence[Job], quick: bool, phases: dict[str, float]
) -> list[tuple[Job, dict[str, Any]]]:
    """Run ``jobs`` in plan order; in a quick run, one process per variant and repeat.

    A quick run is a smoke test: an interpreter start per measurement (over a second for
    the official SDK) would take most of its minute. A full run starts one per job batch.
    Each batch's wall time is added to ``phases``, shared out by job count between the
    groups of a mixed (quick) batch.
    """
    batches: dict[Hashable, list[Job]] = {}
    for job in jobs:
        key = (job.repeat, job.config["variant"]) if quick else (job.group, job.repeat, job.batch)
        batches.setdefault(key, []).append(job)
    out = []
    for batch in batches.values():
        t = time.perf_counter()
        results = runner.measure_batch([j.config for j in batch])
        share = (time.perf_counter() - t) / len(batch)
        for job, result in zip(batch, results, strict=True):
            phases[job.group] = phases.get(job.group, 0.0) + share
            out.append((job, result))
            progress(_describe_job(job, result))
    return out


def _describe_job(job: Job, result: dict[str, Any]) -> str:
    c = job.config
    label = c["variant"]
    if job.group == "latency":
        where = f"{job.key.latency_ms:>3} ms C={c['concurrency']:<5}"
        label = job.key.label
    elif job.group == "sweep":
        where = f"sweep list-{c['page_size']:<3} C={c['concurrency']:<4}"
    else:
        where = f"{job.key[0]:<17}"
    return (
        f"{where} {label:<20} {result['cpu_us_per_call']:9.1f} µs/call"
        f" {result['calls_per_s']:10,.0f} calls/s"
    )


def plan_main(
    variants: Sequence[str],
    scenarios: Sequence[str],
    repeats: int,
    quick: bool,
    server: Server,
    ca: str | None,
) -> list[Job]:
    """The main table's jobs (plain and TLS scenarios; ``ca``: what HTTPS clients trust)."""
    jobs = []
    for repeat in range(repeats):
        for name in scenarios:
            s = SCENARIOS[name]
            for variant in orders(variants, repeat):
                calls = s.quick_calls if quick else s.calls
                calls = max(int(calls * CALL_SCALE.get(variant, 1.0)), 2 * s.concurrency, 50)
                config = {
                    "variant": variant,
                    "op": s.op,
                    "concurrency": s.concurrency,
                    "page_size": s.page_size,
                    "calls": calls,
                    "warmup": max(20, calls // 10),
                    "base_url": server.base(s.tls),
                    "ca": ca if s.tls else None,
                }
                jobs.append(Job("main", (name, variant), repeat, config, (name, variant)))
    return jobs


def plan_sweep(variants: Sequence[str], repeats: int, quick: bool, server: Server) -> list[Job]:
    """List calls over page sizes and concurrency levels."""
    sizes = QUICK_SWEEP_SIZES if quick else SWEEP_SIZES
    levels = QUICK_SWEEP_CONCURRENCY if quick else SWEEP_CONCURRENCY
    jobs = []
    for repeat in range(repeats):
        for size in sizes:
            for concurrency in levels:
                for variant in orders(variants, repeat):
                    calls = SWEEP_CALLS[size] // (5 if quick else 1)
                    calls = max(int(calls * CALL_SCALE.get(variant, 1.0)), 2 * concurrency)
                    config = {
                        "variant": variant,
                        "op": "list",
                        "concurrency": concurrency,
                        "page_size": size,
                        "calls": calls,
                        "warmup": max(10, calls // 10),
                        "base_url": server.base(False),
                    }
                    key = (size, concurrency, variant)
                    jobs.append(Job("sweep", key, repeat, config, key))
    return jobs


def plan_latency(
    variants: Sequence[str],
    repeats: int,
    quick: bool,
    server: Server,
    ca: str | None,
    latencies: Sequence[int] | None,
) -> list[Job]:
    """Latency cells: one process per variant and repeat in a full run.

    With ``ca`` they run over HTTPS, trusting it; without, over plain HTTP.
    """
    batches = scenario_latency.plan(variants, quick, latencies)
    chosen = sorted({b[0].latency_ms for b in batches})
    base_for = {ms: server.base(ca is not None, ms) for ms in chosen}
    jobs = []
    for repeat in range(repeats):
        for batch in scenario_latency.ordered(batches, repeat):
            configs = scenario_latency.configs(batch, base_for, server.pid, ca, quick)
            for cell, config in zip(batch, configs, strict=True):
                jobs.append(Job("latency", cell, repeat, config, cell.variant))
    return jobs


def run_cold(
    runner: Runner, server: Server, variants: Sequence[str], repeats: int, bundle: Path | None
) -> dict[str, Any]:
    """Fresh-process cold starts over HTTP and (with certificates) HTTPS."""
    env = scenario_cold.env_for(runner.env, str(bundle)) if bundle is not None else runner.env
    samples: dict[tuple[str, bool], list[dict[str, Any]]] = {}
    pairs = scenario_cold.plan(variants, server.https is not None and bundle is not None)
    for repeat in range(repeats):
        for variant, tls in orders(pairs, repeat):
            config = {
                "mode": "cold",
                "variant": variant,
                "op": "retrieve",
                "page_size": 100,
                "base_url": server.base(tls),
            }
            result = runner.measure_batch([config], env=env)[0]
            samples.setdefault((variant, tls), []).append(result)
            progress(
                f"cold {'https' if tls else 'http':<5} {variant:<17}"
                f" {result['cold_ms']:8.1f} ms to first reply"
                f" (imports {result['import_ms']:.0f} ms)"
            )
    return scenario_cold.summarise(samples)


def run_imports(runner: Runner, names: Sequence[str], repeats: int) -> dict[str, dict[str, Any]]:
    """Median import time of each module in fresh interpreters (interleaved)."""
    import statistics

    samples: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        for name in orders(names, repeat):
            samples[name].append(runner.import_seconds(IMPORT_MODULES[name]))
    out = {}
    for name, values in samples.items():
        out[name] = {
            "module": IMPORT_MODULES[name],
            "median_ms": statistics.median(values) * 1e3,
            "samples_ms": [v * 1e3 for v in values],
        }
        progress(f"import {IMPORT_MODULES[name]:<20} {out[name]['median_ms']:8.1f} ms")
    return out


def medians(done: Sequence[tuple[Job, dict[str, Any]]], group: str) -> dict[Any, dict[str, Any]]:
    """Median per job key of one group."""
    samples: dict[Any, list[dict[str, Any]]] = {}
    for job, result in done:
        if job.group == group:
            samples.setdefault(job.key, []).append(result)
    return {key: median_of(values, METRICS) for key, values in samples.items()}


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
                value = ratio(cell.get(metric), raw.get(metric))
                if value is not None:
                    entry[key] = value
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
    add("list-100: CPU/call vs raw + json.loads", ours("list-100 C=1", "cpu"), LIST_TARGET)
    if "ours" in imports and "aiohttp" in imports:
        extra = imports["ours"]["median_ms"] - imports["aiohttp"]["median_ms"]
        add("import: ms above import aiohttp", extra, 60.0)
    rss = [ours(s, "peak_rss") for s in rel]
    rss_known = [r for r in rss if r is not None]
    add("peak RSS vs raw (worst scenario)", max(rss_known) if rss_known else None, 1.3)
    add("create C=64: calls/s vs raw", ours("create C=64", "calls_per_s"), 0.9, False)
    return checks


def render(report: dict[str, Any]) -> str:
    """The report as Markdown tables (also what README.md shows)."""
    lines = [
        f"{report['mode']} run, {report['repeats']} repeat(s), medians;"
        f" {describe(report['machine'])}"
    ]
    for note in report.get("notes", []):
        lines.append(f"Note: {note}")
    if report["results"]:
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
                    f"| {name} | {variant} | {fmt(cell['cpu_us_per_call'])}"
                    f" | {times(rel.get('cpu'))}"
                    f" | {fmt(cell['calls_per_s'])} | {times(rel.get('calls_per_s'))}"
                    f" | {fmt(cell['p50_ms'], 2)} | {fmt(cell['p99_ms'], 2)}"
                    f" | {fmt(rss, 1)} | {times(rel.get('peak_rss'))} |"
                )
    if report.get("latency"):
        lines.extend(
            scenario_latency.render(report["latency"]["rows"], report["latency"]["scheme"])
        )
    if report.get("cold"):
        lines.extend(scenario_cold.render(report["cold"], report["cold"].get("bundle_bytes")))
    if report.get("imports"):
        lines.append("")
        lines.append("| import (fresh interpreter, median) | ms | above `import aiohttp` |")
        lines.append("| --- | ---: | ---: |")
        base = report["imports"].get("aiohttp", {}).get("median_ms")
        for entry in report["imports"].values():
            above = None if base is None else entry["median_ms"] - base
            lines.append(
                f"| `import {entry['module']}` | {fmt(entry['median_ms'], 1)}"
                f" | {'–' if above is None else f'{above:+.1f} ms'} |"
            )
    if report.get("webhooks"):
        lines.extend(scenario_webhooks.render(report["webhooks"]))
    if report.get("sweep"):
        lines.extend(_render_sweep(report["sweep"]))
    if report["targets"]:
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


def _render_sweep(sweep: Sequence[dict[str, Any]]) -> list[str]:
    lines = ["", "Sweep: `list` CPU µs per call (ours / raw_aiohttp = ratio)", ""]
    levels = sorted({p["concurrency"] for p in sweep})
    sizes = sorted({p["page_size"] for p in sweep})
    cells = {(p["page_size"], p["concurrency"], p["variant"]): p for p in sweep}
    lines.append("| page size | " + " | ".join(f"C={c}" for c in levels) + " |")
    lines.append("| ---: | " + " | ".join("---:" for _ in levels) + " |")
    for size in sizes:
        row = []
        for c in levels:
            ours = cells.get((size, c, "ours"))
            raw = cells.get((size, c, "raw_aiohttp"))
            if ours and raw:
                value = ours["cpu_us_per_call"] / raw["cpu_us_per_call"]
                row.append(
                    f"{ours['cpu_us_per_call']:,.0f} / {raw['cpu_us_per_call']:,.0f} = {value:.2f}×"
                )
            else:
                row.append("–")
        lines.append(f"| {size} | " + " | ".join(row) + " |")
    return lines


def _groups(parser: argparse.ArgumentParser, args: argparse.Namespace) -> set[str]:
    chosen = set(GROUPS)
    if args.only:
        chosen = {g.strip() for g in args.only.split(",") if g.strip()}
    if args.skip:
        chosen -= {g.strip() for g in args.skip.split(",") if g.strip()}
    unknown = sorted(chosen - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}; known: {', '.join(GROUPS)}")
    if args.no_sweep:
        chosen.discard("sweep")
    if args.no_imports:
        chosen.discard("imports")
    if args.no_tls:
        chosen.discard("tls")
    return chosen


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
        help="comma-separated subset of the main and TLS scenarios: " + ", ".join(SCENARIOS),
    )
    parser.add_argument("--only", default=None, help="groups to run: " + ", ".join(GROUPS))
    parser.add_argument("--skip", default=None, help="groups to leave out")
    parser.add_argument(
        "--latencies", default=None, help="server delays in ms for the latency group (20,100)"
    )
    parser.add_argument(
        "--latency-tls", action="store_true", help="run the latency group over HTTPS"
    )
    parser.add_argument("--tls-key", choices=KEY_TYPES, default="ecdsa", help="server key type")
    parser.add_argument("--no-imports", action="store_true", help="skip the import timings")
    parser.add_argument("--no-sweep", action="store_true", help="skip the page-size sweep")
    parser.add_argument("--no-tls", action="store_true", help="skip the TLS scenarios")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the clients")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON report")
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument(
        "--sweep-all", action="store_true", help="sweep every variant, not just raw and ours"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    repeats = args.repeats or (1 if quick else 5)
    groups = _groups(parser, args)
    runner = Runner(args.python, pin=not args.no_pin)
    started = time.perf_counter()
    phases: dict[str, float] = {}
    notes: list[str] = []

    wanted = [v.strip() for v in args.variants.split(",") if v.strip()]
    for variant in wanted:
        if variant.startswith("ours@"):
            REQUIRES[variant] = REQUIRES["ours"]
            runner.precompile(Path(variant.partition("@")[2]))
    unknown = sorted(set(wanted) - set(ALL_VARIANTS) - set(REQUIRES))
    if unknown:
        parser.error(f"unknown variant(s): {', '.join(unknown)}")
    available = runner.importable_sets({v: REQUIRES[v] for v in wanted})
    variants = [v for v in wanted if v in available]
    for variant in wanted:
        if variant not in available:
            notes.append(f"{variant} skipped: {', '.join(REQUIRES[variant])} not importable")
            progress(f"skipping {variant}: {', '.join(REQUIRES[variant])} not importable")
    if "raw_aiohttp" not in variants:
        parser.error("raw_aiohttp is the baseline and must run")
    if args.scenarios is None:
        scenarios = [n for n in SCENARIOS if not SCENARIOS[n].tls or "tls" in groups]
        if "main" not in groups:
            scenarios = [n for n in scenarios if SCENARIOS[n].tls]
    else:
        scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    latencies = [int(x) for x in args.latencies.split(",")] if args.latencies else None

    workdir = Path(tempfile.mkdtemp(prefix="rooms-bench-"))
    needs_tls = any(SCENARIOS[s].tls for s in scenarios) or "cold" in groups or args.latency_tls
    certificates = make_certificates(workdir, args.tls_key) if needs_tls else None
    bundle = None
    extra: dict[str, Any] = {}
    ca = None if certificates is None else str(certificates.ca)
    if certificates is not None:
        bundle, bundle_bytes = cold_start_bundle(workdir, certificates.ca)
        extra["tls"] = {"key_type": certificates.key_type, "maker": certificates.maker}
        extra["ca_bundle_bytes"] = bundle_bytes
    report: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "repeats": repeats,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(runner, extra),
        "variants": variants,
        "groups": sorted(groups),
        "results": {},
        "runs": [],
        "sweep": [],
        "latency": None,
        "cold": None,
        "webhooks": None,
        "imports": {},
    }
    if quick:
        notes.append(
            "quick run: the measurements of a variant share one process (a fresh client"
            " each), so peak RSS is that process's and not the scenario's"
        )
    try:
        server = runner.start_server(certificates)
        try:
            t = time.perf_counter()
            jobs = plan_main(variants, scenarios, repeats, quick, server, ca)
            sweep_variants = (
                variants
                if args.sweep_all
                else [v for v in variants if v in ("raw_aiohttp", "ours")]
            )
            if "sweep" in groups:
                jobs += plan_sweep(sweep_variants, 1 if quick else repeats, quick, server)
            latency_scheme = "HTTPS" if args.latency_tls else "plain HTTP"
            if "latency" in groups:
                jobs += plan_latency(
                    variants, repeats, quick, server, ca if args.latency_tls else None, latencies
                )
            done = execute(runner, jobs, quick, phases)
            table: dict[str, dict[str, dict[str, Any]]] = {}
            for (name, variant), cell in medians(done, "main").items():
                table.setdefault(name, {})[variant] = cell
            report["results"] = {n: table[n] for n in scenarios if n in table}
            report["runs"] = [
                {"group": job.group, "repeat": job.repeat, **result} for job, result in done
            ]
            report["sweep"] = [
                {"op": "list", "page_size": s, "concurrency": c, "variant": v, **cell}
                for (s, c, v), cell in medians(done, "sweep").items()
            ]
            latency_samples: dict[scenario_latency.Cell, list[dict[str, Any]]] = {}
            for job, result in done:
                if job.group == "latency":
                    latency_samples.setdefault(job.key, []).append(result)
            if latency_samples:
                report["latency"] = {
                    "scheme": latency_scheme,
                    "op": "create",
                    "rows": scenario_latency.summarise(latency_samples),
                }
            if "cold" in groups:
                t = time.perf_counter()
                cold_all = scenario_cold.QUICK_VARIANTS if quick else scenario_cold.VARIANTS
                cold_variants = [v for v in cold_all if v in variants]
                cold_variants += [v for v in variants if v.startswith("ours@")]
                cold_repeats = args.repeats or (
                    scenario_cold.QUICK_REPEATS if quick else scenario_cold.REPEATS
                )
                report["cold"] = run_cold(runner, server, cold_variants, cold_repeats, bundle)
                report["cold"]["bundle_bytes"] = extra.get("ca_bundle_bytes")
                phases["cold"] = time.perf_counter() - t
        finally:
            runner.stop_server()
        if "webhooks" in groups:
            reason = scenario_webhooks.skipped_reason(runner)
            if reason is None:
                t = time.perf_counter()
                report["webhooks"] = scenario_webhooks.run(runner, repeats, quick)
                phases["webhooks"] = time.perf_counter() - t
            else:
                notes.append(f"webhooks skipped: {reason}")
        if "imports" in groups:
            t = time.perf_counter()
            import_names = ["aiohttp", "ours"]
            if any(v.startswith("official") for v in variants):
                import_names.append("official")
                if not quick:
                    import_names.append("official_resources")
            report["imports"] = run_imports(runner, import_names, 1 if quick else 11)
            phases["imports"] = time.perf_counter() - t
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report["notes"] = notes
    report["ratios"] = ratios(report["results"])
    report["targets"] = targets(report["ratios"], report["imports"]) if report["results"] else []
    report["duration_s"] = time.perf_counter() - started
    report["phases_s"] = {k: v for k, v in phases.items() if v}

    print(render(report))
    path = args.json or HERE / "results" / ("quick.json" if quick else "full.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=_jsonable) + "\n", encoding="utf-8")
    phase_text = ", ".join(f"{k} {v:.0f} s" for k, v in report["phases_s"].items())
    progress(f"\nwrote {path} ({report['duration_s']:.0f} s: {phase_text})")
    return 0


def _jsonable(value: object) -> Any:
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


if __name__ == "__main__":
    sys.exit(main())
