"""Download throughput: ``room_recordings.download`` beside raw aiohttp, on the same URL.

    python benchmarks/bench_download.py                  # a 200 MB recording, 5 repeats
    python benchmarks/bench_download.py --quick          # a smoke run: 20 MB, 1 repeat
    python benchmarks/bench_download.py --json out.json  # also write the numbers

The emulator (``python -m telnyx_rooms_async.testing``, the fake's full implementation)
runs as a subprocess and serves one completed recording from its storage origin (the
pre-signed ``download_url`` on its second loopback port: ``size_mb`` x 1,000,000
deterministic bytes). With ``taskset`` and two or more cores the emulator is pinned to the
last core and every client process to the first, as in ``bench_emulator.py``. Each
measurement is a fresh client process that downloads a 1 MB recording first (untimed: it
warms imports and the keep-alive connection), then the big one to a file in a temporary
directory (deleted afterwards), timed, for:

* ``raw_aiohttp``: one ``aiohttp.ClientSession``, ``session.get(url)``,
  ``raise_for_status()``, ``iter_chunked(65536)`` into ``f.write`` (no fsync); the URL
  comes from a GET of the recording made before the timing starts;
* ``ours``: ``RoomsClient(...).room_recordings.download(recording, path)`` with the model
  already retrieved (untimed), so only the storage transfer is counted; note that it
  writes under a temporary name, fsyncs and renames, which the raw loop does not;
* ``ours (by id)``: ``download(recording_id, path)``, which retrieves the recording first.

The table gives MB/s (wall clock of the download, file open to close), client CPU seconds
per 100 MB (``time.process_time`` of the client process, all its threads), the emulator's
CPU per 100 MB over the same window (from ``/proc``, 10 ms resolution), and ratios to
``raw_aiohttp``: medians over the repeats, the order of the variants alternating. Every file
is checked (its size, and its first 64 KiB against the fake's bytes); a mismatch fails the
run. Nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from harness import (
    Runner,
    describe,
    fmt,
    machine,
    median_of,
    orders,
    progress,
    ratio,
    stop,
    times,
)
from procutil import cpu_seconds_of

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
API_KEY = "KEY-fake-rooms-api"
VARIANTS = ("raw_aiohttp", "ours", "ours (by id)")
METRICS = ("mb_per_s", "cpu_s_per_100mb", "server_cpu_s_per_100mb")
RAW_CHUNK = 65536
WARM_MB = 1
HEAD = 65536


# -- the emulator and its recordings --------------------------------------------------------


async def make_recordings(base_url: str, sizes_mb: Sequence[float]) -> list[dict[str, Any]]:
    """Completed recordings of ``sizes_mb``, made through the emulator's admin API."""
    import aiohttp

    admin = base_url.removesuffix("/v2") + "/_emulator"
    headers = {"Authorization": f"Bearer {API_KEY}"}

    async with aiohttp.ClientSession(headers=headers) as session:

        async def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
            async with session.post(url, json=body) as reply:
                reply.raise_for_status()
                data: dict[str, Any] = (await reply.json())["data"]
                return data

        room = await post(f"{base_url}/rooms", {"unique_name": "bench download"})
        live = await post(f"{admin}/rooms/{room['id']}/sessions", {})
        alice = await post(f"{admin}/room_sessions/{live['id']}/participants", {"context": "A"})
        started = [
            await post(
                f"{admin}/room_sessions/{live['id']}/recordings",
                {"participant_id": alice["id"], "type": "video"},
            )
            for _ in sizes_mb
        ]
        await post(f"{admin}/room_sessions/{live['id']}/end", {})
        return [
            await post(f"{admin}/room_recordings/{r['id']}/complete", {"size_mb": size})
            for r, size in zip(started, sizes_mb, strict=True)
        ]


# -- the client process ---------------------------------------------------------------------


def _create(path: str) -> IO[bytes]:
    """The raw variant's file, opened outside the coroutine's own code (a plain open)."""
    return open(path, "wb")


async def _raw_url(session: Any, base_url: str, recording_id: str) -> str:
    """A fresh ``download_url``, from a plain GET of the recording (never timed)."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with session.get(f"{base_url}/room_recordings/{recording_id}", headers=headers) as r:
        r.raise_for_status()
        url: str = (await r.json())["data"]["download_url"]
        return url


async def _raw_download(session: Any, url: str, path: str) -> int:
    written = 0
    with _create(path) as f:
        async with session.get(url) as r:
            r.raise_for_status()
            async for chunk in r.content.iter_chunked(RAW_CHUNK):
                f.write(chunk)
                written += len(chunk)
    return written


async def _measure(config: dict[str, Any]) -> dict[str, Any]:
    """One timed download (after an untimed warm-up one), in this process."""
    variant, base_url = config["variant"], config["base_url"]
    big, warm = config["recording_id"], config["warm_id"]
    path, warm_path = config["path"], config["path"] + ".warm"
    server = config["server_pid"]
    if variant == "raw_aiohttp":
        import aiohttp

        async with aiohttp.ClientSession() as session:
            await _raw_download(session, await _raw_url(session, base_url, warm), warm_path)
            url = await _raw_url(session, base_url, big)
            t0, c0, s0 = time.perf_counter(), time.process_time(), cpu_seconds_of(server)
            written = await _raw_download(session, url, path)
            t1, c1, s1 = time.perf_counter(), time.process_time(), cpu_seconds_of(server)
    else:
        from telnyx_rooms_async import RoomsClient

        by_id = variant == "ours (by id)"
        async with RoomsClient(API_KEY, base_url=base_url) as client:
            recordings = client.room_recordings
            if by_id:
                await recordings.download(warm, warm_path)
                item: Any = big
            else:
                await recordings.download(await recordings.retrieve(warm), warm_path)
                item = await recordings.retrieve(big)
            t0, c0, s0 = time.perf_counter(), time.process_time(), cpu_seconds_of(server)
            written = await recordings.download(item, path)
            t1, c1, s1 = time.perf_counter(), time.process_time(), cpu_seconds_of(server)
    return {
        "bytes": written,
        "wall_s": t1 - t0,
        "cpu_s": c1 - c0,
        "server_cpu_s": None if s0 is None or s1 is None else s1 - s0,
    }


def _check(path: str, recording_id: str, expected: int, reported: int) -> None:
    """Fail loudly unless the file is the recording: its size and its first bytes."""
    from telnyx_rooms_async.testing import media_bytes

    size = os.path.getsize(path)
    if size != expected or reported != expected:
        raise SystemExit(f"{path}: {size} bytes on disk, {reported} reported, {expected} expected")
    with open(path, "rb") as f:
        head = f.read(HEAD)
    if head != media_bytes(recording_id, min(HEAD, expected)):
        raise SystemExit(f"{path}: the bytes are not the recording's")


def client_main(config: dict[str, Any]) -> int:
    """The client process: measure, check the file, delete it, print one JSON line."""
    try:
        result = asyncio.run(_measure(config))
        _check(config["path"], config["recording_id"], config["bytes"], result["bytes"])
        warm = config["warm_bytes"]
        _check(config["path"] + ".warm", config["warm_id"], warm, warm)
    finally:
        for name in (config["path"], config["path"] + ".warm"):
            if os.path.exists(name):
                os.unlink(name)
    print(json.dumps(result))
    return 0


def measure(runner: Runner, config: dict[str, Any]) -> dict[str, Any]:
    """One client process on the client core; its result, with the derived metrics."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--client", json.dumps(config)]
    done = subprocess.run(
        runner.pinned(runner.client_core, argv),
        capture_output=True,
        text=True,
        env=runner.env,
        cwd=ROOT,
        timeout=900,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{config['variant']} failed: {done.stdout.strip()[-400:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    hundreds = result["bytes"] / 1e8
    result["mb_per_s"] = result["bytes"] / 1e6 / result["wall_s"]
    result["cpu_s_per_100mb"] = result["cpu_s"] / hundreds
    server = result["server_cpu_s"]
    result["server_cpu_s_per_100mb"] = None if server is None else server / hundreds
    return result


# -- the report -----------------------------------------------------------------------------


def render(report: dict[str, Any]) -> list[str]:
    """The Markdown report: the machine line, then the table."""
    m = report["machine"]
    where = (
        "emulator and client processes on their own cores"
        if m["pinned"]
        else "not pinned: the emulator and the client share the cores"
    )
    lines = [
        f"{report['mode']} run, one {report['size_mb']:g} MB recording, {report['repeats']}"
        f" repeat(s), medians; {describe(m)}",
        f"Download to a file in {report['tmp_fs']}, {where}; the emulator runs in its own"
        " process, so client CPU is the client's alone.",
    ]
    if report["mode"] == "quick":
        lines.append(
            "Note: quick run, a smoke test: each figure is one download of tens of"
            " milliseconds, so the ratios are mostly noise; the full run is the measurement."
        )
    lines += [
        "",
        "| variant | MB/s | MB/s ×raw | client CPU s/100 MB | CPU ×raw | emulator CPU s/100 MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    results = report["results"]
    base = results["raw_aiohttp"]
    for variant in VARIANTS:
        r = results[variant]
        lines.append(
            f"| {variant} | {fmt(r['mb_per_s'])} | {times(ratio(r['mb_per_s'], base['mb_per_s']))}"
            f" | {fmt(r['cpu_s_per_100mb'], 3)}"
            f" | {times(ratio(r['cpu_s_per_100mb'], base['cpu_s_per_100mb']))}"
            f" | {fmt(r['server_cpu_s_per_100mb'], 3)} |"
        )
    return lines


def _filesystem(path: str) -> str:
    """The type of the filesystem ``path`` is on (Linux ``/proc/mounts``), for the report."""
    best, kind = "", "?"
    try:
        with open("/proc/mounts") as mounts:
            for line in mounts:
                fields = line.split()
                point = fields[1]
                inside = path == point or path.startswith(point.rstrip("/") + "/")
                if inside and len(point) > len(best):
                    best, kind = point, fields[2]
    except OSError:
        pass
    return f"{path} ({kind})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with ``--client``, be one of its client processes)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--client"]:
        return client_main(json.loads(args[1]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 MB, 1 repeat")
    parser.add_argument("--size-mb", type=float, default=200.0, help="the recording's size")
    parser.add_argument("--repeat", type=int, default=5, help="measurements per variant")
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument("--json", type=Path, help="also write the results here")
    options = parser.parse_args(args)
    size_mb, repeat = (20.0, 1) if options.quick else (options.size_mb, options.repeat)
    runner = Runner(sys.executable, pin=not options.no_pin)
    report: dict[str, Any] = {
        "when": time.time(),
        "mode": "quick" if options.quick else "full",
        "size_mb": size_mb,
        "repeats": repeat,
        "machine": machine(runner),
        "runs": [],
    }
    emulator, words = runner.start_emulator()
    base_url, storage_url = words["base_url"], words["storage_url"]
    try:
        big, warm = asyncio.run(make_recordings(base_url, [size_mb, WARM_MB]))
        if not big["download_url"].startswith(storage_url):
            raise SystemExit(f"the download_url is not on the storage origin {storage_url}")
        with tempfile.TemporaryDirectory(prefix="bench-download-") as tmp:
            report["tmp_fs"] = _filesystem(tmp)
            for i in range(repeat):
                for variant in orders(VARIANTS, i):
                    name = variant.replace(" (by id)", "-by-id")
                    config = {
                        "variant": variant,
                        "base_url": base_url,
                        "recording_id": big["id"],
                        "bytes": round(size_mb * 1_000_000),
                        "warm_id": warm["id"],
                        "warm_bytes": WARM_MB * 1_000_000,
                        "path": os.path.join(tmp, f"{name}-{i}.webm"),
                        "server_pid": emulator.pid,
                    }
                    result = measure(runner, config)
                    progress(f"{variant} #{i + 1}: {result['mb_per_s']:,.0f} MB/s")
                    report["runs"].append({"variant": variant, "repeat": i, **result})
    finally:
        stop(emulator, terminate=True)
    report["results"] = {
        v: median_of([r for r in report["runs"] if r["variant"] == v], METRICS) for v in VARIANTS
    }
    for line in render(report):
        print(line)
    if options.json is not None:
        options.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
