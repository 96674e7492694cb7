"""What structuring a page of rooms costs, and what each choice in ``_converter.py`` buys.

    python benchmarks/bench_structure.py            # 250-item page (the API's largest)
    python benchmarks/bench_structure.py --size 100 --quick

No network: one list reply (rooms shaped like the documented create-room reply, one session
each) is decoded and structured in a loop. Each row is the best of several timed batches, in
µs per page:

* ``json.loads`` alone: the floor every client pays;
* ``structure_page``: what ``rooms.list`` does (decode + generated hooks + frozen models);
* the generated hooks with attrs' own ``__init__`` instead of direct slot filling;
* the same generated hooks building *non-frozen* twins of the models (what frozen costs);
* stock cattrs converters with and without ``detailed_validation`` (the cost of detailed
  validation on a 250-item page);
* plain constructor calls written by hand (a reference point).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import cattrs

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_orjson: Any
try:
    import orjson as _orjson
except ImportError:
    _orjson = None
# Rows named for the package measure its default install (stdlib json): hide orjson from it.
sys.modules["orjson"] = None  # type: ignore[assignment]

from server import load_room, page_body  # noqa: E402

from telnyx_rooms_async import _converter  # noqa: E402
from telnyx_rooms_async._converter import (  # noqa: E402
    _parse_datetime,
    _plan,
    structure_page,
)
from telnyx_rooms_async.models import Room, RoomParticipant, RoomSession  # noqa: E402


def _timed(fn: Callable[[], object], batches: int, per_batch: int) -> float:
    """Best µs per call over ``batches`` batches of ``per_batch`` calls (CPU time).

    The best batch, as ``timeit`` advises: on a shared machine the slower ones measure the
    neighbours, not the code.
    """
    fn()
    samples = []
    for _ in range(batches):
        start = time.process_time()
        for _ in range(per_batch):
            fn()
        samples.append((time.process_time() - start) / per_batch)
    return min(samples) * 1e6


def _twin(cls: type, nested: dict[type, type], *, frozen: bool, slots: bool) -> type:
    """An attrs class with the same fields (types mapped through ``nested``)."""
    these = {}
    for field in attrs.fields(cls):
        tp: Any = field.type
        for frozen_cls, twin_cls in nested.items():
            if tp == tuple.__class_getitem__((frozen_cls, ...)):
                tp = tuple.__class_getitem__((twin_cls, ...))
        these[field.name] = attrs.field(default=field.default, type=tp, kw_only=True)
    name = ("Frozen" if frozen else "Mutable") + ("Slotted" if slots else "") + cls.__name__
    made: type = attrs.make_class(name, these, slots=slots, frozen=frozen)
    return made


def _twins(*, frozen: bool, slots: bool) -> type:
    participant = _twin(RoomParticipant, {}, frozen=frozen, slots=slots)
    session = _twin(RoomSession, {RoomParticipant: participant}, frozen=frozen, slots=slots)
    return _twin(Room, {RoomSession: session}, frozen=frozen, slots=slots)


def _generated(classes: list[type], direct: bool) -> Callable[[Any, object], Any]:
    """Generated hooks for ``classes`` (nested first) on a scratch converter registry."""
    hook: Callable[[Any, object], Any] | None = None
    try:
        for cls in classes:
            hook = _plan(cls, direct=direct).structure
            _converter.CONVERTER.register_structure_hook(cls, hook)
    finally:
        # Put the package's own hooks back, whatever was generated here.
        for cls in classes:
            if cls in (RoomParticipant, RoomSession, Room):
                _converter.CONVERTER.register_structure_hook(cls, _plan(cls).structure)
    assert hook is not None
    return hook


def _stock_cattrs(detailed: bool) -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False, detailed_validation=detailed)
    conv.register_structure_hook(datetime, _parse_datetime)
    return conv


def _by_hand(item: dict[str, Any]) -> Room:
    dt = _parse_datetime
    sessions = item.get("sessions") or ()
    return Room(
        id=item["id"],
        unique_name=item.get("unique_name"),
        max_participants=item.get("max_participants"),
        enable_recording=item.get("enable_recording"),
        active_session_id=item.get("active_session_id"),
        created_at=dt(item["created_at"]) if item.get("created_at") else None,
        updated_at=dt(item["updated_at"]) if item.get("updated_at") else None,
        webhook_event_url=item.get("webhook_event_url"),
        webhook_event_failover_url=item.get("webhook_event_failover_url"),
        webhook_timeout_secs=item.get("webhook_timeout_secs"),
        sessions=tuple(
            RoomSession(
                id=s["id"],
                room_id=s.get("room_id"),
                active=s.get("active"),
                created_at=dt(s["created_at"]) if s.get("created_at") else None,
                updated_at=dt(s["updated_at"]) if s.get("updated_at") else None,
                ended_at=dt(s["ended_at"]) if s.get("ended_at") else None,
                participants=(),
                record_type=s.get("record_type"),
            )
            for s in sessions
        ),
        record_type=item.get("record_type"),
    )


def _nested(room: type) -> list[type]:
    """A twin room class and the twins inside it, innermost first."""
    session = attrs.fields_dict(room)["sessions"].type.__args__[0]
    participant = attrs.fields_dict(session)["participants"].type.__args__[0]
    return [participant, session, room]


def run(size: int, batches: int, per_batch: int) -> list[tuple[str, float]]:
    """Every row of the table: (label, µs per page)."""
    room = load_room()
    body = page_body(room, size)
    decoded = json.loads(body)["data"]

    def page_of(hook: Callable[[Any, object], Any], cls: type) -> Callable[[], object]:
        return lambda: tuple([hook(item, cls) for item in json.loads(body)["data"]])

    init_hook = _generated([RoomParticipant, RoomSession, Room], direct=False)
    twin_room = _twins(frozen=False, slots=True)
    twin_hook = _generated(_nested(twin_room), direct=False)
    slotted_room = _twins(frozen=True, slots=True)
    slotted_hook = _generated(_nested(slotted_room), direct=True)
    detailed = _stock_cattrs(detailed=True)
    plain = _stock_cattrs(detailed=False)

    # Every way must build the same rooms (the twins compare field by field).
    ours = structure_page(body, Room)[0]
    assert page_of(init_hook, Room)() == ours
    assert detailed.structure(decoded, tuple[Room, ...]) == ours
    assert plain.structure(decoded, tuple[Room, ...]) == ours
    assert tuple(_by_hand(item) for item in decoded) == ours
    twins: Any = page_of(twin_hook, twin_room)()
    assert attrs.asdict(twins[0]) == attrs.asdict(ours[0])

    rows = [
        ("json.loads only (the floor)", lambda: json.loads(body)),
        ("structure_page: rooms.list's path", lambda: structure_page(body, Room)),
        ("generated hooks, attrs __init__", page_of(init_hook, Room)),
        (
            "generated hooks, frozen slotted twins filled slot by slot",
            page_of(slotted_hook, slotted_room),
        ),
        ("generated hooks, non-frozen slotted twins", page_of(twin_hook, twin_room)),
        ("by hand, Room(...) calls", lambda: tuple(_by_hand(i) for i in json.loads(body)["data"])),
        (
            "stock cattrs, detailed_validation=False",
            lambda: plain.structure(json.loads(body)["data"], tuple[Room, ...]),
        ),
        (
            "stock cattrs, detailed_validation=True",
            lambda: detailed.structure(json.loads(body)["data"], tuple[Room, ...]),
        ),
    ]
    if _orjson is not None:
        fast_loads = _orjson.loads
        hook = _converter.CONVERTER.get_structure_hook(Room)
        rows.insert(1, ("orjson.loads only", lambda: fast_loads(body)))
        rows.insert(
            3,
            (
                "orjson.loads + generated hooks (speedups extra)",
                lambda: tuple([hook(item, Room) for item in fast_loads(body)["data"]]),
            ),
        )
    return [(label, _timed(fn, batches, per_batch)) for label, fn in rows]


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Structuring cost of one list page.")
    parser.add_argument("--size", type=int, default=250, help="rooms per page (1..250)")
    parser.add_argument("--quick", action="store_true", help="fewer batches (a smoke run)")
    args = parser.parse_args()
    batches, per_batch = (3, 5) if args.quick else (15, 20)
    rows = run(args.size, batches, per_batch)
    floor = rows[0][1]
    ours = dict(rows)["structure_page: rooms.list's path"]
    print(f"{args.size}-room page, best of {batches} batches of {per_batch} (CPU time)\n")
    print("| path | µs per page | µs per room | × json.loads | × structure_page |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, micros in rows:
        print(
            f"| {label} | {micros:,.0f} | {micros / args.size:.2f}"
            f" | {micros / floor:.2f}× | {micros / ours:.2f}× |"
        )
    detailed = dict(rows)["stock cattrs, detailed_validation=True"]
    undetailed = dict(rows)["stock cattrs, detailed_validation=False"]
    frozen_init = dict(rows)["generated hooks, attrs __init__"]
    mutable = dict(rows)["generated hooks, non-frozen slotted twins"]
    slotted = dict(rows)["generated hooks, frozen slotted twins filled slot by slot"]
    print()
    print(
        f"detailed_validation in stock cattrs: {100 * (detailed / undetailed - 1):+.0f}%"
        " (the fast hooks use it only to explain a reply that failed)"
    )
    print(
        f"frozen (attrs __init__) vs non-frozen twins: {100 * (frozen_init / mutable - 1):+.0f}%;"
        f" one-step __dict__ fill vs attrs __init__: {100 * (ours / frozen_init - 1):+.0f}%;"
        f" vs filling slots one by one: {100 * (ours / slotted - 1):+.0f}%"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
