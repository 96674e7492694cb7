"""Cold start: from constructing a client to the end of its first successful call.

Each sample is a fresh interpreter (``worker.py`` in cold mode): it imports the client's
modules first (timed apart, reported as "imports"), then builds the client and awaits one
``rooms.retrieve``: session and pool creation, connect, and over HTTPS the TLS handshake
and certificate check, plus whatever the library does lazily on its first call. A second
call follows, for scale.

Each client uses its default trust, as in production: ``SSL_CERT_FILE`` points at the
system's CA bundle with the throwaway CA appended (``tlscerts.cold_start_bundle``), so
aiohttp builds its default context at import from a bundle of production size, and httpx
builds one per client from the same file. No ``ssl_context`` is passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness import fmt, median_of, ratio, times

VARIANTS = ("raw_aiohttp", "ours", "official_aiohttp", "official_httpx")
#: The official SDK's interpreters take seconds to start; the quick pass checks the harness.
QUICK_VARIANTS = ("raw_aiohttp", "ours")
METRICS = ("cold_ms", "construct_ms", "first_call_ms", "second_call_ms", "import_ms")
REPEATS = 5
QUICK_REPEATS = 1


def env_for(base_env: Mapping[str, str], bundle: str) -> dict[str, str]:
    """The environment of a cold-start process: trust from ``bundle`` only."""
    env = dict(base_env)
    env["SSL_CERT_FILE"] = bundle
    # A CA directory would be searched too; one file keeps the trust the same everywhere.
    env.pop("SSL_CERT_DIR", None)
    return env


def summarise(samples: Mapping[tuple[str, bool], list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians per (variant, tls) and ratios to raw_aiohttp."""
    cells = {key: median_of(values, METRICS) for key, values in samples.items()}
    rows = []

    def start(med: Mapping[str, Any] | None) -> float | None:
        # What a process pays from its first import to its first reply: a client that imports
        # lazily moves import time into construction, so only the sum compares fairly.
        if med is None or med.get("import_ms") is None or med.get("cold_ms") is None:
            return None
        return float(med["import_ms"]) + float(med["cold_ms"])

    for (variant, tls), med in cells.items():
        raw = cells.get(("raw_aiohttp", tls))
        rows.append(
            {
                "variant": variant,
                "tls": tls,
                **med,
                "cold_x_raw": ratio(med["cold_ms"], raw["cold_ms"] if raw else None),
                "start_ms": start(med),
                "start_x_raw": ratio(start(med), start(raw)),
            }
        )
    return {"rows": rows}


def render(summary: Mapping[str, Any], bundle_bytes: int | None) -> list[str]:
    """The cold-start table."""
    rows = {(r["variant"], r["tls"]): r for r in summary["rows"]}
    variants = [v for v in VARIANTS if any(k[0] == v for k in rows)]
    variants += sorted({k[0] for k in rows} - set(variants))
    repeats = max((r["repeats"] for r in summary["rows"]), default=0)
    lines = [
        "",
        f"Cold start, fresh interpreter per sample (median of {repeats}): construct the client,"
        " await the first `rooms.retrieve`"
        + (
            f"; default trust from a {bundle_bytes / 1024:.0f} KiB CA bundle"
            if bundle_bytes
            else ""
        ),
        "",
        "| client | imports ms | HTTP: to first reply ms | ×raw | HTTPS: to first reply ms"
        " | ×raw | HTTPS: construct ms | HTTPS: second call ms"
        " | HTTPS: imports + to first reply ms | ×raw |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for variant in variants:
        http = rows.get((variant, False), {})
        https = rows.get((variant, True), {})
        imports = https.get("import_ms") or http.get("import_ms")
        lines.append(
            f"| {variant} | {fmt(imports, 0)}"
            f" | {fmt(http.get('cold_ms'), 1)} | {times(http.get('cold_x_raw'))}"
            f" | {fmt(https.get('cold_ms'), 1)} | {times(https.get('cold_x_raw'))}"
            f" | {fmt(https.get('construct_ms'), 2)} | {fmt(https.get('second_call_ms'), 2)}"
            f" | {fmt(https.get('start_ms'), 1)} | {times(https.get('start_x_raw'))} |"
        )
    return lines


def plan(variants: Sequence[str], tls: bool) -> list[tuple[str, bool]]:
    """(variant, tls) pairs of one repeat: plain HTTP first, then HTTPS when available."""
    schemes = (False, True) if tls else (False,)
    return [(v, s) for s in schemes for v in variants]
