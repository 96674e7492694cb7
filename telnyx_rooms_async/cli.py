"""``telnyx-rooms``: every Rooms operation from a shell, JSON out; ``demo`` runs offline.

The subcommands are read from the table of operations (``_operations.OPERATIONS``): one per
row, named by the row's ``cli`` (``rooms get``), described by its summary and examples, with
the row's id as the positional argument and one option per field of its params class, in
the params' reading order and with their own help text and rule. Names follow the wire:
``--max-participants 10``, ``--page-size 50``, and list filters spelled as their query keys
(``filter[date_created_at][gte]`` is ``--filter-date-created-at-gte``). A new row of the
table is a new subcommand, with nothing to change here.

Only what building the parser needs is imported with this module (the table, the params and
the version; no aiohttp), so ``--help`` and ``--version`` answer at once. The client, the
converter, the demo and the emulator are imported when a command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import functools
import json
import os
import re
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Literal, TextIO

import attrs

from . import params
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    ConfigurationError,
    InvalidParams,
    TelnyxError,
)
from ._exits import EXIT_FAILURE, EXIT_USAGE, PROG
from ._operations import OPERATIONS, Operation
from ._version import __version__

if TYPE_CHECKING:
    from ._client import RoomsClient
    from ._pagination import AsyncPaginator, Page

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "PROG", "build_parser", "main", "run"]


#: The command groups' one-line summaries; the groups themselves come from the rows.
_GROUP_SUMMARIES: Final = {
    "rooms": "Video rooms: create, inspect, change, delete, join tokens.",
    "sessions": "Room sessions and actions on them.",
    "participants": "Participants of sessions.",
    "compositions": "Compositions of sessions.",
    "recordings": "Recordings of participants.",
}

#: The official SDK's ``filter=`` / ``page=`` dicts: the same values as the other options.
_SDK_SHAPES: Final = frozenset({"filter", "page"})

_DEMO: Final = "demo"
_EMULATOR: Final = "emulator"


# -- options from the params classes -------------------------------------------------------


class _Kind(enum.Enum):
    SWITCH = "switch"
    """An opt-in ``bool`` that defaults to False (``--all-recordings``): no ``--no-`` form."""
    FLAG = "flag"
    INT = "int"
    FLOAT = "float"
    TEXT = "text"
    DAY = "day"
    LIST = "list"
    TEXT_OR_LIST = "text_or_list"
    JSON = "json"


#: Kinds whose form the option already says (a switch, YYYY-MM-DD): their help skips the rule.
_SELF_EXPLAINED: Final = frozenset({_Kind.SWITCH, _Kind.FLAG, _Kind.DAY})


@attrs.frozen
class _Option:
    """One field of a params class as a command-line option."""

    name: str
    flag: str
    kind: _Kind
    nullable: bool = False
    """``null`` means ``None``: a PATCH field the API lets a caller clear."""
    literal: str | None = None
    """For ``"all" | [ids]``: the word that is passed as a string."""

    @property
    def dest(self) -> str:
        """Where argparse keeps the value: apart from the command line's own options."""
        return f"field.{self.name}"

    @property
    def negative(self) -> str | None:
        """The ``--no-`` form of a boolean option."""
        return "--no-" + self.flag[2:] if self.kind is _Kind.FLAG else None

    def value(self, given: Any) -> Any:
        """The keyword argument for what argparse read."""
        if self.kind in (_Kind.LIST, _Kind.TEXT_OR_LIST) and given is not None:
            items = [part.strip() for chunk in given for part in chunk.split(",") if part.strip()]
            if self.kind is _Kind.TEXT_OR_LIST and items == [self.literal]:
                return self.literal
            return items
        return given


def _members(hint: Any) -> list[Any]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return list(typing.get_args(hint))
    return [hint]


def _is_text_sequence(tp: Any) -> bool:
    if typing.get_origin(tp) in (list, tuple, Sequence):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        return bool(args) and all(a is str for a in args)
    return False


def _kind(hint: Any, default: object) -> tuple[_Kind, bool, str | None]:
    """How a field of this type is read: its kind, whether it is nullable, its literal word."""
    members = _members(hint)
    nullable = type(None) in members and params.Unset in members
    rest = [m for m in members if m is not type(None) and m is not params.Unset]
    literals = [m for m in rest if typing.get_origin(m) is Literal]
    words = [str(a) for m in literals for a in typing.get_args(m)]
    plain = [m for m in rest if m not in literals]
    sequences = [m for m in plain if _is_text_sequence(m)]
    others = [m for m in plain if m not in sequences]
    if plain == [bool]:
        return (_Kind.SWITCH if default is False else _Kind.FLAG), nullable, None
    if plain == [int]:
        return _Kind.INT, nullable, None
    if plain and set(plain) <= {int, float}:
        return _Kind.FLOAT, nullable, None
    if date in plain and set(plain) <= {date, str}:
        return _Kind.DAY, nullable, None
    if (plain == [str] and not words) or (words and not plain):
        return _Kind.TEXT, nullable, None
    if sequences and len(words) == 1 and not others:
        return _Kind.TEXT_OR_LIST, nullable, words[0]
    if sequences and not words and not others:
        return _Kind.LIST, nullable, None
    return _Kind.JSON, nullable, None


def _flag(attr: attrs.Attribute[Any]) -> str:
    """``filter[date_created_at][gte]`` -> ``--filter-date-created-at-gte``."""
    return "--" + re.sub(r"[\[\]_]+", "-", params.wire_key(attr)).strip("-")


def _rule(attr: attrs.Attribute[Any]) -> params.Rule | None:
    rule = attr.validator
    if isinstance(rule, params.Required):
        rule = rule.inner
    return rule if isinstance(rule, params.Rule) else None


#: ``name=True``, ``name=...``: how Python code spells an argument in a message.
_PYTHON_ARGUMENT: Final = re.compile(r"\b([a-z][a-z0-9_]*)=(True|False|\.\.\.)?")
_ENVIRONMENT_VARIABLE: Final = re.compile(r"\bthe (TELNYX_[A-Z_]+) environment variable\b")


def _in_flags(text: str, flags: Mapping[str, str]) -> str:
    """``text`` with Python spellings of arguments (``all_recordings=True``) as their flags."""

    def swap(match: re.Match[str]) -> str:
        flag = flags.get(match[1])
        if flag is None:
            return match[0]
        return "--no-" + flag[2:] if match[2] == "False" else flag

    text = _PYTHON_ARGUMENT.sub(swap, text)
    return _ENVIRONMENT_VARIABLE.sub(r"$\1", text)


def _command_names(operations: Iterable[Operation[Any, Any]]) -> Callable[[str], str]:
    """What puts commands for the method names in a text: ``generate_join_client_token``
    is ``'rooms token'`` (names shared by several rows, such as ``list``, stay as they are).
    """
    seen: dict[str, list[str]] = {}
    for op in operations:
        seen.setdefault(op.name, []).append(op.cli)
    named = {name: f"'{clis[0]}'" for name, clis in seen.items() if "_" in name and len(clis) == 1}
    if not named:
        return lambda text: text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, named)) + r")\b")
    return lambda text: pattern.sub(lambda match: named[match[1]], text)


def _help(
    cls: type, attr: attrs.Attribute[Any], option: _Option, commands: Callable[[str], str]
) -> str:
    """The field's own help text and rule, in the command line's words."""
    text = params.field_help(cls, attr.name)
    rule = _rule(attr)
    if option.kind in _SELF_EXPLAINED and rule is not None:
        text = text.replace(f" It {rule.rule}.", "")
    if option.kind is _Kind.FLAG:
        text = text.replace("(True)", f"({option.flag})").replace("(False)", f"({option.negative})")
    if option.nullable:
        text = text.replace("None clears it", "'null' clears it")
        if "'null'" not in text:
            text += " 'null' clears it."
    if option.kind in (_Kind.LIST, _Kind.TEXT_OR_LIST):
        text += " Repeat the option or separate ids with commas."
    if option.kind is _Kind.JSON:
        text += _json_shape(attr)
    return _in_flags(commands(text), {attr.name: option.flag}).strip()


def _json_shape(attr: attrs.Attribute[Any]) -> str:
    """What a JSON option takes, from the params class its values are checked by."""
    for member in _members(attr.type):
        args = typing.get_args(member)
        if typing.get_origin(member) is dict and len(args) == 2 and attrs.has(args[1]):
            keys = ", ".join(a.name for a in attrs.fields(args[1]))
            return f" Give it as JSON: an object of objects by name, with the keys {keys}."
    return " Give it as JSON."


@functools.cache
def _fields(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    """The fields the command line offers, in reading order, with their types resolved."""
    hints = typing.get_type_hints(cls)
    return tuple(
        attr.evolve(type=hints.get(attr.name, str))
        for attr in params.reading_order(cls)
        if attr.name not in _SDK_SHAPES
    )


def _null_or(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        return None if text == "null" else convert(text)

    parse.__name__ = getattr(convert, "__name__", "value")
    return parse


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None


def _metavar(option: _Option, rule: params.Rule | None) -> str | None:
    if isinstance(rule, params.OneOf):
        return "|".join(rule.allowed)
    return {
        _Kind.INT: "N",
        _Kind.FLOAT: "X",
        _Kind.DAY: "YYYY-MM-DD",
        _Kind.LIST: "ID[,ID...]",
        _Kind.TEXT_OR_LIST: f"{option.literal}|ID[,ID...]",
        _Kind.JSON: "JSON",
        _Kind.TEXT: option.name.rsplit("_", 1)[-1].upper(),
    }.get(option.kind)


def _option(attr: attrs.Attribute[Any]) -> _Option:
    kind, nullable, literal = _kind(attr.type, attr.default)
    return _Option(attr.name, _flag(attr), kind, nullable, literal)


def _add_option(
    parser: argparse.ArgumentParser,
    cls: type,
    attr: attrs.Attribute[Any],
    option: _Option,
    commands: Callable[[str], str],
    note: str = "",
) -> None:
    kind, nullable, rule = option.kind, option.nullable, _rule(attr)
    kwargs: dict[str, Any] = {"dest": option.dest, "default": argparse.SUPPRESS}
    if attr.default is attrs.NOTHING:
        kwargs["required"] = True
    if kind is _Kind.SWITCH:
        kwargs["action"] = "store_true"
    elif kind is _Kind.FLAG:
        kwargs["action"] = argparse.BooleanOptionalAction
    elif kind in (_Kind.LIST, _Kind.TEXT_OR_LIST):
        kwargs["action"] = "append"
    else:
        # The library checks the value and names the field; argparse only turns text into it.
        converters: dict[_Kind, Callable[[str], Any]] = {
            _Kind.INT: int,
            _Kind.FLOAT: float,
            _Kind.JSON: _json_value,
        }
        convert = converters.get(kind, str)
        kwargs["type"] = _null_or(convert) if nullable else convert
    if kind not in (_Kind.SWITCH, _Kind.FLAG):
        kwargs["metavar"] = _metavar(option, rule)
    parser.add_argument(option.flag, help=_help(cls, attr, option, commands) + note, **kwargs)


# -- commands ------------------------------------------------------------------------------


@attrs.frozen
class _Command:
    """One subcommand: a row of the table and the options made from its params class."""

    op: Operation[Any, Any]
    options: tuple[_Option, ...]
    preview: Operation[Any, Any] | None = None
    """For a bulk delete: the list operation that shows what the same filters match."""

    @property
    def bulk_delete(self) -> bool:
        """A DELETE of whatever the filters match: it needs --yes (or --dry-run)."""
        return self.op.http_method == "DELETE" and self.op.id_name is None

    def keywords(self, ns: argparse.Namespace) -> dict[str, Any]:
        """The method's keyword arguments: the options given, nothing else."""
        return {o.name: o.value(getattr(ns, o.dest)) for o in self.options if o.dest in ns}

    def ids(self, ns: argparse.Namespace) -> list[str]:
        """The positional id, if the row's path has one."""
        return [] if self.op.id_name is None else [getattr(ns, self.op.id_name)]

    def flags(self) -> dict[str, str]:
        """Each field and the id by their command-line names."""
        named = {o.name: o.flag for o in self.options}
        if self.op.id_name is not None:
            named[self.op.id_name] = self.op.id_name.upper()
        return named


def _preview_of(
    op: Operation[Any, Any], operations: Sequence[Operation[Any, Any]]
) -> Operation[Any, Any] | None:
    """The list operation on the same path as a bulk delete, if the table has one."""
    return next(
        (
            o
            for o in operations
            if o.path == op.path and o.http_method == "GET" and o.result.kind == "page"
        ),
        None,
    )


def _examples(lines: Iterable[str]) -> str:
    return "examples:\n" + "\n".join(f"  {PROG} {line}" for line in lines)


_EPILOG: Final = """environment:
  TELNYX_API_KEY    the API key (better than --api-key, which other users may see in ps)
  TELNYX_BASE_URL   the API's base URL (default https://api.telnyx.com/v2)

output:
  one object: pretty JSON of the model (datetimes ISO 8601, UTC, 'Z');
  a list: {"data": [...], "meta": {...}} for one page, or with --all-pages one
  JSON object per line, streamed as the pages arrive (progress on stderr when it
  is a terminal).

exit status:
  0 success, 1 API / connection error (details on stderr), 2 bad usage, invalid
  value, or a bulk delete without --yes"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=36)


#: The connection options: (flag, keyword arguments of add_argument).
_CONNECTION: Final[tuple[tuple[str, dict[str, Any]], ...]] = (
    ("--api-key", {"metavar": "KEY", "help": "API key (default: $TELNYX_API_KEY)"}),
    (
        "--base-url",
        {
            "metavar": "URL",
            "help": "API base URL (default: $TELNYX_BASE_URL or https://api.telnyx.com/v2)",
        },
    ),
    (
        "--allow-insecure-http",
        {
            "action": "store_true",
            "help": "allow a plain-http --base-url to a host other than this machine"
            " (the key would travel unencrypted)",
        },
    ),
    (
        "--timeout",
        {
            "type": float,
            "metavar": "SECONDS",
            "help": "total deadline of one call, retries included (default: 60)",
        },
    ),
    (
        "--max-retries",
        {"type": int, "metavar": "N", "help": "retries where a retry is safe (default: 2)"},
    ),
)

#: The client's constructor arguments by the options that set them.
_CONNECTION_FLAGS: Final = {
    **{flag[2:].replace("-", "_"): flag for flag, _ in _CONNECTION},
    # --timeout sets the read limit too.
    "read_timeout": "--timeout",
}
#: Where a setting comes from when its option is not given.
_ENVIRONMENT: Final = {"api_key": "$TELNYX_API_KEY", "base_url": "$TELNYX_BASE_URL"}


def _connection_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection")
    for flag, kwargs in _CONNECTION:
        group.add_argument(flag, default=argparse.SUPPRESS, **kwargs)
    return common


def _command(op: Operation[Any, Any], operations: Sequence[Operation[Any, Any]]) -> _Command:
    cls: Any = op.params
    return _Command(op, tuple(_option(a) for a in _fields(cls)), _preview_of(op, operations))


def _add_arguments(
    leaf: argparse.ArgumentParser, command: _Command, commands: Callable[[str], str]
) -> None:
    op = command.op
    if op.id_name is not None:
        leaf.add_argument(
            op.id_name, metavar=op.id_name.upper(), help=f"the {op.id_name.replace('_', ' ')}"
        )
    cls: Any = op.params
    for attr, option in zip(_fields(cls), command.options, strict=True):
        # A list's unsent field (max_pages) steers the walk over pages: --all-pages.
        note = (
            " Only with --all-pages."
            if op.result.kind == "page" and not params.is_sent(attr)
            else ""
        )
        _add_option(leaf, cls, attr, option, commands, note)
    if op.result.kind == "page":
        leaf.add_argument(
            "--all-pages",
            action="store_true",
            default=argparse.SUPPRESS,
            help="every item of every page, one JSON object per line (progress on stderr"
            " when it is a terminal)",
        )
    if command.bulk_delete:
        safety = leaf.add_mutually_exclusive_group()
        safety.add_argument(
            "--yes",
            action="store_true",
            default=False,
            help="delete for real: without --yes nothing is deleted",
        )
        if command.preview is not None:
            safety.add_argument(
                "--dry-run",
                action="store_true",
                default=False,
                help="list what the filters match (one JSON object per line) and how many"
                " would be deleted; delete nothing",
            )


def _description(op: Operation[Any, Any], command: _Command) -> str:
    text = textwrap.fill(_in_flags(op.summary, command.flags()), width=78)
    text += f"\n\nCalls client.{op.resource}.{op.name}() ({op.http_method} {op.path})."
    if command.bulk_delete:
        text += "\nDeletes nothing without --yes"
        text += "; --dry-run lists what would go." if command.preview is not None else "."
    return text


def _add_command(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser],
    command: _Command,
    common: argparse.ArgumentParser,
    commands: Callable[[str], str],
) -> None:
    op = command.op
    leaf = verbs.add_parser(
        op.cli.split()[1],
        help=_in_flags(_first_sentence(op.summary), command.flags()),
        description=_description(op, command),
        epilog=_examples(op.cli_examples) if op.cli_examples else None,
        formatter_class=_Formatter,
        parents=[common],
        allow_abbrev=False,
    )
    _add_arguments(leaf, command, commands)
    leaf.set_defaults(command=command)


def _add_download(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser],
    rows: Sequence[Operation[Any, Any]],
    common: argparse.ArgumentParser,
) -> None:
    """``GROUP download ID [-o FILE]`` for a group whose objects have a ``download_url``."""
    retrieve = next(
        (
            op
            for op in rows
            if op.result.kind == "one"
            and op.id_name is not None
            and op.http_method == "GET"
            and op.result.model is not None
            and "download_url" in attrs.fields_dict(op.result.model)
        ),
        None,
    )
    if retrieve is None:
        return
    noun = retrieve.result.model.__name__ if retrieve.result.model is not None else "it"
    group = retrieve.cli.split()[0]
    leaf = verbs.add_parser(
        "download",
        help=f"Download a completed {noun}'s file.",
        description=(
            f"Download a completed {noun}'s file from its pre-signed download_url (fetched"
            " fresh by its id), written under a temporary name and renamed when complete."
            " The API key is never sent to the storage host."
        ),
        epilog=_examples([f"{group} download ID", f"{group} download ID -o media.bin"]),
        formatter_class=_Formatter,
        parents=[common],
        allow_abbrev=False,
    )
    leaf.add_argument(str(retrieve.id_name), metavar=str(retrieve.id_name).upper())
    leaf.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="where to write it (default: the file name of its URL); '-' for standard output",
    )
    leaf.add_argument(
        "--max-size",
        type=int,
        metavar="BYTES",
        default=argparse.SUPPRESS,
        help="refuse a file larger than this",
    )
    leaf.set_defaults(download=retrieve)


def _first_sentence(text: str) -> str:
    return text.split(". ", 1)[0].rstrip(".") + "."


def build_parser(
    operations: Sequence[Operation[Any, Any]] = OPERATIONS,
) -> argparse.ArgumentParser:
    """The ``telnyx-rooms`` argument parser: one subcommand per row of ``operations``."""
    return _parser(operations, None)


def _parser(
    operations: Sequence[Operation[Any, Any]], wanted: Collection[str] | None
) -> argparse.ArgumentParser:
    """The parser, with the subcommands of only the ``wanted`` groups (None: of all).

    A group left out is still listed; its subcommands are not built, which is most of the
    work of building the parser, so ``--help`` and ``--version`` need none of them.
    """
    common = _connection_options()
    commands = _command_names(operations)
    groups: dict[str, list[Operation[Any, Any]]] = {}
    for op in operations:
        groups.setdefault(op.cli.split()[0], []).append(op)
    firsts = [rows[0].cli_examples[0] for rows in groups.values() if rows[0].cli_examples]
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Every Telnyx Video Rooms operation from the shell, JSON out.",
        epilog=_examples([_DEMO, *firsts, f"{_EMULATOR} --help"]) + "\n\n" + _EPILOG,
        formatter_class=_Formatter,
        parents=[common],
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="group", metavar="RESOURCE", required=True)
    subparsers.add_parser(
        _DEMO,
        help="Run a whole room lifecycle against a built-in fake API (offline, no key).",
        description=(
            "Start a fake Rooms API on a free loopback port and run a whole lifecycle"
            " through RoomsClient: room, token, a simulated participant, its session,"
            " mute/kick/end, recordings, a composition, cleanup. No key or network needed."
        ),
        epilog=_examples([_DEMO]),
        formatter_class=_Formatter,
        allow_abbrev=False,
    )
    for name, rows in groups.items():
        summary = _GROUP_SUMMARIES.get(name, f"The {name} operations.")
        sub = subparsers.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=_examples(line for op in rows for line in op.cli_examples[:1]),
            formatter_class=_Formatter,
            allow_abbrev=False,
        )
        if wanted is None or name in wanted:
            verbs = sub.add_subparsers(dest="verb", metavar="VERB", required=True)
            for op in rows:
                _add_command(verbs, _command(op, operations), common, commands)
            _add_download(verbs, rows, common)
    emulator = subparsers.add_parser(
        _EMULATOR,
        help=f"Run the stateful Rooms API emulator ('{PROG} {_EMULATOR} --help': its options).",
        add_help=False,
    )
    # The emulator reads its own arguments; see _split_emulator() for the usual spelling.
    emulator.add_argument("arguments", nargs=argparse.REMAINDER)
    return parser


# -- running a command ----------------------------------------------------------------------


def _dump(value: Any, out: IO[str], *, pretty: bool = True) -> None:
    if pretty:
        out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False


class _Progress:
    """Pages and items so far, on one redrawn line of stderr, when stderr is a terminal."""

    def __init__(self, err: IO[str], label: str) -> None:
        self._err = err if _is_terminal(err) else None
        self._label = label
        self._pages = 0
        self._items = 0

    def page(self, page: Page[Any]) -> None:
        """Count one more page and redraw the line."""
        if self._err is None:
            return
        self._pages += 1
        self._items += len(page.items)
        pages, items = page.meta.total_pages, page.meta.total_results
        text = f"page {self._pages}" + (f" of {pages}" if pages is not None else "")
        text += f", {self._items} items" + (f" of {items}" if items is not None else "")
        self._err.write(f"\r\x1b[K{self._label}: {text}")
        self._err.flush()

    def clear(self) -> None:
        """Take the line away (before output, and at the end)."""
        if self._err is not None and self._pages:
            self._err.write("\r\x1b[K")
            self._err.flush()


async def _stream(paginator: AsyncPaginator[Any], out: IO[str], progress: _Progress) -> int:
    """Every item of every page, one JSON line each, as the pages arrive; returns the count."""
    from ._converter import to_dict

    count = 0
    try:
        async for page in paginator.pages():
            progress.clear()
            for item in page.items:
                _dump(to_dict(item), out, pretty=False)
            # Stream: a reader piping into jq sees each page as soon as it arrives.
            out.flush()
            count += len(page.items)
            progress.page(page)
    finally:
        progress.clear()
    return count


def _method(client: RoomsClient, op: Operation[Any, Any]) -> Callable[..., Any]:
    method: Callable[..., Any] = getattr(getattr(client, op.resource), op.name)
    return method


async def _dry_run(
    client: RoomsClient, command: _Command, keywords: dict[str, Any], out: IO[str], err: IO[str]
) -> None:
    """List what a bulk delete's filters match, through its list operation, and count it."""
    preview = command.preview
    assert preview is not None
    offered = attrs.fields_dict(preview.params)  # type: ignore[arg-type]
    shared = {k: v for k, v in keywords.items() if k in offered}
    size = offered.get("page_size")
    rule = _rule(size) if size is not None else None
    if "page_size" not in shared and isinstance(rule, params.IntRange) and rule.hi is not None:
        shared["page_size"] = rule.hi  # the fewest round trips; any size lists the same items
    paginator = _method(client, preview)(**shared)
    count = await _stream(paginator, out, _Progress(err, f"{PROG} {command.op.cli}"))
    err.write(
        f"{PROG} {command.op.cli}: dry run: {count} match and would be deleted;"
        " nothing was deleted (add --yes to delete them)\n"
    )


#: The key a ``count`` result is printed under, by what the call does.
_COUNT_KEYS: Final = {"DELETE": "deleted", "POST": "created", "PATCH": "updated"}


async def _call(
    client: RoomsClient, command: _Command, ns: argparse.Namespace, out: IO[str], err: IO[str]
) -> None:
    from ._converter import to_dict

    op = command.op
    keywords = command.keywords(ns)
    if getattr(ns, "dry_run", False):
        await _dry_run(client, command, keywords, out, err)
        return
    ids = command.ids(ns)
    result = _method(client, op)(*ids, **keywords)
    if op.result.kind == "page":
        if getattr(ns, "all_pages", False):
            await _stream(result, out, _Progress(err, f"{PROG} {op.cli}"))
            return
        page = await result
        _dump({"data": to_dict(page.items), "meta": to_dict(page.meta)}, out)
        return
    value = await result
    if op.result.kind == "none":
        err.write(f"{op.cli}: done ({' '.join(ids)})\n")
    elif op.result.kind == "count":
        _dump({_COUNT_KEYS.get(op.http_method, op.result.field or "count"): value}, out)
    else:
        _dump(to_dict(value), out)


def _client(ns: argparse.Namespace) -> RoomsClient:
    from ._client import RoomsClient

    kwargs: dict[str, Any] = {}
    if "timeout" in ns:
        kwargs["timeout"] = ns.timeout
        # A short overall deadline should not wait out the longer default read limit.
        kwargs["read_timeout"] = min(ns.timeout, 60.0)
    if "max_retries" in ns:
        kwargs["max_retries"] = ns.max_retries
    if getattr(ns, "allow_insecure_http", False):
        kwargs["allow_insecure_http"] = True
    return RoomsClient(
        getattr(ns, "api_key", None), base_url=getattr(ns, "base_url", None), **kwargs
    )


def _setting(name: str, ns: argparse.Namespace) -> str:
    """How the user gave a client setting: its option, or else its environment variable."""
    if name in _ENVIRONMENT and name not in ns and os.environ.get(_ENVIRONMENT[name][1:]):
        return _ENVIRONMENT[name]
    return _CONNECTION_FLAGS.get(name, name)


def _configuration_error(exc: ConfigurationError, ns: argparse.Namespace) -> str:
    """The client's complaint about a setting, naming the option or variable it came from."""
    text = _in_flags(exc.message, _CONNECTION_FLAGS)
    first, _, rest = text.partition(" ")
    if first in _CONNECTION_FLAGS:
        # "timeout must be ..." -> "--timeout: must be ...".
        return f"{_setting(first, ns)}: {rest}"
    if exc.argument is not None and not re.search(r"--[a-z]|\$[A-Z]", text):
        return f"{_setting(exc.argument, ns)}: {text}"
    return text


def _where(ns: argparse.Namespace) -> str:
    verb = getattr(ns, "verb", None)
    return f"{PROG} {ns.group} {verb}" if verb else f"{PROG} {ns.group}"


def _usage_error(command: _Command, ns: argparse.Namespace, exc: InvalidParams) -> str:
    flags = command.flags()
    # A nested field such as "video_layout['main'].width" belongs to its top-level option.
    top = re.split(r"[\[.]", exc.field, maxsplit=1)[0]
    flag = flags.get(top, exc.field)
    inner = exc.field[len(top) :] if top in flags else ""
    rule = _in_flags(exc.rule, flags)
    if not inner and flag in rule:
        # The rule names the option itself: "pass at least one filter, or --all-recordings".
        return f"{_where(ns)}: error: {rule}\n"
    where = f"{flag} at {inner}" if inner else flag
    return f"{_where(ns)}: error: {where}: {rule}\n"


def _api_error(exc: APIStatusError, err: IO[str]) -> None:
    reason = type(exc).__name__
    err.write(f"{PROG}: error: the API answered HTTP {exc.status} ({reason})\n")
    for number, item in enumerate(exc.errors, start=1):
        if number > 1:
            err.write(f"  error {number}:\n")
        for label, value in (("code", item.code), ("title", item.title), ("detail", item.detail)):
            if value:
                err.write(f"  {label}: {value}\n")
        source = item.source and (item.source.pointer or item.source.parameter)
        if source:
            err.write(f"  source: {source}\n")
    if exc.text:
        err.write(f"  body: {exc.text!r}\n")
    if exc.retry_after is not None:
        err.write(f"  retry after: {exc.retry_after:g}s\n")
    err.write(f"  request id: {exc.request_id or '(none)'}\n")


def _confirmed(command: _Command, ns: argparse.Namespace, err: IO[str]) -> bool:
    """A bulk delete goes ahead only with --yes or as a --dry-run."""
    if not command.bulk_delete or ns.yes or getattr(ns, "dry_run", False):
        return True
    dry_run = ", or --dry-run to see what would be deleted" if command.preview else ""
    err.write(
        f"{_where(ns)}: error: this deletes everything the filters match;"
        f" add --yes to delete{dry_run}\n"
    )
    return False


async def _execute(ns: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Run the command ``ns`` names; returns the exit status."""
    if ns.group == _DEMO:
        from ._demo import run_demo

        return await run_demo(out, err=err)
    if ns.group == _EMULATOR:
        return await _emulator_in_thread(ns.arguments, err)
    if "download" in ns:
        return await _download(ns, out, err)
    command: _Command = ns.command
    if command.bulk_delete:
        try:
            # Its rules (a filter, or --all-recordings) are checked before asking for --yes.
            command.op.params(**command.keywords(ns))
        except InvalidParams as exc:
            err.write(_usage_error(command, ns, exc))
            return EXIT_USAGE
        if not _confirmed(command, ns, err):
            return EXIT_USAGE
    try:
        client = _client(ns)
    except ConfigurationError as exc:
        err.write(f"{PROG}: error: {_configuration_error(exc, ns)}\n")
        return EXIT_USAGE
    try:
        async with client:
            await _call(client, command, ns, out, err)
    except InvalidParams as exc:
        err.write(_usage_error(command, ns, exc))
        return EXIT_USAGE
    except APIStatusError as exc:
        _api_error(exc, err)
        return EXIT_FAILURE
    except APIConnectionError as exc:
        err.write(f"{PROG}: error: {exc} ({client.base_url})\n")
        return EXIT_FAILURE
    except APIResponseValidationError as exc:
        err.write(f"{PROG}: error: unexpected reply: {exc}\n")
        return EXIT_FAILURE
    except TelnyxError as exc:
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_FAILURE
    return 0


class _Bytes:
    """Bytes so far of a download, on one redrawn line of stderr, when stderr is a terminal."""

    def __init__(self, err: IO[str], label: str) -> None:
        self._err = err if _is_terminal(err) else None
        self._label = label
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        if self._err is None:
            return
        text = f"{done:,} bytes" + (f" of {total:,} ({100 * done // total}%)" if total else "")
        self._err.write(f"\r\x1b[K{self._label}: {text}")
        self._err.flush()
        self.drawn = True

    def clear(self) -> None:
        if self._err is not None and self.drawn:
            self._err.write("\r\x1b[K")
            self._err.flush()


async def _download(ns: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``GROUP download ID [-o FILE]``: the file, and a JSON line saying where it went."""
    import sys
    from urllib.parse import urlsplit

    op: Operation[Any, Any] = ns.download
    label = f"{PROG} {op.cli.split()[0]} download"
    object_id = getattr(ns, str(op.id_name))
    try:
        client = _client(ns)
    except ConfigurationError as exc:
        err.write(f"{PROG}: error: {_configuration_error(exc, ns)}\n")
        return EXIT_USAGE
    bar = _Bytes(err, label)
    try:
        async with client:
            resource = getattr(client, op.resource)
            item = await resource.retrieve(object_id)
            target = getattr(ns, "output", None)
            if target is None:
                url = item.download_url or ""
                target = Path(urlsplit(url).path).name or f"{object_id}.bin"
            destination: Any = sys.stdout.buffer if target == "-" else target
            size = await resource.download(
                item, destination, max_size=getattr(ns, "max_size", None), progress=bar
            )
    except InvalidParams as exc:
        bar.clear()
        err.write(f"{label}: error: {exc}\n")
        return EXIT_USAGE
    except APIStatusError as exc:
        bar.clear()
        _api_error(exc, err)
        return EXIT_FAILURE
    except TelnyxError as exc:
        bar.clear()
        err.write(f"{label}: error: {exc}\n")
        return EXIT_FAILURE
    bar.clear()
    if target != "-":
        _dump({"file": str(target), "bytes": size}, out, pretty=False)
    return 0


# -- the emulator -----------------------------------------------------------------------------


def _exit_status(exc: SystemExit, err: IO[str]) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    err.write(f"{exc.code}\n")
    return EXIT_FAILURE


def _emulator(arguments: Sequence[str], err: IO[str]) -> int:
    """Hand every argument to the emulator's own command line (it writes to sys.stdout)."""
    import importlib

    try:
        module = importlib.import_module(".testing.emulator", __package__)
    except ImportError as exc:
        err.write(f"{PROG} {_EMULATOR}: error: the emulator cannot be loaded: {exc}\n")
        return EXIT_FAILURE
    run_emulator: Callable[[Sequence[str] | None], int] = module.main
    try:
        return run_emulator(list(arguments))
    except SystemExit as exc:  # its --help and usage errors
        return _exit_status(exc, err)


async def _emulator_in_thread(arguments: Sequence[str], err: IO[str]) -> int:
    # It runs its own event loop, which cannot start inside this one.
    import asyncio

    return await asyncio.to_thread(_emulator, arguments, err)


def _split_emulator(argv: Sequence[str]) -> list[str] | None:
    """The emulator's arguments, for ``telnyx-rooms emulator ARGS...``; else None.

    Read before argparse: a subcommand's ``REMAINDER`` does not take ``--help`` or any other
    option as its first word.
    """
    return list(argv[1:]) if argv[:1] == [_EMULATOR] else None


# -- entry points ---------------------------------------------------------------------------


def _parse(argv: Sequence[str], out: IO[str], err: IO[str]) -> argparse.Namespace | int:
    """The parsed command line, or the exit status when argparse has answered already."""
    # The group a command line names is one of its words: only those groups are built.
    parser = _parser(OPERATIONS, set(argv))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return _exit_status(exc, err)


async def run(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line inside the running loop and return the exit status."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    args = list(sys.argv[1:] if argv is None else argv)
    emulator = _split_emulator(args)
    if emulator is not None:
        return await _emulator_in_thread(emulator, err)
    ns = _parse(args, out, err)
    if isinstance(ns, int):
        return ns
    return await _execute(ns, out, err)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``telnyx-rooms`` console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    emulator = _split_emulator(args)
    if emulator is not None:
        # In the main thread, where the emulator can handle signals.
        return _emulator(emulator, sys.stderr)
    ns = _parse(args, sys.stdout, sys.stderr)
    if isinstance(ns, int):
        return ns
    # Imported only now: --help and --version never need it.
    import asyncio

    try:
        return asyncio.run(_execute(ns, sys.stdout, sys.stderr))
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as other shell tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
