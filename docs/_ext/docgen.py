"""The parts of the docs written from the table of operations, and the site's MkDocs hooks.

Rendered from ``telnyx_rooms_async._operations.OPERATIONS`` and the resource classes:

- each resource page's operations (``<!-- docgen:operations rooms -->`` in ``docs/rooms.md``
  and the like), at build time, by ``on_page_markdown``;
- the operations table of ``README.md`` and the call-by-call table of ``docs/migration.md``,
  kept in those files between ``<!-- docgen:NAME:start -->`` and ``<!-- docgen:NAME:end -->``
  markers, rewritten by ``python docs/_ext/docgen.py --write`` and checked by the tests.

The hooks also make the site's home page from ``README.md`` (its absolute links to the site
become relative ones), its changelog page from ``CHANGELOG.md``, and copy the benchmarks'
sweep plot in. This module imports nothing from MkDocs, so the tests use it without the
``docs`` extra.
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[2]
DOCS: Final = ROOT / "docs"
SITE_URL: Final = "https://telnyx-rooms-async.github.io/telnyx-rooms-async/"
REPO_URL: Final = "https://github.com/telnyx-rooms-async/telnyx-rooms-async"
#: The benchmarks' plots, copied into the site at build time (never into docs/).
PLOTS: Final = ("sweep.png", "latency.png")

#: Each resource: its page, and what the page is called.
PAGES: Final = {
    "rooms": ("rooms.md", "Rooms"),
    "room_sessions": ("room-sessions.md", "Room sessions"),
    "room_participants": ("room-participants.md", "Room participants"),
    "room_compositions": ("room-compositions.md", "Room compositions"),
    "room_recordings": ("room-recordings.md", "Room recordings"),
}

_log: Final = logging.getLogger("mkdocs.hooks.docgen")
_OPERATIONS_MARK: Final = re.compile(r"<!-- docgen:operations ([a-z_]+) -->")


# -- what the package says about itself --------------------------------------------------------


def operations() -> tuple[Any, ...]:
    from telnyx_rooms_async._operations import OPERATIONS

    return OPERATIONS


def resource_classes() -> dict[str, type]:
    """Each client attribute (``rooms``...) and the class of its resource object."""
    from telnyx_rooms_async._client import RoomsClient

    hints = typing.get_type_hints(RoomsClient)
    return {name: hints[name] for name in PAGES}


def _type(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return str(text).replace("Unset", "UNSET")


def _default(value: Any) -> str:
    return "UNSET" if repr(value) == "UNSET" else repr(value)


def signature(resource: str, name: str) -> str:
    """The method as Python would declare it, one parameter a line when it has several."""
    method = getattr(resource_classes()[resource], name)
    sig = inspect.signature(method)
    params = [p for p in sig.parameters.values() if p.name != "self"]
    parts: list[str] = []
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and (i == 0 or params[i - 1].kind is not p.KEYWORD_ONLY):
            parts.append("*")
        text = p.name
        if p.annotation is not p.empty:
            text += f": {_type(p.annotation)}"
        if p.default is not p.empty:
            text += f" = {_default(p.default)}"
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (
            i + 1 == len(params) or params[i + 1].kind is not p.POSITIONAL_ONLY
        ):
            parts.append("/")
    returns = _type(sig.return_annotation)
    prefix = "def" if returns.startswith("AsyncPaginator") else "async def"
    head = f"{prefix} {name}("
    one_line = f"{head}{', '.join(parts)}) -> {returns}"
    if len(one_line) <= 88:
        return one_line
    inner = "".join(f"    {part},\n" for part in parts)
    return f"{head}\n{inner}) -> {returns}"


def sdk_name(op: Any) -> str:
    """The official SDK's path of the call, e.g. ``rooms.actions.refresh_client_token``."""
    return str(op.sdk or op.key)


def _returns(op: Any) -> str:
    model = op.result.model.__name__ if op.result.model is not None else ""
    return {
        "one": f"`{model}`",
        "page": f"paginator of `{model}`",
        "none": "`None`",
        "count": "`int`",
    }[op.result.kind]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code_cell(text: str) -> str:
    """Code in a table cell: a ``|`` in backticks would stay escaped, so it is HTML."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "&#124;")
    return f"<code>{escaped}</code>"


def _args(op: Any) -> str:
    """The call's arguments as the docs write them: ``(room_id, *, refresh_token=, ...)``."""
    import attrs

    from telnyx_rooms_async.params import reading_order

    fields = reading_order(op.params)
    required = [f"{a.name}=" for a in fields if a.default is attrs.NOTHING]
    names = ([op.id_name] if op.id_name else []) + required
    if len(required) < len(fields):
        names.append("...")
    return f"({', '.join(names)})"


def anchor(op: Any) -> str:
    """The id of the operation's section on its resource page (MkDocs' toc slug)."""
    return op.name.replace("_", "-")


def extra_methods(resource: str) -> list[str]:
    """Public methods of a resource class that are not rows of the table (get_or_create...)."""
    from telnyx_rooms_async._operations import Operation

    cls = resource_classes()[resource]
    names = []
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] != "telnyx_rooms_async":
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in names:
                continue
            if isinstance(getattr(value, "op", None), Operation):
                continue
            if inspect.isfunction(value):
                names.append(name)
    return names


# -- a resource page -----------------------------------------------------------------------------


def render_operations(resource: str) -> str:
    """The operations section of a resource page: one subsection per row, in table order."""
    from telnyx_rooms_async.params import field_help, reading_order

    cls = resource_classes()[resource]
    page, _ = PAGES[resource]
    depth = "../" * page.count("/")
    out: list[str] = []
    for op in (op for op in operations() if op.resource == resource):
        out += [f"### `{op.name}` {{#{anchor(op)}}}", "", op.summary, ""]
        out += ["```python", signature(resource, op.name), "```", ""]
        retry = (
            "safe to retry: retried on connection errors, timeouts, 408, 429 and 5xx"
            if op.idempotent
            else "not repeated blindly: retried only when the request provably never left,"
            " or on 429, or on 503 with `Retry-After`"
        )
        out += [f"`{op.http_method} {op.path}`; {retry}.", ""]
        rows = []
        if op.id_name:
            rows.append(f"| `{op.id_name}` | `str` | The id of the object (positional). |")
        for a in reading_order(op.params):
            text = _cell(field_help(op.params, a.name))
            rows.append(f"| `{a.name}` | {_code_cell(_type(a.type))} | {text} |")
        if rows:
            out += ["| argument | type | meaning and rule |", "| --- | --- | --- |", *rows, ""]
        returns = op.returns or {
            "one": "{model}.",
            "page": "An `AsyncPaginator[{model}]`: `await` it for the first `Page`, or"
            " `async for` over every `{model}` of every page, fetched as needed.",
            "none": "`None`.",
            "count": "`int`.",
        }[op.result.kind].format(model=op.result.model.__name__ if op.result.model else "")
        out += [f"**Returns** {returns}", ""]
        raises = (
            "`InvalidParams` (before anything is sent) and the [errors](errors.md) of every call"
        )
        if op.raises:
            name, _, why = op.raises.partition(":")
            raises = f"`{name}`: {why.strip()} Also {raises}"
        out += [f"**Raises** {raises}.", ""]
        out += ["```python", op.example, "```", ""]
        official = f"`client.{sdk_name(op)}`"
        if op.sdk:
            sdk = f"Official SDK: {official}; that name works here too, unchanged."
        else:
            sdk = f"Official SDK: {official}, the same name."
        cli = f"Command line: `telnyx-rooms {op.cli}`"
        if op.cli_examples:
            cli += f", e.g. `telnyx-rooms {op.cli_examples[0]}`"
        reference = (
            f"[API reference]({depth}reference/resources.md"
            f"#telnyx_rooms_async._resources.{cls.__name__}.{op.name})"
        )
        out += [f"{sdk} {cli}. {reference}.", ""]
    extras = extra_methods(resource)
    if extras:
        out += ["### More methods", ""]
        for name in extras:
            out += [
                f"::: telnyx_rooms_async._resources.{cls.__name__}.{name}",
                "    options:",
                "      heading_level: 4",
                "      show_root_full_path: false",
                "",
            ]
    return "\n".join(out).rstrip() + "\n"


# -- the tables kept in README.md and docs/migration.md ------------------------------------------


def render_readme_operations() -> str:
    """README's table: every operation, its call (linked to its section on the site)."""
    lines = ["| HTTP | call | returns |", "| --- | --- | --- |"]
    for op in operations():
        page, _ = PAGES[op.resource]
        url = f"{SITE_URL}{page.removesuffix('.md')}/#{anchor(op)}"
        call = f"[`client.{op.key}{_args(op)}`]({url})"
        lines.append(f"| `{op.http_method} {op.path}` | {call} | {_returns(op)} |")
    return "\n".join(lines)


_OFFICIAL_RETURNS: Final = {
    "one": "a response whose `.data` is the object",
    "page": "a paginator of the objects",
    "none": "`None`",
    "count": "a response whose `.data.room_recordings` is the count",
}


def render_migration_table() -> str:
    """The migration page's table: each official call, ours, and what comes back."""
    lines = [
        "| official SDK (`AsyncTelnyx`) | this client | official result → ours |",
        "| --- | --- | --- |",
    ]
    for op in operations():
        ours = f"[`client.{op.key}{_args(op)}`]({PAGES[op.resource][0]}#{anchor(op)})"
        official = f"`client.{sdk_name(op)}{_args(op)}`"
        if op.sdk:
            official += " (works here too)"
        else:
            official += " (same name)"
        result = f"{_OFFICIAL_RETURNS[op.result.kind]} → {_returns(op)}"
        lines.append(f"| {official} | {ours} | {result} |")
    return "\n".join(lines)


#: The generated tables: the file each is kept in, and how it is rendered.
TABLES: Final[dict[str, tuple[Path, Callable[[], str]]]] = {
    "operations": (ROOT / "README.md", render_readme_operations),
    "migration": (DOCS / "migration.md", render_migration_table),
}


def markers(name: str) -> tuple[str, str]:
    return (
        f"<!-- docgen:{name}:start (python docs/_ext/docgen.py --write) -->",
        f"<!-- docgen:{name}:end -->",
    )


def kept(name: str) -> str:
    """What the file holds between the table's markers."""
    path, _ = TABLES[name]
    start, end = markers(name)
    text = path.read_text(encoding="utf-8")
    _, found, rest = text.partition(start)
    body, found_end, _ = rest.partition(end)
    if not (found and found_end):
        raise LookupError(f"{path.name} lacks the markers {start!r} ... {end!r}")
    return body.strip("\n")


def write() -> None:
    """Rewrite every generated table in its file."""
    for name, (path, render) in TABLES.items():
        kept(name)  # the markers are there
        start, end = markers(name)
        text = path.read_text(encoding="utf-8")
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        path.write_text(f"{head}{start}\n{render()}\n{end}{tail}", encoding="utf-8")


# -- the home page: README.md with its links to the site made relative ---------------------------

_SITE_LINK: Final = re.compile(re.escape(SITE_URL) + r"([a-z0-9/_-]*?)/?(#[a-z0-9_.-]*)?(?=\))")


def home_page(readme: str) -> str:
    """README.md as the site's index page: links into the site become links to its pages."""

    def relative(match: re.Match[str]) -> str:
        path, fragment = match[1], match[2] or ""
        return (f"{path}.md" if path else "index.md") + fragment

    return _SITE_LINK.sub(relative, readme)


def site_links(text: str) -> Iterator[tuple[str, str]]:
    """Each absolute link into the site: (page, fragment), e.g. ("rooms.md", "#create")."""
    for match in _SITE_LINK.finditer(text):
        yield (f"{match[1]}.md" if match[1] else "index.md"), match[2] or ""


# -- MkDocs hooks --------------------------------------------------------------------------------

_EMULATOR_STAND_IN: Final = """# The emulator

`telnyx-rooms emulator` runs the package's fake Rooms API as a standalone server, for
services and tests in any language. Its page is part of the emulator's own changes; until
they are in this build, `telnyx-rooms emulator --help` lists its options.
"""


def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages (home, changelog) and the sweep plot to the site's files."""
    from mkdocs.structure.files import File

    def add(path: str, content: str) -> None:
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, content=content))

    add("index.md", home_page((ROOT / "README.md").read_text(encoding="utf-8")))
    add("changelog.md", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    if files.get_file_from_path("emulator.md") is None:
        # docs/emulator.md comes with the emulator; a short page stands in until then.
        _log.info("docgen: docs/emulator.md is not here yet; a stand-in page is built")
        add("emulator.md", _EMULATOR_STAND_IN)
    for plot in PLOTS:
        if (ROOT / "benchmarks" / plot).is_file():
            files.append(
                File.generated(
                    config, f"assets/{plot}", abs_src_path=str(ROOT / "benchmarks" / plot)
                )
            )
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill each ``<!-- docgen:operations RESOURCE -->`` with that resource's operations."""

    def fill(match: re.Match[str]) -> str:
        resource = match[1]
        if resource not in PAGES:
            raise ValueError(f"{page.file.src_uri}: no resource {resource!r}")
        return render_operations(resource)

    markdown = _OPERATIONS_MARK.sub(fill, markdown)
    for plot in PLOTS:
        if not (ROOT / "benchmarks" / plot).is_file():
            # An unpacked sdist has no benchmarks/: point at the plot in the repository.
            markdown = markdown.replace(
                f"](assets/{plot})", f"]({REPO_URL}/blob/main/benchmarks/{plot})"
            )
    return markdown


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        for table_name, (table_path, render) in TABLES.items():
            print(f"{table_name} ({table_path.name}):\n{render()}\n")
