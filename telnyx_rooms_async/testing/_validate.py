"""Request bodies of the fake API, checked as the vendor's spec allows: no more strictly.

The fields of a body and their rules are read from the operation's params class, the one
declaration of each field. The fake applies the spec's constraints, which can be looser
than the client's (the client may refuse more, before any I/O):

* an unknown field is accepted and ignored (no schema of the spec forbids additional
  properties); ``strict=True`` reports it instead;
* a participant list may be empty, and ids are any strings;
* a URL is any absolute URI (a scheme and something after it);
* a string the client limits to a few values (``format``) is any string;
* an integer is a JSON integer (``10.0`` included), within the rule's bounds.

Which fields are required is the handler's business: the spec requires only the refresh
token of ``refresh_client_token``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final, get_args, get_origin

import attrs

from .. import params as p
from ._wire import Problem

__all__ = ["check_body"]

Check = Callable[[Any, str], Any]
"""Checks one value at a JSON pointer and returns it as stored (or raises ``Problem``)."""

#: Fields the spec types as "integer or null" in every body they appear in.
_NULLABLE: Final = frozenset({"webhook_timeout_secs"})
_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:.")


def _fail(pointer: str, rule: str) -> Problem:
    name = pointer.rsplit("/", 1)[-1]
    return Problem(pointer=pointer, detail=f"{name} {rule}")


def _integer(lo: int | None, hi: int | None, rule: str) -> Check:
    def check(value: Any, pointer: str) -> int:
        if isinstance(value, float) and value.is_integer():
            # JSON Schema's "integer" is any number with no fraction: 10.0 is 10.
            value = int(value)
        if (
            type(value) is not int
            or (lo is not None and value < lo)
            or (hi is not None and value > hi)
        ):
            raise _fail(pointer, rule)
        return value

    return check


def _of_type(kind: type, rule: str) -> Check:
    def check(value: Any, pointer: str) -> Any:
        if type(value) is not kind:
            raise _fail(pointer, rule)
        return value

    return check


def _uri(*, allow_empty: bool) -> Check:
    def check(value: Any, pointer: str) -> str:
        if isinstance(value, str) and ((allow_empty and value == "") or _SCHEME.match(value)):
            return value
        raise _fail(pointer, "must be a URI including a scheme, such as https://example.com/")

    return check


def _strings(*, or_all: bool) -> Check:
    rule = "must be 'all' or a list of ids" if or_all else "must be a list of ids"

    def check(value: Any, pointer: str) -> Any:
        if or_all and value == "all":
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(pointer, rule)
        return value

    return check


def _by_rule(rule: p.Rule) -> Check:
    def check(value: Any, pointer: str) -> Any:
        if not rule.ok(value):
            raise _fail(pointer, rule.rule)
        return value

    return check


def _rule_check(rule: object, where: str) -> Check:
    """The spec's check for a params rule (see the module docstring)."""
    if isinstance(rule, p.Required):
        return _rule_check(rule.inner, where)
    if isinstance(rule, p.IntRange):
        return _integer(rule.lo, rule.hi, rule.rule)
    if rule is p.BOOLEAN:
        return _of_type(bool, "must be a boolean")
    if rule in (p.TEXT, p.NON_EMPTY) or isinstance(rule, p.OneOf):
        return _of_type(str, "must be a string")
    if rule in (p.URL, p.URL_OR_EMPTY):
        return _uri(allow_empty=rule is p.URL_OR_EMPTY)
    if rule in (p.PARTICIPANTS, p.IDS):
        return _strings(or_all=rule is p.PARTICIPANTS)
    if rule is p.RESOLUTION:
        # The spec states this rule in words ("Both width and height ... 1280 * 720").
        return _by_rule(rule)
    raise TypeError(f"{where}: the fake has no check for {rule!r}")


class _Map:
    """A JSON object of named nested objects, each checked as ``item`` (video_layout)."""

    __slots__ = ("item",)

    def __init__(self, item: _Object) -> None:
        self.item = item

    def check(self, value: Any, pointer: str, *, strict: bool) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _fail(pointer, "must be an object of named regions")
        return {
            name: self.item.check(entry, f"{pointer}/{name}", strict=strict)
            for name, entry in value.items()
        }


class _Object:
    """The fields of one params class, each with the spec's check."""

    __slots__ = ("fields",)

    def __init__(self, cls: type) -> None:
        self.fields: dict[str, Check | _Map] = {
            p.wire_key(a): _field_check(cls, a) for a in attrs.fields(cls) if p.is_sent(a)
        }

    def check(self, body: Any, pointer: str, *, strict: bool) -> dict[str, Any]:
        if not isinstance(body, dict):
            what = pointer or "the request body"
            raise Problem(pointer=pointer, detail=f"{what} must be a JSON object")
        checked: dict[str, Any] = {}
        for key, value in body.items():
            field = self.fields.get(key)
            where = f"{pointer}/{key}"
            if field is None:
                if strict:
                    raise Problem(pointer=where, detail=f"{key} is not a known attribute")
                continue
            if value is None and key in _NULLABLE:
                checked[key] = None
            elif isinstance(field, _Map):
                checked[key] = field.check(value, where, strict=strict)
            else:
                checked[key] = field(value, where)
        return checked


def _field_check(cls: type, attr: attrs.Attribute[Any]) -> Check | _Map:
    where = f"{cls.__name__}.{attr.name}"
    if attr.validator is not None:
        return _rule_check(attr.validator, where)
    # A field with no rule is a map of nested params objects (video_layout's regions).
    hint = attrs.fields_dict(attrs.resolve_types(cls))[attr.name].type
    for option in get_args(hint):
        if get_origin(option) is dict and attrs.has(get_args(option)[1]):
            return _Map(_Object(get_args(option)[1]))
    raise TypeError(f"{where}: the fake has no check for a field without a rule")


_OBJECTS: dict[type, _Object] = {}


def check_body(body: Any, params: Any, *, strict: bool = False) -> dict[str, Any]:
    """The known fields of a JSON body, checked against ``params``'s fields.

    Returns only the fields the class declares (integers normalised); an unknown field is
    dropped, or with ``strict`` a 422 ``Problem`` pointing at it.
    """
    checker = _OBJECTS.get(params)
    if checker is None:
        checker = _OBJECTS[params] = _Object(params)
    return checker.check(body, "", strict=strict)
