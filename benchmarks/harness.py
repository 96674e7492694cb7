"""What every benchmark script shares: processes (pinned when possible), medians, the machine.

``Runner`` starts the server and the worker processes. With ``taskset`` and two or more
cores, servers run on the last core and every client process on the first, so client CPU is
not shared with the server. The environment of child processes measures this work tree,
whatever is installed, without the debug modes that skew timings.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tlscerts import Certificates

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


class Server(NamedTuple):
    """The benchmark API server: its base URLs and process id."""

    http: str
    """``http://127.0.0.1:<port>/v2``."""
    https: str | None
    """``https://127.0.0.1:<port>/v2``, or None without certificates."""
    pid: int

    def base(self, tls: bool, delay_ms: int = 0) -> str:
        """The base URL over HTTP or HTTPS, answering after ``delay_ms`` when non-zero."""
        url = self.https if tls else self.http
        if url is None:
            raise RuntimeError("the server has no HTTPS port (no certificates)")
        if delay_ms:
            head, _, _ = url.rpartition("/v2")
            return f"{head}/delay/{delay_ms}/v2"
        return url


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
        # PYTHONDONTWRITEBYTECODE too: an installed package has its bytecode (pip compiles it),
        # so a fresh interpreter must not pay for compiling the sources of a work tree.
        for name in (
            "PYTHONASYNCIODEBUG",
            "PYTHONDEVMODE",
            "PYTHONTRACEMALLOC",
            "PYTHONDONTWRITEBYTECODE",
        ):
            self.env.pop(name, None)
        self.precompile(ROOT)
        self.server: subprocess.Popen[str] | None = None
        self.certificates: Certificates | None = None

    def precompile(self, tree: Path) -> None:
        """Write the bytecode of the package in ``tree``, as installing it would."""
        package = Path(tree) / "telnyx_rooms_async"
        subprocess.run(
            [self.python, "-m", "compileall", "-q", str(package)], check=True, env=self.env
        )

    def pinned(self, core: int | None, argv: Sequence[str]) -> list[str]:
        """``argv`` under ``taskset -c core`` when pinning is on."""
        if self.taskset is None or core is None:
            return list(argv)
        return [self.taskset, "-c", str(core), *argv]

    # Kept for the scripts written against the first version of this class.
    _pinned = pinned

    def spawn(self, argv: Sequence[str]) -> tuple[subprocess.Popen[str], list[str]]:
        """Start a server-side process on the server core; wait for its ``READY`` line.

        It must print ``READY <words...>`` once it listens, and exit when its stdin closes.
        """
        proc = self.popen(argv)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("READY "):
            stop(proc)
            raise SystemExit(f"{Path(argv[1]).name} did not start (said {line!r})")
        return proc, line.split()[1:]

    def popen(self, argv: Sequence[str], *, quiet: bool = False) -> subprocess.Popen[str]:
        """A server-side process on the server core, its stdin and stdout piped to us."""
        return subprocess.Popen(
            self.pinned(self.server_core, argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if quiet else None,
            text=True,
            env=self.env,
            cwd=ROOT,
        )

    def start_emulator(self) -> tuple[subprocess.Popen[str], dict[str, str]]:
        """The emulator on the server core: its process and its start line's ``key=value`` words
        (``base_url``, ``storage_url``...). Stop it with ``stop(process, terminate=True)``."""
        argv = [self.python, "-m", "telnyx_rooms_async.testing", "--port", "0", "--quiet"]
        proc = self.popen(argv, quiet=True)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "base_url=" not in line:
            stop(proc, terminate=True)
            raise SystemExit(f"the emulator did not start (said {line!r})")
        return proc, dict(word.split("=", 1) for word in line.split() if "=" in word)

    def start_server(self, certificates: Certificates | None = None) -> Server:
        """Start ``server.py`` (with HTTPS too when given certificates)."""
        argv = [self.python, str(HERE / "server.py")]
        if certificates is not None:
            argv += ["--certfile", str(certificates.chain), "--keyfile", str(certificates.key)]
        self.server, ports = self.spawn(argv)
        self.certificates = certificates
        https = None if ports[1] == "-" else f"https://127.0.0.1:{int(ports[1])}/v2"
        return Server(f"http://127.0.0.1:{int(ports[0])}/v2", https, self.server.pid)

    def stop_server(self) -> None:
        """Close the server's stdin (it exits by itself) and reap it."""
        server, self.server = self.server, None
        if server is not None:
            stop(server)

    def importable(self, modules: Iterable[str]) -> bool:
        """True when every module imports in the worker interpreter."""
        return bool(self.importable_sets({"x": tuple(modules)}))

    def importable_sets(self, sets: Mapping[str, Sequence[str]]) -> set[str]:
        """The names in ``sets`` whose modules all import (one interpreter for all)."""
        modules = sorted({m for group in sets.values() for m in group})
        code = (
            "import importlib, json, sys\n"
            "ok = []\n"
            f"for m in {modules!r}:\n"
            "    try: importlib.import_module(m)\n"
            "    except Exception: continue\n"
            "    ok.append(m)\n"
            "print(json.dumps(ok))"
        )
        done = subprocess.run(
            [self.python, "-c", code], env=self.env, capture_output=True, text=True, timeout=300
        )
        ok = (
            set(json.loads(done.stdout.strip().splitlines()[-1])) if done.returncode == 0 else set()
        )
        return {name for name, group in sets.items() if set(group) <= ok}

    def measure_batch(
        self, configs: Sequence[dict[str, Any]], env: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """One worker process for ``configs`` (a fresh client each); their JSON results."""
        payload: Any = configs[0] if len(configs) == 1 else list(configs)
        argv = self.pinned(
            self.client_core, [self.python, str(HERE / "worker.py"), json.dumps(payload)]
        )
        done = subprocess.run(
            argv, env=dict(env or self.env), capture_output=True, text=True, timeout=900
        )
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            what = ", ".join(sorted({f"{c['variant']} {c['op']}" for c in configs}))
            raise SystemExit(f"worker failed: {what}")
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        results = [json.loads(line) for line in lines[-len(configs) :]]
        if len(results) != len(configs):
            raise SystemExit(f"worker returned {len(results)} results for {len(configs)}")
        return results

    def measure(self, config: dict[str, Any]) -> dict[str, Any]:
        """One worker process; its JSON result."""
        return self.measure_batch([config])[0]

    def run_json(self, script: str, args: Sequence[str], core: str = "client") -> Any:
        """Run ``benchmarks/<script>`` pinned to a core; the JSON of its last stdout line."""
        where = self.client_core if core == "client" else self.server_core
        argv = self.pinned(where, [self.python, str(HERE / script), *args])
        done = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit(f"{script} failed")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def import_seconds(self, module: str) -> float:
        """Seconds ``import module`` takes in a fresh interpreter (without orjson)."""
        # sys is imported at start-up anyway; hiding orjson measures the default install.
        code = (
            "import sys; sys.modules['orjson'] = None; import time; t = time.perf_counter();"
            f" import {module}; print(time.perf_counter() - t)"
        )
        argv = self.pinned(self.client_core, [self.python, "-c", code])
        done = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"import {module} failed")
        return float(done.stdout.strip())


def stop(proc: subprocess.Popen[str], *, terminate: bool = False) -> None:
    """Close a child's stdin (servers here exit on that), SIGTERM it too when ``terminate``
    (the emulator stops on that), and reap it."""
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()
    if terminate:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def median_of(samples: Sequence[Mapping[str, Any]], metrics: Iterable[str]) -> dict[str, Any]:
    """The median of each metric over ``samples`` (missing values skipped), and the count."""
    out: dict[str, Any] = {"repeats": len(samples)}
    for metric in metrics:
        values = [s[metric] for s in samples if s.get(metric) is not None]
        out[metric] = statistics.median(values) if values else None
    return out


def orders(items: Sequence[Any], repeat: int) -> Sequence[Any]:
    """``items`` in order on even repeats and reversed on odd ones (drift cancels out)."""
    return items if repeat % 2 == 0 else items[::-1]


def progress(text: str) -> None:
    """A line on stderr, so stdout stays the report."""
    print(text, file=sys.stderr, flush=True)


def fmt(value: float | None, digits: int = 0) -> str:
    """A number for a table cell, or an en dash when missing."""
    return "–" if value is None else f"{value:,.{digits}f}"


def times(value: float | None) -> str:
    """A ratio for a table cell."""
    return "–" if value is None else f"{value:.2f}×"


def ratio(value: float | None, base: float | None) -> float | None:
    """``value / base`` when both are known and ``base`` is not zero."""
    if value is None or not base:
        return None
    return value / base


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def machine(runner: Runner, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the numbers were taken on."""
    model = None
    cpuinfo = _read("/proc/cpuinfo") or ""
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    versions = {}
    code = (
        "import importlib.metadata as m, json, ssl, sys\n"
        "out = {'python': sys.version.split()[0], 'openssl': ssl.OPENSSL_VERSION}\n"
        "for n in ('aiohttp', 'attrs', 'cattrs', 'yarl', 'multidict', 'telnyx', 'httpx',\n"
        "          'httpx-aiohttp', 'orjson', 'cryptography', 'trustme'):\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run(
        [runner.python, "-c", code], env=runner.env, capture_output=True, text=True, timeout=60
    )
    if done.returncode == 0:
        versions = json.loads(done.stdout)
    try:
        import resource

        nofile: list[int] | None = list(resource.getrlimit(resource.RLIMIT_NOFILE))
    except ImportError:  # pragma: no cover - not on Windows
        nofile = None
    somaxconn = _read("/proc/sys/net/core/somaxconn")
    out: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu": model,
        "cores": os.cpu_count(),
        "pinned": runner.taskset is not None,
        "client_core": runner.client_core,
        "server_core": runner.server_core,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "nofile_limit": nofile,
        "somaxconn": int(somaxconn) if somaxconn and somaxconn.isdigit() else None,
        "versions": versions,
    }
    out.update(extra or {})
    return out


def describe(m: Mapping[str, Any]) -> str:
    """One sentence on the machine, for the top of a report."""
    v = m["versions"]
    pinning = (
        f"server on core {m['server_core']}, clients on core {m['client_core']} (taskset)"
        if m["pinned"]
        else "not pinned"
    )
    libs = ", ".join(
        f"{name} {v[key]}"
        for name, key in (
            ("aiohttp", "aiohttp"),
            ("attrs", "attrs"),
            ("cattrs", "cattrs"),
            ("telnyx", "telnyx"),
            ("httpx", "httpx"),
            ("httpx-aiohttp", "httpx-aiohttp"),
            ("orjson", "orjson"),
            ("cryptography", "cryptography"),
        )
        if key in v
    )
    text = (
        f"{m['cpu'] or '?'}, {m['cores']} cores, {pinning}; {m['platform']};"
        f" Python {v.get('python', '?')}, {v.get('openssl', 'OpenSSL ?')}; {libs}"
    )
    tls = m.get("tls")
    if tls:
        text += f"; TLS: {tls['key_type']} server key, certificates by {tls['maker']}"
    if m.get("nofile_limit"):
        # Every benchmark process raises its soft limit to this hard one.
        text += f"; open-file limit {m['nofile_limit'][1]:,}"
    if m.get("somaxconn"):
        text += f", somaxconn {m['somaxconn']:,}"
    if m.get("load_average"):
        text += f"; load average at start {m['load_average'][0]:.2f}"
    return text + "."
