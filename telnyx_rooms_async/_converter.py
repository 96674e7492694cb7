"""The one cattrs converter: JSON documents in, frozen models out. Built once, at import."""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs

from . import models
from ._errors import APIResponseValidationError

__all__ = ["CONVERTER", "loads", "register_models", "structure_data", "structure_page"]

T = TypeVar("T")

CONVERTER: Final = cattrs.Converter(forbid_extra_keys=False)

if sys.version_info >= (3, 11):
    _fromisoformat = datetime.fromisoformat
else:  # pragma: no cover - 3.10's fromisoformat rejects "Z" and short fractions

    def _fromisoformat(value: str) -> datetime:
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        head, dot, rest = value.partition(".")
        if dot:
            digits = len(rest) - len(rest.lstrip("0123456789"))
            frac = rest[:digits][:6].ljust(6, "0")
            value = f"{head}.{frac}{rest[digits:]}"
        return datetime.fromisoformat(value)


def _parse_datetime(value: Any, _: object = None) -> datetime:
    if isinstance(value, str):
        parsed = _fromisoformat(value)
        # A naive timestamp from the API is UTC; callers always get aware datetimes.
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)
    raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")


def _format_datetime(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


CONVERTER.register_structure_hook(datetime, _parse_datetime)
CONVERTER.register_unstructure_hook(datetime, _format_datetime)
CONVERTER.register_unstructure_hook(date, date.isoformat)

_PLAIN: Final = frozenset({str, int, float, bool})


def _passthrough(value: Any, _: object) -> Any:
    return value


def _optional_datetime(value: Any, _: object) -> datetime | None:
    return None if value is None else _parse_datetime(value)


def _strip_none(tp: Any) -> Any:
    """``X | None`` -> ``X``; anything else unchanged."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


def _fast_hook(tp: Any) -> Callable[[Any, object], Any] | None:
    """A cheaper hook than cattrs' default for the field types the models use."""
    inner = _strip_none(tp)
    if inner in _PLAIN:
        # JSON already gives these types; the models trust server data for shape only.
        return _passthrough
    if inner is datetime:
        return _optional_datetime
    if get_origin(inner) is tuple:
        args = get_args(inner)
        if len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            if item in _PLAIN:
                return lambda v, _: () if v is None else tuple(v)
            if attrs.has(item):
                item_hook = CONVERTER.get_structure_hook(item)
                return lambda v, _: () if v is None else tuple([item_hook(x, item) for x in v])
    if get_origin(inner) is dict:
        key, value = get_args(inner)
        if key is str and attrs.has(value):
            value_hook = CONVERTER.get_structure_hook(value)
            return lambda v, _: {} if v is None else {k: value_hook(x, value) for k, x in v.items()}
    return None


def _make_structure_fn(cls: type) -> Callable[[Any, object], Any]:
    """Generate one straight-line function that builds ``cls`` from a dict.

    cattrs' generic generated hook costs about 3x more per object on list replies: a call
    per field, a kwargs dict per object. Here each plain field is a ``dict.get``, each
    datetime one C ``fromisoformat`` call, and nested models call their own generated
    function directly, so a 100-room page stays within the benchmark's budget.
    """
    names: dict[str, Any] = {"__cl": cls}
    args = []
    for field in attrs.fields(cls):
        name = field.name
        if field.default is attrs.NOTHING:
            # A missing required key raises KeyError, reported as a validation error.
            value = f"o[{name!r}]"
            inner = field.type
        else:
            value = f"g({name!r})"
            inner = _strip_none(field.type)
        if inner in _PLAIN or inner is Any:
            args.append(f"{name}={value}")
            continue
        hook = _fast_hook(field.type)
        if hook is None:
            hook = CONVERTER.get_structure_hook(field.type)
        names[f"__h_{name}"] = hook
        names[f"__t_{name}"] = field.type
        args.append(f"{name}=__h_{name}({value}, __t_{name})")
    body = ", ".join(args)
    source = f"def structure_{cls.__name__}(o, _=None):\n    g = o.get\n    return __cl({body})\n"
    exec(compile(source, f"<telnyx_rooms_async structure {cls.__qualname__}>", "exec"), names)
    fn: Callable[[Any, object], Any] = names[f"structure_{cls.__name__}"]
    return fn


def register_models(*classes: type) -> None:
    """Generate and cache the structure hook of each model class (in dependency order)."""
    for cls in classes:
        attrs.resolve_types(cls)
        CONVERTER.register_structure_hook(cls, _make_structure_fn(cls))


register_models(
    models.RoomParticipant,
    models.RoomSession,
    models.Room,
    models.VideoRegion,
    models.RoomComposition,
    models.RoomRecording,
    models.ClientToken,
    models.RefreshedClientToken,
    models.ActionResult,
    models.PageMeta,
)


def loads(body: bytes, *, status: int | None = None) -> Any:
    """Decode a reply body once; a body that is not JSON is a validation error."""
    try:
        return json.loads(body)
    except ValueError:
        preview = body[:80].decode("utf-8", "replace")
        raise APIResponseValidationError(
            f"the reply is not valid JSON (starts with {preview!r})", status=status
        ) from None


def _fail(cls: type, exc: Exception) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"the reply does not fit {cls.__name__}: {type(exc).__name__}: {exc}"
    )


def structure_data(body: bytes, cls: type[T]) -> T:
    """Decode ``{"data": {...}}`` and structure ``data`` into ``cls``."""
    doc = loads(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise APIResponseValidationError(f"the reply has no 'data' object for {cls.__name__}")
    try:
        return CONVERTER.structure(doc["data"], cls)
    except Exception as exc:  # any shape error in server data
        raise _fail(cls, exc) from None


def structure_page(body: bytes, cls: type[T]) -> tuple[tuple[T, ...], models.PageMeta]:
    """Decode ``{"data": [...], "meta": {...}}`` into items and page metadata."""
    doc = loads(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise APIResponseValidationError(f"the reply has no 'data' list of {cls.__name__}")
    hook = CONVERTER.get_structure_hook(cls)
    try:
        items = tuple([hook(item, cls) for item in doc["data"]])
        raw_meta = doc.get("meta")
        meta = (
            CONVERTER.structure(raw_meta, models.PageMeta)
            if isinstance(raw_meta, dict)
            else models.PageMeta()
        )
    except Exception as exc:  # any shape error in server data
        raise _fail(cls, exc) from None
    return items, meta
