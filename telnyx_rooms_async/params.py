"""Request parameters: validated when built (before any I/O), serialised to the wire form.

Each class validates its fields with the constraints of the vendor's OpenAPI document and
knows its own wire form: ``to_body()`` gives the JSON bytes of a request body (fields left
``None`` or ``UNSET`` are omitted), ``to_query()`` the encoded query string, with filters in
the API's deepObject form ``filter[date_created_at][gte]=2026-01-01``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import quote, urlsplit

import attrs

from ._errors import InvalidParams

__all__ = [
    "UNSET",
    "PageParams",
    "RoomCreateParams",
    "RoomListParams",
    "RoomRetrieveParams",
    "RoomUpdateParams",
    "Unset",
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


def string(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """A string."""
    if not _skip(value) and not isinstance(value, str):
        raise InvalidParams(attr.name, "must be a string")


def non_empty_string(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """A string with at least one non-space character."""
    if not _skip(value) and (not isinstance(value, str) or not value.strip()):
        raise InvalidParams(attr.name, "must be a non-empty string")


def http_url(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """An absolute ``http`` or ``https`` URL with a host."""
    if _skip(value):
        return
    rule = "must be an absolute http(s) URL, such as 'https://example.com/hooks'"
    if not isinstance(value, str) or any(c.isspace() for c in value):
        raise InvalidParams(attr.name, rule)
    try:
        parts = urlsplit(value)
    except ValueError:
        raise InvalidParams(attr.name, rule) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidParams(attr.name, rule)


def url_or_empty(inst: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """Like :func:`http_url`, but ``""`` (the API's "no URL") is allowed too."""
    if value == "":
        return
    http_url(inst, attr, value)


def day(_: object, attr: attrs.Attribute[Any], value: Any) -> None:
    """A ``datetime.date`` (not a ``datetime``) or an ISO ``YYYY-MM-DD`` string."""
    if _skip(value):
        return
    rule = "must be a datetime.date or a 'YYYY-MM-DD' string"
    if isinstance(value, datetime):
        raise InvalidParams(attr.name, rule + " (not a datetime: pass value.date())")
    if isinstance(value, date):
        return
    if isinstance(value, str) and len(value) == 10:
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


def _query_keys(cls: type) -> tuple[tuple[str, str], ...]:
    keys = _QUERY_KEYS.get(cls)
    if keys is None:
        keys = tuple(
            (a.name, quote(a.metadata.get("wire", a.name), safe="[]")) for a in attrs.fields(cls)
        )
        _QUERY_KEYS[cls] = keys
    return keys


def to_query(params: object) -> str:
    """The encoded query string of a params object (``None`` fields left out)."""
    pairs = []
    for name, key in _query_keys(type(params)):
        value = getattr(params, name)
        if not _skip(value):
            pairs.append(f"{key}={quote(_query_value(value), safe='')}")
    return "&".join(pairs)


def _json_value(value: Any) -> Any:
    if attrs.has(type(value)):
        return to_dict(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def to_dict(params: object) -> dict[str, Any]:
    """The JSON object of a params object: ``UNSET`` fields out; ``None`` out unless nullable."""
    out: dict[str, Any] = {}
    for a in attrs.fields(type(params)):  # type: ignore[arg-type]
        value = getattr(params, a.name)
        if value is UNSET:
            continue
        if value is None and not a.metadata.get("nullable"):
            continue
        out[a.name] = _json_value(value)
    return out


def to_body(params: object) -> bytes:
    """The JSON request body of a params object."""
    return json.dumps(to_dict(params), separators=(",", ":")).encode()


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
