"""The command line is read from the table of operations: one subcommand per row.

Nothing here lists the commands again: every expectation is derived from ``OPERATIONS`` and
the params classes, and a made-up row shows that a new operation needs no CLI change.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

import attrs
import pytest
from clitools import SECRET, cli, leaf, subcommands

from telnyx_rooms_async import InvalidParams, RoomsClient, params
from telnyx_rooms_async._operations import OPERATIONS, Operation, one, page
from telnyx_rooms_async.cli import build_parser
from telnyx_rooms_async.models import Room

PARSER = build_parser()
GROUPS = {op.cli.split()[0] for op in OPERATIONS}
CONNECTION = {"--api-key", "--base-url", "--allow-insecure-http", "--timeout", "--max-retries"}
#: Options the command line adds itself, not from a params field.
OWN = {"--help", "--all-pages", "--yes", "--dry-run", *CONNECTION}
#: The official SDK's dict shapes: the same values as other options, so no option of their own.
SDK_SHAPES = {"filter", "page"}


def _fields(cls: Any) -> list[attrs.Attribute[Any]]:
    return [a for a in params.reading_order(cls) if a.name not in SDK_SHAPES]


def _flag(attr: attrs.Attribute[Any]) -> str:
    """The documented spelling: the wire key's words joined by dashes."""
    words = re.findall(r"[a-z0-9_]+", params.wire_key(attr))
    return "--" + "-".join(w.replace("_", "-") for w in words)


def _field_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and not OWN & {*a.option_strings}]


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for a in parser._actions for flag in a.option_strings}


def _is_bulk_delete(op: Operation[Any, Any]) -> bool:
    return op.http_method == "DELETE" and op.id_name is None


def test_one_subcommand_per_row() -> None:
    groups = subcommands(PARSER)
    assert set(groups) == {*GROUPS, "demo", "emulator"}
    # Besides the rows: "download" for the objects that have a download_url.
    downloads = {"recordings", "compositions"}
    for group in GROUPS:
        verbs = {op.cli.split()[1] for op in OPERATIONS if op.cli.split()[0] == group}
        extra = {"download"} if group in downloads else set()
        assert set(subcommands(groups[group])) == verbs | extra, group
    assert sum(len(subcommands(groups[g])) for g in GROUPS) == len(OPERATIONS) + len(downloads)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.cli)
def test_options_are_the_params_fields_in_reading_order(op: Operation[Any, Any]) -> None:
    parser = leaf(PARSER, op.cli)
    fields = _fields(op.params)
    options = _field_options(parser)
    assert [a.option_strings[0] for a in options] == [_flag(f) for f in fields]
    for attr, action in zip(fields, options, strict=True):
        # The params class's own words, first; the rule comes with them.
        assert action.help is not None
        assert action.help.split()[:2] == params.field_help(op.params, attr.name).split()[:2]  # type: ignore[arg-type]
        assert action.required == (attr.default is attrs.NOTHING), attr.name
        if params.is_filter(attr):
            assert action.option_strings[0].startswith("--filter-")
        if attr.validator is params.BOOLEAN:
            # Booleans are switches; a --no- form unless the switch is opt-in (default False).
            negative = "--no-" + action.option_strings[0][2:]
            assert (negative in action.option_strings) == (attr.default is not False)
    positionals = [a for a in parser._actions if not a.option_strings]
    if op.id_name is None:
        assert positionals == []
    else:
        assert [a.metavar for a in positionals] == [op.id_name.upper()]
    flags = _flags(parser)
    assert ("--all-pages" in flags) == (op.result.kind == "page")
    assert ("--yes" in flags) == _is_bulk_delete(op)
    assert ("--dry-run" in flags) == _is_bulk_delete(op)


def test_filters_are_spelled_as_their_query_keys() -> None:
    flags = _flags(leaf(PARSER, "rooms list"))
    assert {"--filter-date-created-at-gte", "--filter-unique-name", "--page-size"} <= flags
    assert "--filter" not in flags
    assert "--page" not in flags


BY_CLI = {op.cli: op for op in OPERATIONS}


@pytest.mark.parametrize(
    "args", [[], ["demo"], *([g] for g in sorted(GROUPS)), *map(str.split, BY_CLI)], ids=" ".join
)
async def test_help_everywhere_with_examples(args: list[str]) -> None:
    result = await cli(None, *args, "--help")
    assert result.code == 0
    assert result.out.startswith("usage: telnyx-rooms")
    assert "examples:\n  telnyx-rooms " in result.out
    # Help speaks in options: no Python spellings of arguments or values.
    assert not re.search(r"\b[a-z_]+=(True|False|\.\.\.)", result.out)
    assert "True or False" not in result.out
    assert "None" not in result.out
    assert "datetime.date" not in result.out
    op = BY_CLI.get(" ".join(args))
    if op is not None:
        # A subcommand's help is its row's: the summary, then every example.
        first = op.summary.split(". ")[0]
        assert " ".join(first.split()) in " ".join(result.out.split())
        for example in op.cli_examples:
            assert f"\n  telnyx-rooms {example}\n" in result.out


# -- a new row ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RoomArchiveParams:
    """Body of a made-up ``POST /rooms/{room_id}/actions/archive``."""

    reason: str = attrs.field(
        validator=params.Required(params.NON_EMPTY), metadata=params.meta("Why it is archived.")
    )
    keep_days: int | None = params.field(params.IntRange(1, 365), doc="Days to keep it.")
    notify: bool | None = params.field(params.BOOLEAN, doc="Tell the participants.")
    tags: tuple[str, ...] | None = params.field(params.IDS, doc="Labels of the archive.")


@attrs.frozen(kw_only=True)
class ArchiveListParams(params.PageParams):
    """Query of a made-up ``GET /archives``."""

    room_id: str | None = params.query_filter(params.NON_EMPTY, doc="Only this room's archives.")


ARCHIVE = Operation(
    "rooms",
    "archive",
    "POST",
    "/rooms/{room_id}/actions/archive",
    RoomArchiveParams,
    one(Room),
    operation_id="ArchiveRoom",
    idempotent=False,
    summary="Archive a room. Its sessions stay listed.",
    example='await client.rooms.archive(room_id, reason="done")',
    cli="rooms archive",
    cli_examples=("rooms archive ROOM_ID --reason done --keep-days 30",),
)
ARCHIVES_LIST = Operation(
    "archives",
    "list",
    "GET",
    "/archives",
    ArchiveListParams,
    page(Room),
    operation_id="ListArchives",
    idempotent=True,
    summary="List archived rooms.",
    example="await client.archives.list()",
    cli="archives list",
    cli_examples=("archives list --filter-room-id ROOM_ID",),
)


def test_a_new_row_is_a_new_subcommand_with_no_cli_change() -> None:
    parser = build_parser((*OPERATIONS, ARCHIVE, ARCHIVES_LIST))
    assert "archive" in subcommands(subcommands(parser)["rooms"])
    assert "archives" in subcommands(parser)
    archive = leaf(parser, "rooms archive")
    assert [a.option_strings for a in _field_options(archive)] == [
        ["--reason"],
        ["--keep-days"],
        ["--notify", "--no-notify"],
        ["--tags"],
    ]
    text = archive.format_help()
    for words in ("Archive a room.", "ROOM_ID", "Why it is archived. Required.", "--keep-days N"):
        assert words in text
    assert "must be an integer from 1 to 365" in text
    assert "telnyx-rooms rooms archive ROOM_ID --reason done --keep-days 30" in text

    ns = parser.parse_args(
        [
            "rooms",
            "archive",
            "R1",
            "--reason",
            "done",
            "--no-notify",
            "--tags",
            "a,b",
            "--tags",
            "c",
        ]
    )
    assert ns.command.op is ARCHIVE
    assert ns.command.ids(ns) == ["R1"]
    assert ns.command.keywords(ns) == {"reason": "done", "notify": False, "tags": ["a", "b", "c"]}
    # The new row's own rules check the values, as for every other row.
    with pytest.raises(InvalidParams, match="keep_days"):
        ARCHIVE.params(**ns.command.keywords(ns), keep_days=0)

    listing = leaf(parser, "archives list")
    assert {"--filter-room-id", "--page-number", "--page-size", "--all-pages"} <= _flags(listing)
    # The real table is untouched.
    assert "archive" not in subcommands(subcommands(PARSER)["rooms"])


def test_a_new_row_s_required_option_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser((*OPERATIONS, ARCHIVE))
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["rooms", "archive", "R1"])
    assert exit_info.value.code == 2
    assert "--reason" in capsys.readouterr().err


async def test_every_row_names_a_method_the_command_line_calls() -> None:
    async with RoomsClient(SECRET, base_url="https://api.telnyx.invalid/v2") as client:
        for op in OPERATIONS:
            assert callable(getattr(getattr(client, op.resource), op.name)), op.key
