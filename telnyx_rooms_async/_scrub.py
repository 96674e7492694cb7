"""Keeping the API key out of every string built from what a server sent.

A server (or a proxy in front of it) may echo the request's Authorization header anywhere:
in a header such as ``x-request-id``, in the status line, in an error body, in a field of a
2xx reply. Every string the client builds from server bytes passes through ``Scrubber``:
the key is masked in its raw, JSON-escaped and percent-encoded forms, and a string that still
holds the key once decoded (escapes mixed with plain characters, say) is replaced whole.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Final
from urllib.parse import quote, unquote

__all__ = ["MASK", "REDACTED", "Scrubber", "printable"]

MASK: Final = "***"
#: What replaces a string that still carries the key after decoding.
REDACTED: Final = "[redacted: the server repeated the API key]"

#: ``\\uXXXX`` and ``\\xXX`` escapes, however many backslashes a repr() put before them.
_ESCAPE: Final = re.compile(r"\\+(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))")


def _decoded(text: str) -> str:
    """``text`` with percent-escapes and backslash escapes undone."""
    return _ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)), unquote(text))


class Scrubber:
    """Masks one secret in strings; ``Scrubber("")`` masks nothing."""

    __slots__ = ("_forms", "_secret")

    def __init__(self, secret: str) -> None:
        self._secret = secret
        forms = {secret, quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1]}
        forms |= {json.dumps(secret, ensure_ascii=True)[1:-1]}
        # Longest first, so that a longer encoded form is not cut by a shorter one.
        self._forms = tuple(sorted((f for f in forms if f), key=len, reverse=True))

    def __call__(self, text: str) -> str:
        """``text`` with the secret masked, or ``REDACTED`` if it still holds it once decoded."""
        if not self._secret:
            return text
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        if self._secret in _decoded(text) or self._secret in _decoded(_decoded(text)):
            return REDACTED
        return text

    def __repr__(self) -> str:
        return "Scrubber(***)"


def printable(text: str, limit: int) -> str:
    """A header value made safe to print: valid UTF-8, no control characters, at most ``limit``.

    aiohttp keeps bytes that are not UTF-8 as lone surrogates, which ``print()`` cannot
    encode; they become U+FFFD here, and control characters become ``?``.
    """
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no bytes decoded to
        raw = text.encode("utf-8", "surrogatepass")
    fixed = raw.decode("utf-8", "replace")
    fixed = "".join(
        "?" if unicodedata.category(c) in ("Cc", "Cs", "Cf") else c for c in fixed[: limit + 1]
    )
    return fixed if len(fixed) <= limit else fixed[: limit - 1] + "…"
