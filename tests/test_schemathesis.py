"""Schemathesis against the emulator, with the vendor's OpenAPI document.

The emulator runs as a subprocess on a free loopback port. A world is made first through
the public and admin APIs (rooms with live sessions, participants, recordings, compositions,
refresh tokens), and its ids go to schemathesis as dictionaries bound to the path
parameters, the composition's ``session_id`` and the ``refresh_token``, so generated calls
reach the objects and not only 404s; the destructive calls (delete, end) get objects of
their own. Schemathesis's command line then runs its four phases (examples, coverage,
fuzzing, stateful) with a fixed seed and a fixed number of examples per operation, the
fake's API key as a bearer token, and its own checks: status codes, content types,
response headers and schemas, no 5xx, and the stateful and method checks (``CHECKS``).
The bulk delete runs last, in a run of its own: one call of it without a filter deletes
every recording the other operations need.

The spec's quirks that are tolerated are in ``QUIRKS`` below, each with its reason, and
nowhere else: each is a patch of a copy of the spec (a ``nullable`` the spec lost, a status
it does not declare), so every check runs on every reply. ``NOT_RUN`` names the checks that
are not run, and why.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import attrs
import pytest
from fakehttp import raw
from test_emulator import Running, running
from vendordata import SPEC_FILE

from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async.testing import DEFAULT_API_KEY

SEED: Final = 20260701
#: Test cases per operation and phase (schemathesis's ``--max-examples``).
MAX_EXAMPLES: Final = 15
#: One schemathesis run may take this long before the test fails (it takes ~15 s).
RUN_TIMEOUT: Final = 60.0

#: The checks run on every reply.
CHECKS: Final = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
)
#: The checks every operation must have passed at least once (the others apply to some).
CORE_CHECKS: Final = CHECKS[:5]
#: Schemathesis's other checks, and why they are not run.
NOT_RUN: Final = {
    "negative_data_rejection": (
        "the fake is as permissive as the spec, never stricter, and the API it stands for"
        " accepts what the spec's words do not forbid: an omitted body that the spec marks"
        " required (the vendor's own page calls `client.rooms.create()` with none), an id"
        " filter that is not a UUID (JSON Schema's `format` is an annotation), unknown query"
        " keys; refusing them would make the fake stricter than the API"
    ),
    "positive_data_acceptance": (
        "a request can fit the schema and still be refused for the state it meets, as the"
        " API refuses it: a unique_name another room has, a session_id no session has, an"
        " action on a session that has ended (each a declared 422 or 4XX)"
    ),
    "object_level_authorization": "needs a second account's credentials; the fake has one key",
    "max_response_time": "no response-time limit is part of the spec",
}


# -- the spec's quirks: the one place they are tolerated ---------------------------------------

Spec = dict[str, Any]

#: Response fields the API sends as null while a value is absent (no name given, no session
#: yet, not ended or completed yet). The spec's models lost every ``nullable`` in 2025 (its
#: ``webhook_timeout_secs`` alone kept a ``null`` type), so a real reply fails them.
NULLABLE: Final = {
    "Room": ("unique_name", "webhook_event_url", "active_session_id"),
    "RoomSession": ("ended_at",),
    "RoomParticipant": ("context", "left_at"),
    "RoomRecording": ("size_mb", "duration_secs", "download_url", "ended_at", "completed_at"),
    "RoomComposition": (
        "size_mb",
        "duration_secs",
        "download_url",
        "started_at",
        "ended_at",
        "completed_at",
        "webhook_event_url",
    ),
}


def _nullable(spec: Spec) -> int:
    schemas = spec["components"]["schemas"]
    for model, fields in NULLABLE.items():
        for field in fields:
            prop = schemas[model]["properties"][field]
            assert isinstance(prop["type"], str), (model, field)
            prop["type"] = [prop["type"], "null"]
    return sum(len(fields) for fields in NULLABLE.values())


def _empty_uri_default(spec: Spec) -> int:
    changed = 0
    for schema in spec["components"]["schemas"].values():
        for prop in schema.get("properties", {}).values():
            if prop.get("format") == "uri" and prop.get("default") == "":
                del prop["format"]
                prop["anyOf"] = [{"format": "uri"}, {"maxLength": 0}]
                changed += 1
    return changed


def _operations(spec: Spec) -> Iterator[dict[str, Any]]:
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method in ("get", "post", "patch", "put", "delete"):
                yield operation


def _undeclared_401(spec: Spec) -> int:
    changed = 0
    for operation in _operations(spec):
        # The operations declared to need no auth (``security: []``) are not sent without.
        if operation.get("security") != [] and "401" not in operation["responses"]:
            ref = {"$ref": "#/components/responses/video_UnauthorizedResponse"}
            operation["responses"]["401"] = ref
            changed += 1
    return changed


#: The token operations' statuses beyond the two they declare (201, 403).
TOKEN_ERRORS: Final = {
    "404": "#/components/responses/video_ResourceNotFound",
    "422": "#/components/responses/video_UnprocessableEntity",
}


def _token_errors(spec: Spec) -> int:
    changed = 0
    for operation in _operations(spec):
        if operation["operationId"] in ("CreateRoomClientToken", "RefreshRoomClientToken"):
            for status, ref in TOKEN_ERRORS.items():
                assert status not in operation["responses"]
                operation["responses"][status] = {"$ref": ref}
                changed += 1
    return changed


@attrs.frozen
class Quirk:
    """A way the spec differs from the API it describes, tolerated by patching a copy."""

    name: str
    reason: str
    patch: Callable[[Spec], int]
    """Changes the spec in place; returns how many places it changed (never 0)."""


QUIRKS: Final = (
    Quirk(
        "null fields",
        "the spec dropped every `nullable` marker in 2025, so the null that the API sends for"
        " an absent value (NULLABLE above) fails its schemas",
        _nullable,
    ),
    Quirk(
        '"" as a URI default',
        'webhook_event_failover_url defaults to "", which its own `format: uri` refuses; the'
        ' API sends "" for a room or composition created without one',
        _empty_uri_default,
    ),
    Quirk(
        "undeclared 401",
        "every operation answers a missing or wrong API key with 401, and only UpdateRoom"
        " declares it",
        _undeclared_401,
    ),
    Quirk(
        "the token operations' 404 and 422",
        "CreateRoomClientToken and RefreshRoomClientToken declare only 201 and 403; as every"
        " other operation with an id and a body, they answer an unknown room with 404 and a"
        " body outside their schema with 422 (tests/test_fake_fidelity.py's UNDECLARED)",
        _token_errors,
    ),
)


def tolerant_spec() -> Spec:
    """A copy of the vendor's spec with every quirk of ``QUIRKS`` patched."""
    spec: Spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    for quirk in QUIRKS:
        assert quirk.patch(spec) > 0, f"{quirk.name}: the spec no longer has this quirk"
    return spec


def test_each_quirk_changes_the_spec_and_nothing_else_differs() -> None:
    original: Spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    patched = tolerant_spec()
    # Only components' schemas and operations' responses differ.
    for section in ("info", "servers", "security", "tags"):
        assert patched[section] == original[section]
    for path, item in original["paths"].items():
        for method, operation in item.items():
            changed = patched["paths"][path][method]
            assert {k: v for k, v in changed.items() if k != "responses"} == {
                k: v for k, v in operation.items() if k != "responses"
            }
            assert original["paths"][path][method]["responses"].items() <= (
                changed["responses"].items()
            )
    # Each quirk alone changes something.
    for quirk in QUIRKS:
        assert quirk.patch(copy.deepcopy(original)) > 0, quirk.name


# -- the world the generated calls reach -------------------------------------------------------


async def admin(emulator: Running, method: str, path: str, body: Any = None) -> Any:
    status, document = await raw(emulator.admin_url, method, path, body=body)
    assert 200 <= status < 300, (method, path, status, document)
    return document["data"]


async def make_world(emulator: Running) -> dict[str, list[str]]:
    """Objects for the generated calls, as dictionaries of ids by name."""
    world: dict[str, list[str]] = collections.defaultdict(list)

    async def live_room(client: RoomsClient, name: str) -> tuple[str, str]:
        room = await client.rooms.create(unique_name=name)
        session = await admin(emulator, "POST", f"/rooms/{room.id}/sessions")
        return room.id, session["id"]

    async def join(session: str, context: str) -> str:
        path = f"/room_sessions/{session}/participants"
        person: str = (await admin(emulator, "POST", path, {"context": context}))["id"]
        return person

    async def recording(session: str, participant: str, *, complete: bool) -> str:
        path = f"/room_sessions/{session}/recordings"
        body = {"participant_id": participant, "type": "video"}
        made: str = (await admin(emulator, "POST", path, body))["id"]
        if complete:
            await admin(emulator, "POST", f"/room_recordings/{made}/complete", {"size_mb": 0.01})
        return made

    async with emulator.client() as client:
        for n in range(3):
            room, session = await live_room(client, f"kept-{n}")
            alice, bob = await join(session, "Alice"), await join(session, "Bob")
            world["rooms"].append(room)
            world["sessions"].append(session)
            world["participants"] += [alice, bob]
            world["recordings"].append(await recording(session, alice, complete=True))
            world["recordings"].append(await recording(session, bob, complete=False))
            world["doomed_recordings"].append(await recording(session, bob, complete=True))
        # Refresh tokens, all of one room: a refresh succeeds when room and token agree.
        for _ in range(3):
            token = await client.rooms.generate_join_client_token(world["rooms"][0])
            world["tokens"].append(token.refresh_token)
        world["token_room"] = world["rooms"][:1]
        for n in range(4):
            room, session = await live_room(client, f"ending-{n}")
            await join(session, "Carol")
            world["ending_sessions"].append(session)
            world["doomed_rooms"].append((await client.rooms.create()).id)
        room, past = await live_room(client, "past")
        await admin(emulator, "POST", f"/room_sessions/{past}/end")
        world["sessions"].append(past)
        for n in range(6):
            composition = await client.room_compositions.create(session_id=past)
            if n % 2 == 0:
                await admin(emulator, "POST", f"/room_compositions/{composition.id}/complete")
            world["compositions" if n < 3 else "doomed_compositions"].append(composition.id)
    # The spec states the rule of a resolution in words (width and height 16..1280, at most
    # 1280 * 720 pixels), which a generator cannot read.
    world["resolutions"] = ["1280x720", "640x480", "16x16"]
    return dict(world)


#: Where each dictionary goes: parameter -> dictionary, for every operation...
BINDINGS: Final = {
    "path.room_id": "rooms",
    "path.room_session_id": "sessions",
    "path.room_participant_id": "participants",
    "path.room_recording_id": "recordings",
    "path.room_composition_id": "compositions",
    "body.session_id": "sessions",
    "body.resolution": "resolutions",
}
#: ... but these operations, which end or delete what they are given, or need a room and a
#: refresh token that agree.
OWN_BINDINGS: Final = {
    "EndSession": {"path.room_session_id": "ending_sessions"},
    "DeleteRoom": {"path.room_id": "doomed_rooms"},
    "DeleteRoomRecording": {"path.room_recording_id": "doomed_recordings"},
    "DeleteRoomComposition": {"path.room_composition_id": "doomed_compositions"},
    "RefreshRoomClientToken": {"path.room_id": "token_room", "body.refresh_token": "tokens"},
}
#: How often a bound parameter takes an id of the world (else a generated value).
BOUND: Final = 0.9


def config(world: dict[str, list[str]]) -> str:
    """Schemathesis's configuration (TOML): the dictionaries and where they are bound."""

    def binding(name: str) -> str:
        return f'{{ dictionary = "{name}", probability = {BOUND} }}'

    lines = ["[dictionaries]"]
    lines += [f"{name} = {{ values = {json.dumps(ids)} }}" for name, ids in world.items()]
    lines.append("[parameters]")
    lines += [f'"{key}" = {binding(name)}' for key, name in BINDINGS.items()]
    for operation_id, bindings in OWN_BINDINGS.items():
        bound = ", ".join(f'"{key}" = {binding(name)}' for key, name in bindings.items())
        lines += ["[[operations]]", f'include-operation-id = "{operation_id}"']
        lines.append(f"parameters = {{ {bound} }}")
    return "\n".join(lines) + "\n"


# -- running schemathesis ----------------------------------------------------------------------


@attrs.frozen
class Report:
    """What one schemathesis run reported: its JSON summary and NDJSON events."""

    summary: dict[str, Any]
    events: list[dict[str, Any]]
    output: str

    def exchanges(self) -> Iterator[tuple[str, int, list[dict[str, Any]]]]:
        """(``METHOD /path``, status, the checks run on it) of every request that got a reply."""
        for event in self.events:
            finished = event.get("ScenarioFinished")
            if finished is None:
                continue
            recorder = finished["recorder"]
            for case_id, interaction in recorder.get("interactions", {}).items():
                response = interaction.get("response")
                if response is None:
                    continue
                case = recorder["cases"][case_id]["value"]
                checks = recorder.get("checks", {}).get(case_id, [])
                yield f"{case['method']} {case['path']}", response["status_code"], checks

    def failures(self) -> collections.Counter[str]:
        """Failed checks by title."""
        return collections.Counter(
            {item["title"]: item["count"] for item in self.summary.get("failures", [])}
        )


def schemathesis(
    emulator: Running, spec: Spec, world: dict[str, list[str]], where: Path, *options: str
) -> Report:
    """Run ``schemathesis run`` on ``spec`` against the emulator with ``options``."""
    where.mkdir()
    (where / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    (where / "schemathesis.toml").write_text(config(world), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(where / "schemathesis.toml"),
        "run",
        str(where / "spec.json"),
        "--url",
        emulator.base_url,
        "--header",
        f"Authorization: Bearer {DEFAULT_API_KEY}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        "--report",
        "json,ndjson",
        "--report-json-path",
        str(where / "report.json"),
        "--report-ndjson-path",
        str(where / "events.ndjson"),
        "--no-color",
        *options,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=where, timeout=RUN_TIMEOUT, check=False
    )
    output = done.stdout + done.stderr
    (where / "output.txt").write_text(output, encoding="utf-8")
    summary = json.loads((where / "report.json").read_text(encoding="utf-8"))
    events = [json.loads(line) for line in (where / "events.ndjson").read_text().splitlines()]
    assert summary["exit_code"] == done.returncode, output[-3000:]
    return Report(summary, events, output)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Running]:
    options = ("--quiet", "--webhook-retries", "0")
    with running(tmp_path / "emulator.log", *options) as emu:
        yield emu


def operations(spec: Spec) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    ]


@pytest.mark.timeout(2 * RUN_TIMEOUT + 30)
async def test_schemathesis_finds_nothing_wrong(emulator: Running, tmp_path: Path) -> None:
    world = await make_world(emulator)
    spec = tolerant_spec()
    bulk = ("--include-operation-id", "DeleteRoomRecordings")
    rest = ("--exclude-operation-id", "DeleteRoomRecordings")
    reports = []
    for name, options in (("rest", rest), ("bulk", bulk)):
        report = await asyncio.to_thread(
            schemathesis, emulator, spec, world, tmp_path / name, *options
        )
        reports.append(report)
        assert not report.failures(), report.output[-6000:]
        assert report.summary["errors"] == [], report.output[-6000:]
        assert report.summary["exit_code"] == 0, report.output[-6000:]
    tested = sum(r.summary["operations"]["tested"] for r in reports)
    assert tested == len(operations(spec)) == 25
    # Every operation was answered with success at least once, so its success reply was
    # checked against its schema; every core check ran on it; nothing was a 5xx.
    statuses: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    checked: dict[str, set[str]] = collections.defaultdict(set)
    counts: collections.Counter[str] = collections.Counter()
    for report in reports:
        for label, status, checks in report.exchanges():
            statuses[label][status] += 1
            checked[label] |= {c["name"] for c in checks if c["status"] == "success"}
            counts.update(c["name"] for c in checks)
            assert all(c["status"] == "success" for c in checks), (label, checks)
    for label in operations(spec):
        assert any(200 <= s < 300 for s in statuses[label]), (label, statuses[label])
        assert set(CORE_CHECKS) <= checked[label], (label, checked[label])
    assert not [label for label, seen in statuses.items() if any(s >= 500 for s in seen)]
    generated = sum(r.summary["test_cases"]["generated"] for r in reports)
    print(
        f"schemathesis: {tested} operations, {generated} cases generated,"
        f" {sum(counts.values())} checks run ({dict(sorted(counts.items()))}), 0 failures"
    )


async def test_schemathesis_reports_a_wrong_reply_and_a_5xx(
    emulator: Running, tmp_path: Path
) -> None:
    """The tier can fail: replies made wrong on purpose (faults) are found."""
    world = await make_world(emulator)
    wrong = {"data": {"id": 5, "max_participants": "many"}}
    faults = [
        {"kind": "respond", "method": "GET", "path": "/rooms/*", "status": 200, "body": wrong},
        {"kind": "fail", "method": "GET", "path": "/room_sessions", "status": 500},
    ]
    for fault in faults:
        await admin(emulator, "POST", "/faults", {**fault, "times": None})
    options = ("--include-operation-id", "ViewRoom", "--include-operation-id", "ListRoomSessions")
    report = await asyncio.to_thread(
        schemathesis, emulator, tolerant_spec(), world, tmp_path / "faulty", *options
    )
    assert report.summary["exit_code"] != 0
    failures = report.failures()
    assert failures["Response violates schema"] >= 1, report.output[-3000:]
    assert failures["Server error"] >= 1, report.output[-3000:]
