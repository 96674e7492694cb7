"""The fake answers like the API: as permissive as the vendor's spec, never stricter.

Request bodies are made from the spec's own schemas (their examples and defaults), with
fields no schema names added; every error the fake answers is one the spec declares for that
operation, in the declared shape.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import attrs
import jsonschema
import pytest
from fakehttp import raw
from test_spec_examples import _resolve
from vendordata import SPEC_FILE

from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async import params as p
from telnyx_rooms_async._operations import BY_KEY, OPERATIONS, Operation
from telnyx_rooms_async.testing import FakeRoomsAPI

SPEC: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
UNKNOWN_ID = "0b1f3c1e-0000-4000-8000-000000000000"
EXTRA = {"record_type": "room", "colour": "blue"}


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """What a ``$ref`` names in the spec (the schema itself when it is none)."""
    return _resolve(SPEC, schema)


def inline(schema: Any) -> Any:
    """``schema`` with every ``$ref`` replaced by what it names (the spec has no loops)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return inline(resolve(schema))
        return {k: inline(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [inline(v) for v in schema]
    return schema


def spec_operation(op: Operation[Any, Any]) -> dict[str, Any]:
    for item in SPEC["paths"].values():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == op.operation_id:
                assert method.upper() == op.http_method
                return operation
    raise LookupError(op.operation_id)


def sample(schema: dict[str, Any]) -> Any:
    """A value the schema allows, from its examples and defaults (the spec's own words)."""
    schema = resolve(schema)
    if "example" in schema:
        return schema["example"]
    if "oneOf" in schema:
        return sample(schema["oneOf"][-1])
    if schema.get("type") == "array":
        return [sample(schema["items"])]
    if "properties" in schema:
        return {name: sample(sub) for name, sub in schema["properties"].items()}
    if isinstance(schema.get("additionalProperties"), dict):
        return {"main": sample(schema["additionalProperties"])}
    if "default" in schema:
        return schema["default"]
    raise AssertionError(f"no sample for {schema}")


def spec_body(op: Operation[Any, Any]) -> dict[str, Any]:
    """A body from the operation's request schema (``{}`` when it declares none)."""
    if "requestBody" not in spec_operation(op):
        return {}
    schema = spec_operation(op)["requestBody"]["content"]["application/json"]["schema"]
    body = sample(schema)
    assert isinstance(body, dict)
    return body


@attrs.frozen
class World:
    """A room with a live session (Alice, Bob), an ended session, and a refresh token."""

    fake: FakeRoomsAPI
    room_id: str
    session_id: str
    ended_id: str
    alice: str
    bob: str
    refresh_token: str

    def path(self, op: Operation[Any, Any]) -> str:
        ids = {
            "room_id": self.room_id,
            "room_session_id": self.session_id,
            "room_participant_id": self.alice,
            "room_composition_id": UNKNOWN_ID,
            "room_recording_id": UNKNOWN_ID,
        }
        path = op.path
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        return path

    async def send(
        self, op: Operation[Any, Any], *, body: Any = None, query: str = "", path: str | None = None
    ) -> tuple[int, Any]:
        return await raw(
            self.fake.base_url,
            op.http_method,
            path or self.path(op),
            body=body,
            query=query,
            api_key=self.fake.api_key,
        )


async def make_world(fake: FakeRoomsAPI) -> World:
    async with RoomsClient(fake.api_key, base_url=fake.base_url, timeout=10) as client:
        room = await client.rooms.create(unique_name="taken")
        other = await client.rooms.create()
        token = await client.rooms.generate_join_client_token(room.id)
    session = await fake.sim.start_session(room.id)
    alice = await fake.sim.join(session["id"], context="Alice")
    bob = await fake.sim.join(session["id"], context="Bob")
    ended = await fake.sim.start_session(other.id)
    await fake.sim.end_session(ended["id"])
    return World(
        fake, room.id, session["id"], ended["id"], alice["id"], bob["id"], token.refresh_token
    )


@pytest.fixture
async def world(fake: FakeRoomsAPI) -> World:
    return await make_world(fake)


@pytest.fixture
async def strict_world() -> AsyncIterator[World]:
    async with FakeRoomsAPI(strict=True) as fake:
        yield await make_world(fake)


def valid_body(world: World, op: Operation[Any, Any]) -> dict[str, Any]:
    """The spec's sample body, with the ids and token this world knows."""
    body = spec_body(op)
    if "session_id" in body:
        body["session_id"] = world.ended_id
    if "refresh_token" in body:
        body["refresh_token"] = world.refresh_token
    if op.key == "rooms.update":
        body["unique_name"] = "renamed"
    return body


BODY_OPERATIONS = [op for op in OPERATIONS if "requestBody" in spec_operation(op)]


def test_the_body_operations_are_the_ones_the_brief_names() -> None:
    assert {op.key for op in BODY_OPERATIONS} == {
        "rooms.create",
        "rooms.update",
        "rooms.generate_join_client_token",
        "rooms.refresh_client_token",
        "room_sessions.kick",
        "room_sessions.mute",
        "room_sessions.unmute",
        "room_compositions.create",
    }


# -- 1. unknown body fields are accepted and ignored; strict mode reports them -----------------


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=lambda op: op.key)
async def test_the_spec_sample_body_with_unknown_fields_is_accepted(
    world: World, op: Operation[Any, Any]
) -> None:
    body = {**valid_body(world, op), **EXTRA}
    if "video_layout" in body:
        body["video_layout"]["main"]["shape"] = "round"
    status, document = await world.send(op, body=body)
    assert 200 <= status < 300, document
    stored = [r for table in world.fake.store.tables().values() for r in table.values()]
    assert not any("colour" in r for r in stored)
    assert all(r.get("record_type") != "room" or "unique_name" in r for r in stored)
    for composition in world.fake.store.compositions.values():
        assert "shape" not in composition["video_layout"]["main"]


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=lambda op: op.key)
async def test_strict_mode_reports_unknown_fields(
    strict_world: World, op: Operation[Any, Any]
) -> None:
    body = {**valid_body(strict_world, op), "record_type": "room"}
    status, document = await strict_world.send(op, body=body)
    assert status == 422
    [error] = document["errors"]
    assert error["source"] == {"pointer": "/record_type"}
    assert error["detail"] == "record_type is not a known attribute"


async def test_strict_mode_reports_an_unknown_field_inside_a_region(strict_world: World) -> None:
    op = BY_KEY["room_compositions.create"]
    body = valid_body(strict_world, op)
    body["video_layout"]["main"]["shape"] = "round"
    status, document = await strict_world.send(op, body=body)
    assert status == 422
    assert document["errors"][0]["source"] == {"pointer": "/video_layout/main/shape"}


async def test_unknown_fields_do_not_reach_the_stored_room(world: World) -> None:
    op = BY_KEY["rooms.update"]
    status, _ = await world.send(op, body={"max_participants": 12, "record_type": "x"})
    assert status == 200
    room = world.fake.store.rooms[world.room_id]
    assert room["max_participants"] == 12
    assert room["record_type"] == "room"


# -- 2. an empty participant list is allowed ---------------------------------------------------


@pytest.mark.parametrize("verb", ["kick", "mute", "unmute"])
async def test_an_empty_participant_list_acts_on_nobody(world: World, verb: str) -> None:
    world.fake.store.muted.add(world.bob)
    status, document = await world.send(BY_KEY[f"room_sessions.{verb}"], body={"participants": []})
    assert (status, document) == (200, {"data": {"result": "ok"}})
    participants = world.fake.store.participants
    assert all(participants[p]["left_at"] is None for p in (world.alice, world.bob))
    assert world.fake.store.muted == {world.bob}


async def test_no_participants_at_all_acts_on_nobody(world: World) -> None:
    # The spec requires no field of the action body.
    status, _ = await world.send(BY_KEY["room_sessions.kick"], body={})
    assert status == 200
    assert all(p["left_at"] is None for p in world.fake.store.participants.values())


# -- 3. and 4. the duration filter: any integer, and the bulk delete's only error, 422 -------


async def recordings(world: World) -> dict[str, str]:
    sim = world.fake.sim
    long = await sim.start_recording(world.session_id, world.alice)
    short = await sim.start_recording(world.session_id, world.bob, "video")
    await sim.complete_recording(long["id"], duration_secs=30)
    await sim.complete_recording(short["id"], duration_secs=5)
    return {"long": long["id"], "short": short["id"]}


@pytest.mark.parametrize("minimum", ["-1", "-100", "0"])
async def test_a_negative_duration_filter_is_a_minimum_like_any_other(
    world: World, minimum: str
) -> None:
    made = await recordings(world)
    status, document = await world.send(
        BY_KEY["room_recordings.list"], query=f"filter[duration_secs]={minimum}"
    )
    assert status == 200
    assert {r["id"] for r in document["data"]} == set(made.values())
    status, document = await world.send(
        BY_KEY["room_recordings.delete_bulk"], query=f"filter[duration_secs]={minimum}"
    )
    assert (status, document) == (201, {"data": {"room_recordings": 2}})


async def test_the_duration_filter_is_greater_or_equal(world: World) -> None:
    made = await recordings(world)
    status, document = await world.send(
        BY_KEY["room_recordings.list"], query="filter[duration_secs]=30"
    )
    assert status == 200
    assert [r["id"] for r in document["data"]] == [made["long"]]


async def test_a_malformed_filter_of_the_bulk_delete_is_its_declared_422(world: World) -> None:
    await recordings(world)
    status, document = await world.send(
        BY_KEY["room_recordings.delete_bulk"], query="filter[duration_secs]=abc"
    )
    assert status == 422
    assert document["errors"][0]["source"] == {"parameter": "filter[duration_secs]"}
    assert len(world.fake.store.recordings) == 2


# -- what else the spec allows ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ({"max_participants": 12.0}, {"max_participants": 12}),
        ({"webhook_event_url": "urn:example:hooks"}, {"webhook_event_url": "urn:example:hooks"}),
        ({"webhook_timeout_secs": None}, {"webhook_timeout_secs": None}),
        ({"unique_name": ""}, {"unique_name": ""}),
    ],
)
async def test_json_integers_any_uri_null_timeout_and_any_string(
    world: World, body: dict[str, Any], stored: dict[str, Any]
) -> None:
    status, document = await world.send(BY_KEY["rooms.create"], body=body)
    assert status == 201, document
    room = world.fake.store.rooms[document["data"]["id"]]
    assert {k: room[k] for k in stored} == stored
    assert type(room.get("max_participants")) is int


@pytest.mark.parametrize("requested", ["webm", "mp4", ""])
async def test_a_composition_format_is_any_string_and_the_composition_an_mp4(
    world: World, requested: str
) -> None:
    # The request's schema takes any string; the reply's allows "mp4" alone, so a reply
    # that echoed "webm" would be off the spec (schemathesis found it).
    op = BY_KEY["room_compositions.create"]
    body = {"session_id": world.ended_id, "format": requested}
    status, document = await world.send(op, body=body)
    assert status == 202
    assert document["data"]["format"] == "mp4"
    shown = SPEC["components"]["schemas"]["RoomComposition"]["properties"]["format"]
    jsonschema.validate(document["data"]["format"], shown)
    status, again = await world.send(
        BY_KEY["room_compositions.retrieve"],
        path=f"/room_compositions/{document['data']['id']}",
    )
    assert (status, again["data"]["format"]) == (200, "mp4")


async def test_a_malformed_flag_on_a_retrieve_is_not_an_error(world: World) -> None:
    # ViewRoom declares no error but 404: any value but "true" means false.
    status, document = await world.send(BY_KEY["rooms.retrieve"], query="include_sessions=yes")
    assert status == 200
    assert "sessions" not in document["data"]
    status, document = await world.send(BY_KEY["rooms.retrieve"], query="include_sessions=true")
    assert len(document["data"]["sessions"]) == 1


# -- unique names ---------------------------------------------------------------------------


async def test_a_taken_unique_name_is_a_422_on_create_and_update(world: World) -> None:
    status, document = await world.send(BY_KEY["rooms.create"], body={"unique_name": "taken"})
    assert status == 422
    assert document["errors"][0]["source"] == {"pointer": "/unique_name"}
    other = next(r for r in world.fake.store.rooms if r != world.room_id)
    status, document = await world.send(
        BY_KEY["rooms.update"], path=f"/rooms/{other}", body={"unique_name": "taken"}
    )
    assert status == 422
    assert document["errors"][0]["source"] == {"pointer": "/unique_name"}
    # A room may keep its own name.
    status, _ = await world.send(BY_KEY["rooms.update"], body={"unique_name": "taken"})
    assert status == 200
    assert [r["unique_name"] for r in world.fake.store.rooms.values()].count("taken") == 1


async def test_unique_names_false_allows_duplicates() -> None:
    async with FakeRoomsAPI(unique_names=False) as fake:
        world = await make_world(fake)
        status, _ = await world.send(BY_KEY["rooms.create"], body={"unique_name": "taken"})
        assert status == 201
        other = next(r for r in fake.store.rooms if r != world.room_id)
        status, _ = await world.send(
            BY_KEY["rooms.update"], path=f"/rooms/{other}", body={"unique_name": "taken"}
        )
        assert status == 200
        names = [r["unique_name"] for r in fake.store.rooms.values()]
        assert names.count("taken") == 3


# -- every error is one the operation declares, in the declared shape ----------------------

#: Where the fake answers an error the spec does not declare, and why it does.
UNDECLARED: dict[str, set[int]] = {
    # The spec declares only 201 and 403; an unknown room is a 404 and a body out of its
    # schema a 422 here, as for every other operation (a 403 would say "forbidden").
    "rooms.generate_join_client_token": {404, 422},
    "rooms.refresh_client_token": {404, 422},
}


def bad_values(attr: attrs.Attribute[Any], *, query: bool) -> list[Any]:
    """Values outside the spec's schema of a params field (in a body, or in the query,
    where any text is a string)."""
    rule = attr.validator.inner if isinstance(attr.validator, p.Required) else attr.validator
    if isinstance(rule, p.IntRange) or rule is p.BOOLEAN or rule is p.DAY:
        return ["x"]
    if query:
        return []
    if rule is None:
        return [[]]  # video_layout: not an object
    if rule in (p.PARTICIPANTS, p.IDS):
        return ["x", [1]]
    return [5]


def probes(world: World, op: Operation[Any, Any]) -> list[dict[str, Any]]:
    """Requests the operation must refuse: an unknown id, bad query values, bad bodies."""
    found: list[dict[str, Any]] = []
    if op.id_name is not None:
        unknown = world.path(op)
        for real in (world.room_id, world.session_id, world.alice):
            unknown = unknown.replace(real, UNKNOWN_ID)
        found.append({"path": unknown, "body": valid_body(world, op) if op.sends_body else None})
    if op.key == "room_sessions.end":
        found.append({"path": world.path(op).replace(world.session_id, world.ended_id)})
    for attr in attrs.fields(op.params):
        if not p.is_sent(attr):
            continue
        key = p.wire_key(attr)
        if op.sends_body:
            found.extend(
                {"body": {**valid_body(world, op), key: value}}
                for value in bad_values(attr, query=False)
            )
        elif op.result.kind != "one":  # a retrieve declares no error for its query
            found.extend({"query": f"{key}={v}"} for v in bad_values(attr, query=True))
    return found


def declared(op: Operation[Any, Any]) -> dict[int, dict[str, Any]]:
    """Status -> the response the spec declares (``4XX`` spread over 400..499)."""
    out: dict[int, dict[str, Any]] = {}
    for status, response in spec_operation(op)["responses"].items():
        codes = range(400, 500) if status == "4XX" else [int(status)]
        for code in codes:
            out[code] = resolve(response)
    return out


def check_shape(response: dict[str, Any], document: Any) -> None:
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    jsonschema.validate(document, inline(schema))


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.key)
async def test_every_error_is_one_the_spec_declares(world: World, op: Operation[Any, Any]) -> None:
    answers = declared(op)
    tried = probes(world, op)
    if op.id_name is None and not tried:
        pytest.fail(f"{op.key}: nothing to probe")
    for probe in tried:
        status, document = await world.send(op, **probe)
        assert status >= 400, (probe, status, document)
        if status in UNDECLARED.get(op.key, set()):
            continue
        assert status in answers, (op.key, probe, status, document)
        check_shape(answers[status], document)
        if status == 404:
            # The spec's 404 is a bare error object.
            assert "errors" not in document and {"code", "title"} <= set(document)
        elif "body" in probe and "path" not in probe:
            # A refused field is named, by pointer.
            assert document["errors"][0]["source"]["pointer"], document
