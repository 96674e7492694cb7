"""Request parameters: validated when built (before any I/O), serialised to the wire form.

Each class validates its fields with the constraints of the vendor's OpenAPI document and
knows its own wire form: ``to_body()`` gives the JSON bytes of a request body (fields left
``None`` or ``UNSET`` are omitted), ``to_query()`` the encoded query string, with filters in
the API's deepObject form ``filter[date_created_at][gte]=2026-01-01``.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import quote, urlsplit

import attrs

from ._errors import InvalidParams
from .models import VideoRegion

__all__ = [
    "UNSET",
    "PageParams",
    "RoomCompositionCreateParams",
    "RoomCompositionListParams",
    "RoomCreateParams",
    "RoomGenerateJoinClientTokenParams",
    "RoomListParams",
    "RoomListSessionsParams",
    "RoomParticipantListParams",
    "RoomRecordingDeleteBulkParams",
    "RoomRecordingListParams",
    "RoomRefreshClientTokenParams",
    "RoomRetrieveParams",
    "RoomSessionActionParams",
    "RoomSessionListParams",
    "RoomSessionListParticipantsParams",
    "RoomSessionRetrieveParams",
    "RoomUpdateParams",
    "Unset",
    "VideoRegionParams",
]


class Unset(enum.Enum):
    """Marks a PATCH field the caller did not pass (``None`` means "set to null")."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _skip(value: object) -> bool:
    return value is None or value is UNSET


def int_range(lo: int, hi: int | None = None) -> Validator:
    """An integer from ``lo`` to ``hi`` (inclusive); ``bool`` is refused."""
    rule = (
        f"must be an integer from {lo} to {hi}" if hi is not None else f"must be an integer >= {lo}"
    )

    def check(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
        if _skip(value):
            return
        if type(value) is not int or value < lo or (hi is not None and value > hi):
            raise InvalidParams(attr.name, rule)

    return check


def boolean(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """``True`` or ``False``."""
    if not _skip(value) and type(value) is not bool:
        raise InvalidParams(attr.name, "must be True or False")


def _encodable(value: str) -> bool:
    """UTF-8 can encode it: a lone surrogate fits neither a URL nor a JSON body."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


_NOT_TEXT: Final = "must be valid Unicode text (no lone surrogates)"


def string(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """A string."""
    if _skip(value):
        return
    if not isinstance(value, str):
        raise InvalidParams(attr.name, "must be a string")
    if not _encodable(value):
        raise InvalidParams(attr.name, _NOT_TEXT)


def non_empty_string(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """A string with at least one non-space character."""
    if _skip(value):
        return
    if not isinstance(value, str) or not value.strip():
        raise InvalidParams(attr.name, "must be a non-empty string")
    if not _encodable(value):
        raise InvalidParams(attr.name, _NOT_TEXT)


def http_url(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """An absolute ``http`` or ``https`` URL with a host."""
    if _skip(value):
        return
    rule = "must be an absolute http(s) URL, such as 'https://example.com/hooks'"
    if not isinstance(value, str) or any(c.isspace() for c in value):
        raise InvalidParams(attr.name, rule)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is out of range or not a number
    except ValueError:
        raise InvalidParams(attr.name, rule) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidParams(attr.name, rule)


def url_or_empty(inst: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """Like :func:`http_url`, but ``""`` (the API's "no URL") is allowed too."""
    if value == "":
        return
    http_url(inst, attr, value)


_ISO_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def day(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """A ``datetime.date`` (not a ``datetime``) or an ISO ``YYYY-MM-DD`` string."""
    if _skip(value):
        return
    rule = "must be a datetime.date or a 'YYYY-MM-DD' string"
    if isinstance(value, datetime):
        raise InvalidParams(attr.name, rule + " (not a datetime: pass value.date())")
    if isinstance(value, date):
        return
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        # fromisoformat() alone would also take week dates such as "2026-W01-1".
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return
    raise InvalidParams(attr.name, rule)


def one_of(*allowed: str) -> Validator:
    """One of the given strings."""
    rule = "must be one of " + ", ".join(repr(a) for a in allowed)

    def check(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
        if not _skip(value) and value not in allowed:
            raise InvalidParams(attr.name, rule)

    return check


def field(
    validator: Validator | None = None, *, wire: str | None = None, default: Any = None
) -> Any:
    """A keyword-only params field; ``wire`` is its query key when it differs from its name."""
    return attrs.field(
        default=default,
        validator=validator,
        metadata={"wire": wire} if wire is not None else {},
    )


def _query_value(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_QUERY_KEYS: dict[type, tuple[tuple[str, str], ...]] = {}
#: Metadata of a field that steers the client and is not sent.
_NOT_SENT: Final = {"sent": False}


def _query_keys(cls: type) -> tuple[tuple[str, str], ...]:
    keys = _QUERY_KEYS.get(cls)
    if keys is None:
        keys = tuple(
            (a.name, quote(a.metadata.get("wire", a.name), safe="[]"))
            for a in attrs.fields(cls)
            if a.metadata.get("sent", True)
        )
        _QUERY_KEYS[cls] = keys
    return keys


def to_query(params: object) -> str:
    """The encoded query string of a params object (``None`` fields left out)."""
    pairs = []
    for name, key in _query_keys(type(params)):
        value = getattr(params, name)
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


_BODY_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _body_fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """(name, nullable) of each field of a params class, read from attrs once per class."""
    fields = _BODY_FIELDS.get(cls)
    if fields is None:
        fields = tuple((a.name, bool(a.metadata.get("nullable"))) for a in attrs.fields(cls))
        _BODY_FIELDS[cls] = fields
    return fields


def to_dict(params: object) -> dict[str, Any]:
    """The JSON object of a params object: ``UNSET`` fields out; ``None`` out unless nullable."""
    out: dict[str, Any] = {}
    for name, nullable in _body_fields(type(params)):
        value = getattr(params, name)
        if value is UNSET or (value is None and not nullable):
            continue
        out[name] = value if type(value) in _JSON_SCALARS else _json_value(value)
    return out


#: Built once: json.dumps(..., separators=...) would build an encoder on every call. No
#: circular check: to_dict() builds fresh, acyclic containers.
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def to_body(params: object) -> bytes:
    """The JSON request body of a params object."""
    return _ENCODER.encode(to_dict(params)).encode()


@attrs.frozen(kw_only=True)
class PageParams:
    """Which page of a list to fetch."""

    page_number: int | None = field(int_range(1), wire="page[number]")
    """The page to load, from 1."""
    page_size: int | None = field(int_range(1, 250), wire="page[size]")
    """Items per page, 1 to 250 (the API's default is 20)."""


@attrs.frozen(kw_only=True)
class RoomCreateParams:
    """Body of ``POST /rooms``."""

    unique_name: str | None = field(string)
    """The unique (within the Telnyx account scope) name of the room."""
    max_participants: int | None = field(int_range(2, 50))
    """Participants allowed at once, 2 to 50 (the API's default is 10)."""
    enable_recording: bool | None = field(boolean)
    """Record the room's sessions."""
    webhook_event_url: str | None = field(http_url)
    """Where webhooks about the room are sent; must include a scheme."""
    webhook_event_failover_url: str | None = field(url_or_empty)
    """Where webhooks go when the primary URL fails; must include a scheme."""
    webhook_timeout_secs: int | None = field(int_range(0, 30))
    """Seconds to wait before a webhook times out, 0 to 30."""


_NULLABLE: Final = {"nullable": True}


@attrs.frozen(kw_only=True)
class RoomUpdateParams:
    """Body of ``PATCH /rooms/{room_id}``: only the fields the caller passed are sent."""

    unique_name: str | Unset = attrs.field(default=UNSET, validator=string)
    """The unique (within the Telnyx account scope) name of the room."""
    max_participants: int | Unset = attrs.field(default=UNSET, validator=int_range(2, 50))
    """Participants allowed at once, 2 to 50."""
    enable_recording: bool | Unset = attrs.field(default=UNSET, validator=boolean)
    """Record the room's sessions."""
    webhook_event_url: str | Unset = attrs.field(default=UNSET, validator=http_url)
    """Where webhooks about the room are sent; must include a scheme."""
    webhook_event_failover_url: str | Unset = attrs.field(default=UNSET, validator=url_or_empty)
    """Where webhooks go when the primary URL fails; ``""`` clears it."""
    webhook_timeout_secs: int | Unset | None = attrs.field(
        default=UNSET, validator=int_range(0, 30), metadata=_NULLABLE
    )
    """Seconds to wait before a webhook times out, 0 to 30; ``None`` clears it."""

    def __attrs_post_init__(self) -> None:
        for a in attrs.fields(type(self)):
            if getattr(self, a.name) is None and not a.metadata.get("nullable"):
                raise InvalidParams(a.name, "cannot be null")


@attrs.frozen(kw_only=True)
class RoomRetrieveParams:
    """Query of ``GET /rooms/{room_id}``."""

    include_sessions: bool | None = field(boolean)
    """Include the room's sessions in the reply."""


@attrs.frozen(kw_only=True)
class RoomListParams:
    """Query of ``GET /rooms``: filters, with ``page_number``/``page_size`` apart."""

    include_sessions: bool | None = field(boolean)
    """Include each room's sessions."""
    unique_name: str | None = field(string, wire="filter[unique_name]")
    """Only the room with this unique name."""
    date_created_at_eq: date | str | None = field(day, wire="filter[date_created_at][eq]")
    """Only rooms created on this day."""
    date_created_at_gte: date | str | None = field(day, wire="filter[date_created_at][gte]")
    """Only rooms created on or after this day."""
    date_created_at_lte: date | str | None = field(day, wire="filter[date_created_at][lte]")
    """Only rooms created on or before this day."""
    date_updated_at_eq: date | str | None = field(day, wire="filter[date_updated_at][eq]")
    """Only rooms last updated on this day."""
    date_updated_at_gte: date | str | None = field(day, wire="filter[date_updated_at][gte]")
    """Only rooms last updated on or after this day."""
    date_updated_at_lte: date | str | None = field(day, wire="filter[date_updated_at][lte]")
    """Only rooms last updated on or before this day."""


# -- shared pieces of the session, participant, composition and recording params ---------


def integer(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """Any integer; ``bool`` is refused."""
    if not _skip(value) and type(value) is not int:
        raise InvalidParams(attr.name, "must be an integer")


def required(validator: Validator) -> Validator:
    """``validator``, and the value must be given (not ``None``)."""

    def check(inst: object, attr: attrs.Attribute[Any], value: Any) -> None:
        if _skip(value):
            raise InvalidParams(attr.name, "is required")
        validator(inst, attr, value)

    return check


def _as_tuple(value: Any) -> Any:
    """Lists become tuples (params are immutable); anything else is left to the validator."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _is_id(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and _encodable(value)


def id_list(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """A list (or tuple) of non-empty id strings; it may be empty."""
    if _skip(value):
        return
    if not isinstance(value, tuple) or not all(_is_id(v) for v in value):
        raise InvalidParams(attr.name, "must be a list of non-empty id strings")


def _participants(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    if value == "all":
        return
    if not isinstance(value, tuple) or not value or not all(_is_id(v) for v in value):
        raise InvalidParams(attr.name, "must be 'all' or a non-empty list of participant ids")


# An ASCII class: ``\d`` would also take other scripts' digits, which int() accepts.
_RESOLUTION: Final = re.compile(r"([0-9]{1,4})x([0-9]{1,4})")
_MAX_PIXELS: Final = 1280 * 720


def resolution(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """``'WIDTHxHEIGHT'``, each 16 to 1280 pixels, at most 1280*720 pixels in all."""
    if _skip(value):
        return
    match = _RESOLUTION.fullmatch(value) if isinstance(value, str) else None
    if match is not None:
        width, height = int(match[1]), int(match[2])
        if 16 <= width <= 1280 and 16 <= height <= 1280 and width * height <= _MAX_PIXELS:
            return
    raise InvalidParams(
        attr.name,
        "must be 'WIDTHxHEIGHT' with each side 16 to 1280 and width*height at most"
        " 1280*720, such as '1280x720' or '800x600'",
    )


# -- client tokens -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RoomGenerateJoinClientTokenParams:
    """Body of ``POST /rooms/{room_id}/actions/generate_join_client_token``."""

    token_ttl_secs: int | None = field(int_range(10, 3600))
    """Seconds the client token is valid, 10 to 3600 (the API's default is 600)."""
    refresh_token_ttl_secs: int | None = field(int_range(60, 86400))
    """Seconds the refresh token is valid, 60 to 86400 (the API's default is 3600)."""


@attrs.frozen(kw_only=True)
class RoomRefreshClientTokenParams:
    """Body of ``POST /rooms/{room_id}/actions/refresh_client_token``."""

    refresh_token: str = attrs.field(validator=required(non_empty_string), repr=False)
    """The refresh token from ``generate_join_client_token``."""
    token_ttl_secs: int | None = field(int_range(10, 3600))
    """Seconds the new client token is valid, 10 to 3600 (the API's default is 600)."""


# -- room sessions -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RoomListSessionsParams:
    """Query of ``GET /rooms/{room_id}/sessions``: filters, with paging apart."""

    include_participants: bool | None = field(boolean)
    """Include each session's participants."""
    active: bool | None = field(boolean, wire="filter[active]")
    """Only active (``True``) or only ended (``False``) sessions."""
    date_created_at_eq: date | str | None = field(day, wire="filter[date_created_at][eq]")
    """Only sessions created on this day."""
    date_created_at_gte: date | str | None = field(day, wire="filter[date_created_at][gte]")
    """Only sessions created on or after this day."""
    date_created_at_lte: date | str | None = field(day, wire="filter[date_created_at][lte]")
    """Only sessions created on or before this day."""
    date_updated_at_eq: date | str | None = field(day, wire="filter[date_updated_at][eq]")
    """Only sessions last updated on this day."""
    date_updated_at_gte: date | str | None = field(day, wire="filter[date_updated_at][gte]")
    """Only sessions last updated on or after this day."""
    date_updated_at_lte: date | str | None = field(day, wire="filter[date_updated_at][lte]")
    """Only sessions last updated on or before this day."""
    date_ended_at_eq: date | str | None = field(day, wire="filter[date_ended_at][eq]")
    """Only sessions that ended on this day."""
    date_ended_at_gte: date | str | None = field(day, wire="filter[date_ended_at][gte]")
    """Only sessions that ended on or after this day."""
    date_ended_at_lte: date | str | None = field(day, wire="filter[date_ended_at][lte]")
    """Only sessions that ended on or before this day."""


@attrs.frozen(kw_only=True)
class RoomSessionListParams(RoomListSessionsParams):
    """Query of ``GET /room_sessions``: the room's session filters plus ``room_id``."""

    room_id: str | None = field(non_empty_string, wire="filter[room_id]")
    """Only sessions of this room."""


@attrs.frozen(kw_only=True)
class RoomSessionRetrieveParams:
    """Query of ``GET /room_sessions/{room_session_id}``."""

    include_participants: bool | None = field(boolean)
    """Include the session's participants."""


@attrs.frozen(kw_only=True)
class RoomSessionListParticipantsParams:
    """Query of ``GET /room_sessions/{room_session_id}/participants``: filters."""

    context: str | None = field(string, wire="filter[context]")
    """Only participants that joined with this context."""
    date_joined_at_eq: date | str | None = field(day, wire="filter[date_joined_at][eq]")
    """Only participants that joined on this day."""
    date_joined_at_gte: date | str | None = field(day, wire="filter[date_joined_at][gte]")
    """Only participants that joined on or after this day."""
    date_joined_at_lte: date | str | None = field(day, wire="filter[date_joined_at][lte]")
    """Only participants that joined on or before this day."""
    date_updated_at_eq: date | str | None = field(day, wire="filter[date_updated_at][eq]")
    """Only participants last updated on this day."""
    date_updated_at_gte: date | str | None = field(day, wire="filter[date_updated_at][gte]")
    """Only participants last updated on or after this day."""
    date_updated_at_lte: date | str | None = field(day, wire="filter[date_updated_at][lte]")
    """Only participants last updated on or before this day."""
    date_left_at_eq: date | str | None = field(day, wire="filter[date_left_at][eq]")
    """Only participants that left on this day."""
    date_left_at_gte: date | str | None = field(day, wire="filter[date_left_at][gte]")
    """Only participants that left on or after this day."""
    date_left_at_lte: date | str | None = field(day, wire="filter[date_left_at][lte]")
    """Only participants that left on or before this day."""


@attrs.frozen(kw_only=True)
class RoomSessionActionParams:
    """Body of ``POST /room_sessions/{room_session_id}/actions/{kick,mute,unmute}``."""

    participants: str | tuple[str, ...] = attrs.field(converter=_as_tuple, validator=_participants)
    """``"all"``, or the ids of the participants to act on."""
    exclude: tuple[str, ...] | None = attrs.field(
        default=None, converter=_as_tuple, validator=id_list
    )
    """Ids of participants the action leaves alone."""


# -- room participants -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RoomParticipantListParams(RoomSessionListParticipantsParams):
    """Query of ``GET /room_participants``: the participant filters plus ``session_id``."""

    session_id: str | None = field(non_empty_string, wire="filter[session_id]")
    """Only participants of this room session."""


# -- room compositions -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class VideoRegionParams:
    """One region of a composition's ``video_layout``, checked against the API's bounds."""

    x_pos: int | None = field(integer)
    """X of the region's top-left corner in the composition, in pixels (the API's default is 0)."""
    y_pos: int | None = field(integer)
    """Y of the region's top-left corner in the composition, in pixels (the API's default is 0)."""
    z_pos: int | None = field(int_range(-99, 99))
    """Stacking order, -99 to 99: higher regions are drawn on top (the API's default is 0)."""
    width: int | None = field(int_range(16))
    """Width of the region in pixels, at least 16."""
    height: int | None = field(int_range(16))
    """Height of the region in pixels, at least 16."""
    max_columns: int | None = field(int_range(1, 1000))
    """Most columns of the region's placement grid, 1 to 1000."""
    max_rows: int | None = field(int_range(1, 1000))
    """Most rows of the region's placement grid, 1 to 1000."""
    video_sources: tuple[str, ...] | None = attrs.field(
        default=None, converter=_as_tuple, validator=id_list
    )
    """Ids of the video recordings shown in the region, or ``["*"]`` for all of them."""


_REGION_FIELDS: Final = frozenset(a.name for a in attrs.fields(VideoRegionParams))


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


def _video_layout(value: Any) -> Any:
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


@attrs.frozen(kw_only=True)
class RoomCompositionCreateParams:
    """Body of ``POST /room_compositions``."""

    session_id: str = attrs.field(validator=required(non_empty_string))
    """The room session to compose."""
    format: str | None = field(one_of("mp4"))
    """The container format; only ``"mp4"`` (the API's default)."""
    resolution: str | None = field(resolution)
    """``'WIDTHxHEIGHT'``, each 16 to 1280, at most 1280*720 pixels (the default is 1280x720)."""
    video_layout: dict[str, VideoRegionParams] | None = attrs.field(
        default=None, converter=_video_layout
    )
    """Regions by name, each a ``VideoRegionParams``, a ``VideoRegion`` or a dict."""
    webhook_event_url: str | None = field(http_url)
    """Where webhooks about the composition are sent; must include a scheme."""
    webhook_event_failover_url: str | None = field(url_or_empty)
    """Where webhooks go when the primary URL fails; must include a scheme."""
    webhook_timeout_secs: int | None = field(int_range(0, 30))
    """Seconds to wait before a webhook times out, 0 to 30."""


@attrs.frozen(kw_only=True)
class RoomCompositionListParams:
    """Query of ``GET /room_compositions``: filters, with paging apart."""

    session_id: str | None = field(non_empty_string, wire="filter[session_id]")
    """Only compositions of this room session."""
    status: str | None = field(one_of("completed", "processing", "enqueued"), wire="filter[status]")
    """Only compositions in this state: ``"completed"``, ``"processing"`` or ``"enqueued"``."""
    date_created_at_eq: date | str | None = field(day, wire="filter[date_created_at][eq]")
    """Only compositions created on this day."""
    date_created_at_gte: date | str | None = field(day, wire="filter[date_created_at][gte]")
    """Only compositions created on or after this day."""
    date_created_at_lte: date | str | None = field(day, wire="filter[date_created_at][lte]")
    """Only compositions created on or before this day."""


# -- room recordings ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RoomRecordingListParams:
    """Query of ``GET /room_recordings``: filters, with paging apart."""

    room_id: str | None = field(non_empty_string, wire="filter[room_id]")
    """Only recordings made in this room."""
    session_id: str | None = field(non_empty_string, wire="filter[session_id]")
    """Only recordings of this room session."""
    participant_id: str | None = field(non_empty_string, wire="filter[participant_id]")
    """Only recordings of this participant."""
    status: str | None = field(non_empty_string, wire="filter[status]")
    """Only recordings in this state, such as ``"completed"`` or ``"processing"``."""
    type: str | None = field(non_empty_string, wire="filter[type]")
    """Only recordings of this kind, such as ``"audio"`` or ``"video"``."""
    duration_secs: int | None = field(int_range(0), wire="filter[duration_secs]")
    """Only recordings at least this many seconds long."""
    date_started_at_eq: date | str | None = field(day, wire="filter[date_started_at][eq]")
    """Only recordings that started on this day."""
    date_started_at_gte: date | str | None = field(day, wire="filter[date_started_at][gte]")
    """Only recordings that started on or after this day."""
    date_started_at_lte: date | str | None = field(day, wire="filter[date_started_at][lte]")
    """Only recordings that started on or before this day."""
    date_ended_at_eq: date | str | None = field(day, wire="filter[date_ended_at][eq]")
    """Only recordings that ended on this day."""
    date_ended_at_gte: date | str | None = field(day, wire="filter[date_ended_at][gte]")
    """Only recordings that ended on or after this day."""
    date_ended_at_lte: date | str | None = field(day, wire="filter[date_ended_at][lte]")
    """Only recordings that ended on or before this day."""


@attrs.frozen(kw_only=True)
class RoomRecordingDeleteBulkParams(RoomRecordingListParams):
    """Query of ``DELETE /room_recordings``: the list's filters, or ``all_recordings``."""

    all_recordings: bool = attrs.field(default=False, validator=boolean, metadata=_NOT_SENT)
    """Delete every recording of the account: required when no filter is given, as proof."""

    def __attrs_post_init__(self) -> None:
        # With no filter the API deletes every recording of the account.
        filtered = any(
            getattr(self, a.name) is not None for a in attrs.fields(RoomRecordingListParams)
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
