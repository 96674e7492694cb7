"""A holder for the API key that never shows it."""

from __future__ import annotations

import hmac
from typing import Final, NoReturn

_MASK: Final = "***"


class Secret:
    """The API key: readable only as an Authorization header value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        # Constant time, so a comparison cannot be timed to guess the key.
        return isinstance(other, Secret) and hmac.compare_digest(
            other._value.encode(), self._value.encode()
        )

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def bearer(self) -> str:
        """The Authorization header value; the only place the key is read."""
        return f"Bearer {self._value}"

    def __reduce__(self) -> NoReturn:
        # Pickling would write the key to disk or a queue; refuse it.
        raise TypeError("the API key cannot be pickled")
