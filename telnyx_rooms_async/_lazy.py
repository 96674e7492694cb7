"""Package namespaces whose names are imported on first use (PEP 562)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

__all__ = ["namespace"]


def namespace(
    package: str, homes: Mapping[str, tuple[str, ...]], found: MutableMapping[str, Any]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``.

    ``homes`` maps each submodule (relative, such as ``"._client"``) to the public names it
    defines; ``found`` is the package's ``globals()``, where a name is kept once imported.
    """
    home_of = {name: module for module, names in homes.items() for name in names}
    names = sorted(home_of)

    def getattr_(name: str) -> Any:
        home = home_of.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        try:
            module = importlib.import_module(home, package)
        except AttributeError as error:
            # ``from package import name`` would report an AttributeError raised while the
            # home module loads as "cannot import name", hiding where it came from.
            raise ImportError(f"{package}{home} failed to import: {error}") from error
        value = getattr(module, name)
        found[name] = value  # found directly from now on
        return value

    return names, getattr_, lambda: list(found.get("__all__", names))
