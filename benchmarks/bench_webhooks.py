"""What verifying and parsing one webhook costs, without the network.

    python benchmarks/bench_webhooks.py            # table
    python benchmarks/bench_webhooks.py --quick --json

The same signed ``video.room.participant.joined`` deliveries (``webhook_events.py``, each
with its own event id) go through, in µs of CPU per event (best of several batches, as
``timeit`` advises):

* ``json.loads`` of the body: the floor of any parsing;
* the bare Ed25519 check of the same bytes, ``Ed25519PublicKey.verify(signature,
  timestamp|body)`` from ``cryptography``: the floor of any verification;
* ``construct_event(body, headers, public_key)``: headers, timestamp window, base64,
  the same Ed25519 check, and parsing into a typed frozen event;
* ``WebhookVerifier.construct_event``: the same plus the replay guard;
* ``parse_event``: parsing alone, when the name is there.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webhook_events import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    private_key,
    signed_events,
)

Pairs = Sequence[tuple[Any, Any]]


def _best(fn: Callable[[Any, Any], object], events: Pairs, batches: int) -> float:
    """Best µs per event over ``batches`` passes, each through its own events (CPU time).

    ``events`` holds one batch more than is timed: the first one warms caches and lazy
    imports, so every timed call still gets an event nothing has seen.
    """
    per_batch = len(events) // (batches + 1)
    for a, b in events[:per_batch]:
        fn(a, b)
    samples = []
    for n in range(1, batches + 1):
        chunk = events[n * per_batch : (n + 1) * per_batch]
        start = time.process_time()
        for a, b in chunk:
            fn(a, b)
        samples.append((time.process_time() - start) / per_batch)
    return min(samples) * 1e6


def run(batches: int, per_batch: int) -> list[tuple[str, float]]:
    """Every row: (label, µs per event)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from telnyx_rooms_async import webhooks
    from telnyx_rooms_async.webhooks import WebhookVerifier, construct_event

    seed = base64.b64encode(os.urandom(32)).decode("ascii")
    raw_public = (
        private_key(seed)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    public_b64 = base64.b64encode(raw_public).decode("ascii")
    bare_key = Ed25519PublicKey.from_public_bytes(raw_public)
    verifier = WebhookVerifier(public_b64)
    count = (batches + 1) * per_batch

    def deliveries() -> Pairs:
        return signed_events(seed, count)

    def signed_bytes() -> Pairs:
        # The bare check gets what it verifies ready-made: signature bytes and message.
        return [
            (
                base64.b64decode(headers[SIGNATURE_HEADER]),
                headers[TIMESTAMP_HEADER].encode("ascii") + b"|" + body,
            )
            for body, headers in deliveries()
        ]

    rows: list[tuple[str, Callable[[Any, Any], object], Callable[[], Pairs]]] = [
        ("`json.loads(body)`", lambda body, _: json.loads(body), deliveries),
        ("Ed25519 `verify` of the same bytes (cryptography)", bare_key.verify, signed_bytes),
        (
            "`construct_event(body, headers, public_key)`",
            lambda body, headers: construct_event(body, headers, public_b64),
            deliveries,
        ),
        (
            "`WebhookVerifier.construct_event` (replay guard on)",
            verifier.construct_event,
            deliveries,
        ),
    ]
    parse_event = getattr(webhooks, "parse_event", None)
    if parse_event is not None:
        rows.append(
            ("`parse_event(body)` (no verification)", lambda body, _: parse_event(body), deliveries)
        )
    # A fresh set of events per row: the replay guard must accept every one.
    return [(label, _best(fn, make(), batches)) for label, fn, make in rows]


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="CPU cost of one webhook, no network.")
    parser.add_argument("--quick", action="store_true", help="fewer batches (a smoke run)")
    parser.add_argument("--json", action="store_true", help="one JSON line for run.py")
    args = parser.parse_args()
    batches, per_batch = (3, 200) if args.quick else (15, 400)
    rows = run(batches, per_batch)
    if args.json:
        print(json.dumps({"rows": [{"path": label, "us": us} for label, us in rows]}))
        return 0
    for line in render([{"path": label, "us": us} for label, us in rows]):
        print(line)
    return 0


def render(rows: Sequence[dict[str, Any]], repeats: int | None = None) -> list[str]:
    """The offline table, with ratios to the bare verification and to ``json.loads``."""
    by_path = {r["path"]: r["us"] for r in rows}
    floor_json = next((us for path, us in by_path.items() if "json.loads" in path), None)
    floor_sig = next((us for path, us in by_path.items() if "Ed25519" in path), None)
    note = f", median of {repeats} processes" if repeats else ""
    lines = [
        f"Webhook CPU per event, no network (best batch{note}):",
        "",
        "| path | µs per event | × Ed25519 verify | × json.loads |",
        "| --- | ---: | ---: | ---: |",
    ]
    for path, us in by_path.items():
        shown = "–" if us is None else f"{us:,.1f}"
        lines.append(f"| {path} | {shown} | {_times(us, floor_sig)} | {_times(us, floor_json)} |")
    return lines


def _times(value: float | None, base: float | None) -> str:
    return "–" if value is None or not base else f"{value / base:.2f}×"


if __name__ == "__main__":
    sys.exit(main())
