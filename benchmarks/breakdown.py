"""Where the CPU of one ``rooms.list`` of 100 rooms goes, stage by stage.

    python benchmarks/breakdown.py                  # instruction counts (valgrind), ~5 minutes
    python benchmarks/breakdown.py --method time    # CPU time instead: no valgrind, noisier
    python benchmarks/breakdown.py --cprofile       # add cProfile's view of the same call
    python benchmarks/breakdown.py --tree /other/work/tree   # another tree's package (A/B)

Stages, each measured on its own and subtracted, never guessed:

* **HTTP round trip, as raw aiohttp pays it**: ``raw_aiohttp`` list-100 returning the body
  bytes, no ``json.loads`` (worker op ``list``, ``decode: false``);
* **pipeline overhead**: the package's request pipeline sending the same request and
  returning bytes (worker op ``list_bytes``) minus that round trip: deadline, retries
  set-up, headers, size limit, status check;
* **JSON decode**: the package's decoder on the same 100-room body (no network);
* **structuring into frozen models**: ``structure_page`` minus the decoder, split by
  ablation of the same page: the **datetimes** (400: ``created_at`` and ``updated_at`` of
  each room and of its session) are what nulling them saves, the **nested sessions**
  (100, without their datetimes) what emptying ``sessions`` then saves, and the rest is
  **plain fields, room objects and the page meta**;
* **paginator and params**: a whole ``rooms.list`` minus the pipeline and
  ``structure_page``: ``RoomListParams``, the query, ``AsyncPaginator``, ``Page``; the
  residual, so it also holds what differs between structuring in the call and alone.

The baseline of the target is ``raw_aiohttp`` list-100 with ``json.loads``, the
``list-100 C=1`` cell of ``run.py``. Network stages run ``worker.py`` (C=1) against
``server.py``; the others run here in a child process. With valgrind, each quantity is the
difference of two runs (few and many repetitions) divided by the extra repetitions, which
cancels start-up and imports; counts repeat to about 1 %. Instructions are not time (C code
in json and aiohttp retires more per cycle than the interpreter), so ``--method time``
gives the same table in CPU µs, from medians of fresh processes.

This reads private names of the package (``_converter.loads``, ``_converter.
structure_page``, the pipeline behind ``list_bytes``) because stages are private; if one
is renamed, its row says so instead of failing the whole table.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 100
#: (few, many) repetitions per quantity for instruction counts.
OFFLINE_REPS = (20, 220)
NETWORK_CALLS = (50, 300)
#: Offline quantities: name -> (what, page shape).
OFFLINE = {
    "json_full": ("json.loads", "full"),
    "decode_full": ("decode", "full"),
    "page_full": ("structure_page", "full"),
    "decode_nodt": ("decode", "no_datetimes"),
    "page_nodt": ("structure_page", "no_datetimes"),
    "decode_min": ("decode", "no_datetimes_no_sessions"),
    "page_min": ("structure_page", "no_datetimes_no_sessions"),
}
#: Network quantities: name -> worker config (C=1, 100 rooms).
NETWORK: dict[str, dict[str, Any]] = {
    "raw_bytes": {"variant": "raw_aiohttp", "op": "list", "decode": False},
    "raw": {"variant": "raw_aiohttp", "op": "list"},
    "pipeline": {"variant": "ours", "op": "list_bytes"},
    "ours": {"variant": "ours", "op": "list"},
}
DATETIME_FIELDS = ("created_at", "updated_at", "ended_at")
TARGET = 1.5


# -- the pages -----------------------------------------------------------------------------------


def pages() -> dict[str, bytes]:
    """The 100-room list reply of ``server.py``, and its two ablations."""
    from server import load_room, page_body

    full = page_body(load_room(), PAGE_SIZE)
    doc = json.loads(full)

    def without_datetimes(d: dict[str, Any]) -> dict[str, Any]:
        d = copy.deepcopy(d)
        for room in d["data"]:
            for key in DATETIME_FIELDS:
                if key in room:
                    room[key] = None
            for session in room.get("sessions") or ():
                for key in DATETIME_FIELDS:
                    if key in session:
                        session[key] = None
        return d

    no_dt = without_datetimes(doc)
    no_sessions = copy.deepcopy(no_dt)
    for room in no_sessions["data"]:
        room["sessions"] = []
    dump = json.dumps
    return {
        "full": full,
        "no_datetimes": dump(no_dt, separators=(",", ":")).encode(),
        "no_datetimes_no_sessions": dump(no_sessions, separators=(",", ":")).encode(),
    }


def offline_ops() -> tuple[dict[str, Callable[[], object]], list[str]]:
    """A zero-argument callable per offline quantity, and notes on what is missing."""
    sys.modules["orjson"] = None  # type: ignore[assignment]  # the default install
    from telnyx_rooms_async import _converter
    from telnyx_rooms_async.models import Room

    notes = []
    bodies = pages()
    decode = getattr(_converter, "loads", None)
    if decode is None:
        notes.append("_converter.loads is gone: JSON decode is json.loads here")
        decode = json.loads
    structure_page = _converter.structure_page

    def op(what: str, body: bytes) -> Callable[[], object]:
        if what == "json.loads":
            return lambda: json.loads(body)
        if what == "decode":
            return lambda: decode(body)
        return lambda: structure_page(body, Room)

    ops = {name: op(what, bodies[shape]) for name, (what, shape) in OFFLINE.items()}
    # Every way must agree on the page: the ablations only null or drop what they say.
    items, _ = structure_page(bodies["full"], Room)
    assert len(items) == PAGE_SIZE
    assert items[0].created_at is not None
    assert items[0].sessions
    items, _ = structure_page(bodies["no_datetimes_no_sessions"], Room)
    assert items[0].created_at is None
    assert items[0].sessions == ()
    return ops, notes


def offline_worker(counts: Mapping[str, int]) -> None:
    """Run each offline quantity ``counts[name]`` times (the child process of this script)."""
    ops, _ = offline_ops()
    for op in ops.values():
        op()  # warm: first-use caches are not part of any repetition
    for name, n in counts.items():
        op = ops[name]
        for _ in range(n):
            op()


# -- measuring -----------------------------------------------------------------------------------


class Measure:
    """Instruction counts (valgrind) or CPU µs (process time) per stage quantity."""

    def __init__(self, runner: Any, method: str, tree: str | None) -> None:
        self.runner = runner
        self.method = method
        self.tree = tree
        self.valgrind = ""
        if method == "instructions":
            found = shutil.which("valgrind")
            if found is None:
                raise SystemExit(
                    "valgrind is not installed (apt-get install -y valgrind), or use --method time"
                )
            self.valgrind = found
        # Same hash seed in every run: set and dict layouts, and so counts, repeat.
        self.runner.env["PYTHONHASHSEED"] = "0"
        if tree is not None:
            self.runner.env["PYTHONPATH"] = os.pathsep.join(
                [tree, self.runner.env.get("PYTHONPATH", "")]
            )

    def offline(self) -> dict[str, float]:
        """Every offline quantity, per repetition."""
        if self.method == "instructions":
            return self._offline_instructions()
        return self._offline_time()

    def _offline_instructions(self) -> dict[str, float]:
        from instructions import count_script

        few, many = OFFLINE_REPS
        base_counts = dict.fromkeys(OFFLINE, few)
        base = count_script(
            self.runner,
            self.valgrind,
            ["breakdown.py", "--offline-worker", json.dumps(base_counts)],
        )
        out = {}
        for name in OFFLINE:
            counts = {**base_counts, name: many}
            total = count_script(
                self.runner, self.valgrind, ["breakdown.py", "--offline-worker", json.dumps(counts)]
            )
            out[name] = (total - base) / (many - few)
            _say(f"offline {name:<12} {out[name] * UNITS['instructions'][1]:10.1f} k instructions")
        return out

    def _offline_time(self) -> dict[str, float]:
        code = (
            "import json, sys; sys.path.insert(0, sys.argv[1]);"
            " import breakdown; print(json.dumps(breakdown.batch_times()))"
        )
        samples: dict[str, list[float]] = {}
        for _ in range(3):
            argv = self.runner.pinned(
                self.runner.client_core, [self.runner.python, "-c", code, str(HERE)]
            )
            import subprocess

            done = subprocess.run(
                argv, env=self.runner.env, capture_output=True, text=True, timeout=600
            )
            if done.returncode != 0:
                sys.stderr.write(done.stderr[-3000:])
                raise SystemExit("offline timing failed")
            for name, us in json.loads(done.stdout.strip().splitlines()[-1]).items():
                samples.setdefault(name, []).append(us)
        out = {name: statistics.median(values) for name, values in samples.items()}
        for name, value in out.items():
            _say(f"offline {name:<12} {value:10.1f} µs")
        return out

    def network(self, base_url: str) -> dict[str, float | None]:
        """Every network quantity, per call (None when the op is not available)."""
        out: dict[str, float | None] = {}
        for name, extra in NETWORK.items():
            variant = extra["variant"]
            if self.tree is not None and variant == "ours":
                variant = f"ours@{self.tree}"
            config = {
                **extra,
                "variant": variant,
                "concurrency": 1,
                "page_size": PAGE_SIZE,
                "warmup": 30,
                "base_url": base_url,
            }
            try:
                value = self._network_one(config)
            except SystemExit as exc:
                _say(f"network {name}: not measured ({exc})")
                out[name] = None
                continue
            out[name] = value
            unit, scale = UNITS[self.method]
            _say(f"network {name:<12} {value * scale:10.1f} {unit}")
        return out

    def _network_one(self, config: dict[str, Any]) -> float:
        if self.method == "instructions":
            from instructions import count

            few, many = NETWORK_CALLS
            totals = [
                count(self.runner, self.valgrind, {**config, "calls": n}) for n in (few, many)
            ]
            return (totals[1] - totals[0]) / (many - few)
        values = [
            self.runner.measure({**config, "calls": 800})["cpu_us_per_call"] for _ in range(5)
        ]
        return float(statistics.median(values))


def batch_times(batches: int = 15, per_batch: int = 20) -> dict[str, float]:
    """Median CPU µs per repetition of each offline quantity (run in a child process).

    The median, not the best batch: the network quantities it is subtracted from and
    added to are medians too.
    """
    ops, _ = offline_ops()
    out = {}
    for name, op in ops.items():
        op()
        samples = []
        for _ in range(batches):
            start = time.process_time()
            for _ in range(per_batch):
                op()
            samples.append((time.process_time() - start) / per_batch)
        out[name] = statistics.median(samples) * 1e6
    return out


# -- the table -----------------------------------------------------------------------------------


def stages(offline: Mapping[str, float], network: Mapping[str, float | None]) -> dict[str, Any]:
    """The breakdown: (stage, value) rows, the total and the baseline."""

    def net(name: str) -> float | None:
        return network.get(name)

    structure_full = offline["page_full"] - offline["decode_full"]
    structure_nodt = offline["page_nodt"] - offline["decode_nodt"]
    structure_min = offline["page_min"] - offline["decode_min"]
    raw_bytes, raw, pipeline, ours = net("raw_bytes"), net("raw"), net("pipeline"), net("ours")
    rows: list[tuple[str, float | None]] = [
        ("HTTP round trip, as raw aiohttp pays it (no decode)", raw_bytes),
        (
            "pipeline overhead beyond raw aiohttp",
            None if pipeline is None or raw_bytes is None else pipeline - raw_bytes,
        ),
        ("JSON decode (the package's decoder, stdlib json)", offline["decode_full"]),
        ("structuring: 400 datetimes", structure_full - structure_nodt),
        (
            "structuring: 100 nested sessions (without their datetimes)",
            structure_nodt - structure_min,
        ),
        ("structuring: plain fields, 100 room objects, page meta", structure_min),
        (
            "paginator and params (residual)",
            None if ours is None or pipeline is None else ours - pipeline - offline["page_full"],
        ),
    ]
    return {
        "rows": rows,
        "structuring": structure_full,
        "total": ours,
        "baseline": raw,
        "json_loads": offline["json_full"],
        "raw_decode_in_call": None if raw is None or raw_bytes is None else raw - raw_bytes,
    }


UNITS = {"instructions": ("k instructions", 1e-3), "time": ("µs CPU", 1.0)}


def render(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Markdown: each stage's cost and share under every method measured, and the budget."""
    methods = list(results)
    head = " | ".join(f"{UNITS[m][0]} | share" for m in methods)
    lines = [
        f"`rooms.list` of {PAGE_SIZE} rooms, C=1, stdlib json: where the CPU of one call goes",
        "",
        f"| stage | {head} |",
        "| --- |" + " ---: | ---: |" * len(methods),
    ]
    first = results[methods[0]]
    for i, (label, _) in enumerate(first["rows"]):
        cells = []
        for m in methods:
            value = results[m]["rows"][i][1]
            total = results[m]["total"]
            scale = UNITS[m][1]
            cells.append("–" if value is None else f"{value * scale:,.1f}")
            cells.append("–" if value is None or not total else f"{100 * value / total:.1f} %")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    totals = []
    for m in methods:
        total = results[m]["total"]
        totals.append("–" if total is None else f"**{total * UNITS[m][1]:,.1f}**")
        totals.append("100 %")
    lines.append("| **whole `rooms.list` call** | " + " | ".join(totals) + " |")
    lines.append("")
    for m in methods:
        unit, scale = UNITS[m]
        result = results[m]
        base, total = result["baseline"], result["total"]
        if base and total:
            budget = TARGET * base
            verdict = (
                f"{(total - budget) * scale:,.1f} over"
                if total > budget
                else f"{(budget - total) * scale:,.1f} to spare"
            )
            lines.append(
                f"- {unit}: raw aiohttp + `json.loads` (run.py's list-100 floor) is"
                f" {base * scale:,.1f}; ours is {total / base:.2f}× of it; the {TARGET}× target"
                f" allows {budget * scale:,.1f}: {verdict}. `json.loads` of the body alone:"
                f" {result['json_loads'] * scale:,.1f}; raw aiohttp's decode inside its call:"
                f" {_maybe(result['raw_decode_in_call'], scale)}; structuring in all:"
                f" {result['structuring'] * scale:,.1f}."
            )
    return lines


def _maybe(value: float | None, scale: float) -> str:
    return "–" if value is None else f"{value * scale:,.1f}"


def cprofile_view(runner: Any, base_url: str, tree: str | None) -> list[str]:
    """cProfile's shares of the same call (inflated per Python call; proportions only)."""
    out = Path(tempfile.mkdtemp(prefix="rooms-breakdown-")) / "list.prof"
    variant = "ours" if tree is None else f"ours@{tree}"
    runner.measure(
        {
            "variant": variant,
            "op": "list",
            "concurrency": 1,
            "page_size": PAGE_SIZE,
            "calls": 400,
            "warmup": 30,
            "base_url": base_url,
            "profile": str(out),
        }
    )
    stats = pstats.Stats(str(out))
    entries: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]

    def pick(match: Callable[[str, str], bool], cumulative: bool = True) -> float:
        total = 0.0
        for (path, _, func), (_, _, tottime, cumtime, _) in entries.items():
            if match(path, func):
                total += cumtime if cumulative else tottime
        return total

    whole = pick(lambda p, f: p.endswith("_pagination.py") and f == "fetch")
    views = [
        (
            "request pipeline (`Pipeline.send`)",
            pick(lambda p, f: p.endswith("_http.py") and f == "send"),
        ),
        ("`structure_page` (decode + structuring)", pick(lambda p, f: f == "structure_page")),
        (
            "  JSON decode (`_converter.loads`)",
            pick(lambda p, f: p.endswith("_converter.py") and f == "loads"),
        ),
        ("  generated `structure_Room` (itself)", pick(lambda p, f: f == "structure_Room", False)),
        (
            "  generated `structure_RoomSession` (all)",
            pick(lambda p, f: f == "structure_RoomSession"),
        ),
        ("  `datetime.fromisoformat` (C)", pick(lambda p, f: "fromisoformat" in f, False)),
    ]
    lines = [
        "",
        "cProfile's view of one `rooms.list` (400 calls; the profiler inflates every Python"
        " call, so read the proportions):",
        "",
        "| part | share of `AsyncPaginator.fetch` |",
        "| --- | ---: |",
    ]
    for label, seconds in views:
        lines.append(f"| {label} | {'–' if not whole else f'{100 * seconds / whole:.1f} %'} |")
    return lines


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Where one rooms.list of 100 rooms spends CPU.")
    parser.add_argument(
        "--method",
        choices=("both", "instructions", "time"),
        default=None,
        help="default: both when valgrind is installed, else time",
    )
    parser.add_argument("--cprofile", action="store_true", help="add cProfile's shares")
    parser.add_argument("--tree", default=None, help="measure the package of this work tree")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    parser.add_argument(
        "--from-json", type=Path, default=None, help="print the table of a saved --json file"
    )
    parser.add_argument("--offline-worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.offline_worker is not None:
        offline_worker(json.loads(args.offline_worker))
        return 0
    if args.from_json is not None:
        saved = json.loads(args.from_json.read_text())
        print("\n".join(render({m: stages(v["offline"], v["network"]) for m, v in saved.items()})))
        return 0

    from harness import Runner

    method = args.method or ("both" if shutil.which("valgrind") else "time")
    methods = ["instructions", "time"] if method == "both" else [method]
    runner = Runner(args.python, pin=True)
    started = time.perf_counter()
    server = runner.start_server()
    raw: dict[str, Any] = {}
    try:
        for m in methods:
            measure = Measure(runner, m, args.tree)
            raw[m] = {"network": measure.network(server.http), "offline": measure.offline()}
        extra = cprofile_view(runner, server.http, args.tree) if args.cprofile else []
    finally:
        runner.stop_server()
    _, notes = offline_ops()
    results = {m: stages(raw[m]["offline"], raw[m]["network"]) for m in methods}
    print("\n".join(render(results) + extra))
    for note in notes:
        print(f"\nNote: {note}")
    if args.json is not None:
        args.json.write_text(json.dumps(raw, indent=2) + "\n")
    _say(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main())
