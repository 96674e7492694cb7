"""The one cattrs converter: JSON documents in, frozen models out.

Every attrs class is structured by a function generated for it from its fields' rules and
registered through a cattrs hook factory, so a new model needs no registration. The same rules
serve a second purpose: when a reply does not fit, ``explain`` walks it with the very same
per-field conversions and says where, stopping after a few problems, so explaining a hostile
reply costs no more than reading it.
"""

from __future__ import annotations

import importlib
import json
import json.scanner
import sys
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import Any, Final, NamedTuple, TypeVar, get_args, get_origin

import attrs
import cattrs

from . import models
from ._errors import APIResponseValidationError

__all__ = [
    "CONVERTER",
    "JSON_DECODER",
    "explain",
    "loads",
    "structure_data",
    "structure_page",
    "to_dict",
    "to_json",
    "warm",
]

T = TypeVar("T")
Scrub = Callable[[str], str]

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


def _strip_none(tp: Any) -> Any:
    """``X | None`` -> ``X``; anything else unchanged."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


# -- the rules of a field ----------------------------------------------------------------------


class _Rule(NamedTuple):
    """How one field of a model is read from its JSON object: the fast path and explanations
    both follow it, so what one accepts the other does."""

    name: str
    required: bool
    #: Source of the expression that converts ``v``, the field's JSON value.
    expr: str
    #: Source of the value a missing or null key gives (unused when required).
    fallback: str
    #: An empty array (any falsy value) gives the default too: tuple fields defaulting to ().
    falsy_is_default: bool
    #: The model inside the value (itself, or the item of a tuple or a mapping).
    inner: type | None
    #: How ``inner`` appears: ``"model"``, ``"tuple"``, ``"mapping"``, or ``""`` for none.
    shape: str
    #: What the value must be, in words.
    expects: str


def _value(name: str, tp: Any, names: dict[str, Any]) -> tuple[str, type | None, str, str]:
    """Source of the expression turning the JSON value ``v`` into ``tp``, and its shape.

    Plain values are taken as they are: the models trust server data for its shape only.
    """
    if tp in _PLAIN or tp is Any:
        return "v", None, "", "any value"
    if tp is datetime:
        names["__fromiso"] = _fromisoformat
        names["__as_utc"] = _as_utc
        # The C parser, then a naive value made UTC (see _parse_datetime).
        expr = "(d if (d := __fromiso(v)).tzinfo is not None else __as_utc(d))"
        return expr, None, "", "an ISO 8601 date-time string"
    origin = get_origin(tp)
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            if item in _PLAIN:
                return "tuple(v)", None, "", "an array"
            if attrs.has(item):
                names[f"__s_{name}"] = CONVERTER.get_structure_hook(item)
                names[f"__i_{name}"] = item
                expr = f"tuple([__s_{name}(x, __i_{name}) for x in v])"
                return expr, item, "tuple", "an array of objects"
    if origin in (dict, Mapping):
        key, value = get_args(tp)
        if key is str and value is Any:
            # Free-form JSON (an unknown event's payload): read-only at every level.
            names["__freeze_json"] = models.freeze_json
            return "__freeze_json(dict(v))", None, "", "an object"
        if key is str and attrs.has(value):
            names[f"__s_{name}"] = CONVERTER.get_structure_hook(value)
            names[f"__i_{name}"] = value
            items = f"{{k: __s_{name}(x, __i_{name}) for k, x in v.items()}}"
            if origin is not dict:
                # Read-only, like every other part of a frozen result.
                names["__frozen"] = models.FrozenDict
                items = f"__frozen({items})"
            return items, value, "mapping", "an object of objects"
    if attrs.has(tp):
        names[f"__s_{name}"] = CONVERTER.get_structure_hook(tp)
        names[f"__i_{name}"] = tp
        return f"__s_{name}(v, __i_{name})", tp, "model", "an object"
    names[f"__h_{name}"] = CONVERTER.get_structure_hook(tp)
    names[f"__t_{name}"] = tp
    return f"__h_{name}(v, __t_{name})", None, "", f"a {getattr(tp, '__name__', tp)}"


def _rule(field: attrs.Attribute[Any], names: dict[str, Any]) -> _Rule:
    name = field.name
    default = field.default
    if default is attrs.NOTHING:
        expr, inner, shape, expects = _value(name, field.type, names)
        return _Rule(name, True, expr, "", False, inner, shape, expects)
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
    inner_tp = _strip_none(field.type)
    expr, inner, shape, expects = _value(name, inner_tp, names)
    falsy = default == () and get_origin(inner_tp) is tuple
    return _Rule(name, False, expr, fallback, falsy, inner, shape, expects)


def _lines(rule: _Rule, local: str) -> list[str]:
    """Statements that leave the field's value in ``local``, reading the JSON object ``o``."""
    key = repr(rule.name)
    if rule.required:
        # A missing required key raises KeyError: the reply does not fit.
        return [f"v = o[{key}]", f"{local} = {rule.expr}"]
    if rule.expr == "v" and rule.fallback == "None":
        return [f"{local} = g({key})"]
    test = "not (v := g({}))" if rule.falsy_is_default else "(v := g({})) is None"
    return [f"{local} = {rule.fallback} if {test.format(key)} else {rule.expr}"]


def _built_as_init_would(cls: type) -> bool:
    """Whether setting the fields of ``cls`` directly makes the object ``__init__`` would.

    True for an attrs class without init hooks whose fields all go through ``__init__``
    with no validator or converter: the case of every model.
    """
    if not attrs.has(cls):
        return False
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return False
    return all(f.init and f.validator is None and f.converter is None for f in attrs.fields(cls))


def _direct_slots(cls: type) -> dict[str, Any] | None:
    """The slot setters of ``cls`` when its instances may be built without ``__init__``.

    A frozen attrs ``__init__`` sets each field through ``object.__setattr__`` and takes
    keyword arguments; filling the slots directly builds a page about 20 % faster, as fast
    as a non-frozen class. Models carry no validators, converters or init hooks, so the
    object is the very same. Any class for which that would not hold gets ``None`` and is
    built through ``__init__``.
    """
    if not _built_as_init_would(cls) or "__slots__" not in cls.__dict__:
        return None
    setters: dict[str, Any] = {}
    slot_names: set[str] = set()
    for klass in cls.__mro__:
        slot_names.update(klass.__dict__.get("__slots__", ()))
    if "_attrs_cached_hash" in slot_names:  # cache_hash=True: __init__ resets the cache
        return None
    for field in attrs.fields(cls):
        for klass in cls.__mro__:
            slot = klass.__dict__.get(field.name)
            if slot is not None:
                break
        if not isinstance(slot, types.MemberDescriptorType):
            return None
        setters[field.name] = slot.__set__
    return setters


def _whole_object(rules: list[_Rule], names: dict[str, Any]) -> list[str]:
    """Statements for the usual case: the object has exactly the model's keys.

    Its dict is then copied at once (one C call) and only the fields that need converting
    are touched, by the same expressions as the field-by-field path below it.
    """
    names["__keys"] = frozenset(rule.name for rule in rules)
    names["__copy"] = dict
    lines = ["if o.keys() == __keys:", "    whole = __copy(o)"]
    for rule in rules:
        key = repr(rule.name)
        if rule.expr == "v":
            if not rule.required and rule.fallback != "None":
                lines.append(f"    if whole[{key}] is None: whole[{key}] = {rule.fallback}")
        elif rule.required:
            lines += [f"    v = whole[{key}]", f"    whole[{key}] = {rule.expr}"]
        else:
            test = (
                f"not (v := whole[{key}])"
                if rule.falsy_is_default
                else f"(v := whole[{key}]) is None"
            )
            lines.append(f"    whole[{key}] = {rule.fallback} if {test} else {rule.expr}")
    return [*lines, "    self = __new(__cl)", "    __fill(self, whole)", "    return self"]


def _dict_setter(cls: type) -> Any | None:
    """The ``__dict__`` setter of ``cls`` when its instances may be filled in one step.

    A frozen attrs class without slots keeps its fields in the instance's ``__dict__``;
    setting that dict at once, past the frozen ``__setattr__``, builds the very object
    ``__init__`` would (models carry no validators, converters or init hooks), and a page
    of 100 rooms about a third faster than filling slots one by one
    (``benchmarks/bench_structure.py``). Any other class gets None.
    """
    if not _built_as_init_would(cls) or "__slots__" in cls.__dict__:
        return None
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get("__dict__")
        if isinstance(descriptor, types.GetSetDescriptorType):
            return descriptor.__set__
    return None


class _Plan(NamedTuple):
    """A model's generated structure function and, for explanations, each field's rule with
    the compiled conversion of its value."""

    structure: Callable[[Any, object], Any]
    fields: tuple[tuple[_Rule, Callable[[Any], Any]], ...]


_PLANS: Final[dict[type, _Plan]] = {}


def _plan(cls: type, *, direct: bool = True) -> _Plan:
    """Generate the straight-line function that builds ``cls`` from a JSON object.

    cattrs' own generated hook costs about 2.5x more per object on list replies: a call
    per field, a kwargs dict per object. Here each plain field is a ``dict.get``, each
    datetime one call to the C ``fromisoformat``, nested models call their own generated
    function, and the frozen instance is filled at once through its ``__dict__`` (a class
    without slots, as the models are) or slot by slot (with slots, as webhook events are),
    rather than through ``object.__setattr__`` in attrs' ``__init__`` (``direct``).
    ``benchmarks/bench_structure.py`` measures each of these choices.
    """
    attrs.resolve_types(cls)
    names: dict[str, Any] = {"__cl": cls}
    rules = [_rule(field, names) for field in attrs.fields(cls) if field.init]
    setters = _direct_slots(cls) if direct else None
    fill = _dict_setter(cls) if direct else None
    body = _whole_object(rules, names) if fill is not None else []
    body.append("g = o.get")
    for index, rule in enumerate(rules):
        body += _lines(rule, f"f{index}")
    if fill is not None:
        names["__new"] = object.__new__
        names["__fill"] = fill
        items = ", ".join(f"{r.name!r}: f{i}" for i, r in enumerate(rules))
        body += ["self = __new(__cl)", f"__fill(self, {{{items}}})", "return self"]
    elif setters is None:
        args = ", ".join(
            f"{a.alias}=f{i}" for i, a in enumerate(a for a in attrs.fields(cls) if a.init)
        )
        body.append(f"return __cl({args})")
    else:
        names["__new"] = object.__new__
        body.append("self = __new(__cl)")
        for index, rule in enumerate(rules):
            names[f"__set_{rule.name}"] = setters[rule.name]
            body.append(f"__set_{rule.name}(self, f{index})")
        body.append("return self")
    source = f"def structure_{cls.__name__}(o, _=None):\n" + "".join(f"    {s}\n" for s in body)
    # Each field's conversion on its own, from the same source, for explanations.
    source += "".join(f"def convert_{r.name}(v):\n    return {r.expr}\n" for r in rules)
    exec(compile(source, f"<telnyx_rooms_async structure {cls.__qualname__}>", "exec"), names)
    plan = _Plan(
        names[f"structure_{cls.__name__}"],
        tuple((r, names[f"convert_{r.name}"]) for r in rules),
    )
    if direct:
        _PLANS[cls] = plan
    return plan


def _is_model(cls: Any) -> bool:
    return isinstance(cls, type) and attrs.has(cls)


CONVERTER.register_structure_hook_factory(_is_model, lambda cls: _plan(cls).structure)


def warm(*classes: type) -> None:
    """Generate the structure functions of ``classes`` now, so a bad annotation fails at
    import and the first reply pays nothing extra."""
    for cls in classes:
        CONVERTER.get_structure_hook(cls)


warm(*(c for c in vars(models).values() if _is_model(c) and c.__module__ == models.__name__))


# -- explanations ------------------------------------------------------------------------------

#: Problems reported for one reply; the walk stops there.
MAX_PROBLEMS: Final = 3


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _keep(text: str) -> str:
    return text


def explain(
    cls: type, data: Any, path: str, *, scrub: Scrub = _keep, many: bool = False
) -> list[str]:
    """Where ``data`` breaks the rules of ``cls`` (``many``: of each item of a list of them).

    At most ``MAX_PROBLEMS`` lines, each a JSON path and what was wrong there; never the
    value itself, which could be anything the server sent.
    """
    problems: list[str] = []
    if many:
        _explain_items(cls, data, path, problems, scrub)
    else:
        _explain_object(cls, data, path, problems, scrub)
    return problems[:MAX_PROBLEMS]


def _explain_items(cls: type, items: Any, path: str, out: list[str], scrub: Scrub) -> None:
    hook = CONVERTER.get_structure_hook(cls)
    try:
        iterator = iter(items)
    except TypeError:
        out.append(f"{path}: expected an array, got {_kind(items)}")
        return
    for index, item in enumerate(iterator):
        try:
            hook(item, cls)
        except Exception:
            _explain_object(cls, item, f"{path}[{index}]", out, scrub)
        if len(out) >= MAX_PROBLEMS:
            return


def _explain_object(cls: type, data: Any, path: str, out: list[str], scrub: Scrub) -> None:
    if not isinstance(data, dict):
        out.append(f"{path}: expected an object, got {_kind(data)}")
        return
    plan = _PLANS.get(cls) or _plan(cls)
    for rule, convert in plan.fields:
        where = f"{path}.{rule.name}"
        if rule.required:
            if rule.name not in data:
                out.append(f"{where}: is required but missing")
                continue
            value = data[rule.name]
        else:
            value = data.get(rule.name)
            if value is None or (rule.falsy_is_default and not value):
                continue
        try:
            convert(value)
        except Exception:
            before = len(out)
            if rule.shape == "model" and rule.inner is not None:
                _explain_object(rule.inner, value, where, out, scrub)
            elif rule.shape == "tuple" and rule.inner is not None:
                _explain_items(rule.inner, value, where, out, scrub)
            elif rule.shape == "mapping" and rule.inner is not None and isinstance(value, dict):
                for key, item in value.items():
                    inner = f"{where}[{scrub(str(key))!r}]"
                    _explain_object(rule.inner, item, inner, out, scrub)
                    if len(out) >= MAX_PROBLEMS:
                        return
            if len(out) == before:
                out.append(f"{where}: expected {rule.expects}, got {_kind(value)}")
        if len(out) >= MAX_PROBLEMS:
            return


def _misfit(name: str, problems: list[str]) -> APIResponseValidationError:
    detail = "; ".join(problems) if problems else "its shape"
    more = " (and possibly more)" if len(problems) >= MAX_PROBLEMS else ""
    return APIResponseValidationError(f"the reply does not fit {name}: {detail}{more}")


# -- JSON --------------------------------------------------------------------------------------


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; orjson refuses them as well, so both decoders agree.
    raise ValueError(f"{name} is not JSON")


if sys.version_info >= (3, 11):
    _PARSE_INT: Any = None
else:  # pragma: no cover - 3.11+ refuses over-long integers by itself

    def _PARSE_INT(digits: str) -> int:
        # Converting a very long digit string takes quadratic time; 3.11 refuses past 4300.
        if len(digits) > 4300:
            raise ValueError("the integer has too many digits")
        return int(digits)


_DECODER: Final = json.JSONDecoder(parse_constant=_no_constant, parse_int=_PARSE_INT)
#: The C scanner json.loads itself ends up in.
_scan_once: Final = json.scanner.make_scanner(typing.cast(Any, _DECODER))


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
        return json.loads(body, parse_constant=_no_constant, parse_int=_PARSE_INT)
    if end != len(text) and text[end:].strip(" \t\n\r"):
        return json.loads(body, parse_constant=_no_constant, parse_int=_PARSE_INT)
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
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        pass
    # Raised here, outside the except block, so the decoder's error is not chained; the
    # body is not quoted: a proxy's page may echo request headers, the key among them.
    kind = "an HTML page" if body.lstrip()[:1] == b"<" else "not JSON, or nested too deeply"
    raise APIResponseValidationError(
        f"the reply is not valid JSON: {len(body)} bytes, {kind}", status=status
    )


# -- replies -----------------------------------------------------------------------------------


def structure_data(body: bytes, cls: type[T], *, scrub: Scrub = _keep) -> T:
    """Decode ``{"data": {...}}`` and structure ``data`` into ``cls``."""
    doc = loads(body)
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        raise APIResponseValidationError(f"the reply has no 'data' object for {cls.__name__}")
    try:
        result: T = CONVERTER.get_structure_hook(cls)(data, cls)
        return result
    except Exception:  # any shape error in server data; explained below, nothing chained
        pass
    raise _misfit(cls.__name__, explain(cls, data, "$.data", scrub=scrub))


_META_FIELDS: Final = tuple(a.name for a in attrs.fields(models.PageMeta))
_PAGE_META_HOOK: Final = CONVERTER.get_structure_hook(models.PageMeta)


def structure_page(
    body: bytes, cls: type[T], *, scrub: Scrub = _keep
) -> tuple[tuple[T, ...], models.PageMeta]:
    """Decode ``{"data": [...], "meta": {...}}`` into items and page metadata.

    Unlike model fields, ``meta`` must hold integers (or nulls): the paginator reads it.
    """
    doc = loads(body)
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        raise APIResponseValidationError(f"the reply has no 'data' list of {cls.__name__}")
    hook = CONVERTER.get_structure_hook(cls)
    items: tuple[T, ...] | None = None
    try:  # noqa: SIM105 - free on the hot path, unlike contextlib.suppress()
        items = tuple([hook(item, cls) for item in data])
    except Exception:  # any shape error in server data; explained below, nothing chained
        pass
    if items is None:
        raise _misfit(cls.__name__, explain(cls, data, "$.data", scrub=scrub, many=True))
    raw_meta = doc.get("meta")
    if raw_meta is None:
        return items, models.PageMeta()
    wrong = (
        ["$.meta: expected an object"]
        if not isinstance(raw_meta, dict)
        else [
            f"$.meta.{name}: expected an integer, got {_kind(raw_meta[name])}"
            for name in _META_FIELDS
            if raw_meta.get(name) is not None and type(raw_meta[name]) is not int
        ]
    )
    if wrong:
        raise _misfit("PageMeta", wrong[:MAX_PROBLEMS])
    meta: models.PageMeta = _PAGE_META_HOOK(raw_meta, models.PageMeta)
    return items, meta


# -- the other way -----------------------------------------------------------------------------


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
