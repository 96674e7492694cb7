"""The vendor spec's own examples: every response structures, every operation has a method.

The vendor's OpenAPI document is the copy in ``tests/data/vendor/``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import attrs
import pytest
from vendordata import SPEC_FILE

from telnyx_rooms_async import (
    RoomsClient,
)
from telnyx_rooms_async._converter import structure_data, structure_page
from telnyx_rooms_async._operations import OPERATIONS, Operation
from telnyx_rooms_async.testing import FakeRoomsAPI

# operationId -> the package's row for it
BY_SPEC_ID: dict[str, Operation[Any, Any]] = {op.operation_id: op for op in OPERATIONS}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """The vendor's OpenAPI document."""
    document: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return document


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def example_of(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """The schema's own example, or one assembled from its properties' examples."""
    schema = _resolve(spec, schema)
    if "example" in schema:
        return schema["example"]
    if "properties" in schema:
        return {name: example_of(spec, sub) for name, sub in schema["properties"].items()}
    if schema.get("type") == "array":
        return [example_of(spec, schema["items"])]
    if isinstance(schema.get("additionalProperties"), dict):
        return {"first": example_of(spec, schema["additionalProperties"])}
    return schema.get("default")


def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in ("get", "post", "patch", "put", "delete")
    }


def success_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    for status, reply in operation["responses"].items():
        if status.startswith("2"):
            content = reply.get("content", {}).get("application/json")
            return None if content is None else content["schema"]
    raise AssertionError(f"{operation['operationId']} has no 2xx reply")


def assert_matches(value: Any, example: Any) -> int:
    """``value`` carries ``example``'s data; returns how many leaf values were compared."""
    if attrs.has(type(value)):
        assert isinstance(example, dict)
        compared = 0
        for name, expected in example.items():
            if hasattr(value, name) and expected is not None:
                compared += assert_matches(getattr(value, name), expected)
        return compared
    if isinstance(value, datetime):
        assert value == datetime.fromisoformat(example.replace("Z", "+00:00"))
        return 1
    if isinstance(value, tuple):
        assert len(value) == len(example)
        return sum(assert_matches(v, e) for v, e in zip(value, example, strict=True))
    if isinstance(value, dict):
        assert value.keys() == example.keys()
        return sum(assert_matches(value[k], example[k]) for k in value)
    assert value == example
    return 1


def test_every_spec_operation_has_a_row_and_a_method(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    assert len(ops) == 25
    assert set(ops) == set(BY_SPEC_ID)
    for op_id, op in BY_SPEC_ID.items():
        method, path = next(
            (m.upper(), p)
            for p, item in spec["paths"].items()
            for m, o in item.items()
            if isinstance(o, dict) and o.get("operationId") == op_id
        )
        assert (op.http_method, op.path) == (method, path), op_id
        resource = getattr(RoomsClient("k"), op.resource)
        assert callable(getattr(resource, op.name, None)), op.key


@pytest.mark.parametrize(
    "op_id", [k for k, v in BY_SPEC_ID.items() if v.result.kind in ("one", "page")]
)
def test_spec_example_replies_structure(spec: dict[str, Any], op_id: str) -> None:
    op = BY_SPEC_ID[op_id]
    model = op.result.model
    assert model is not None
    schema = success_schema(operations(spec)[op_id])
    assert schema is not None
    example = example_of(spec, schema)
    body = json.dumps(example).encode()
    if op.result.kind == "one":
        result = structure_data(body, model)
        assert isinstance(result, model)
        assert assert_matches(result, example["data"]) >= 1
    else:
        items, meta = structure_page(body, model)
        assert len(items) == len(example["data"]) == 1
        assert assert_matches(items[0], example["data"][0]) >= 1
        assert assert_matches(meta, example["meta"]) == 4


@pytest.mark.parametrize("op_id", [k for k, v in BY_SPEC_ID.items() if v.result.kind == "none"])
def test_spec_deletes_reply_with_no_body(spec: dict[str, Any], op_id: str) -> None:
    assert success_schema(operations(spec)[op_id]) is None


async def test_spec_bulk_delete_example_gives_the_count(
    spec: dict[str, Any], fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    schema = success_schema(operations(spec)["DeleteRoomRecordings"])
    assert schema is not None
    example = example_of(spec, schema)
    fake.faults.respond("DELETE", "/v2/room_recordings", status=201, body=example)
    assert (
        await client.room_recordings.delete_bulk(type="audio") == example["data"]["room_recordings"]
    )


def _event_payloads(spec: dict[str, Any]) -> dict[str, set[str]]:
    """Each webhook event type of the spec, with the keys of its payload."""
    found = {}
    for schema in spec["components"]["schemas"].values():
        event_type = schema.get("properties", {}).get("event_type", {}).get("enum")
        if event_type:
            [name] = event_type
            found[name] = set(schema["properties"]["payload"]["properties"])
    return found


async def test_simulated_events_have_the_spec_shapes(
    spec: dict[str, Any], fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    emitted: list[tuple[str, dict[str, Any]]] = []

    class EventLog:
        async def emit(self, event_type: str, payload: dict[str, Any], room_id: str | None) -> None:
            emitted.append((event_type, payload))

    fake.webhooks = EventLog()  # type: ignore[assignment]
    room = await client.rooms.create()
    session = await fake.sim.start_session(room.id)
    alice = await fake.sim.join(session["id"], context="Alice")
    bob = await fake.sim.join(session["id"], context="Bob")
    recording = await fake.sim.start_recording(session["id"], alice["id"])
    await fake.sim.leave(bob["id"])
    await client.room_sessions.end(session["id"])
    await fake.sim.complete_recording(recording["id"])
    composition = await client.room_compositions.create(session_id=session["id"])
    await fake.sim.complete_composition(composition.id)

    shapes = _event_payloads(spec)
    assert {kind for kind, _ in emitted} == set(shapes)  # every event type, once at least
    for kind, payload in emitted:
        assert set(payload) == shapes[kind], kind
        assert payload["room_id"] == room.id
