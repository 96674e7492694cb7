"""How the fake is built: from the table of operations and the params classes, without cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import attrs
import pytest

from telnyx_rooms_async import params as p
from telnyx_rooms_async._operations import OPERATIONS
from telnyx_rooms_async.testing import FakeRoomsAPI
from telnyx_rooms_async.testing._app import handler_table
from telnyx_rooms_async.testing._query import query_spec

PACKAGE = Path(__file__).resolve().parent.parent / "telnyx_rooms_async"
TESTING = PACKAGE / "testing"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports, anywhere in it (functions and
    ``if TYPE_CHECKING:`` blocks included)."""
    files = {module_name(f): f for f in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                target = base if node.level else ""
                if node.module:
                    target = f"{target}.{node.module}" if target else node.module
                subs = {f"{target}.{a.name}" for a in node.names}
                # "from . import x" needs the module x; the package only for names in it.
                deps.update(subs & files.keys())
                if not subs <= files.keys():
                    deps.add(target)
        graph[name] = {d for d in deps if d in files and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_imports_have_no_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    # The finder itself, on the shape the fake had: the app and a route module.
    graph = {"app": {"rooms"}, "rooms": {"validate"}, "validate": {"app"}, "store": set()}
    assert cycles(graph) == [["app", "rooms", "validate"]]


def test_no_module_of_the_fake_imports_the_app_but_the_entry_points() -> None:
    graph = import_graph()
    importers = {m for m, deps in graph.items() if "telnyx_rooms_async.testing._app" in deps}
    assert importers == {
        "telnyx_rooms_async.testing",
        "telnyx_rooms_async.testing.emulator",
        "telnyx_rooms_async.testing.pytest_plugin",
    }


def test_every_row_of_the_table_has_a_handler_and_every_handler_a_row() -> None:
    handlers = handler_table(FakeRoomsAPI())
    assert set(handlers) == {op.key for op in OPERATIONS}


def test_the_app_serves_each_row_at_its_method_and_path() -> None:
    fake = FakeRoomsAPI()
    served = {
        (route.method, route.resource.canonical)
        for route in fake.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/v2/")
    }
    assert served == {(op.http_method, "/v2" + op.path) for op in OPERATIONS}


def list_operations() -> list[object]:
    return [op for op in OPERATIONS if op.result.kind in ("page", "count")]


@pytest.mark.parametrize("op", list_operations(), ids=lambda op: op.key)  # type: ignore[attr-defined]
def test_the_fakes_filters_are_the_params_classes_filters(op: object) -> None:
    params = op.params  # type: ignore[attr-defined]
    declared = {p.wire_key(a) for a in attrs.fields(params) if p.is_filter(a)}
    spec = query_spec(params)
    assert {key for f in spec.filters for key in f.query_keys()} == declared
    for f in spec.filters:
        # The record field follows from the key: filter[date_<x>_at] compares <x>_at.
        name = f.key.removeprefix("filter[").removesuffix("]")
        assert f.field == (name.removeprefix("date_") if f.kind == "range" else name)
    kinds = {f.key: f.kind for f in spec.filters}
    if "filter[duration_secs]" in kinds:
        assert kinds["filter[duration_secs]"] == "minimum"
    assert set(spec.pages) == {"page[number]", "page[size]"}


def test_the_fake_spells_no_filter_name() -> None:
    # Each filter is declared once, in params.py; the fake reads it from there.
    names = {
        p.wire_key(a).removeprefix("filter[").split("]")[0]
        for op in OPERATIONS
        for a in attrs.fields(op.params)
        if p.is_filter(a)
    }
    dated = {n for n in names if n.startswith("date_")}
    assert dated, "the filters were not found"
    for path in TESTING.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in dated:
            assert name not in text, (path.name, name)
        # No table of filters repeating params.py, as the fake once had.
        assert re.search(r"\bFilter\(", text) is None, path.name


def test_date_created_at_is_spelled_at_most_ten_times_in_the_package() -> None:
    lines = [
        line
        for path in PACKAGE.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if "date_created_at" in line
    ]
    assert len(lines) <= 10, lines
