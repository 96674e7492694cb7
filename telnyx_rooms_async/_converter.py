"""The one cattrs converter: JSON documents in, frozen models out. Built once, at import."""

from __future__ import annotations

import importlib
import json
import json.scanner
import sys
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs

from . import models
from ._errors import APIResponseValidationError

__all__ = [
    "CONVERTER",
    "loads",
    "register_models",
    "structure_data",
    "structure_page",
    "to_dict",
    "to_json",
]

T = TypeVar("T")

CONVERTER: Final = cattrs.Converter(forbid_extra_keys=False)

if sys.version_info >= (3, 11):
    _fromisoformat = datetime.fromisoformat
else:  # pragma: no cover - 3.10's fromisoformat rejects "Z" and short fractions

    def _fromisoformat(value: str) -> datetime:
        if not isinstance(value, str):
            raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        head, dot, rest = value.partition(".")
        if dot:
            digits = len(rest) - len(rest.lstrip("0123456789"))
            frac = rest[:digits][:6].ljust(6, "0")
            value = f"{head}.{frac}{rest[digits:]}"
        return datetime.fromisoformat(value)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc)


def _parse_datetime(value: Any, _: object = None) -> datetime:
    # One C call on 3.11+; a non-string raises TypeError there too.
    parsed = _fromisoformat(value)
    # A naive timestamp from the API is UTC; callers always get aware datetimes.
    return parsed if parsed.tzinfo is not None else _as_utc(parsed)


def _format_datetime(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


CONVERTER.register_structure_hook(datetime, _parse_datetime)
CONVERTER.register_unstructure_hook(datetime, _format_datetime)
CONVERTER.register_unstructure_hook(date, date.isoformat)

_PLAIN: Final = frozenset({str, int, float, bool})
_DATETIME_HOOK: Final = "__dt"


def _strip_none(tp: Any) -> Any:
    """``X | None`` -> ``X``; anything else unchanged."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


def _value_expr(name: str, tp: Any, raw: str, names: dict[str, Any]) -> str | None:
    """Source of an expression that turns the non-None JSON value ``raw`` into ``tp``.

    ``None`` means "no fast form": the caller falls back to the converter's own hook.
    """
    if tp in _PLAIN or tp is Any:
        # JSON already gives these types; the models trust server data for shape only.
        return raw
    if tp is datetime:
        if sys.version_info >= (3, 11):
            # Inline on 3.11+: the C parser, then a naive value made UTC (see _parse_datetime).
            names["__fromiso"] = _fromisoformat
            names["__as_utc"] = _as_utc
            return f"(d if (d := __fromiso({raw})).tzinfo is not None else __as_utc(d))"
        return f"{_DATETIME_HOOK}({raw})"
    origin = get_origin(tp)
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            if item in _PLAIN:
                return f"tuple({raw})"
            if attrs.has(item):
                names[f"__s_{name}"] = CONVERTER.get_structure_hook(item)
                names[f"__i_{name}"] = item
                return f"tuple([__s_{name}(x, __i_{name}) for x in {raw}])"
    if origin in (dict, Mapping):
        key, value = get_args(tp)
        if key is str and (value is Any or attrs.has(value)):
            if value is Any:
                # Free-form JSON (an unknown event's payload): read-only at every level.
                names["__freeze_json"] = models.freeze_json
                return f"__freeze_json({raw})"
            names[f"__s_{name}"] = CONVERTER.get_structure_hook(value)
            names[f"__i_{name}"] = value
            items = f"{{k: __s_{name}(x, __i_{name}) for k, x in {raw}.items()}}"
            if origin is dict:
                return items
            # Read-only, like every other part of a frozen result.
            names["__frozen"] = models.FrozenDict
            return f"__frozen({items})"
    if attrs.has(tp):
        names[f"__s_{name}"] = CONVERTER.get_structure_hook(tp)
        names[f"__i_{name}"] = tp
        return f"__s_{name}({raw}, __i_{name})"
    return None


def _field_expr(field: attrs.Attribute[Any], names: dict[str, Any]) -> str:
    """Source of the expression that computes one field from the JSON object ``o``."""
    name = field.name
    tp = field.type
    default = field.default
    if default is attrs.NOTHING:
        # A missing required key raises KeyError, reported as a validation error.
        expr = _value_expr(name, tp, f"o[{name!r}]", names)
        if expr is not None:
            return expr
        names[f"__h_{name}"] = CONVERTER.get_structure_hook(tp)
        names[f"__t_{name}"] = tp
        return f"__h_{name}(o[{name!r}], __t_{name})"
    # Missing and null are the same to a reader of the model: both give the default.
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        factory: Any = default
        if factory.takes_self:  # pragma: no cover - no model uses it
            raise TypeError(f"{name}: Factory(takes_self=True) is not supported")
        names[f"__d_{name}"] = factory.factory
        fallback = f"__d_{name}()"
    elif default is None:
        fallback = "None"
    else:
        names[f"__d_{name}"] = default
        fallback = f"__d_{name}"
    inner = _strip_none(tp)
    if fallback == "None" and (inner in _PLAIN or inner is Any):
        return f"g({name!r})"
    expr = _value_expr(name, inner, "v", names)
    if expr is None:
        names[f"__h_{name}"] = CONVERTER.get_structure_hook(inner)
        names[f"__t_{name}"] = inner
        expr = f"__h_{name}(v, __t_{name})"
    if default == () and get_origin(inner) is tuple:
        # Empty lists are the common case (a session with no participants): skip the loop.
        return f"(() if not (v := g({name!r})) else {expr})"
    return f"({fallback} if (v := g({name!r})) is None else {expr})"


def _direct_slots(cls: type) -> dict[str, Any] | None:
    """The slot setters of ``cls`` when its instances may be built without ``__init__``.

    A frozen attrs ``__init__`` sets each field through ``object.__setattr__`` and takes
    keyword arguments; filling the slots directly builds a page about 20 % faster, as fast
    as a non-frozen class. Models carry no validators, converters or init hooks, so the
    object is the very same. Any class for which that would not hold gets ``None`` and is
    built through ``__init__``.
    """
    if not attrs.has(cls) or "__slots__" not in cls.__dict__:
        return None
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return None
    setters: dict[str, Any] = {}
    slot_names: set[str] = set()
    for klass in cls.__mro__:
        slot_names.update(klass.__dict__.get("__slots__", ()))
    if "_attrs_cached_hash" in slot_names:  # cache_hash=True: __init__ resets the cache
        return None
    for field in attrs.fields(cls):
        if not field.init or field.validator is not None or field.converter is not None:
            return None
        for klass in cls.__mro__:
            slot = klass.__dict__.get(field.name)
            if slot is not None:
                break
        if not isinstance(slot, types.MemberDescriptorType):
            return None
        setters[field.name] = slot.__set__
    return setters


def _make_structure_fn(cls: type, *, direct: bool = True) -> Callable[[Any, object], Any]:
    """Generate one straight-line function that builds ``cls`` from a JSON object.

    cattrs' own generated hook costs about 2.5x more per object on list replies: a call
    per field, a kwargs dict per object. Here each plain field is a ``dict.get``, each
    datetime one call to the C ``fromisoformat``, nested models call their own generated
    function, and the frozen instance is filled slot by slot (``direct``) rather than
    through ``object.__setattr__`` in attrs' ``__init__``. ``benchmarks/bench_structure.py``
    measures each of these choices.
    """
    names: dict[str, Any] = {"__cl": cls, _DATETIME_HOOK: _parse_datetime}
    fields = attrs.fields(cls)
    exprs = [(field, _field_expr(field, names)) for field in fields if field.init]
    setters = _direct_slots(cls) if direct else None
    lines = [f"def structure_{cls.__name__}(o, _=None):", "    g = o.get"]
    if setters is None:
        args = ", ".join(f"{field.alias}={expr}" for field, expr in exprs)
        lines.append(f"    return __cl({args})")
    else:
        names["__new"] = object.__new__
        lines.append("    self = __new(__cl)")
        for field, expr in exprs:
            names[f"__set_{field.name}"] = setters[field.name]
            lines.append(f"    __set_{field.name}(self, {expr})")
        lines.append("    return self")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<telnyx_rooms_async structure {cls.__qualname__}>", "exec"), names)
    fn: Callable[[Any, object], Any] = names[f"structure_{cls.__name__}"]
    return fn


_HOOKS: Final[dict[type, Callable[[Any, object], Any]]] = {}


def register_models(*classes: type) -> None:
    """Generate and cache the structure hook of each model class (in dependency order)."""
    for cls in classes:
        attrs.resolve_types(cls)
        hook = _make_structure_fn(cls)
        CONVERTER.register_structure_hook(cls, hook)
        _HOOKS[cls] = hook


def _hook(cls: type) -> Callable[[Any, object], Any]:
    hook = _HOOKS.get(cls)
    return hook if hook is not None else CONVERTER.get_structure_hook(cls)


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
    models.RoomRecordingsDeleted,
    models.PageMeta,
)


#: The C scanner json.loads itself ends up in, with json.loads' default settings.
_scan_once: Final = json.scanner.make_scanner(typing.cast(Any, json.JSONDecoder()))


def _stdlib_loads(body: bytes) -> Any:
    """``json.loads(body)`` for a UTF-8 body, minus its per-call Python overhead.

    ``json.loads`` on bytes sniffs the encoding, decodes, and strips whitespace in Python
    around the C scanner: about 1 µs of a small reply's 3. Here a plain UTF-8 document goes
    straight to the same scanner; anything else (a BOM, UTF-16, leading whitespace, trailing
    data, invalid JSON) goes through ``json.loads`` itself, for its exact result or error.
    """
    try:
        text = body.decode()
        value, end = _scan_once(text, 0)
    except (UnicodeDecodeError, StopIteration, ValueError):
        return json.loads(body)
    if end != len(text) and text[end:].strip(" \t\n\r"):
        return json.loads(body)
    return value


def _pick_json_loads() -> tuple[str, Callable[[bytes], Any]]:
    """orjson when it is installed (the ``speedups`` extra), else the standard library."""
    try:
        orjson = importlib.import_module("orjson")
    except ImportError:
        return "json", _stdlib_loads
    return "orjson", orjson.loads


#: Which JSON decoder replies go through: ``"orjson"`` or ``"json"``.
JSON_DECODER, _json_loads = _pick_json_loads()


def loads(body: bytes, *, status: int | None = None) -> Any:
    """Decode a reply body once; a body that is not JSON is a validation error."""
    try:
        return _json_loads(body)
    except ValueError:
        # The body is not quoted: a proxy's page may echo request headers, the key among them.
        kind = "an HTML page" if body.lstrip()[:1] == b"<" else "not JSON"
        raise APIResponseValidationError(
            f"the reply is not valid JSON: {len(body)} bytes, {kind}", status=status
        ) from None


_detailed: cattrs.Converter | None = None


def _detailed_converter() -> cattrs.Converter:
    """A cattrs converter with detailed validation, built on the first bad reply only.

    The fast hooks stop at the first problem with a bare ``KeyError`` or ``TypeError``;
    this one says where it is (``@ $.sessions[0].id``). It mirrors the fast hooks' rules:
    plain JSON values pass as they are, datetimes go through the same parser.
    """
    global _detailed
    if _detailed is None:
        conv = cattrs.Converter(forbid_extra_keys=False, detailed_validation=True)
        for plain in _PLAIN:
            conv.register_structure_hook(plain, _passthrough)
        conv.register_structure_hook(datetime, _parse_datetime)
        _detailed = conv
    return _detailed


def _passthrough(value: Any, _: object) -> Any:
    return value


#: Lines of ``cattrs.transform_error`` kept in the message.
_MAX_DETAIL_LINES: Final = 3


def _fail(name: str, shape: Any, data: Any, exc: Exception) -> APIResponseValidationError:
    """The error for a reply that did not fit ``shape``, saying where when cattrs can tell."""
    detail = f"{type(exc).__name__}: {exc}"
    try:
        _detailed_converter().structure(data, shape)
    except cattrs.BaseValidationError as full:
        lines = cattrs.transform_error(full, path="$")
        if lines:
            more = len(lines) - _MAX_DETAIL_LINES
            detail = "; ".join(lines[:_MAX_DETAIL_LINES]) + (f" (+{more} more)" if more > 0 else "")
    except Exception:
        pass  # cattrs could not say more; the fast path's message stands
    return APIResponseValidationError(f"the reply does not fit {name}: {detail}")


def structure_data(body: bytes, cls: type[T]) -> T:
    """Decode ``{"data": {...}}`` and structure ``data`` into ``cls``."""
    doc = loads(body)
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        raise APIResponseValidationError(f"the reply has no 'data' object for {cls.__name__}")
    try:
        result: T = _hook(cls)(data, cls)
    except Exception as exc:  # any shape error in server data
        raise _fail(cls.__name__, cls, data, exc) from None
    return result


def structure_page(body: bytes, cls: type[T]) -> tuple[tuple[T, ...], models.PageMeta]:
    """Decode ``{"data": [...], "meta": {...}}`` into items and page metadata."""
    doc = loads(body)
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        raise APIResponseValidationError(f"the reply has no 'data' list of {cls.__name__}")
    hook = _hook(cls)
    try:
        items = tuple([hook(item, cls) for item in data])
    except Exception as exc:  # any shape error in server data
        raise _fail(cls.__name__, tuple[cls, ...], data, exc) from None  # type: ignore[valid-type]
    raw_meta = doc.get("meta")
    try:
        meta = (
            _PAGE_META_HOOK(raw_meta, models.PageMeta)
            if isinstance(raw_meta, dict)
            else models.PageMeta()
        )
    except Exception as exc:  # any shape error in server data
        raise _fail("PageMeta", models.PageMeta, raw_meta, exc) from None
    return items, meta


_PAGE_META_HOOK: Final = _hook(models.PageMeta)


def to_dict(value: Any) -> Any:
    """A model (or a tuple or page of models) as plain JSON data: dicts, lists, strings.

    Datetimes become ISO 8601 strings in UTC with ``Z``, tuples lists, every field is kept
    (``None`` too), tokens included: the result is what ``json.dumps`` takes, and
    ``to_json`` is exactly that. Structuring the result gives back an equal model.
    """
    return CONVERTER.unstructure(value)


def to_json(value: Any, *, indent: int | None = None) -> str:
    """``json.dumps(to_dict(value))``: a model as a JSON document (UTF-8 text, not escaped)."""
    return json.dumps(to_dict(value), indent=indent, ensure_ascii=False)
