"""Schema fuzzing: any reply the spec allows structures, or fails as a validation error.

For every operation with a JSON reply, hypothesis generates bodies from the spec's response
schema (``$ref``s resolved here) and a raw server on 127.0.0.1 returns them to the real
client method. The outcome must be the operation's model (or page, or count) or
``APIResponseValidationError``, never any other exception. A body that carries what the
models require (an ``id``) must structure. Arbitrary JSON under ``"data"`` is tried too.

The bodies come from ``schema_strategy`` below, a generator for the JSON Schema subset the
spec's responses use, checked by ``jsonschema`` against the schema it came from.
(hypothesis-jsonschema 0.23.1 fails on object schemas with this project's Hypothesis:
``AttributeError: 'many' object has no attribute 'more'``.)
"""

from __future__ import annotations

import json
import string
from collections.abc import AsyncIterator
from datetime import timedelta, timezone
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rawserver import RawRequest, RawServer, Stats
from test_conformance import OPERATIONS, Operation, check_result
from vendordata import SPEC_FILE

from telnyx_rooms_async import (
    APIResponseValidationError,
    Room,
    RoomParticipant,
    RoomsClient,
    RoomSession,
)

#: Keywords that only document a schema; JSON Schema validators would not expect them here.
_DOC_ONLY = {"example", "examples", "description", "readOnly", "writeOnly", "title", "default"}


def resolve(node: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """The schema with every ``$ref`` inlined and documentation keywords dropped."""
    if isinstance(node, list):
        return [resolve(item, components, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        assert name not in seen, f"recursive schema through {name}"
        return resolve(components[name], components, (*seen, name))
    out = {}
    for key, value in node.items():
        if key in _DOC_ONLY or key.startswith("x-"):
            continue
        if key == "format" and node.get("type") not in ("string", ["string"]):
            continue  # e.g. "float" on a number: documentation, not a string format
        if key == "properties":
            out[key] = {name: resolve(sub, components, seen) for name, sub in value.items()}
        else:
            out[key] = value if key == "enum" else resolve(value, components, seen)
    return out


# -- a generator for the spec's JSON Schema subset -------------------------------------------

_KNOWN = {
    "type",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "enum",
    "oneOf",
    "format",
    "minimum",
    "maximum",
}
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)


def _datetime_text() -> st.SearchStrategy[str]:
    """RFC 3339 date-times as APIs write them: ``T`` and ``Z`` upper case, any fraction."""

    def render(moment: Any, digits: int, offset: int | None) -> str:
        m = moment
        base = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        if digits:
            base += "." + f"{moment.microsecond:06d}{moment.microsecond:03d}"[:digits]
        if offset is None:
            return base + "Z"
        zone = timezone(timedelta(minutes=offset))
        text = moment.replace(tzinfo=zone).isoformat()
        return base + text[-6:]

    return st.builds(
        render,
        st.datetimes(),
        st.integers(0, 9),
        st.one_of(st.none(), st.integers(-23 * 60 - 59, 23 * 60 + 59)),
    )


_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date-time": _datetime_text(),
    "date": st.dates().map(lambda d: d.isoformat()),
    "uuid": st.uuids().map(str),
    "uri": st.builds(
        lambda host, path: f"https://{host}.example{path}",
        st.text(string.ascii_lowercase, min_size=1, max_size=8),
        st.sampled_from(["", "/", "/a/b?c=1"]),
    ),
}


def schema_strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Documents valid under ``schema`` (objects get extra unknown keys now and then)."""
    unknown = set(schema) - _KNOWN
    assert not unknown, f"the generator does not know {unknown}"
    if "oneOf" in schema:
        return st.one_of([schema_strategy(s) for s in schema["oneOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([schema_strategy({**schema, "type": k}) for k in kind])
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.integers(low, high) | st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "string":
        fmt = schema.get("format")
        return _FORMATS[fmt] if fmt is not None else _TEXT
    if kind == "array":
        return st.lists(schema_strategy(schema.get("items", {})), max_size=3)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        known = st.fixed_dictionaries(
            {k: schema_strategy(v) for k, v in properties.items() if k in required},
            optional={k: schema_strategy(v) for k, v in properties.items() if k not in required},
        )
        extra_schema = schema.get("additionalProperties", True)
        if extra_schema is False:
            return known
        extra_values = _JSON if extra_schema is True else schema_strategy(extra_schema)
        extra = st.dictionaries(
            _TEXT.filter(lambda k: k not in properties), extra_values, max_size=2
        )
        return st.builds(lambda a, b: {**b, **a}, known, extra)
    assert not schema, f"the generator cannot read {schema}"
    return _JSON


def response_schemas() -> dict[str, tuple[int, dict[str, Any]]]:
    """operationId -> (status, resolved JSON schema) of each 2xx JSON reply."""
    doc = json.loads(SPEC_FILE.read_text())
    components = doc["components"]["schemas"]
    found = {}
    for item in doc["paths"].values():
        for method, op in item.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            for status, response in op["responses"].items():
                content = response.get("content", {}).get("application/json")
                if status.startswith("2") and content is not None:
                    found[op["operationId"]] = (int(status), resolve(content["schema"], components))
    return found


SCHEMAS = response_schemas()
#: One validator per schema, built once: checking the schema itself is the slow part.
VALIDATORS = {
    op: jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for op, (_, schema) in SCHEMAS.items()
}


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
#: Arbitrary JSON, with field names the models know, to reach deeper than a random key would.
KNOWN_KEYS = st.sampled_from(
    [
        "id",
        "created_at",
        "participants",
        "sessions",
        "video_layout",
        "meta",
        "data",
        "token",
        "room_recordings",
        "result",
        "size_mb",
        "video_sources",
        "total_pages",
    ]
)
SHAPED = st.dictionaries(KNOWN_KEYS, JSON, max_size=6)


class Replies:
    """What the raw server answers next: a status and a body set by the test."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b"{}"

    async def __call__(self, request: RawRequest, reader: Any, writer: Any, stats: Stats) -> bool:
        head = (
            f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(self.body)}\r\n\r\n"
        ).encode()
        writer.write(head + self.body)
        stats.bytes_sent += len(head) + len(self.body)
        await writer.drain()
        return True


@pytest.fixture
async def served() -> AsyncIterator[tuple[Replies, RoomsClient]]:
    """A raw server answering with ``Replies`` and a client on it."""
    replies = Replies()
    async with RawServer(replies) as server:
        async with RoomsClient("KEY-fuzz", base_url=server.base_url, max_retries=0) as client:
            yield replies, client


async def outcome(op: Operation, client: RoomsClient) -> object:
    """The structured result, or the ``APIResponseValidationError`` it raised."""
    try:
        result = await op.full(client)
    except APIResponseValidationError as exc:
        return exc
    check_result(op, result)
    return result


def _fits(value: Any, cls: type) -> bool:
    """``value`` has every field ``cls`` requires, and so do its nested sessions/participants."""
    if not isinstance(value, dict):
        return False
    if any(f.default is attrs.NOTHING and f.name not in value for f in attrs.fields(cls)):
        return False
    nested = {"sessions": RoomSession, "participants": RoomParticipant}
    return all(
        all(_fits(child, nested[key]) for child in value.get(key) or ())
        for key in nested
        if key in attrs.fields_dict(cls)
    )


def _has_required(doc: Any, op: Operation) -> bool:
    """The document carries what the client needs beyond the spec (ids, the count)."""
    data = doc.get("data") if isinstance(doc, dict) else None
    if op.returns is int:
        return isinstance(data, dict) and type(data.get("room_recordings")) is int
    assert op.returns is not None
    if isinstance(data, list):
        return all(_fits(item, op.returns) for item in data)
    return _fits(data, op.returns)


FUZZED = sorted(SCHEMAS)


@pytest.mark.parametrize("operation_id", FUZZED)
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(data=st.data())
async def test_spec_bodies_structure_or_fail_cleanly(
    served: tuple[Replies, RoomsClient], operation_id: str, data: st.DataObject
) -> None:
    replies, client = served
    status, schema = SCHEMAS[operation_id]
    op = OPERATIONS[operation_id]
    doc = data.draw(schema_strategy(schema), label="body")
    VALIDATORS[operation_id].validate(doc)  # the generator made what the spec allows
    replies.status, replies.body = status, json.dumps(doc).encode()
    result = await outcome(op, client)
    if _has_required(doc, op):
        # Valid under the spec and carrying ids: it must structure, not be refused.
        assert not isinstance(result, APIResponseValidationError), result


@pytest.mark.parametrize("operation_id", FUZZED)
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_any_json_structures_or_fails_cleanly(
    served: tuple[Replies, RoomsClient], operation_id: str, data: st.DataObject
) -> None:
    replies, client = served
    status, _ = SCHEMAS[operation_id]
    inner = data.draw(st.one_of(JSON, SHAPED, st.lists(SHAPED, max_size=3)), label="data")
    wrapped = data.draw(st.sampled_from(["data", "data+meta", "bare"]), label="wrapping")
    if wrapped == "bare":
        doc: Any = inner
    elif wrapped == "data":
        doc = {"data": inner}
    else:
        doc = {"data": inner, "meta": data.draw(SHAPED)}
    replies.status, replies.body = status, json.dumps(doc).encode()
    await outcome(OPERATIONS[operation_id], client)


def test_every_json_reply_is_fuzzed() -> None:
    """All operations with a JSON reply (the 25 minus the three 204 deletes) are covered."""
    assert len(SCHEMAS) == 22
    assert set(SCHEMAS) <= set(OPERATIONS)
    no_content = {k for k, op in OPERATIONS.items() if op.returns is None}
    assert set(OPERATIONS) - set(SCHEMAS) == no_content


@pytest.mark.parametrize(
    ("body", "fits"),
    [
        ({"data": {"id": "r", "created_at": "yesterday"}}, False),
        ({"data": {"id": "r", "created_at": 5}}, False),
        ({"data": {"id": "r", "sessions": [{"no_id": 1}]}}, False),
        ({"data": {"id": "r", "sessions": 5}}, False),
        ({"data": {"id": "r", "sessions": [5]}}, False),
        ({"data": {"id": "r", "created_at": "2021-13-45T99:99:99Z"}}, False),
        # Python's ISO parser reads this as 1111-11-11T11:11:11.111111: either outcome is fine.
        ({"data": {"id": "r", "created_at": "1" * 5000}}, None),
        ({"data": {"id": "r", "updated_at": "9999-12-31T23:59:59.999999-23:59"}}, True),
        ({"data": {"id": "r", "sessions": None, "unknown": {"x": [1]}}}, True),
    ],
)
async def test_bad_values_in_a_room(
    served: tuple[Replies, RoomsClient], body: Any, fits: bool | None
) -> None:
    """Wrong types where the model parses (datetimes, nested models) are validation errors."""
    replies, client = served
    replies.status, replies.body = 200, json.dumps(body).encode()
    result = await outcome(OPERATIONS["ViewRoom"], client)
    assert isinstance(result, (Room, APIResponseValidationError))
    if fits is not None:
        assert isinstance(result, Room) is fits, result
