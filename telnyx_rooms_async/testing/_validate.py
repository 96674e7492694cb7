"""Request checks of the fake API, answering as the real API does (422 with a pointer)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ._app import Filter

_ISO_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER: Final = re.compile(r"-?[0-9]+")

__all__ = [
    "Problem",
    "check_body",
    "check_date",
    "check_filters",
    "check_id_list",
    "check_int",
    "check_layout",
    "check_one_of",
    "check_participants",
    "check_query_int",
    "check_query_one_of",
    "check_resolution",
    "check_url",
]


class Problem(Exception):
    """One invalid input; becomes a 422 (body) or 400 (query) error document."""

    def __init__(self, *, pointer: str | None = None, parameter: str | None = None, detail: str):
        super().__init__(detail)
        self.pointer = pointer
        self.parameter = parameter
        self.detail = detail


def check_int(
    body: Mapping[str, Any], name: str, lo: int, hi: int | None, *, nullable: bool = False
) -> None:
    """``body[name]``, when present, is an integer in range."""
    if name not in body:
        return
    value = body[name]
    if value is None and nullable:
        return
    if type(value) is not int or value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise Problem(pointer=f"/{name}", detail=f"{name} must be an integer {bound}")


def check_bool(body: Mapping[str, Any], name: str) -> None:
    """``body[name]``, when present, is a boolean."""
    if name in body and type(body[name]) is not bool:
        raise Problem(pointer=f"/{name}", detail=f"{name} must be a boolean")


def check_str(body: Mapping[str, Any], name: str, *, required: bool = False) -> None:
    """``body[name]`` is a string (present, when ``required``)."""
    if name not in body:
        if required:
            raise Problem(pointer=f"/{name}", detail=f"{name} is required")
        return
    if not isinstance(body[name], str):
        raise Problem(pointer=f"/{name}", detail=f"{name} must be a string")


def check_url(body: Mapping[str, Any], name: str, *, allow_empty: bool = False) -> None:
    """``body[name]``, when present, is a URL with a scheme."""
    if name not in body:
        return
    value = body[name]
    if allow_empty and value == "":
        return
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise Problem(pointer=f"/{name}", detail=f"{name} must be a URL including a scheme")


def check_date(query: Mapping[str, str], key: str) -> None:
    """A date filter, when present, is ``YYYY-MM-DD``."""
    value = query.get(key)
    if value is None:
        return
    try:
        # fromisoformat() alone would also take "20260101" and week dates.
        if not _ISO_DAY.fullmatch(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise Problem(parameter=key, detail=f"{key} must be a date (YYYY-MM-DD)") from None


def check_body(body: Any, allowed: set[str]) -> dict[str, Any]:
    """The body is a JSON object; unknown keys are rejected."""
    if not isinstance(body, dict):
        raise Problem(pointer="", detail="the request body must be a JSON object")
    for key in body:
        if key not in allowed:
            raise Problem(pointer=f"/{key}", detail=f"{key} is not a known attribute")
    return body


def _is_id(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def check_id_list(body: Mapping[str, Any], name: str) -> None:
    """``body[name]``, when present, is a list of id strings."""
    if name not in body:
        return
    value = body[name]
    if not isinstance(value, list) or not all(_is_id(v) for v in value):
        raise Problem(pointer=f"/{name}", detail=f"{name} must be a list of ids")


def check_participants(body: Mapping[str, Any], name: str) -> None:
    """``body[name]``, when present, is ``"all"`` or a non-empty list of ids."""
    if name not in body or body[name] == "all":
        return
    value = body[name]
    if not isinstance(value, list) or not value or not all(_is_id(v) for v in value):
        raise Problem(pointer=f"/{name}", detail=f"{name} must be 'all' or a list of ids")


def check_one_of(body: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    """``body[name]``, when present, is one of ``allowed``."""
    if name in body and body[name] not in allowed:
        raise Problem(pointer=f"/{name}", detail=f"{name} must be one of {', '.join(allowed)}")


_RESOLUTION: Final = re.compile(r"([0-9]{1,4})x([0-9]{1,4})")


def check_resolution(body: Mapping[str, Any], name: str) -> None:
    """``body[name]``, when present, is ``WxH``: each 16..1280, at most 1280*720 pixels."""
    if name not in body:
        return
    value = body[name]
    match = _RESOLUTION.fullmatch(value) if isinstance(value, str) else None
    if match is not None:
        width, height = int(match[1]), int(match[2])
        if 16 <= width <= 1280 and 16 <= height <= 1280 and width * height <= 1280 * 720:
            return
    raise Problem(
        pointer=f"/{name}",
        detail=f"{name} must be WIDTHxHEIGHT, each 16 to 1280, at most 1280x720 pixels",
    )


_REGION_BOUNDS: Final[Mapping[str, tuple[int | None, int | None]]] = {
    "x_pos": (None, None),
    "y_pos": (None, None),
    "z_pos": (-99, 99),
    "width": (16, None),
    "height": (16, None),
    "max_columns": (1, 1000),
    "max_rows": (1, 1000),
}


def check_layout(body: Mapping[str, Any], name: str) -> None:
    """``body[name]``, when present, maps region names to valid video regions."""
    if name not in body:
        return
    layout = body[name]
    if not isinstance(layout, dict):
        raise Problem(pointer=f"/{name}", detail=f"{name} must be an object of regions")
    for region_name, region in layout.items():
        where = f"/{name}/{region_name}"
        if not isinstance(region, dict):
            raise Problem(pointer=where, detail="a video region must be an object")
        for key, value in region.items():
            if key == "video_sources":
                if not isinstance(value, list) or not all(_is_id(v) for v in value):
                    raise Problem(pointer=f"{where}/{key}", detail=f"{key} must be a list of ids")
                continue
            if key not in _REGION_BOUNDS:
                raise Problem(pointer=f"{where}/{key}", detail=f"{key} is not a known attribute")
            lo, hi = _REGION_BOUNDS[key]
            if (
                type(value) is not int
                or (lo is not None and value < lo)
                or (hi is not None and value > hi)
            ):
                raise Problem(pointer=f"{where}/{key}", detail=f"{key} is out of range")


def check_query_int(query: Mapping[str, str], key: str, lo: int) -> int | None:
    """An integer query parameter of at least ``lo``, when present."""
    raw = query.get(key)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = lo - 1
    if value < lo:
        raise Problem(parameter=key, detail=f"{key} must be an integer of at least {lo}")
    return value


def check_query_one_of(query: Mapping[str, str], key: str, allowed: tuple[str, ...]) -> None:
    """A query parameter, when present, is one of ``allowed``."""
    if key in query and query[key] not in allowed:
        raise Problem(parameter=key, detail=f"{key} must be one of {', '.join(allowed)}")


def check_filters(query: Mapping[str, str], filters: Sequence[Filter]) -> None:
    """Every date, boolean and integer filter of the query is well formed (else a 400)."""
    for f in filters:
        if f.kind == "date":
            for op in ("eq", "gte", "lte"):
                check_date(query, f"{f.key}[{op}]")
        elif f.kind == "bool" and query.get(f.key, "true") not in ("true", "false"):
            raise Problem(parameter=f.key, detail=f"{f.key} must be true or false")
        elif f.kind == "int" and f.key in query and not _INTEGER.fullmatch(query[f.key]):
            raise Problem(parameter=f.key, detail=f"{f.key} must be an integer")
