"""The converter's fast hooks, stock cattrs, and the explanation of a bad reply agree.

* On documents of the right shape (generated from each model's own annotations), the
  generated hooks build exactly what a stock ``cattrs.Converter`` builds.
* On documents of any shape, the fast hook fails exactly when ``explain`` finds a problem,
  because both follow the same per-field rules (``"sessions": null`` is fine for both).
* Explaining is bounded: a few problems at most, cheap on huge or deeply nested replies.
"""

from __future__ import annotations

import json
import time
import types
import typing
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telnyx_rooms_async import APIResponseValidationError, Room, RoomSession, models
from telnyx_rooms_async._converter import (
    CONVERTER,
    MAX_PROBLEMS,
    explain,
    loads,
    structure_data,
    structure_page,
)
from telnyx_rooms_async.webhooks import UnknownEvent

MODELS = [
    c
    for c in vars(models).values()
    if isinstance(c, type) and attrs.has(c) and c.__module__ == models.__name__
]

_TEXT = st.text(max_size=12)
_STAMPS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
)


def _strip_none(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        return rest[0], len(rest) != len(typing.get_args(tp))
    return tp, False


def json_for(tp: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """JSON values of the right shape for ``tp``."""
    inner, optional = _strip_none(tp)
    if inner is str:
        value: st.SearchStrategy[Any] = _TEXT
    elif inner is bool:
        value = st.booleans()
    elif inner is int:
        value = st.integers(-(2**40), 2**40)
    elif inner is float:
        value = st.floats(allow_nan=False, allow_infinity=False)
    elif inner is datetime:
        value = _STAMPS.map(lambda d: d.isoformat().replace("+00:00", "Z"))
    elif typing.get_origin(inner) is tuple:
        value = st.lists(json_for(typing.get_args(inner)[0], depth + 1), max_size=3)
    elif typing.get_origin(inner) in (dict, Mapping):
        value = st.dictionaries(_TEXT, json_for(typing.get_args(inner)[1], depth + 1), max_size=2)
    elif attrs.has(inner):
        value = document_for(inner)
    else:
        raise AssertionError(f"no strategy for {tp}")
    return st.one_of(st.none(), value) if optional else value


def document_for(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object for ``cls``: required fields always, the others sometimes."""
    hints = typing.get_type_hints(cls)
    required = {
        a.name: json_for(hints[a.name]) for a in attrs.fields(cls) if a.default is attrs.NOTHING
    }
    optional = {
        a.name: json_for(hints[a.name]) for a in attrs.fields(cls) if a.default is not attrs.NOTHING
    }
    return st.fixed_dictionaries(required, optional=optional)


def stock() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)
    conv.register_structure_hook(
        datetime, lambda v, _: datetime.fromisoformat(v.replace("Z", "+00:00"))
    )

    def frozen(value: Any, tp: Any) -> Any:
        _, item = typing.get_args(tp)
        return models.FrozenDict({k: conv.structure(v, item) for k, v in value.items()})

    conv.register_structure_hook_func(
        lambda tp: typing.get_origin(tp) is Mapping and attrs.has(typing.get_args(tp)[1]), frozen
    )
    return conv


STOCK = stock()


def without_nulls_for_defaults(cls: type, doc: dict[str, Any]) -> dict[str, Any]:
    """Stock cattrs takes ``null`` literally; the fast hooks give the default, as the docs say."""
    fields = attrs.fields_dict(cls)
    out = {}
    for key, value in doc.items():
        field = fields[key]
        if value is None and field.default is not attrs.NOTHING:
            continue
        inner, _ = _strip_none(typing.get_type_hints(cls)[key])
        if attrs.has(inner) and isinstance(value, dict):
            value = without_nulls_for_defaults(inner, value)
        elif typing.get_origin(inner) is tuple and attrs.has(typing.get_args(inner)[0]) and value:
            value = [without_nulls_for_defaults(typing.get_args(inner)[0], v) for v in value]
        elif typing.get_origin(inner) in (dict, Mapping) and value:
            item = typing.get_args(inner)[1]
            value = {k: without_nulls_for_defaults(item, v) for k, v in value.items()}
        out[key] = value
    return out


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None, database=None)
@given(data=st.data())
def test_fast_hooks_build_what_stock_cattrs_builds(cls: type, data: st.DataObject) -> None:
    doc = data.draw(document_for(cls))
    ours = CONVERTER.structure(doc, cls)
    theirs = STOCK.structure(without_nulls_for_defaults(cls, doc), cls)
    assert ours == theirs
    for field in attrs.fields(cls):
        assert type(getattr(ours, field.name)) is type(getattr(theirs, field.name)), field.name


# Any JSON at all, biased towards values that are almost right.
ANY_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=8),
        st.just("2021-04-16T09:46:20Z"),
        st.sampled_from([0, "", [], {}, False]),  # falsy: where "missing" and "empty" meet
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


def mutated(cls: type) -> st.SearchStrategy[Any]:
    """A document of ``cls`` with one field replaced by any JSON (or removed), or any JSON."""

    def mutate(doc: dict[str, Any], data: st.DataObject) -> Any:
        names = [a.name for a in attrs.fields(cls)]
        name = data.draw(st.sampled_from(names))
        if data.draw(st.booleans()):
            doc.pop(name, None)
        else:
            doc[name] = data.draw(ANY_JSON)
        return doc

    return st.one_of(ANY_JSON, st.builds(mutate, document_for(cls), st.data()))


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@settings(max_examples=150, deadline=None, database=None)
@given(data=st.data())
def test_the_explanation_follows_the_same_rules(cls: type, data: st.DataObject) -> None:
    doc = data.draw(mutated(cls))
    try:
        CONVERTER.get_structure_hook(cls)(doc, cls)
        fast_ok = True
    except Exception:
        fast_ok = False
    problems = explain(cls, doc, "$")
    assert fast_ok is (problems == []), problems
    assert len(problems) <= MAX_PROBLEMS


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"id": "r", "sessions": None}, None),  # null is the default, for both
        ({"id": "r", "sessions": []}, None),
        ({"id": "r", "sessions": 0}, None),  # falsy: the default, as the fast path reads it
        ({"id": "r", "sessions": [{"room_id": "x"}]}, "$.data.sessions[0].id: is required"),
        ({"id": "r", "created_at": 7}, "$.data.created_at: expected an ISO 8601"),
        (
            {"id": "r", "sessions": [{"id": "s", "participants": [5]}]},
            "participants[0]: expected an object",
        ),
        ({"sessions": []}, "$.data.id: is required but missing"),
    ],
)
def test_what_the_explanation_says(doc: dict[str, Any], where: str | None) -> None:
    body = json.dumps({"data": doc}).encode()
    if where is None:
        assert isinstance(structure_data(body, Room), Room)
        return
    with pytest.raises(APIResponseValidationError) as caught:
        structure_data(body, Room)
    assert where in str(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_a_page_of_100000_invalid_items_is_explained_at_once() -> None:
    body = json.dumps({"data": [{"id": i, "created_at": i} for i in range(100_000)]}).encode()
    started = time.process_time()
    with pytest.raises(APIResponseValidationError) as caught:
        structure_page(body, Room)
    spent = time.process_time() - started
    assert str(caught.value).count("$.data[") == MAX_PROBLEMS
    assert "(and possibly more)" in str(caught.value)
    # Bounded by a small constant times reading the body (here far below a second).
    decode = time.process_time()
    json.loads(body)
    assert spent < 20 * (time.process_time() - decode) + 0.5


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deep_nesting_is_a_validation_error(depth: int) -> None:
    deep = b"[" * depth + b"]" * depth
    for body in (
        deep,
        b'{"data": ' + deep + b"}",
        b'{"data": {"id": "r", "sessions": ' + deep + b"}}",
        b'{"data": [' + deep + b"]}",
    ):
        with pytest.raises(APIResponseValidationError):
            structure_data(body, Room)
        with pytest.raises(APIResponseValidationError):
            structure_page(body, RoomSession)


def test_deep_free_form_json_is_refused_not_recursed() -> None:
    nested: Any = "leaf"
    for _ in range(models.MAX_JSON_DEPTH + 5):
        nested = {"x": nested}
    with pytest.raises(models.TooDeep):
        models.freeze_json(nested)
    problems = explain(UnknownEvent, {"payload": nested}, "$")
    assert problems == ["$.payload: expected an object, got an object"]


@pytest.mark.parametrize("body", [b"NaN", b'{"data": {"id": NaN}}', b"[Infinity]", b"-Infinity"])
def test_nan_and_infinity_are_not_json(body: bytes) -> None:
    with pytest.raises(APIResponseValidationError, match="not valid JSON"):
        loads(body)


def test_huge_integers_are_refused() -> None:
    with pytest.raises(APIResponseValidationError):
        loads(b'{"data": {"id": "r", "max_participants": ' + b"9" * 10_000 + b"}}")


def test_timestamps_stay_aware() -> None:
    room = CONVERTER.structure({"id": "r", "created_at": "2021-04-16T09:46:20"}, Room)
    assert room.created_at == datetime(2021, 4, 16, 9, 46, 20, tzinfo=timezone.utc)
    assert room.created_at.utcoffset() == timedelta(0)


TRICKY: list[Any] = [
    None,
    0,
    "",
    [],
    {},
    False,
    True,
    "x",
    5,
    2.5,
    [5],
    ["x"],
    [{}],
    {"a": {}},
    [None],
]


def _minimal(cls: type) -> dict[str, Any]:
    return {a.name: "x" for a in attrs.fields(cls) if a.default is attrs.NOTHING}


@pytest.mark.parametrize(
    ("cls", "name"),
    [(c, a.name) for c in MODELS for a in attrs.fields(c)],
    ids=lambda v: v.__name__ if isinstance(v, type) else str(v),
)
def test_every_field_agrees_on_tricky_values(cls: type, name: str) -> None:
    hook = CONVERTER.get_structure_hook(cls)
    for value in TRICKY:
        doc = {**_minimal(cls), name: value}
        try:
            hook(doc, cls)
            fast_ok = True
        except Exception:
            fast_ok = False
        assert fast_ok is (explain(cls, doc, "$") == []), (name, value)
