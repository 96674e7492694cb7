"""Bad input never reaches the wire; good input reaches it exactly.

Hypothesis drives every params class: values inside the spec's rules are accepted and
serialised exactly (checked on the object and on what the fake API received), values
outside them raise ``InvalidParams`` naming the field before any request (the server sees
zero calls). Path ids with ``/``, ``..``, ``?``, ``#``, spaces or any unicode are encoded or
refused and never change the path.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telnyx_rooms_async import InvalidParams, RoomsClient, TelnyxError, params
from telnyx_rooms_async._operations import OPERATIONS, Operation
from telnyx_rooms_async.params import to_dict, to_query
from telnyx_rooms_async.testing import FakeRoomsAPI

# -- value rules ----------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
ID = TEXT.filter(lambda s: bool(s.strip()))
NOT_STR = st.one_of(st.integers(), st.booleans(), st.floats(allow_nan=False), st.just([1]))
NOT_INT = st.one_of(
    st.booleans(), st.floats(allow_nan=False), st.text(max_size=5), st.just([1]), st.just(1.0)
)


@attrs.frozen
class Rule:
    """What a field accepts and refuses, and how an accepted value looks on the wire."""

    valid: st.SearchStrategy[Any]
    invalid: st.SearchStrategy[Any]
    json: Callable[[Any], Any] = lambda v: v
    """The value in a JSON body."""
    query: Callable[[Any], str] = str
    """The value in a query string (decoded)."""


def ints(lo: int | None, hi: int | None) -> Rule:
    """An integer range; outside it, and any non-integer (``bool`` too), is refused."""
    outside = []
    if lo is not None:
        outside.append(st.integers(max_value=lo - 1))
    if hi is not None:
        outside.append(st.integers(min_value=hi + 1))
    return Rule(st.integers(lo, hi), st.one_of(*outside, NOT_INT))


BOOL = Rule(
    st.booleans(),
    st.one_of(st.integers(0, 1), st.sampled_from(["true", "false", "yes", ""]), st.just(1.0)),
    query=lambda v: "true" if v else "false",
)
STRING = Rule(TEXT, NOT_STR)
NON_EMPTY = Rule(ID, st.one_of(st.sampled_from(["", " ", "\t\n"]), NOT_STR))

_HOST = st.from_regex(r"\A[a-z][a-z0-9-]{0,10}(\.[a-z]{2,6}){1,2}\Z")
_URL = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https", "HTTPS"]),
    _HOST,
    st.sampled_from(["", "/", "/hooks", "/a/b?x=1"]),
)
_BAD_URL = st.one_of(
    st.sampled_from(
        ["example.com/hooks", "ftp://example.com", "https://", "http:///x", "https://ex ample.com"]
    ),
    _HOST,
    NOT_STR,
)
URL = Rule(_URL, st.one_of(_BAD_URL, st.just("")))
URL_OR_EMPTY = Rule(st.one_of(_URL, st.just("")), _BAD_URL)

_DAYS = st.dates(date(1990, 1, 1), date(2100, 12, 31))
DAY = Rule(
    st.one_of(_DAYS, _DAYS.map(date.isoformat)),
    st.one_of(
        st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1)),
        st.sampled_from(["2021-13-01", "2021-02-30", "2021-1-1", "20210101", "yesterday", ""]),
        st.integers(),
    ),
    query=lambda v: v.isoformat() if isinstance(v, date) else v,
)


def one_of(*allowed: str) -> Rule:
    """One of the given strings."""
    return Rule(
        st.sampled_from(allowed), st.one_of(TEXT.filter(lambda s: s not in allowed), NOT_STR)
    )


def _resolution() -> st.SearchStrategy[str]:
    def build(width: int, data: st.DataObject) -> str:
        height = data.draw(st.integers(16, min(1280, 1280 * 720 // width)))
        return f"{width}x{height}"

    return st.builds(build, st.integers(16, 1280), st.data())


RESOLUTION = Rule(
    _resolution(),
    st.one_of(
        st.sampled_from(
            ["1281x720", "15x16", "16x15", "1280x721", "1280X720", " 640x360", "640x", "x", ""]
        ),
        st.tuples(st.integers(16, 1280), st.integers(16, 1280))
        .filter(lambda wh: wh[0] * wh[1] > 1280 * 720)
        .map(lambda wh: f"{wh[0]}x{wh[1]}"),
        NOT_STR,
    ),
)
ID_LIST = Rule(
    st.lists(ID, max_size=4),
    st.one_of(
        st.lists(st.sampled_from(["", " "]), min_size=1, max_size=2),
        st.lists(st.integers(), min_size=1, max_size=2),
        st.just(7),
    ),
    json=list,
)
PARTICIPANTS = Rule(
    st.one_of(st.just("all"), st.lists(ID, min_size=1, max_size=4)),
    st.one_of(st.just([]), st.sampled_from(["All", "everyone", ""]), ID_LIST.invalid),
    json=lambda v: v if v == "all" else list(v),
)

#: Field name -> rule; a few names mean different things in different classes (below).
RULES: dict[str, Rule] = {
    "page_number": ints(1, None),
    "page_size": ints(1, 250),
    "max_participants": ints(2, 50),
    "webhook_timeout_secs": ints(0, 30),
    "token_ttl_secs": ints(10, 3600),
    "refresh_token_ttl_secs": ints(60, 86400),
    "duration_secs": ints(0, None),
    "x_pos": ints(None, None),
    "y_pos": ints(None, None),
    "z_pos": ints(-99, 99),
    "width": ints(16, None),
    "height": ints(16, None),
    "max_columns": ints(1, 1000),
    "max_rows": ints(1, 1000),
    "enable_recording": BOOL,
    "include_sessions": BOOL,
    "all_recordings": BOOL,
    "include_participants": BOOL,
    "active": BOOL,
    "unique_name": STRING,
    "context": STRING,
    "room_id": NON_EMPTY,
    "session_id": NON_EMPTY,
    "participant_id": NON_EMPTY,
    "max_pages": ints(1, None),
    "refresh_token": NON_EMPTY,
    "webhook_event_url": URL,
    "webhook_event_failover_url": URL_OR_EMPTY,
    "format": one_of("mp4"),
    "resolution": RESOLUTION,
    "participants": PARTICIPANTS,
    "exclude": ID_LIST,
    "video_sources": ID_LIST,
}
CLASS_RULES: dict[tuple[str, str], Rule] = {
    ("RoomGetOrCreateParams", "unique_name"): NON_EMPTY,
    ("RoomCompositionListParams", "status"): one_of("completed", "processing", "enqueued"),
    **{
        (cls, name): one_of(*values)
        for cls in ("RoomRecordingListParams", "RoomRecordingDeleteBulkParams")
        for name, values in (("status", ("completed", "processing")), ("type", ("audio", "video")))
    },
}


def rule_for(cls: type, name: str) -> Rule:
    """The rule of one field of one params class."""
    if (cls.__name__, name) in CLASS_RULES:
        return CLASS_RULES[cls.__name__, name]
    if name.startswith("date_"):
        return DAY
    return RULES[name]


# video_layout: a dict of region name -> region fields, each field under its own rule.
REGION = st.fixed_dictionaries(
    {},
    optional={
        a.name: rule_for(params.VideoRegionParams, a.name).valid
        for a in attrs.fields(params.VideoRegionParams)
    },
)
LAYOUT = st.dictionaries(ID, REGION, max_size=3)


def _layout_json(layout: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        name: {k: list(v) if k == "video_sources" else v for k, v in region.items()}
        for name, region in layout.items()
    }


# filter= and page= (the official SDK's shapes) take dicts of the class's own keys.
RULES["filter"] = RULES["page"] = Rule(
    st.none(), st.sampled_from([5, "x", ["unique_name"], {"no_such_key": 1}])
)

RULES["video_layout"] = Rule(
    LAYOUT,
    st.one_of(
        st.just([]),
        st.just("main"),
        st.dictionaries(st.just(""), REGION, min_size=1),
        st.just({"main": {"z_pos": 100}}),
        st.just({"main": {"colour": "red"}}),
        st.just({"main": 5}),
    ),
    json=_layout_json,
)

# -- the params classes and the methods that use them ----------------------------------------

Call = Callable[[RoomsClient, dict[str, Any]], Any]


@attrs.frozen
class Use:
    """A client method that builds ``cls`` from its keyword arguments."""

    call: Call
    body: bool
    """True: the params are the JSON body; False: the query string."""
    base: dict[str, Any] = attrs.field(factory=dict)
    """Arguments the method needs besides the field under test."""
    path: str = ""


SID = "sess-1"
RID = "room-1"
#: Values for the arguments an operation cannot do without.
REQUIRED: dict[str, Any] = {"refresh_token": "tok", "participants": "all", "session_id": SID}


def bound(client: RoomsClient, op: Operation[Any, Any]) -> Callable[..., Any]:
    """The client's method of ``op``."""
    method: Callable[..., Any] = getattr(getattr(client, op.resource), op.name)
    return method


def use_of(op: Operation[Any, Any]) -> Use:
    """How a test calls ``op``: with a made-up id and the arguments it requires."""
    cls: Any = op.params
    fields = attrs.fields_dict(cls)
    base = {k: v for k, v in REQUIRED.items() if k in fields and fields[k].default is attrs.NOTHING}
    ids = (RID,) if op.id_name == "room_id" else (SID,) if op.id_name else ()
    path = "/v2" + re.sub(r"\{[a-z_]+\}", ids[0] if ids else "", op.path)
    return Use(lambda c, kw: bound(c, op)(*ids, **kw), body=op.sends_body, base=base, path=path)


# Each params class with fields, tried through the first operation of the table that uses it.
USES: dict[str, Use] = {}
for _op in OPERATIONS:
    if _op.params is not params.NoParams:
        USES.setdefault(_op.params.__name__, use_of(_op))  # type: ignore[attr-defined]
USES["PageParams"] = attrs.evolve(USES["RoomListParams"], base={})
# get_or_create looks the name up first (a GET), then creates: its params reach the POST.
USES["RoomGetOrCreateParams"] = Use(
    lambda c, kw: c.rooms.get_or_create(**kw),
    body=True,
    base={"unique_name": "named"},
    path="/v2/rooms",
)
#: Requests a use makes before the one its params go into.
BEFORE: dict[str, int] = {"RoomGetOrCreateParams": 1}


def everything_unless_filtered(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """A bulk delete with no filter must say it means every recording."""
    if cls is not params.RoomRecordingDeleteBulkParams:
        return {}
    fields = attrs.fields_dict(cls)
    if "all_recordings" in values or any(params.is_filter(fields[k]) for k in values):
        return {}
    return {"all_recordings": True}


_BULK = USES["RoomRecordingDeleteBulkParams"]
USES["RoomRecordingDeleteBulkParams"] = attrs.evolve(
    _BULK,
    call=lambda c, kw: _BULK.call(
        c, {**kw, **everything_unless_filtered(params.RoomRecordingDeleteBulkParams, kw)}
    ),
)
USES["VideoRegionParams"] = Use(
    lambda c, kw: c.room_compositions.create(session_id=SID, video_layout={"main": kw}),
    body=True,
    path="/v2/room_compositions",
)

CLASSES: dict[str, type] = {
    name: getattr(params, name)
    for name in params.__all__
    if attrs.has(getattr(params, name)) and attrs.fields(getattr(params, name))
}


def wire_key(cls: type, name: str) -> str:
    """The field's query key (``filter[...]``) or body key."""
    return params.wire_key(attrs.fields_dict(cls)[name])


async def settle(call: Callable[[], Any]) -> Any:
    """Run ``call``; await its result when it is awaitable (a paginator is)."""
    result = call()
    if inspect.isawaitable(result):
        return await result
    return result


async def invoke(client: RoomsClient, use: Use, kwargs: dict[str, Any]) -> Any:
    """Call the method of ``use`` with its base arguments and ``kwargs``."""
    return await settle(lambda: use.call(client, {**use.base, **kwargs}))


def test_every_params_class_and_field_has_a_rule() -> None:
    assert set(USES) == set(CLASSES)
    for cls in CLASSES.values():
        for a in attrs.fields(cls):
            assert isinstance(rule_for(cls, a.name), Rule), (cls.__name__, a.name)


# -- valid values are accepted and serialised exactly --------------------------------------


def field_values(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of the class's fields, each with a valid value."""
    return st.fixed_dictionaries(
        {},
        optional={
            a.name: rule_for(cls, a.name).valid
            for a in attrs.fields(cls)
            if params.is_sent(a)  # all_recordings, max_pages, filter= and page= are not sent
        },
    )


def expected_body(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """The JSON object ``values`` must become."""
    return {name: rule_for(cls, name).json(v) for name, v in values.items()}


def expected_query(cls: type, values: dict[str, Any]) -> dict[str, str]:
    """The decoded query ``values`` must become."""
    return {wire_key(cls, name): rule_for(cls, name).query(v) for name, v in values.items()}


@pytest.mark.parametrize("name", sorted(CLASSES))
@settings(max_examples=40, deadline=None, database=None)
@given(data=st.data())
def test_valid_values_serialise_exactly(name: str, data: st.DataObject) -> None:
    cls = CLASSES[name]
    use = USES[name]
    base = {k: v for k, v in use.base.items() if k in attrs.fields_dict(cls)}
    values = {**base, **data.draw(field_values(cls))}
    built = cls(**values, **everything_unless_filtered(cls, values))
    if use.body:
        assert to_dict(built) == expected_body(cls, values)
        assert json.loads(params.to_body(built)) == expected_body(cls, values)
    else:
        assert dict(parse_qsl(to_query(built), keep_blank_values=True)) == expected_query(
            cls, values
        )


@pytest.mark.parametrize("name", sorted(CLASSES))
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
async def test_valid_values_reach_the_server_exactly(
    fake: FakeRoomsAPI, client: RoomsClient, name: str, data: st.DataObject
) -> None:
    cls = CLASSES[name]
    use = USES[name]
    values = data.draw(field_values(cls))
    fake.requests.clear()
    fake.store.rooms.clear()  # get_or_create must not find an earlier example's room
    try:
        await invoke(client, use, values)
    except InvalidParams as exc:  # pragma: no cover - a valid value was refused
        raise AssertionError(f"{name}: {values!r} refused: {exc}") from exc
    except TelnyxError:
        pass  # the fake may answer 404/422 for made-up ids; what it received is the point
    assert len(fake.requests) == 1 + BEFORE.get(name, 0)
    sent = fake.requests[-1]
    assert sent.path == use.path
    if name == "VideoRegionParams":
        assert sent.body == {
            "session_id": SID,
            "video_layout": {"main": expected_body(cls, values)},
        }
    elif use.body:
        assert sent.body == {**use.base, **expected_body(cls, values)}
    else:
        wanted = expected_query(cls, values)
        if name == "PageParams":
            wanted.setdefault("page[number]", "1")
        paging = {"page[number]", "page[size]"}
        got = {k: v for k, v in sent.query.items() if k in wanted or k not in paging}
        assert got == wanted


# -- invalid values are refused before any request ------------------------------------------


def one_bad_field(cls: type) -> st.SearchStrategy[tuple[str, Any]]:
    """One field of ``cls`` and a value its rule refuses."""
    return st.sampled_from([a.name for a in attrs.fields(cls)]).flatmap(
        lambda name: st.tuples(st.just(name), rule_for(cls, name).invalid)
    )


@pytest.mark.parametrize("name", sorted(CLASSES))
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
async def test_invalid_values_are_refused_before_io(
    fake: FakeRoomsAPI, client: RoomsClient, name: str, data: st.DataObject
) -> None:
    cls = CLASSES[name]
    use = USES[name]
    field_name, bad = data.draw(one_bad_field(cls))
    base = {k: v for k, v in use.base.items() if k in attrs.fields_dict(cls)}
    with pytest.raises(InvalidParams) as caught:
        cls(**{**base, field_name: bad})
    assert names_field(caught.value, field_name)
    with pytest.raises(InvalidParams) as through_client:
        await invoke(client, use, {field_name: bad})
    expected = f"video_layout['main'].{field_name}" if name == "VideoRegionParams" else field_name
    assert names_field(through_client.value, expected)
    assert fake.calls() == 0


def names_field(error: InvalidParams, name: str) -> bool:
    """The error names the field, or a part of it (``video_layout['main'].z_pos``)."""
    return error.field == name or error.field.startswith(f"{name}[")


@pytest.mark.parametrize(
    ("call", "field_name"),
    [
        (lambda c: c.room_sessions.kick(SID), "participants"),
        (lambda c: c.rooms.refresh_client_token(RID, refresh_token=""), "refresh_token"),
        (lambda c: c.room_compositions.create(session_id=""), "session_id"),
        (lambda c: c.rooms.update(RID, max_participants=None), "max_participants"),
        (lambda c: c.room_recordings.delete_bulk(), "all_recordings"),
        (
            lambda c: c.room_recordings.delete_bulk(room_id=RID, all_recordings=True),
            "all_recordings",
        ),
        (lambda c: c.rooms.list(max_pages=0), "max_pages"),
    ],
    ids=[
        "kick-no-participants",
        "refresh-empty",
        "composition-no-session",
        "update-null",
        "bulk-delete-everything",
        "bulk-delete-both",
        "max-pages",
    ],
)
async def test_required_and_guarded_arguments(
    fake: FakeRoomsAPI, client: RoomsClient, call: Callable[[RoomsClient], Any], field_name: str
) -> None:
    with pytest.raises((InvalidParams, TypeError)) as caught:
        await settle(lambda: call(client))
    if isinstance(caught.value, InvalidParams):
        assert caught.value.field == field_name
    assert fake.calls() == 0


# -- path ids ----------------------------------------------------------------------------------

ID_CALLS: dict[str, tuple[Callable[[RoomsClient, str], Any], str]] = {
    op.key: (
        lambda c, i, op=op: bound(c, op)(i, **use_of(op).base),  # type: ignore[misc]
        "/v2" + re.sub(r"\{[a-z_]+\}", "{}", op.path),
    )
    for op in OPERATIONS
    if op.id_name is not None
}

NASTY = st.sampled_from(
    ["/", "..", ".", "?", "#", " ", "%", "%2F", "%2e%2e", "\\", "\x00", "&", "="]
)
IDS = st.one_of(
    st.lists(st.one_of(NASTY, TEXT), min_size=1, max_size=4).map("".join),
    NASTY,
    st.sampled_from(["../rooms", "a/../b", "./x", "x?page[size]=1", "x#frag", "é 中 😀", "..."]),
)


@pytest.mark.parametrize("method", sorted(ID_CALLS))
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(path_id=IDS)
async def test_ids_are_encoded_or_refused(
    fake: FakeRoomsAPI, client: RoomsClient, method: str, path_id: str
) -> None:
    call, template = ID_CALLS[method]
    fake.requests.clear()
    refused = None
    try:
        await settle(lambda: call(client, path_id))
    except InvalidParams as exc:
        refused = exc
    except TelnyxError:
        pass  # 404/403 from the fake: the id arrived, which is what is checked below
    unsafe = "/" in path_id or path_id in ("", ".", "..")
    assert (refused is not None) is unsafe, (path_id, refused)
    if refused is not None:
        assert fake.requests == []
        return
    assert len(fake.requests) == 1
    assert fake.requests[0].path == template.format(path_id)
    assert fake.requests[0].query.keys() <= {"page[number]", "page[size]"}


@pytest.mark.parametrize("method", sorted(ID_CALLS))
async def test_non_string_ids_are_refused(
    fake: FakeRoomsAPI, client: RoomsClient, method: str
) -> None:
    call, _ = ID_CALLS[method]
    for bad in (None, 5, b"room", ["room"]):
        with pytest.raises(InvalidParams):
            await settle(lambda: call(client, bad))  # noqa: B023 - awaited at once
    assert fake.calls() == 0


LONE_SURROGATE = "room-\ud800"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.rooms.retrieve(LONE_SURROGATE),
        lambda c: c.rooms.list(unique_name=LONE_SURROGATE),
        lambda c: c.room_sessions.list(room_id=LONE_SURROGATE),
        lambda c: c.room_participants.list(context=LONE_SURROGATE),
        lambda c: c.rooms.create(unique_name=LONE_SURROGATE),
        lambda c: c.room_sessions.mute(SID, participants=[LONE_SURROGATE]),
        lambda c: c.room_compositions.create(session_id=LONE_SURROGATE),
    ],
    ids=[
        "path-id",
        "room-filter",
        "session-filter",
        "participant-filter",
        "body-name",
        "body-id-list",
        "body-session-id",
    ],
)
async def test_text_that_cannot_be_encoded_is_refused(
    fake: FakeRoomsAPI, client: RoomsClient, call: Callable[[RoomsClient], Any]
) -> None:
    """A lone surrogate has no UTF-8 form: ``InvalidParams``, not ``UnicodeEncodeError``,
    and not a ``\\ud800`` escape in a JSON body that the server may read as garbage."""
    with pytest.raises(InvalidParams):
        await settle(lambda: call(client))
    assert fake.calls() == 0
