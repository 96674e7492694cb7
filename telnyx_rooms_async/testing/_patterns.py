"""Request patterns (method and shell-style path) checked against the routes they may hit.

``fake.calls(method, path)`` and every ``fake.faults.*(method, path, ...)`` take a pattern.
It is normalised the way the client names requests (``/rooms`` is ``/v2/rooms``, ``post`` is
``POST``), and a pattern no route could ever match is refused with a ``ValueError`` instead
of silently matching nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase, translate
from typing import Final

__all__ = ["ANY_METHOD", "RequestPattern", "RouteTable", "could_match"]

ANY_METHOD: Final = "*"

# Tokens of a shell pattern and of a route template, for the intersection test below.
_STAR: Final = "*"
_ONE: Final = "?"
_ID: Final = "{id}"
_PLACEHOLDER: Final = re.compile(r"\{[a-z_]+\}")
# Characters tried against a "[...]" class where a route has an id: an id is any run of
# characters but "/", and a class that takes none of these is not worth a match.
_ID_SAMPLES: Final = "ab01_-.~"


def _glob_tokens(pattern: str) -> list[str | re.Pattern[str]]:
    """``pattern`` as tokens: ``*``, ``?``, a compiled ``[...]`` class, or one literal char."""
    tokens: list[str | re.Pattern[str]] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "[":
            # The closing bracket, as fnmatch finds it: a "]" right after "[" or "[!" is literal.
            j = i + 1
            if j < len(pattern) and pattern[j] == "!":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            j = pattern.find("]", j)
            if j >= 0:
                tokens.append(re.compile(translate(pattern[i : j + 1])))
                i = j + 1
                continue
        tokens.append(char if char in (_STAR, _ONE) else "\\" + char)
        i += 1
    return tokens


def _template_tokens(template: str) -> list[str]:
    """A route template as literal chars and ``{id}`` (one or more characters but ``/``)."""
    tokens: list[str] = []
    for i, part in enumerate(_PLACEHOLDER.split(template)):
        if i:
            tokens.append(_ID)
        tokens.extend(part)
    return tokens


def _accepts(token: str | re.Pattern[str], char: str | None) -> bool:
    """Whether a one-character glob token takes ``char`` (None: some character of an id)."""
    if token == _ONE:
        return True
    if isinstance(token, re.Pattern):
        if char is not None:
            return token.match(char) is not None
        return any(c != "/" and token.match(c) for c in _ID_SAMPLES + token.pattern)
    literal = token[1]
    return literal != "/" if char is None else literal == char


def could_match(pattern: str, template: str) -> bool:
    """Whether some path of the route ``template`` matches the shell ``pattern``.

    A search over pairs of positions (pattern token, template token, inside an id or not):
    the pattern's ``*`` may take any characters, ``/`` included, as ``fnmatch`` does.
    """
    glob = _glob_tokens(pattern)
    route = _template_tokens(template)
    start = (0, 0, False)
    seen = {start}
    todo = [start]
    while todo:
        i, j, inside = todo.pop()
        if i == len(glob) and j == len(route) and not inside:
            return True
        moves: list[tuple[int, int, bool]] = []
        if i < len(glob) and glob[i] == _STAR:
            moves.append((i + 1, j, inside))  # the star takes nothing (more)
        if j < len(route) and route[j] == _ID and inside:
            moves.append((i, j + 1, False))  # the id ends here
        if i < len(glob) and j < len(route):
            char = None if route[j] == _ID else route[j]
            after = (j, True) if char is None else (j + 1, False)
            token = glob[i]
            if token == _STAR:
                moves.append((i, *after))
            elif _accepts(token, char):
                moves.append((i + 1, *after))
        for move in moves:
            if move not in seen:
                seen.add(move)
                todo.append(move)
    return False


def _shared(one: str, other: str) -> int:
    """How many leading characters two strings share."""
    count = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        count += 1
    return count


class RequestPattern:
    """A normalised method and path pattern; ``matches(method, path)`` tests one request."""

    __slots__ = ("method", "path")

    def __init__(self, method: str, path: str) -> None:
        #: Upper-case method, or ``*`` for any.
        self.method = method
        #: Shell pattern over the full request path (``/v2`` prefix included).
        self.path = path

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with this method and path matches."""
        return (self.method == ANY_METHOD or self.method == method) and fnmatchcase(path, self.path)

    def __repr__(self) -> str:
        return f"RequestPattern({self.method} {self.path})"


class RouteTable:
    """The routes one origin serves: ``prefix`` plus ``(method, template)`` pairs."""

    def __init__(self, prefix: str, routes: Iterable[tuple[str, str]]) -> None:
        self.prefix = prefix
        self.routes: tuple[tuple[str, str], ...] = tuple(
            (method, prefix + template) for method, template in routes
        )
        self.methods = frozenset(method for method, _ in self.routes)

    def full_path(self, path: str) -> str:
        """``path`` with the prefix, if it lacks it: ``/rooms`` -> ``/v2/rooms``."""
        if not isinstance(path, str) or not path:
            raise ValueError("a path is a non-empty string such as '/rooms' or '/rooms/*'")
        if path.startswith(_STAR):
            return path
        if not path.startswith("/"):
            raise ValueError(f"path {path!r} must start with '/' (such as '/rooms/*')")
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + "/")):
            return path
        if self.prefix and path.startswith(self.prefix) and path[len(self.prefix)] in "*?[":
            return path  # "/v2*" already names the prefix
        return self.prefix + path

    def pattern(self, method: str, path: str) -> RequestPattern:
        """The normalised pattern; ``ValueError`` when no route could ever match it."""
        if not isinstance(method, str) or not method:
            raise ValueError("a method is a string such as 'GET', or '*' for any")
        upper = method.upper()
        if upper != ANY_METHOD and upper not in self.methods:
            known = ", ".join(sorted(self.methods))
            raise ValueError(f"no route takes the method {method!r} (the routes take {known})")
        full = self.full_path(path)
        for route_method, template in self.routes:
            if upper in (ANY_METHOD, route_method) and could_match(full, template):
                return RequestPattern(upper, full)
        templates = {t for m, t in self.routes if upper in (ANY_METHOD, m)}
        nearest = sorted(templates, key=lambda t: (-_shared(t, full), t))[:3]
        raise ValueError(
            f"{method} {path} can never match: no {upper} route has a path like it (the"
            f" nearest are {', '.join(nearest)}; an id may be given or left to '*')"
        )
