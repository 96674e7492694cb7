"""``telnyx-rooms``: every Rooms operation from a shell, JSON out; ``demo`` runs offline.

The command line is a thin layer over :class:`RoomsClient`. Each subcommand names a
resource and a verb (``telnyx-rooms rooms create``), and its options are generated from the
signature of the library method it calls, so names, types and required arguments never
drift from the library: ``--max-participants 10``, ``--page-size 50``, and list filters
spelled as their query keys (``filter[unique_name]`` is ``--filter-unique-name``).
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import enum
import inspect
import itertools
import json
import os
import re
import sys
import types
import typing
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Literal, TextIO

import attrs

from . import params as params_module
from ._client import RoomsClient
from ._converter import CONVERTER
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    ConfigurationError,
    InvalidParams,
    TelnyxError,
)
from ._pagination import AsyncPaginator
from ._resources import RoomCompositions, RoomParticipants, RoomRecordings, Rooms, RoomSessions
from ._version import __version__
from .params import Unset

if TYPE_CHECKING:
    pass

__all__ = ["build_parser", "main", "run"]

PROG: Final = "telnyx-rooms"

#: Exit status of a failed API call, a connection failure or a bad reply.
EXIT_FAILURE: Final = 1
#: Exit status of bad usage: unknown option, invalid value, missing key.
EXIT_USAGE: Final = 2


@attrs.frozen
class _Group:
    """One resource of the command line and the client attribute it drives."""

    name: str
    attribute: str
    resource: type
    summary: str


@attrs.frozen
class _Command:
    """One subcommand: ``<group> <verb>`` calls ``client.<attribute>.<method>``."""

    group: str
    verb: str
    method: str
    summary: str
    examples: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    """Params classes (in ``telnyx_rooms_async.params``) that name and document the options."""
    result: str | None = None
    """For a method that returns a number: the JSON key it is printed under."""


_GROUPS: Final = (
    _Group("rooms", "rooms", Rooms, "Video rooms: create, inspect, change, delete, join tokens."),
    _Group("sessions", "room_sessions", RoomSessions, "Room sessions and actions on them."),
    _Group("participants", "room_participants", RoomParticipants, "Participants of sessions."),
    _Group("compositions", "room_compositions", RoomCompositions, "Compositions of sessions."),
    _Group("recordings", "room_recordings", RoomRecordings, "Recordings of participants."),
)

_ROOM = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
_SESSION = "7b61621f-62e0-4aad-ab11-9fd19e272e73"

_COMMANDS: Final = (
    _Command(
        "rooms",
        "create",
        "create",
        "Create a room.",
        (
            "rooms create --unique-name standup --max-participants 10",
            "rooms create --enable-recording --webhook-event-url https://example.com/hooks",
        ),
        ("RoomCreateParams",),
    ),
    _Command(
        "rooms",
        "get",
        "retrieve",
        "Show one room.",
        (f"rooms get {_ROOM} --include-sessions",),
        ("RoomRetrieveParams",),
    ),
    _Command(
        "rooms",
        "update",
        "update",
        "Change a room; only the options given are sent.",
        (
            f"rooms update {_ROOM} --max-participants 20",
            f"rooms update {_ROOM} --webhook-timeout-secs null",
        ),
        ("RoomUpdateParams",),
    ),
    _Command("rooms", "delete", "delete", "Delete a room.", (f"rooms delete {_ROOM}",)),
    _Command(
        "rooms",
        "list",
        "list",
        "List rooms (one page, or every room with --all-pages).",
        (
            "rooms list --page-size 50",
            "rooms list --filter-unique-name standup",
            "rooms list --filter-date-created-at-gte 2026-01-01 --all-pages",
        ),
        ("RoomListParams",),
    ),
    _Command(
        "rooms",
        "token",
        "generate_join_client_token",
        "Mint a client token (and its refresh token) to join a room.",
        (f"rooms token {_ROOM} --token-ttl-secs 600 --refresh-token-ttl-secs 3600",),
        ("RoomGenerateJoinClientTokenParams",),
    ),
    _Command(
        "rooms",
        "refresh-token",
        "refresh_client_token",
        "Exchange a refresh token for a new client token.",
        (f"rooms refresh-token {_ROOM} --refresh-token eyJhbGciOi...",),
        ("RoomRefreshClientTokenParams",),
    ),
    _Command(
        "rooms",
        "sessions",
        "list_sessions",
        "List the sessions of one room.",
        (f"rooms sessions {_ROOM} --filter-active --include-participants",),
        ("RoomListSessionsParams",),
    ),
    _Command(
        "sessions",
        "list",
        "list",
        "List room sessions.",
        (
            "sessions list --filter-active",
            f"sessions list --filter-room-id {_ROOM} --all-pages",
        ),
        ("RoomSessionListParams",),
    ),
    _Command(
        "sessions",
        "get",
        "retrieve",
        "Show one session.",
        (f"sessions get {_SESSION} --include-participants",),
        ("RoomSessionRetrieveParams",),
    ),
    _Command(
        "sessions",
        "participants",
        "list_participants",
        "List the participants of one session.",
        (f"sessions participants {_SESSION} --filter-context Alice",),
        ("RoomSessionListParticipantsParams",),
    ),
    _Command(
        "sessions",
        "end",
        "end",
        "End a session: every participant leaves.",
        (f"sessions end {_SESSION}",),
    ),
    _Command(
        "sessions",
        "kick",
        "kick",
        "Remove participants from a session.",
        (
            f"sessions kick {_SESSION} --participants all",
            f"sessions kick {_SESSION} --participants ID1,ID2",
            f"sessions kick {_SESSION} --participants all --exclude ID1",
        ),
        ("RoomSessionActionParams",),
    ),
    _Command(
        "sessions",
        "mute",
        "mute",
        "Mute participants of a session.",
        (f"sessions mute {_SESSION} --participants all",),
        ("RoomSessionActionParams",),
    ),
    _Command(
        "sessions",
        "unmute",
        "unmute",
        "Unmute participants of a session.",
        (f"sessions unmute {_SESSION} --participants ID1",),
        ("RoomSessionActionParams",),
    ),
    _Command(
        "participants",
        "list",
        "list",
        "List participants of every session.",
        (f"participants list --filter-session-id {_SESSION}",),
        ("RoomParticipantListParams",),
    ),
    _Command(
        "participants",
        "get",
        "retrieve",
        "Show one participant.",
        ("participants get PARTICIPANT_ID",),
    ),
    _Command(
        "compositions",
        "create",
        "create",
        "Compose a session's recordings into one video.",
        (
            f"compositions create --session-id {_SESSION} --resolution 1280x720",
            f"compositions create --session-id {_SESSION} --video-layout"
            ' \'{"main": {"x_pos": 0, "y_pos": 0, "width": 1280, "height": 720,'
            ' "video_sources": ["*"]}}\'',
        ),
        ("RoomCompositionCreateParams",),
    ),
    _Command(
        "compositions",
        "list",
        "list",
        "List compositions.",
        (f"compositions list --filter-session-id {_SESSION} --filter-status completed",),
        ("RoomCompositionListParams",),
    ),
    _Command(
        "compositions",
        "get",
        "retrieve",
        "Show one composition.",
        ("compositions get COMPOSITION_ID",),
    ),
    _Command(
        "compositions",
        "delete",
        "delete",
        "Delete a composition.",
        ("compositions delete COMPOSITION_ID",),
    ),
    _Command(
        "recordings",
        "list",
        "list",
        "List recordings.",
        (f"recordings list --filter-room-id {_ROOM} --filter-type video --all-pages",),
        ("RoomRecordingListParams",),
    ),
    _Command(
        "recordings",
        "get",
        "retrieve",
        "Show one recording.",
        ("recordings get RECORDING_ID",),
    ),
    _Command(
        "recordings",
        "delete",
        "delete",
        "Delete a recording.",
        ("recordings delete RECORDING_ID",),
    ),
    _Command(
        "recordings",
        "delete-bulk",
        "delete_bulk",
        "Delete every recording that matches the filters.",
        (
            f"recordings delete-bulk --filter-session-id {_SESSION}",
            "recordings delete-bulk --filter-date-ended-at-lte 2026-01-31",
        ),
        ("RoomRecordingDeleteBulkParams",),
        result="deleted",
    ),
)

# Help for options that no params class documents, or whose library docstring speaks Python.
_CLI_HELP: Final = {
    "page_number": "The page to load, from 1.",
    "page_size": "Items per page, 1 to 250 (the API's default is 20).",
    "max_pages": "With --all-pages: stop after this many pages.",
    "refresh_token": "The refresh token printed by 'rooms token'.",
    "all_recordings": "Delete every recording of the account; only without any filter.",
    "video_layout": (
        'Regions by name, as JSON: {"main": {"x_pos": 0, "y_pos": 0, "width": 1280,'
        ' "height": 720, "video_sources": ["*"]}}.'
    ),
}


# -- options from signatures ---------------------------------------------------------------


class _Kind(enum.Enum):
    FLAG = "flag"
    INT = "int"
    FLOAT = "float"
    TEXT = "text"
    DAY = "day"
    LIST = "list"
    TEXT_OR_LIST = "text_or_list"
    JSON = "json"


@attrs.frozen
class _Shape:
    """How one keyword argument is read from the command line."""

    kind: _Kind
    nullable: bool
    """``null`` means ``None`` (a PATCH field the API lets a caller clear)."""
    literal: str | None = None
    """For ``"all" | [ids]``: the word that is passed as a string."""


def _members(hint: Any) -> list[Any]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return list(typing.get_args(hint))
    return [hint]


def _is_text_sequence(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin in (list, tuple, Sequence, typing.Sequence):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        return bool(args) and all(a is str for a in args)
    return False


def _shape(hint: Any) -> _Shape:
    members = _members(hint)
    nullable = type(None) in members and Unset in members
    rest = [m for m in members if m is not type(None) and m is not Unset]
    literals = [m for m in rest if typing.get_origin(m) is Literal]
    words = [str(a) for m in literals for a in typing.get_args(m)]
    plain = [m for m in rest if m not in literals]
    if plain == [bool]:
        return _Shape(_Kind.FLAG, nullable)
    if plain == [int]:
        return _Shape(_Kind.INT, nullable)
    if plain and set(plain) <= {int, float}:
        return _Shape(_Kind.FLOAT, nullable)
    if date in plain and set(plain) <= {date, str}:
        return _Shape(_Kind.DAY, nullable)
    if plain == [str] and not words:
        return _Shape(_Kind.TEXT, nullable)
    sequences = [m for m in plain if _is_text_sequence(m)]
    others = [m for m in plain if m not in sequences]
    if sequences and len(words) == 1 and not others:
        return _Shape(_Kind.TEXT_OR_LIST, nullable, literal=words[0])
    if sequences and not words and others == [str]:
        return _Shape(_Kind.TEXT_OR_LIST, nullable, literal="all")
    if sequences and not words and not others:
        return _Shape(_Kind.LIST, nullable)
    if not plain and words:
        return _Shape(_Kind.TEXT, nullable)
    return _Shape(_Kind.JSON, nullable)


def _option_name(name: str, wire: str | None) -> str:
    """``filter[date_created_at][gte]`` -> ``filter-date-created-at-gte``."""
    return re.sub(r"[\[\]_]+", "-", wire or name).strip("-")


@lru_cache(maxsize=1)
def _params_docs() -> dict[tuple[str, str], str]:
    """Attribute docstrings of the params classes, read from their source, by (class, field)."""
    docs: dict[tuple[str, str], str] = {}
    try:
        tree = ast.parse(Path(params_module.__file__ or "").read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return docs
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        body = node.body
        for first, second in itertools.pairwise(body):
            if (
                isinstance(first, ast.AnnAssign)
                and isinstance(first.target, ast.Name)
                and isinstance(second, ast.Expr)
                and isinstance(second.value, ast.Constant)
                and isinstance(second.value.value, str)
            ):
                text = " ".join(second.value.value.split())
                docs[(node.name, first.target.id)] = text.replace("``", "")
    return docs


def _params_classes(command: _Command) -> list[type]:
    found = []
    for name in command.params:
        cls = getattr(params_module, name, None)
        if isinstance(cls, type) and attrs.has(cls):
            found.append(cls)
    return found


def _wire_and_help(name: str, classes: list[type]) -> tuple[str | None, str]:
    override = _CLI_HELP.get(name)
    for cls in classes:
        for a in attrs.fields(cls):
            if a.name == name:
                wire = params_module.wire_key(a)
                text = params_module.field_help(cls, name)
                return (wire if wire != name else None), override or text
    return None, override or ""


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


@attrs.frozen
class _Option:
    """A keyword argument read from an option, and how to turn it into the argument."""

    name: str
    flag: str
    shape: _Shape


def _add_arguments(parser: argparse.ArgumentParser, command: _Command, func: Any) -> list[_Option]:
    hints = typing.get_type_hints(func)
    classes = _params_classes(command)
    options: list[_Option] = []
    for name, param in inspect.signature(func).parameters.items():
        if name == "self":
            continue
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            parser.add_argument(name, metavar=name.upper(), help=f"the {name.replace('_', ' ')}")
            continue
        if param.kind is not param.KEYWORD_ONLY or name in ("filter", "page"):
            # filter= and page= are the official SDK's spellings of the options below.
            continue
        wire, text = _wire_and_help(name, classes)
        flag = "--" + _option_name(name, wire)
        shape = _shape(hints.get(name, str))
        kwargs: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS}
        if param.default is param.empty:
            kwargs["required"] = True
        if shape.nullable:
            text = text.replace("None clears it", "'null' clears it")
            if "'null'" not in text:
                text = f"{text} 'null' clears it.".strip()
        if shape.kind is _Kind.FLAG and param.default is False:
            # An opt-in switch (such as --all-recordings): a --no- form would mean nothing.
            kwargs["action"] = "store_true"
        elif shape.kind is _Kind.FLAG:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif shape.kind is _Kind.INT:
            kwargs.update(type=_null_or(int) if shape.nullable else int, metavar="N")
        elif shape.kind is _Kind.FLOAT:
            kwargs.update(type=_null_or(float) if shape.nullable else float, metavar="X")
        elif shape.kind is _Kind.DAY:
            kwargs["metavar"] = "YYYY-MM-DD"
        elif shape.kind in (_Kind.LIST, _Kind.TEXT_OR_LIST):
            kwargs.update(action="append", metavar="ID[,ID...]")
            text = f"{text} Repeat the option or separate ids with commas.".strip()
        elif shape.kind is _Kind.JSON:
            # The library checks the decoded value and names the offending field.
            kwargs.update(type=_json_value, metavar="JSON")
        else:
            kwargs["metavar"] = name.rsplit("_", 1)[-1].upper()
            if shape.nullable:
                kwargs["type"] = _null_or(str)
        parser.add_argument(flag, help=text or None, **kwargs)
        options.append(_Option(name, flag, shape))
    return options


def _argument(option: _Option, value: Any) -> Any:
    if option.shape.kind in (_Kind.LIST, _Kind.TEXT_OR_LIST):
        items = [part.strip() for chunk in value for part in chunk.split(",") if part.strip()]
        if option.shape.kind is _Kind.TEXT_OR_LIST and items == [option.shape.literal]:
            return option.shape.literal
        return items
    return value


# -- the parser ------------------------------------------------------------------------------


def _examples(lines: Sequence[str]) -> str:
    return "examples:\n" + "\n".join(f"  {PROG} {line}" for line in lines)


_ENVIRONMENT: Final = """environment:
  TELNYX_API_KEY    the API key (better than --api-key, which other users may see in ps)
  TELNYX_BASE_URL   the API's base URL (default https://api.telnyx.com/v2)

output:
  one object: pretty JSON of the model (datetimes ISO 8601, UTC, 'Z');
  a list: {"data": [...], "meta": {...}} for one page, or with --all-pages one
  JSON object per line, streamed as the pages arrive.

exit status:
  0 success, 1 API / connection error (details on stderr), 2 bad usage or invalid value"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=36)


def _connection_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection")
    group.add_argument(
        "--api-key",
        default=argparse.SUPPRESS,
        metavar="KEY",
        help="API key (default: $TELNYX_API_KEY)",
    )
    group.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="API base URL (default: $TELNYX_BASE_URL or https://api.telnyx.com/v2)",
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help="total deadline of one call, retries included (default: 60)",
    )
    group.add_argument(
        "--max-retries",
        type=int,
        default=argparse.SUPPRESS,
        metavar="N",
        help="retries where a retry is safe (default: 2)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The ``telnyx-rooms`` argument parser, with every subcommand."""
    common = _connection_options()
    all_examples = [
        "demo",
        "rooms create --unique-name standup --max-participants 10",
        "rooms list --all-pages",
        f"rooms token {_ROOM}",
        f"sessions kick {_SESSION} --participants all",
    ]
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Every Telnyx Video Rooms operation from the shell, JSON out.",
        epilog=_examples(all_examples) + "\n\n" + _ENVIRONMENT,
        formatter_class=_Formatter,
        parents=[common],
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    groups = parser.add_subparsers(dest="group", metavar="RESOURCE", required=True)

    demo = groups.add_parser(
        "demo",
        help="Run a whole room lifecycle against a built-in fake API (offline, no key).",
        description=(
            "Start a fake Rooms API on a free loopback port and run a whole lifecycle"
            " through RoomsClient: room, token, a simulated participant, its session,"
            " mute/kick/end, recordings, a composition, cleanup. No key or network needed."
        ),
        epilog=_examples(["demo"]),
        formatter_class=_Formatter,
        allow_abbrev=False,
    )
    demo.set_defaults(command=None)

    for group in _GROUPS:
        commands = [c for c in _COMMANDS if c.group == group.name]
        sub = groups.add_parser(
            group.name,
            help=group.summary,
            description=group.summary,
            epilog=_examples([line for c in commands for line in c.examples[:1]]),
            formatter_class=_Formatter,
            allow_abbrev=False,
        )
        verbs = sub.add_subparsers(dest="verb", metavar="VERB", required=True)
        for command in commands:
            func = getattr(group.resource, command.method)
            leaf = verbs.add_parser(
                command.verb,
                help=command.summary,
                description=f"{command.summary}\n\nCalls client.{group.attribute}."
                f"{command.method}().",
                epilog=_examples(command.examples),
                formatter_class=_Formatter,
                parents=[common],
                allow_abbrev=False,
            )
            options = _add_arguments(leaf, command, func)
            if "page_size" in inspect.signature(func).parameters:
                leaf.add_argument(
                    "--all-pages",
                    action="store_true",
                    default=argparse.SUPPRESS,
                    help="every item of every page, one JSON object per line",
                )
            leaf.set_defaults(command=command, options=options)
    return parser


# -- running a command ----------------------------------------------------------------------


def _to_json(value: Any) -> Any:
    """The JSON form of a model, a tuple of models, or a plain value."""
    return CONVERTER.unstructure(value)


def _dump(value: Any, out: IO[str], *, pretty: bool = True) -> None:
    if pretty:
        out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")


def _client(ns: argparse.Namespace) -> RoomsClient:
    kwargs: dict[str, Any] = {}
    if "timeout" in ns:
        kwargs["timeout"] = ns.timeout
        # A short overall deadline should not wait out the longer default read limit.
        kwargs["read_timeout"] = min(ns.timeout, 60.0)
    if "max_retries" in ns:
        kwargs["max_retries"] = ns.max_retries
    return RoomsClient(
        getattr(ns, "api_key", None), base_url=getattr(ns, "base_url", None), **kwargs
    )


async def _call(ns: argparse.Namespace, client: RoomsClient, out: IO[str], err: IO[str]) -> None:
    command: _Command = ns.command
    group = next(g for g in _GROUPS if g.name == command.group)
    method = getattr(getattr(client, group.attribute), command.method)
    positional = [
        getattr(ns, name)
        for name, p in inspect.signature(method).parameters.items()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    keywords = {o.name: _argument(o, getattr(ns, o.name)) for o in ns.options if o.name in ns}
    result = method(*positional, **keywords)
    if isinstance(result, AsyncPaginator):
        if getattr(ns, "all_pages", False):
            async for item in result:
                _dump(_to_json(item), out, pretty=False)
                # Stream: a reader piping into jq sees each item as soon as its page arrives.
                out.flush()
            return
        page = await result
        _dump({"data": _to_json(page.items), "meta": _to_json(page.meta)}, out)
        return
    value = await result
    if value is None:
        err.write(f"{command.group} {command.verb}: done ({' '.join(positional)})\n")
    elif command.result is not None:
        _dump({command.result: _to_json(value)}, out)
    else:
        _dump(_to_json(value), out)


def _usage_error(ns: argparse.Namespace, exc: InvalidParams, err: IO[str]) -> None:
    options: list[_Option] = getattr(ns, "options", [])
    # A nested field such as "video_layout['main'].width" belongs to its top-level option.
    top = re.split(r"[\[.]", exc.field, maxsplit=1)[0]
    flag = next((o.flag for o in options if o.name == top), top.upper())
    where = f"{ns.group} {ns.verb}" if getattr(ns, "verb", None) else ns.group
    err.write(f"{PROG} {where}: error: {flag} ({exc.field}): {exc.rule}\n")


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


async def run(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line inside the running loop and return the exit status."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            ns = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if ns.group == "demo":
        from ._demo import run_demo

        return await run_demo(out, err=err)
    try:
        client = _client(ns)
    except ConfigurationError as exc:
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    try:
        async with client:
            await _call(ns, client, out, err)
    except InvalidParams as exc:
        _usage_error(ns, exc, err)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``telnyx-rooms`` console script; returns the exit status."""
    try:
        return asyncio.run(run(argv))
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
