"""Query strings of the fake API: filters, paging and flags, read from the params classes.

Nothing here names a filter. Each list operation's params class declares its filters once
(``params.py``); this module reads their wire keys and rules and turns them into checks and
comparisons:

* a date range ``filter[date_<x>_at][eq|gte|lte]`` compares the day of the record's
  ``<x>_at`` field;
* a boolean filter ``filter[<name>]`` (``true`` / ``false``) the record's ``<name>``;
* an integer filter is a minimum (the API's one, ``duration_secs``, is documented as
  "greater or equal"), with no bound of its own on the value;
* any other filter is an exact string match.

Part of the fake's ground floor: the route modules and the app import it; it imports
neither.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final, Literal

import attrs
from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

from .. import params as p
from .._operations import Operation
from ._store import Record
from ._wire import Problem, json_response

__all__ = [
    "QueryFilter",
    "QuerySpec",
    "flag",
    "operation",
    "page",
    "query_error_status",
    "query_spec",
    "register",
    "select",
]

FilterKind = Literal["range", "boolean", "minimum", "text"]

# The row of the table each route of a fake serves (routes die with their app).
_OPERATIONS: Final[weakref.WeakKeyDictionary[AbstractRoute, Operation[Any, Any]]] = (
    weakref.WeakKeyDictionary()
)
PAGE_NUMBER: Final = "page[number]"
PAGE_SIZE: Final = "page[size]"
#: The page size the API uses when the request names none.
DEFAULT_PAGE_SIZE: Final = 20

_FILTER_KEY: Final = re.compile(r"filter\[([a-z_]+)\](?:\[([a-z]+)\])?")
_ISO_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER: Final = re.compile(r"-?[0-9]+")


def _record_field(name: str) -> str:
    """The record field a filter compares: ``date_<x>_at`` -> ``<x>_at``, else the name."""
    return name.removeprefix("date_") if name.startswith("date_") else name


@attrs.frozen
class QueryFilter:
    """One filter of a list: its query key(s), the record field compared, and its kind."""

    key: str
    """``filter[<name>]``; for a range the prefix of its keys ``filter[<name>][<op>]``."""
    field: str
    """The record field compared."""
    kind: FilterKind
    ops: tuple[str, ...] = ()
    """For a range: the operators it takes (``eq``, ``gte``, ``lte``)."""

    def query_keys(self) -> tuple[str, ...]:
        """Every query key of the filter."""
        return tuple(f"{self.key}[{op}]" for op in self.ops) if self.ops else (self.key,)

    def check(self, query: Mapping[str, str]) -> None:
        """A malformed value is a ``Problem`` naming its key."""
        for key in self.query_keys():
            value = query.get(key)
            if value is None:
                continue
            if self.kind == "range" and not _is_day(value):
                raise Problem(parameter=key, detail=f"{key} must be a date (YYYY-MM-DD)")
            if self.kind == "boolean" and value not in ("true", "false"):
                raise Problem(parameter=key, detail=f"{key} must be true or false")
            if self.kind == "minimum" and not _INTEGER.fullmatch(value):
                raise Problem(parameter=key, detail=f"{key} must be an integer")

    def passes(self, item: Record, query: Mapping[str, str]) -> bool:
        """Whether ``item`` passes (a filter absent from the query passes everything)."""
        value = item.get(self.field)
        if self.kind == "range":
            day = value[:10] if isinstance(value, str) else None
            for op in self.ops:
                wanted = query.get(f"{self.key}[{op}]")
                if wanted is None:
                    continue
                if day is None or not _compare(op, day, wanted):
                    return False
            return True
        wanted = query.get(self.key)
        if wanted is None:
            return True
        if self.kind == "boolean":
            return value is (wanted == "true")
        if self.kind == "minimum":
            return isinstance(value, int | float) and value >= int(wanted)
        return bool(value == wanted)


def _compare(op: str, day: str, wanted: str) -> bool:
    # ISO days compare as strings.
    if op == "eq":
        return day == wanted
    return day >= wanted if op == "gte" else day <= wanted


def _is_day(value: str) -> bool:
    # fromisoformat() alone would also take "20260101" and week dates.
    if not _ISO_DAY.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@attrs.frozen
class QuerySpec:
    """What the query of one operation may carry, read from its params class."""

    filters: tuple[QueryFilter, ...]
    pages: Mapping[str, p.IntRange]
    """``page[number]`` and ``page[size]`` with their bounds, for a list."""
    flags: tuple[str, ...]
    """Boolean parameters that are not filters, such as ``include_sessions``."""


_SPECS: dict[type, QuerySpec] = {}


def query_spec(params: Any) -> QuerySpec:
    """The query spec of a params class (built once per class)."""
    spec = _SPECS.get(params)
    if spec is None:
        spec = _SPECS[params] = _build_spec(params)
    return spec


def _build_spec(params: type) -> QuerySpec:
    ranges: dict[str, list[str]] = {}
    filters: list[QueryFilter] = []
    pages: dict[str, p.IntRange] = {}
    flags: list[str] = []
    for attr in attrs.fields(params):
        if not p.is_sent(attr):
            continue
        key = p.wire_key(attr)
        rule = attr.validator
        if p.is_filter(attr):
            match = _FILTER_KEY.fullmatch(key)
            if match is None:
                raise TypeError(f"{params.__name__}.{attr.name}: {key} is not filter[...]")
            name, op = match[1], match[2]
            if op is not None:
                ranges.setdefault(name, []).append(op)
                continue
            kind: FilterKind = "text"
            if rule is p.BOOLEAN:
                kind = "boolean"
            elif isinstance(rule, p.IntRange):
                kind = "minimum"
            filters.append(QueryFilter(key, _record_field(name), kind))
        elif key in (PAGE_NUMBER, PAGE_SIZE) and isinstance(rule, p.IntRange):
            pages[key] = rule
        elif rule is p.BOOLEAN:
            flags.append(key)
        else:
            raise TypeError(f"{params.__name__}.{attr.name}: the fake has no use for {key}")
    for name, ops in ranges.items():
        filters.append(QueryFilter(f"filter[{name}]", _record_field(name), "range", tuple(ops)))
    return QuerySpec(tuple(filters), pages, tuple(flags))


# -- per request -------------------------------------------------------------------------------


def register(route: AbstractRoute, op: Operation[Any, Any]) -> None:
    """Note that ``route`` serves the row ``op`` of the table."""
    _OPERATIONS[route] = op


def operation(request: web.Request) -> Operation[Any, Any] | None:
    """The row of the table ``request`` is, or None (no route of the table)."""
    return _OPERATIONS.get(request.match_info.route)


def query_error_status(op: Operation[Any, Any] | None) -> int:
    """The status of a malformed query: 400 for a list, whose spec declares 4XX; 422 for the
    bulk delete, which declares only 422."""
    return 400 if op is None or op.result.kind == "page" else 422


def _spec(request: web.Request) -> QuerySpec:
    op = operation(request)
    if op is None:
        raise LookupError(f"{request.path} is not a route of the table")
    return query_spec(op.params)


def flag(request: web.Request, name: str) -> bool:
    """A boolean parameter such as ``include_sessions=true``.

    On a list a malformed value is a 400 (its spec declares 4XX); a retrieve declares no
    error but 404, so there any value but ``true`` means false.
    """
    value = request.query.get(name)
    if value is None:
        return False
    op = operation(request)
    if value not in ("true", "false") and op is not None and op.result.kind == "page":
        raise Problem(parameter=name, detail=f"{name} must be true or false")
    return value == "true"


def select(request: web.Request, items: Iterable[Record]) -> list[Record]:
    """The ``items`` the request's filters let through; a malformed filter is a ``Problem``."""
    spec = _spec(request)
    query = request.query
    # Checked up front: the API refuses a bad value even when no item would be compared.
    for f in spec.filters:
        f.check(query)
    for key in spec.pages:
        _page_arg(query, key, spec)
    return [item for item in items if all(f.passes(item, query) for f in spec.filters)]


def _page_arg(query: Mapping[str, str], key: str, spec: QuerySpec) -> int:
    default = 1 if key == PAGE_NUMBER else DEFAULT_PAGE_SIZE
    raw = query.get(key)
    rule = spec.pages[key]
    if raw is None:
        return default
    value = int(raw) if _INTEGER.fullmatch(raw) else None
    if value is None or not rule.ok(value):
        raise Problem(parameter=key, detail=f"{key} {rule.rule}")
    return value


def page(request: web.Request, items: Iterable[Record], *, sticky: bool = False) -> web.Response:
    """Filter ``items`` by the query, cut the requested page, and add ``meta``.

    ``sticky`` (a fault): the first page for any number, always claiming one more page.
    """
    spec = _spec(request)
    selected = select(request, items)
    number = _page_arg(request.query, PAGE_NUMBER, spec)
    size = _page_arg(request.query, PAGE_SIZE, spec)
    if sticky:
        chunk = selected[:size]
        total_pages, total_results = number + 1, len(selected) + size
    else:
        chunk = selected[(number - 1) * size : number * size]
        total_pages, total_results = max(1, -(-len(selected) // size)), len(selected)
    meta = {
        "page_number": number,
        "page_size": size,
        "total_pages": total_pages,
        "total_results": total_results,
    }
    return json_response(200, {"data": chunk, "meta": meta})
