"""Request checks of the fake API, answering as the real API does (422 with a pointer)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Problem", "check_body", "check_date", "check_int", "check_url"]


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
