"""Request parameters: validated when built (before any I/O), serialised to the wire form.

Each class is the one declaration of an operation's parameters: every field carries its type,
its rule (checked when the object is built: a bad value raises ``InvalidParams`` naming the
field and the rule, and nothing is sent) and its help text (``field_help(cls, name)``), from
which the methods' signatures and docstrings, the command line and the docs are made.
``to_body()`` gives the JSON bytes of a request body (fields left ``None`` or ``UNSET`` are
omitted), ``to_query()`` the encoded query string, with filters in the API's deepObject form
``filter[date_created_at][gte]=2026-01-01``.

List parameters also accept the official SDK's shapes: ``filter={"unique_name": "x",
"date_created_at": {"gte": "2026-01-01"}}`` and ``page={"number": 2, "size": 50}`` are the same
as ``unique_name="x", date_created_at_gte="2026-01-01", page_number=2, page_size=50``.
"""

from __future__ import annotations

import enum
import inspect
import json
import re
import textwrap
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final, Literal, TypeAlias, TypedDict, get_args
from urllib.parse import quote, urlsplit

import attrs

from ._errors import InvalidParams
from .models import VideoRegion

__all__ = [
    "UNSET",
    "DateRange",
    "NoParams",
    "PageArg",
    "PageParams",
    "RoomCompositionCreateParams",
    "RoomCompositionListFilter",
    "RoomCompositionListParams",
    "RoomCreateParams",
    "RoomGenerateJoinClientTokenParams",
    "RoomGetOrCreateParams",
    "RoomListFilter",
    "RoomListParams",
    "RoomListSessionsFilter",
    "RoomListSessionsParams",
    "RoomParticipantListFilter",
    "RoomParticipantListParams",
    "RoomRecordingDeleteBulkParams",
    "RoomRecordingListFilter",
    "RoomRecordingListParams",
    "RoomRefreshClientTokenParams",
    "RoomRetrieveParams",
    "RoomSessionActionParams",
    "RoomSessionListFilter",
    "RoomSessionListParams",
    "RoomSessionListParticipantsFilter",
    "RoomSessionListParticipantsParams",
    "RoomSessionRetrieveParams",
    "RoomUpdateParams",
    "Unset",
    "VideoRegionParams",
    "document_fields",
    "field_help",
    "is_filter",
    "is_sent",
    "meta",
    "reading_order",
    "to_body",
    "to_dict",
    "to_query",
    "wire_key",
]


class Unset(enum.Enum):
    """Marks a PATCH field the caller did not pass (``None`` means "set to null")."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET

Day: TypeAlias = date | str
"""A ``datetime.date`` or an ISO ``"YYYY-MM-DD"`` string."""


# -- rules ---------------------------------------------------------------------------------------


def _skip(value: object) -> bool:
    return value is None or value is UNSET


def _encodable(value: str) -> bool:
    """UTF-8 can encode it: a lone surrogate fits neither a URL nor a JSON body."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


_NOT_TEXT: Final = "must be valid Unicode text (no lone surrogates)"


class Rule:
    """An attrs validator that knows its rule in words (shown in errors, help and docs)."""

    __slots__ = ("rule",)

    def __init__(self, rule: str) -> None:
        #: What the value must be, e.g. ``"must be an integer from 2 to 50"``.
        self.rule = rule

    def ok(self, value: Any) -> bool:
        """Whether ``value`` (not None or UNSET) keeps the rule."""
        raise NotImplementedError

    def __call__(self, _: object, attr: attrs.Attribute[Any], value: Any) -> None:
        if not _skip(value) and not self.ok(value):
            raise InvalidParams(attr.name, self.rule)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.rule!r})"


class IntRange(Rule):
    """An integer from ``lo`` to ``hi`` (inclusive, either may be open); ``bool`` is refused."""

    __slots__ = ("hi", "lo")

    def __init__(self, lo: int | None = None, hi: int | None = None) -> None:
        if lo is not None and hi is not None:
            rule = f"must be an integer from {lo} to {hi}"
        elif lo is not None:
            rule = f"must be an integer >= {lo}"
        else:
            rule = "must be an integer"
        super().__init__(rule)
        self.lo = lo
        self.hi = hi

    def ok(self, value: Any) -> bool:
        return (
            type(value) is int
            and (self.lo is None or value >= self.lo)
            and (self.hi is None or value <= self.hi)
        )


class _Boolean(Rule):
    def ok(self, value: Any) -> bool:
        return type(value) is bool


class _Text(Rule):
    __slots__ = ("_non_empty",)

    def __init__(self, *, non_empty: bool) -> None:
        super().__init__("must be a non-empty string" if non_empty else "must be a string")
        self._non_empty = non_empty

    def __call__(self, inst: object, attr: attrs.Attribute[Any], value: Any) -> None:
        super().__call__(inst, attr, value)
        if isinstance(value, str) and not _encodable(value):
            raise InvalidParams(attr.name, _NOT_TEXT)

    def ok(self, value: Any) -> bool:
        return isinstance(value, str) and (not self._non_empty or bool(value.strip()))


class _HttpUrl(Rule):
    __slots__ = ("_allow_empty",)

    def __init__(self, *, allow_empty: bool) -> None:
        super().__init__("must be an absolute http(s) URL, such as 'https://example.com/hooks'")
        self._allow_empty = allow_empty

    def ok(self, value: Any) -> bool:
        if value == "" and self._allow_empty:
            return True
        if not isinstance(value, str) or any(c.isspace() for c in value):
            return False
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is out of range or not a number
        except ValueError:
            return False
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


_ISO_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _Day(Rule):
    def __call__(self, inst: object, attr: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, datetime):
            raise InvalidParams(attr.name, self.rule + " (not a datetime: pass value.date())")
        super().__call__(inst, attr, value)

    def ok(self, value: Any) -> bool:
        if isinstance(value, date):
            return True
        if isinstance(value, str) and _ISO_DAY.fullmatch(value):
            # fromisoformat() alone would also take week dates such as "2026-W01-1".
            try:
                date.fromisoformat(value)
            except ValueError:
                return False
            return True
        return False


class OneOf(Rule):
    """One of the given strings."""

    __slots__ = ("allowed",)

    def __init__(self, *allowed: str) -> None:
        super().__init__("must be one of " + ", ".join(repr(a) for a in allowed))
        self.allowed = allowed

    def ok(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.allowed


def _is_id(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and _encodable(value)


class _IdList(Rule):
    def ok(self, value: Any) -> bool:
        return isinstance(value, tuple) and all(_is_id(v) for v in value)


class _Participants(Rule):
    def ok(self, value: Any) -> bool:
        if value == "all":
            return True
        return isinstance(value, tuple) and bool(value) and all(_is_id(v) for v in value)


# An ASCII class: ``\d`` would also take other scripts' digits, which int() accepts.
_RESOLUTION: Final = re.compile(r"([0-9]{1,4})x([0-9]{1,4})")
_MAX_PIXELS: Final = 1280 * 720


class _Resolution(Rule):
    def ok(self, value: Any) -> bool:
        match = _RESOLUTION.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            return False
        width, height = int(match[1]), int(match[2])
        return 16 <= width <= 1280 and 16 <= height <= 1280 and width * height <= _MAX_PIXELS


class Required(Rule):
    """``rule``, and the value must be given (not ``None``)."""

    __slots__ = ("inner",)

    def __init__(self, inner: Rule) -> None:
        super().__init__(inner.rule)
        self.inner = inner

    def __call__(self, inst: object, attr: attrs.Attribute[Any], value: Any) -> None:
        if _skip(value):
            raise InvalidParams(attr.name, "is required")
        self.inner(inst, attr, value)


BOOLEAN: Final = _Boolean("must be True or False")
TEXT: Final = _Text(non_empty=False)
NON_EMPTY: Final = _Text(non_empty=True)
URL: Final = _HttpUrl(allow_empty=False)
URL_OR_EMPTY: Final = _HttpUrl(allow_empty=True)
DAY: Final = _Day("must be a datetime.date or a 'YYYY-MM-DD' string")
INTEGER: Final = IntRange()
IDS: Final = _IdList("must be a list of non-empty id strings")
PARTICIPANTS: Final = _Participants("must be 'all' or a non-empty list of participant ids")
RESOLUTION: Final = _Resolution(
    "must be 'WIDTHxHEIGHT' with each side 16 to 1280 and width*height at most"
    " 1280*720, such as '1280x720' or '800x600'"
)
PAGE_NUMBER: Final = IntRange(1)
PAGE_SIZE: Final = IntRange(1, 250)


# -- fields ------------------------------------------------------------------------------------

#: Field metadata keys.
_HELP: Final = "help"
_WIRE: Final = "wire"
_SENT: Final = "sent"
_NULLABLE: Final = "nullable"
_FILTER: Final = "filter"
_ALIAS: Final = "sdk_alias"


def meta(
    doc: str, *, wire: str | None = None, nullable: bool = False, sent: bool = True
) -> dict[str, Any]:
    """The metadata of a params field: its help text, and how it goes on the wire.

    ``nullable`` fields send ``None`` as JSON null (a PATCH that clears a value); ``sent=False``
    fields steer the client and never reach the wire; ``wire`` is the key when it is not the
    field's name. Fields that are required or have a converter call ``attrs.field(...,
    metadata=meta(...))`` themselves, so that type checkers see the argument they take.
    """
    metadata: dict[str, Any] = {_HELP: doc, _SENT: sent, _NULLABLE: nullable}
    if wire is not None:
        metadata[_WIRE] = wire
    return metadata


def field(
    rule: Rule | None = None,
    *,
    doc: str,
    wire: str | None = None,
    default: Any = None,
    nullable: bool = False,
    sent: bool = True,
) -> Any:
    """An optional keyword-only params field with its rule and help text (see ``meta``)."""
    return attrs.field(
        default=default, validator=rule, metadata=meta(doc, wire=wire, nullable=nullable, sent=sent)
    )


def query_filter(rule: Rule, *, doc: str) -> Any:
    """A list filter, ``filter[<name>]`` on the wire; date ranges end in ``_eq/_gte/_lte``."""
    return attrs.field(
        default=None, validator=rule, metadata={_HELP: doc, _SENT: True, _FILTER: True}
    )


def _sdk_alias(doc: str) -> Any:
    return attrs.field(default=None, metadata={_HELP: doc, _SENT: False, _ALIAS: True})


_RANGE: Final = re.compile(r"(date_[a-z]+_at)_(eq|gte|lte)")


def wire_key(attr: attrs.Attribute[Any]) -> str:
    """The key of a field on the wire: its query key (``filter[unique_name]``) or JSON name."""
    wire = attr.metadata.get(_WIRE)
    if wire is not None:
        return str(wire)
    if attr.metadata.get(_FILTER):
        match = _RANGE.fullmatch(attr.name)
        return f"filter[{match[1]}][{match[2]}]" if match else f"filter[{attr.name}]"
    return attr.name


def is_filter(attr: attrs.Attribute[Any]) -> bool:
    """Whether the field is one of a list's ``filter[...]`` keys."""
    return bool(attr.metadata.get(_FILTER))


def is_sent(attr: attrs.Attribute[Any]) -> bool:
    """Whether the field reaches the wire (``max_pages``, ``filter=`` and ``page=`` do not)."""
    return bool(attr.metadata.get(_SENT, True))


_ORDER: dict[type, tuple[attrs.Attribute[Any], ...]] = {}


def reading_order(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    """The fields of a params class as a reader expects them: the call's own, then filters,
    then paging, then the official SDK's aliases; each group in declaration order, a class's
    own fields before those it inherits.
    """
    order = _ORDER.get(cls)
    if order is None:
        position: dict[str, int] = {}
        for klass in cls.__mro__:
            for name in inspect.get_annotations(klass):
                position.setdefault(name, len(position))

        def rank(a: attrs.Attribute[Any]) -> tuple[int, int]:
            if a.metadata.get(_ALIAS):
                group = 3
            elif wire_key(a).startswith("page[") or a.name == "max_pages":
                group = 2
            else:
                group = 1 if is_filter(a) else 0
            return group, position.get(a.name, 0)

        order = tuple(sorted(attrs.fields(cls), key=rank))
        _ORDER[cls] = order
    return order


def field_help(cls: type, name: str) -> str:
    """The help text of one field, with its rule: the words shown in docstrings and the CLI."""
    attr = attrs.fields_dict(cls)[name]
    text = str(attr.metadata.get(_HELP, ""))
    rule = getattr(attr.validator, "rule", None)
    if isinstance(attr.validator, Required):
        text = f"{text} Required."
    if rule:
        text = f"{text} It {rule}."
    return " ".join(text.split())


# -- serialisation -------------------------------------------------------------------------------


def _query_value(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_QUERY_KEYS: dict[type, tuple[tuple[str, str], ...]] = {}


def _query_keys(cls: type) -> tuple[tuple[str, str], ...]:
    keys = _QUERY_KEYS.get(cls)
    if keys is None:
        keys = tuple(
            (a.name, quote(wire_key(a), safe="[]")) for a in reading_order(cls) if is_sent(a)
        )
        _QUERY_KEYS[cls] = keys
    return keys


def to_query(params: object, **overrides: Any) -> str:
    """The encoded query string of a params object (``None`` fields left out).

    ``overrides`` replace field values without building a new object: the paginator asks for
    page after page this way, through the same keys and encoding.
    """
    pairs = []
    for name, key in _query_keys(type(params)):
        value = overrides[name] if name in overrides else getattr(params, name)
        if value is not None and value is not UNSET:
            try:
                pairs.append(f"{key}={quote(_query_value(value), safe='')}")
            except UnicodeEncodeError:
                # A lone surrogate has no UTF-8 form: refuse it before any I/O.
                raise InvalidParams(name, "must be text that can be encoded as UTF-8") from None
    return "&".join(pairs)


#: Types json.dumps writes as they are: most body values, checked with one set lookup.
_JSON_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


def _json_value(value: Any) -> Any:
    if type(value) in _JSON_SCALARS:
        return value
    if attrs.has(type(value)):
        return to_dict(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


_BODY_FIELDS: dict[type, tuple[tuple[str, str, bool], ...]] = {}


def _body_fields(cls: type) -> tuple[tuple[str, str, bool], ...]:
    """(name, wire key, nullable) of each sent field of a params class, read from attrs once."""
    fields = _BODY_FIELDS.get(cls)
    if fields is None:
        fields = tuple(
            (a.name, wire_key(a), bool(a.metadata.get(_NULLABLE)))
            for a in attrs.fields(cls)
            if is_sent(a)
        )
        _BODY_FIELDS[cls] = fields
    return fields


def to_dict(params: object) -> dict[str, Any]:
    """The JSON object of a params object: ``UNSET`` fields out; ``None`` out unless nullable."""
    out: dict[str, Any] = {}
    for name, key, nullable in _body_fields(type(params)):
        value = getattr(params, name)
        if value is UNSET or (value is None and not nullable):
            continue
        out[key] = value if type(value) in _JSON_SCALARS else _json_value(value)
    return out


#: Built once: json.dumps(..., separators=...) would build an encoder on every call. No
#: circular check: to_dict() builds fresh, acyclic containers.
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def to_body(params: object) -> bytes:
    """The JSON request body of a params object."""
    return _ENCODER.encode(to_dict(params)).encode()


# -- the official SDK's shapes: filter={...} and page={...} -------------------------------------


class DateRange(TypedDict, total=False):
    """A date filter in the official SDK's shape: ``{"gte": "2026-01-01", "lte": ...}``."""

    eq: Day
    gte: Day
    lte: Day


class PageArg(TypedDict, total=False):
    """The page in the official SDK's shape: ``{"number": 2, "size": 50}``."""

    number: int
    size: int


_WIRE_INDEX: dict[type, dict[str, attrs.Attribute[Any]]] = {}


def _wire_index(cls: type) -> dict[str, attrs.Attribute[Any]]:
    index = _WIRE_INDEX.get(cls)
    if index is None:
        index = {wire_key(a): a for a in attrs.fields(cls) if is_sent(a)}
        _WIRE_INDEX[cls] = index
    return index


def _flatten(prefix: str, value: object) -> list[tuple[str, Any]]:
    """``{"a": {"gte": x}}`` under ``filter`` -> ``[("filter[a][gte]", x)]``."""
    if not isinstance(value, Mapping):
        return [(prefix, value)]
    pairs: list[tuple[str, Any]] = []
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidParams(prefix, "keys must be strings")
        pairs.extend(_flatten(f"{prefix}[{key}]", item))
    return pairs


def _fold_sdk_shapes(params: Any) -> None:
    """Move ``filter=`` and ``page=`` values onto the fields they name, checked by their rules."""
    index = _wire_index(type(params))
    for alias in ("filter", "page"):
        given = getattr(params, alias, None)
        if given is None:
            continue
        if not isinstance(given, Mapping):
            raise InvalidParams(alias, "must be a dict, as in the official SDK")
        for key, value in _flatten(alias, given):
            attr = index.get(key)
            if attr is None:
                raise InvalidParams(key, "is not a parameter of this operation")
            if getattr(params, attr.name) is not None:
                raise InvalidParams(key, f"is given twice (also as {attr.name}=)")
            if attr.validator is not None:
                try:
                    attr.validator(params, attr, value)
                except InvalidParams as exc:
                    raise InvalidParams(key, exc.rule) from None
            object.__setattr__(params, attr.name, value)
        object.__setattr__(params, alias, None)


# -- shared groups of fields ---------------------------------------------------------------------
# Unslotted (``slots=False``) so several can be mixed into one params class.


@attrs.frozen(kw_only=True, slots=False)
class NoParams:
    """The parameters of an operation that takes none besides its id."""


@attrs.frozen(kw_only=True, slots=False)
class PageParams:
    """Which page of a list to fetch."""

    page_number: int | None = field(
        PAGE_NUMBER, wire="page[number]", doc="The page to fetch (first), from 1."
    )
    page_size: int | None = field(
        PAGE_SIZE, wire="page[size]", doc="Items per page (the API's default is 20)."
    )
    page: PageArg | None = _sdk_alias("The page as the official SDK takes it: {'number', 'size'}.")

    def __attrs_post_init__(self) -> None:
        _fold_sdk_shapes(self)


@attrs.frozen(kw_only=True, slots=False)
class _ListParams(PageParams):
    max_pages: int | None = field(
        IntRange(1), sent=False, doc="When iterating: stop after this many pages."
    )


@attrs.frozen(kw_only=True, slots=False)
class _Created:
    date_created_at_eq: Day | None = query_filter(DAY, doc="Only those created on this day.")
    date_created_at_gte: Day | None = query_filter(DAY, doc="Only those created on or after it.")
    date_created_at_lte: Day | None = query_filter(DAY, doc="Only those created on or before it.")


@attrs.frozen(kw_only=True, slots=False)
class _Updated:
    date_updated_at_eq: Day | None = query_filter(DAY, doc="Only those last updated on this day.")
    date_updated_at_gte: Day | None = query_filter(DAY, doc="Only those updated on or after it.")
    date_updated_at_lte: Day | None = query_filter(DAY, doc="Only those updated on or before it.")


@attrs.frozen(kw_only=True, slots=False)
class _Ended:
    date_ended_at_eq: Day | None = query_filter(DAY, doc="Only those that ended on this day.")
    date_ended_at_gte: Day | None = query_filter(DAY, doc="Only those that ended on or after it.")
    date_ended_at_lte: Day | None = query_filter(DAY, doc="Only those that ended on or before it.")


@attrs.frozen(kw_only=True, slots=False)
class _Joined:
    date_joined_at_eq: Day | None = query_filter(DAY, doc="Only those that joined on this day.")
    date_joined_at_gte: Day | None = query_filter(DAY, doc="Only those that joined on or after.")
    date_joined_at_lte: Day | None = query_filter(DAY, doc="Only those that joined on or before.")


@attrs.frozen(kw_only=True, slots=False)
class _Left:
    date_left_at_eq: Day | None = query_filter(DAY, doc="Only those that left on this day.")
    date_left_at_gte: Day | None = query_filter(DAY, doc="Only those that left on or after it.")
    date_left_at_lte: Day | None = query_filter(DAY, doc="Only those that left on or before it.")


@attrs.frozen(kw_only=True, slots=False)
class _Started:
    date_started_at_eq: Day | None = query_filter(DAY, doc="Only those that started on this day.")
    date_started_at_gte: Day | None = query_filter(DAY, doc="Only those started on or after it.")
    date_started_at_lte: Day | None = query_filter(DAY, doc="Only those started on or before it.")


# The same filters in the official SDK's ``filter=`` shape, one key per group above; a test
# checks that each TypedDict names exactly the filters of its params class.
class _CreatedFilter(TypedDict, total=False):
    date_created_at: DateRange


class _UpdatedFilter(TypedDict, total=False):
    date_updated_at: DateRange


class _EndedFilter(TypedDict, total=False):
    date_ended_at: DateRange


class _JoinedLeftFilter(TypedDict, total=False):
    date_joined_at: DateRange
    date_left_at: DateRange


class _StartedFilter(TypedDict, total=False):
    date_started_at: DateRange


# -- rooms -------------------------------------------------------------------------------------

_UNIQUE_NAME: Final = "The unique (within the Telnyx account scope) name of the room."
_WEBHOOK_URL: Final = "Where webhooks about it are sent (an absolute http(s) URL)."
_FAILOVER_URL: Final = "Where webhooks go when the primary URL fails; '' means none."
_WEBHOOK_TIMEOUT: Final = "Seconds to wait for a webhook reply before it counts as failed."


@attrs.frozen(kw_only=True)
class RoomCreateParams:
    """Body of ``POST /rooms``."""

    unique_name: str | None = field(TEXT, doc=_UNIQUE_NAME)
    max_participants: int | None = field(
        IntRange(2, 50), doc="Participants allowed at once (the API's default is 10)."
    )
    enable_recording: bool | None = field(BOOLEAN, doc="Record the room's sessions.")
    webhook_event_url: str | None = field(URL, doc=_WEBHOOK_URL)
    webhook_event_failover_url: str | None = field(URL_OR_EMPTY, doc=_FAILOVER_URL)
    webhook_timeout_secs: int | None = field(IntRange(0, 30), doc=_WEBHOOK_TIMEOUT)


@attrs.frozen(kw_only=True)
class RoomGetOrCreateParams(RoomCreateParams):
    """``rooms.get_or_create``: the create's fields, with ``unique_name`` required."""

    unique_name: str = attrs.field(
        validator=Required(NON_EMPTY), metadata=meta("The name the room is found or made by.")
    )


@attrs.frozen(kw_only=True)
class RoomUpdateParams:
    """Body of ``PATCH /rooms/{room_id}``: only the fields the caller passed are sent."""

    unique_name: str | Unset = field(TEXT, default=UNSET, doc=_UNIQUE_NAME)
    max_participants: int | Unset = field(
        IntRange(2, 50), default=UNSET, doc="Participants allowed at once."
    )
    enable_recording: bool | Unset = field(BOOLEAN, default=UNSET, doc="Record the sessions.")
    webhook_event_url: str | Unset = field(URL, default=UNSET, doc=_WEBHOOK_URL)
    webhook_event_failover_url: str | Unset = field(URL_OR_EMPTY, default=UNSET, doc=_FAILOVER_URL)
    webhook_timeout_secs: int | Unset | None = field(
        IntRange(0, 30), default=UNSET, nullable=True, doc=_WEBHOOK_TIMEOUT + " None clears it."
    )

    def __attrs_post_init__(self) -> None:
        for a in attrs.fields(type(self)):
            if getattr(self, a.name) is None and not a.metadata.get(_NULLABLE):
                raise InvalidParams(a.name, "cannot be null")


@attrs.frozen(kw_only=True)
class RoomRetrieveParams:
    """Query of ``GET /rooms/{room_id}``."""

    include_sessions: bool | None = field(BOOLEAN, doc="Include the room's sessions.")


class RoomListFilter(_CreatedFilter, _UpdatedFilter, total=False):
    """``filter=`` of ``GET /rooms`` in the official SDK's shape."""

    unique_name: str


@attrs.frozen(kw_only=True)
class RoomListParams(_Created, _Updated, _ListParams):
    """Query of ``GET /rooms``."""

    unique_name: str | None = query_filter(TEXT, doc="Only the room with this unique name.")
    include_sessions: bool | None = field(BOOLEAN, doc="Include each room's sessions.")
    filter: RoomListFilter | None = _sdk_alias("The filters as the official SDK takes them.")


# -- client tokens -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RoomGenerateJoinClientTokenParams:
    """Body of ``POST /rooms/{room_id}/actions/generate_join_client_token``."""

    token_ttl_secs: int | None = field(
        IntRange(10, 3600), doc="Seconds the client token is valid (the API's default is 600)."
    )
    refresh_token_ttl_secs: int | None = field(
        IntRange(60, 86400), doc="Seconds the refresh token is valid (the API's default is 3600)."
    )


@attrs.frozen(kw_only=True)
class RoomRefreshClientTokenParams:
    """Body of ``POST /rooms/{room_id}/actions/refresh_client_token``."""

    refresh_token: str = attrs.field(
        validator=Required(NON_EMPTY),
        repr=False,
        metadata=meta("The refresh token from generate_join_client_token."),
    )
    token_ttl_secs: int | None = field(
        IntRange(10, 3600), doc="Seconds the new client token is valid (the API's default is 600)."
    )


# -- room sessions -----------------------------------------------------------------------------

_ACTIVE: Final = "Only active (True) or only ended (False) sessions."


class RoomListSessionsFilter(_CreatedFilter, _UpdatedFilter, _EndedFilter, total=False):
    """``filter=`` of ``GET /rooms/{room_id}/sessions`` in the official SDK's shape."""

    active: bool


@attrs.frozen(kw_only=True)
class RoomListSessionsParams(_Created, _Updated, _Ended, _ListParams):
    """Query of ``GET /rooms/{room_id}/sessions``."""

    active: bool | None = query_filter(BOOLEAN, doc=_ACTIVE)
    include_participants: bool | None = field(BOOLEAN, doc="Include each session's participants.")
    filter: RoomListSessionsFilter | None = _sdk_alias("The filters, official SDK shape.")


class RoomSessionListFilter(RoomListSessionsFilter, total=False):
    """``filter=`` of ``GET /room_sessions`` in the official SDK's shape."""

    room_id: str


@attrs.frozen(kw_only=True)
class RoomSessionListParams(_Created, _Updated, _Ended, _ListParams):
    """Query of ``GET /room_sessions``: the room's session filters plus ``room_id``."""

    room_id: str | None = query_filter(NON_EMPTY, doc="Only sessions of this room.")
    active: bool | None = query_filter(BOOLEAN, doc=_ACTIVE)
    include_participants: bool | None = field(BOOLEAN, doc="Include each session's participants.")
    filter: RoomSessionListFilter | None = _sdk_alias("The filters, official SDK shape.")


@attrs.frozen(kw_only=True)
class RoomSessionRetrieveParams:
    """Query of ``GET /room_sessions/{room_session_id}``."""

    include_participants: bool | None = field(BOOLEAN, doc="Include the session's participants.")


_CONTEXT: Final = "Only participants that joined with this context."


class RoomSessionListParticipantsFilter(_JoinedLeftFilter, _UpdatedFilter, total=False):
    """``filter=`` of ``GET /room_sessions/{id}/participants`` in the official SDK's shape."""

    context: str


@attrs.frozen(kw_only=True)
class RoomSessionListParticipantsParams(_Joined, _Updated, _Left, _ListParams):
    """Query of ``GET /room_sessions/{room_session_id}/participants``."""

    context: str | None = query_filter(TEXT, doc=_CONTEXT)
    filter: RoomSessionListParticipantsFilter | None = _sdk_alias("The filters, SDK shape.")


def _participants_in(
    value: Literal["all"] | list[str] | tuple[str, ...],
) -> Literal["all"] | tuple[str, ...]:
    """Lists become tuples (params are immutable); anything else is left to the rule."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _ids_in(value: list[str] | tuple[str, ...] | None) -> tuple[str, ...] | None:
    return tuple(value) if isinstance(value, list | tuple) else value


@attrs.frozen(kw_only=True)
class RoomSessionActionParams:
    """Body of ``POST /room_sessions/{room_session_id}/actions/{kick,mute,unmute}``."""

    participants: Literal["all"] | tuple[str, ...] = attrs.field(
        validator=Required(PARTICIPANTS),
        converter=_participants_in,
        metadata=meta("'all', or a list of the ids of the participants to act on."),
    )
    exclude: tuple[str, ...] | None = attrs.field(
        default=None,
        validator=IDS,
        converter=_ids_in,
        metadata=meta("Ids of participants the action leaves alone."),
    )


# -- room participants -------------------------------------------------------------------------


class RoomParticipantListFilter(RoomSessionListParticipantsFilter, total=False):
    """``filter=`` of ``GET /room_participants`` in the official SDK's shape."""

    session_id: str


@attrs.frozen(kw_only=True)
class RoomParticipantListParams(_Joined, _Updated, _Left, _ListParams):
    """Query of ``GET /room_participants``: the participant filters plus ``session_id``."""

    session_id: str | None = query_filter(NON_EMPTY, doc="Only participants of this session.")
    context: str | None = query_filter(TEXT, doc=_CONTEXT)
    filter: RoomParticipantListFilter | None = _sdk_alias("The filters, official SDK shape.")


# -- room compositions -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class VideoRegionParams:
    """One region of a composition's ``video_layout``, checked against the API's bounds."""

    x_pos: int | None = field(INTEGER, doc="X of the region's top-left corner, in pixels.")
    y_pos: int | None = field(INTEGER, doc="Y of the region's top-left corner, in pixels.")
    z_pos: int | None = field(IntRange(-99, 99), doc="Stacking order: higher is drawn on top.")
    width: int | None = field(IntRange(16), doc="Width of the region in pixels.")
    height: int | None = field(IntRange(16), doc="Height of the region in pixels.")
    max_columns: int | None = field(IntRange(1, 1000), doc="Most columns of its grid.")
    max_rows: int | None = field(IntRange(1, 1000), doc="Most rows of its grid.")
    video_sources: tuple[str, ...] | None = attrs.field(
        default=None,
        validator=IDS,
        converter=_ids_in,
        metadata=meta("Ids of the video recordings shown, or ['*'] for all."),
    )


_REGION_FIELDS: Final = frozenset(a.name for a in attrs.fields(VideoRegionParams))

Region: TypeAlias = VideoRegionParams | VideoRegion | Mapping[str, Any]
"""A video region as ``VideoRegionParams``, a ``VideoRegion`` or a dict of its fields."""


def _region(name: str, value: Any) -> VideoRegionParams:
    where = f"video_layout[{name!r}]"
    if isinstance(value, VideoRegionParams):
        return value
    if isinstance(value, VideoRegion):
        # The model's defaults mean "not given": leave them out of the request.
        items = {n: getattr(value, n) for n in _REGION_FIELDS}
        items = {n: v for n, v in items.items() if v is not None and v != ()}
    elif isinstance(value, Mapping):
        items = dict(value)
    else:
        raise InvalidParams(where, "must be a VideoRegionParams, a VideoRegion or a dict")
    for key in items:
        if key not in _REGION_FIELDS:
            raise InvalidParams(f"{where}.{key}", "is not a field of a video region")
    try:
        return VideoRegionParams(**items)
    except InvalidParams as exc:
        raise InvalidParams(f"{where}.{exc.field}", exc.rule) from None


def _video_layout(value: Mapping[str, Region] | None) -> dict[str, VideoRegionParams] | None:
    """Each region checked and turned into ``VideoRegionParams``; names must be strings."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidParams("video_layout", "must be a dict of region name to video region")
    layout = {}
    for name, region in value.items():
        if not isinstance(name, str) or not name:
            raise InvalidParams("video_layout", "region names must be non-empty strings")
        layout[name] = _region(name, region)
    return layout


CompositionStatus = Literal["completed", "processing", "enqueued"]
"""A composition's state."""


def _choices(tp: Any) -> OneOf:
    """The rule of a ``Literal[...]`` type: one of its values (written once, in the type)."""
    return OneOf(*get_args(tp))


@attrs.frozen(kw_only=True)
class RoomCompositionCreateParams:
    """Body of ``POST /room_compositions``."""

    session_id: str = attrs.field(
        validator=Required(NON_EMPTY), metadata=meta("The room session to compose.")
    )
    format: Literal["mp4"] | None = field(
        _choices(Literal["mp4"]), doc="The container format (the API's default is 'mp4')."
    )
    resolution: str | None = field(
        RESOLUTION, doc="'WIDTHxHEIGHT' of the video (the API's default is '1280x720')."
    )
    video_layout: dict[str, VideoRegionParams] | None = attrs.field(
        default=None,
        converter=_video_layout,
        metadata=meta("Regions by name, each a VideoRegionParams, a VideoRegion or a dict."),
    )
    webhook_event_url: str | None = field(URL, doc=_WEBHOOK_URL)
    webhook_event_failover_url: str | None = field(URL_OR_EMPTY, doc=_FAILOVER_URL)
    webhook_timeout_secs: int | None = field(IntRange(0, 30), doc=_WEBHOOK_TIMEOUT)


class RoomCompositionListFilter(_CreatedFilter, total=False):
    """``filter=`` of ``GET /room_compositions`` in the official SDK's shape."""

    session_id: str
    status: CompositionStatus


@attrs.frozen(kw_only=True)
class RoomCompositionListParams(_Created, _ListParams):
    """Query of ``GET /room_compositions``."""

    session_id: str | None = query_filter(NON_EMPTY, doc="Only compositions of this session.")
    status: CompositionStatus | None = query_filter(
        _choices(CompositionStatus), doc="Only compositions in this state."
    )
    filter: RoomCompositionListFilter | None = _sdk_alias("The filters, official SDK shape.")


# -- room recordings ---------------------------------------------------------------------------

RecordingStatus = Literal["completed", "processing"]
"""A recording's state."""
RecordingType = Literal["audio", "video"]
"""What a recording holds."""


class RoomRecordingListFilter(_StartedFilter, _EndedFilter, total=False):
    """``filter=`` of ``GET /room_recordings`` and ``DELETE /room_recordings``, SDK shape."""

    room_id: str
    session_id: str
    participant_id: str
    status: RecordingStatus
    type: RecordingType
    duration_secs: int


@attrs.frozen(kw_only=True, slots=False)
class _RecordingFilters(_Started, _Ended):
    room_id: str | None = query_filter(NON_EMPTY, doc="Only recordings made in this room.")
    session_id: str | None = query_filter(NON_EMPTY, doc="Only recordings of this session.")
    participant_id: str | None = query_filter(NON_EMPTY, doc="Only this participant's.")
    status: RecordingStatus | None = query_filter(
        _choices(RecordingStatus), doc="Only recordings in this state."
    )
    type: RecordingType | None = query_filter(
        _choices(RecordingType), doc="Only recordings of this kind."
    )
    duration_secs: int | None = query_filter(
        IntRange(0), doc="Only recordings at least this many seconds long."
    )
    filter: RoomRecordingListFilter | None = _sdk_alias("The filters, official SDK shape.")


@attrs.frozen(kw_only=True)
class RoomRecordingListParams(_RecordingFilters, _ListParams):
    """Query of ``GET /room_recordings``."""


@attrs.frozen(kw_only=True)
class RoomRecordingDeleteBulkParams(_RecordingFilters, PageParams):
    """Query of ``DELETE /room_recordings``: the list's filters, or ``all_recordings``."""

    all_recordings: bool = field(
        BOOLEAN,
        default=False,
        sent=False,
        doc="Delete every recording of the account: needed, as proof, when no filter is given.",
    )

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        # With no filter the API deletes every recording of the account.
        filtered = any(
            getattr(self, a.name) is not None for a in attrs.fields(type(self)) if is_filter(a)
        )
        if not filtered and not self.all_recordings:
            raise InvalidParams(
                "all_recordings",
                "pass at least one filter, or all_recordings=True to delete every recording",
            )
        if filtered and self.all_recordings:
            raise InvalidParams(
                "all_recordings", "must not be combined with filters (it means every recording)"
            )


# -- what help(), IDEs and the docs show ---------------------------------------------------------


def _type_text(annotation: object) -> str:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return str(text).replace("Unset", "UNSET")


def document_fields(cls: type) -> None:
    """Append an ``Attributes:`` section (Google style) to a params class's ``__doc__``.

    One entry per field, in ``reading_order``, with its type and ``field_help`` (help text and
    rule), so ``help()``, IDEs and the API reference show each keyword argument from the one
    declaration. A class that has the section already is left as it is.
    """
    doc = inspect.cleandoc(cls.__doc__ or "")
    fields = reading_order(cls)
    if not fields or "\nAttributes:\n" in f"\n{doc}":
        return
    lines = [doc, "", "Attributes:"] if doc else ["Attributes:"]
    for a in fields:
        entry = f"{a.name} ({_type_text(a.type)}): {field_help(cls, a.name)}"
        # A hyphenated word ("non-empty") split at its hyphen would read "non- empty" once the
        # docstring is reflowed.
        lines += textwrap.wrap(
            entry,
            width=88,
            initial_indent="    ",
            subsequent_indent=" " * 8,
            break_on_hyphens=False,
        )
    cls.__doc__ = "\n".join(lines)


for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) and attrs.has(_value):
        document_fields(_value)
del _name, _value
