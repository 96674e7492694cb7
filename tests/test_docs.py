"""Every code block of README.md and docs/*.md runs as written, or is marked as a fragment.

Python blocks run as scripts, one process each, against a fresh fake API (``TELNYX_API_KEY``,
``TELNYX_BASE_URL`` and ``TELNYX_PUBLIC_KEY`` point at it) that holds what a user's account
would: a room called ``standup`` with an active session, Alice and Bob in it, and a finished
video recording of Alice's and audio recording of Bob's. ``mypy --strict`` checks them all in
one run. Shell blocks run in bash against the same kind of fake; ``console`` blocks are
transcripts whose output must match (``...`` stands for any text). TOML and JSON blocks must
parse. A block that cannot run as written (it installs packages, or shows a piece of a larger
program) has ``<!-- fragment: why -->`` on the line before it; fragments are counted.

The site's generated parts are checked here too: the tables kept in README.md and
docs/migration.md match the table of operations, and every operation has its section on its
resource page.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

import pytest

from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async._operations import OPERATIONS
from telnyx_rooms_async.testing import FakeRoomsAPI

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli before 3.11
    import tomli as tomllib

ROOT: Final = Path(__file__).resolve().parent.parent
#: docs/emulator.md comes with the emulator and is checked with it.
OWNED_ELSEWHERE: Final = frozenset({"emulator.md"})
DOCUMENTS: Final = [
    ROOT / "README.md",
    *(p for p in sorted((ROOT / "docs").glob("*.md")) if p.name not in OWNED_ELSEWHERE),
]
#: Blocks that cannot run as written. Keep it small: a block that can run should.
MAX_FRAGMENTS: Final = 8
#: Languages of blocks that are output or prose, shown and not run.
SHOWN: Final = frozenset({"text", ""})
RUN: Final = frozenset({"python", "sh", "console", "toml", "json"})

_FENCE: Final = re.compile(r"^(?P<indent> *)```(?P<lang>[A-Za-z0-9_+-]*)[ \t]*$")
_FRAGMENT: Final = re.compile(r"^\s*<!-- fragment(?::\s*(?P<why>.*?))?\s*-->\s*$")
_FILE_NAME: Final = re.compile(r"# ([a-z_][a-z0-9_]*\.py)\n")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a document."""

    path: Path
    line: int
    lang: str
    code: str
    fragment: str | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def file_name(self) -> str | None:
        """``rooms_app.py`` for a block that starts ``# rooms_app.py``: a file of a project."""
        match = _FILE_NAME.match(self.code)
        return match[1] if match else None


def read_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        start = _FENCE.match(lines[i])
        if start is None:
            i += 1
            continue
        indent, lang = start["indent"], start["lang"]
        end = next(
            (j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"),
            None,
        )
        assert end is not None, f"{path.name}:{i + 1}: a code block is not closed"
        body = [line.removeprefix(indent) for line in lines[i + 1 : end]]
        previous = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marked = _FRAGMENT.match(previous)
        fragment = (marked["why"] or "unexplained") if marked else None
        blocks.append(Block(path, i + 1, lang, "\n".join(body) + "\n", fragment))
        i = end + 1
    return blocks


BLOCKS: Final = [b for path in DOCUMENTS for b in read_blocks(path)]
PYTHON: Final = [b for b in BLOCKS if b.lang == "python" and b.fragment is None]
SHELL: Final = [b for b in BLOCKS if b.lang == "sh" and b.fragment is None]
CONSOLE: Final = [b for b in BLOCKS if b.lang == "console" and b.fragment is None]


def _each(blocks: list[Block]) -> list[pytest.ParameterSet]:
    return [pytest.param(b, id=b.where) for b in blocks]


# -- what every block must be ------------------------------------------------------------------


def test_every_block_is_run_or_shown() -> None:
    unknown = [f"{b.where} ({b.lang!r})" for b in BLOCKS if b.lang not in RUN | SHOWN]
    assert not unknown, f"blocks of a language this test neither runs nor shows: {unknown}"
    shown_fragments = [b.where for b in BLOCKS if b.fragment and b.lang in SHOWN]
    assert not shown_fragments, f"output blocks need no fragment mark: {shown_fragments}"


def test_fragments_stay_few() -> None:
    fragments = [f"{b.where}: {b.fragment}" for b in BLOCKS if b.fragment is not None]
    assert len(fragments) <= MAX_FRAGMENTS, "\n".join(fragments)
    assert all("unexplained" not in f for f in fragments), "say why a block is a fragment"


def test_the_documents_have_blocks_to_run() -> None:
    # The parse found the blocks: a broken fence pattern would make every other test vacuous.
    assert len(PYTHON) >= 25
    assert SHELL
    assert CONSOLE
    assert {b.path.name for b in PYTHON} >= {"README.md", "rooms.md", "webhooks.md"}


@pytest.mark.parametrize("block", _each([b for b in BLOCKS if b.lang == "python"]))
def test_python_blocks_compile(block: Block) -> None:
    # A fragment may await at the top level: it is a piece of a coroutine.
    flags = 0 if block.fragment is None else ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    compile(block.code, block.where, "exec", flags=flags)


@pytest.mark.parametrize("block", _each([b for b in BLOCKS if b.lang in ("toml", "json")]))
def test_config_blocks_parse(block: Block) -> None:
    if block.lang == "toml":
        assert tomllib.loads(block.code)
    else:
        assert json.loads(block.code) is not None


# -- running them against the fake API -----------------------------------------------------------


async def seed(fake: FakeRoomsAPI) -> None:
    """What the examples find in the account: the room ``standup`` in use."""
    async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
        room = await client.rooms.create(
            unique_name="standup", max_participants=10, enable_recording=True
        )
    session = await fake.sim.start_session(room.id)
    alice = await fake.sim.join(session["id"], context="Alice")
    bob = await fake.sim.join(session["id"], context="Bob")
    video = await fake.sim.start_recording(session["id"], alice["id"], type="video")
    await fake.sim.complete_recording(video["id"], duration_secs=45)
    audio = await fake.sim.start_recording(session["id"], bob["id"], type="audio")
    await fake.sim.complete_recording(audio["id"], duration_secs=30)


def _environment(fake: FakeRoomsAPI) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELNYX_", "PYTEST_", "REDIS_"))
    }
    bin_dir = str(Path(sys.executable).parent)  # telnyx-rooms, as installed with the package
    env.update(
        TELNYX_API_KEY=fake.api_key,
        TELNYX_BASE_URL=fake.base_url,
        TELNYX_PUBLIC_KEY=fake.webhooks.public_key,
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONWARNINGS="always::ResourceWarning",
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str

    def report(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


async def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> Ran:
    process = await asyncio.create_subprocess_exec(
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Ran(process.returncode, stdout.decode(), stderr.decode())


#: Checks beyond a clean exit, for blocks that contain the key: (fake, output) -> None.
def _quick_start(fake: FakeRoomsAPI, out: str) -> None:
    assert "My Room" in out
    assert '"max_participants": 20' in out  # to_json of the updated room
    assert fake.calls("POST", "/v2/rooms") == 2  # the seed's room, and the quick start's
    assert not any(r["unique_name"] == "My Room" for r in fake.store.rooms.values())


def _sessions_page(fake: FakeRoomsAPI, out: str) -> None:
    assert "in the room: ['Alice', 'Bob']" in out
    assert fake.calls("POST") >= 4  # mute, unmute, kick, end
    assert "1 ended session(s) of standup" in out


def _recordings_page(fake: FakeRoomsAPI, out: str) -> None:
    assert "2 recordings of at least 20 s" in out
    assert "1 audio recordings deleted" in out
    assert [r["type"] for r in fake.store.recordings.values()] == ["video"]


def _webhook_testing(fake: FakeRoomsAPI, out: str) -> None:
    assert "['video.room.session.started', 'video.room.participant.joined']" in out


def _errors_page(fake: FakeRoomsAPI, out: str) -> None:
    assert "10015 Invalid attribute unique_name has already been taken /unique_name" in out
    assert f"for POST {fake.base_url}/rooms" in out
    assert "max_participants must be an integer from 2 to 50" in out


EXPECTED: Final[dict[str, Callable[[FakeRoomsAPI, str], None]]] = {
    'unique_name="My Room",': _quick_start,
    "in the room:": _sessions_page,
    "recordings of at least 20 s": _recordings_page,
    "seen.append(event.event_type)": _webhook_testing,
    "# the name is taken": _errors_page,
}


def test_each_expectation_finds_its_block() -> None:
    for marker in EXPECTED:
        assert sum(marker in b.code for b in PYTHON) == 1, marker


def _project(block: Block, tmp_path: Path) -> Path:
    """Write the block (and the other files of its document, for imports) into tmp_path."""
    for other in PYTHON:
        if other.path == block.path and other.file_name and other is not block:
            (tmp_path / other.file_name).write_text(other.code, encoding="utf-8")
    script = tmp_path / (block.file_name or "snippet.py")
    script.write_text(block.code, encoding="utf-8")
    return script


@pytest.mark.parametrize("block", _each(PYTHON))
async def test_python_block_runs(block: Block, tmp_path: Path) -> None:
    async with FakeRoomsAPI() as fake:
        await seed(fake)
        script = _project(block, tmp_path)
        ran = await _run([sys.executable, script.name], tmp_path, _environment(fake))
        assert ran.returncode == 0, f"{block.where}: {ran.report()}"
        assert "ResourceWarning" not in ran.stderr, f"{block.where}: {ran.report()}"
        assert "Traceback" not in ran.stderr, f"{block.where}: {ran.report()}"
        for marker, check in EXPECTED.items():
            if marker in block.code:
                check(fake, ran.stdout)


@pytest.mark.parametrize("block", _each(SHELL))
async def test_shell_block_runs(block: Block, tmp_path: Path) -> None:
    async with FakeRoomsAPI() as fake:
        await seed(fake)
        ran = await _run(
            ["bash", "-euo", "pipefail", "-c", block.code], tmp_path, _environment(fake)
        )
        assert ran.returncode == 0, f"{block.where}: {ran.report()}"
        assert "Traceback" not in ran.stderr, f"{block.where}: {ran.report()}"
        assert fake.api_key not in ran.stdout + ran.stderr


def transcript(code: str) -> list[tuple[str, list[str]]]:
    """A console block as (command, expected output lines) pairs."""
    steps: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"output before the first command: {line!r}"
            steps[-1][1].append(line)
    return steps


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; ``...`` in an expected line stands for any text."""
    if len(expected) != len(actual):
        return False
    for want, got in zip(expected, actual, strict=True):
        pattern = ".*".join(re.escape(part) for part in want.split("..."))
        if not re.fullmatch(pattern, got):
            return False
    return True


@pytest.mark.parametrize("block", _each(CONSOLE))
async def test_console_transcript_matches(block: Block, tmp_path: Path) -> None:
    steps = transcript(block.code)
    assert steps
    async with FakeRoomsAPI() as fake:
        await seed(fake)
        env = _environment(fake)
        # One shell for the whole transcript; `echo $?` sees the status of the step before.
        script = "".join(
            f"{command} 2>&1; status=$?; echo __step_done__; (exit $status)\n"
            for command, _ in steps
        )
        ran = await _run(["bash", "-c", script], tmp_path, env)
    outputs = ran.stdout.split("__step_done__\n")
    assert len(outputs) == len(steps) + 1, ran.report()
    for (command, expected), output in zip(steps, outputs, strict=False):
        actual = output.splitlines()
        assert matches(expected, actual), f"{block.where}: `{command}` printed\n" + "\n".join(
            actual
        )


# -- mypy --strict over every snippet ------------------------------------------------------------


def test_python_blocks_pass_mypy_strict(tmp_path: Path) -> None:
    files: dict[str, str] = {}
    for n, block in enumerate(PYTHON):
        name = block.file_name or f"snippet_{block.path.stem.replace('-', '_')}_{n}.py"
        # A file shown on two pages must be the same file.
        assert files.setdefault(name, block.code) == block.code, f"{block.where}: {name} differs"
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--warn-unreachable",
        "--python-version",
        "3.10",
        "--cache-dir",
        str(ROOT / ".mypy_cache" / "docs"),
        *sorted(files),
    ]
    ran = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr


# -- the parts generated from the table of operations --------------------------------------------


def _docgen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docgen", ROOT / "docs" / "_ext" / "docgen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


docgen = _docgen()


@pytest.mark.parametrize("name", sorted(docgen.TABLES))
def test_generated_tables_are_current(name: str) -> None:
    path, render = docgen.TABLES[name]
    assert docgen.kept(name) == render(), (
        f"{path.name} is out of date: run python docs/_ext/docgen.py --write"
    )


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.key for op in OPERATIONS])
def test_every_operation_is_on_its_resource_page(op: object) -> None:
    from telnyx_rooms_async._operations import Operation
    from telnyx_rooms_async.params import reading_order

    assert isinstance(op, Operation)
    page, _ = docgen.PAGES[op.resource]
    assert f"<!-- docgen:operations {op.resource} -->" in (ROOT / "docs" / page).read_text()
    section = docgen.render_operations(op.resource)
    own = section.split(f"### `{op.name}` {{#{docgen.anchor(op)}}}\n", 1)
    assert len(own) == 2, f"{page} has no section for {op.key}"
    body = own[1].split("\n### ", 1)[0]
    assert op.summary in body
    assert f"`{op.http_method} {op.path}`" in body
    assert op.example in body
    assert f"client.{docgen.sdk_name(op)}" in body
    assert f"telnyx-rooms {op.cli}" in body
    for field in reading_order(op.params):
        assert f"| `{field.name}` |" in body
        assert f"{field.name}: " in body  # in the signature


def test_every_operation_is_in_the_migration_table() -> None:
    table = docgen.kept("migration").splitlines()[2:]
    assert len(table) == len(OPERATIONS)
    for op, row in zip(OPERATIONS, table, strict=True):
        assert f"`client.{docgen.sdk_name(op)}(" in row
        assert f"`client.{op.key}(" in row
        assert ("works here too" if op.sdk else "same name") in row


def test_links_into_the_site_lead_to_pages() -> None:
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    pages |= {f"reference/{p.name}" for p in (ROOT / "docs" / "reference").glob("*.md")}
    pages |= {"index.md", "changelog.md", "emulator.md"}  # generated, or the emulator's
    links = list(docgen.site_links((ROOT / "README.md").read_text()))
    assert len(links) >= 10
    missing = [page for page, _ in links if page not in pages]
    assert not missing, f"README.md links to pages the site does not have: {missing}"


def test_readme_and_the_testing_page_show_the_same_example() -> None:
    def example(path: Path) -> list[str]:
        return [b.code for b in PYTHON if b.path == path and b.file_name]

    readme = example(ROOT / "README.md")
    assert [_FILE_NAME.match(code)[1] for code in readme] == ["rooms_app.py", "test_rooms_app.py"]  # type: ignore[index]
    assert example(ROOT / "docs" / "testing.md") == readme


def test_documented_wheel_is_the_version_built() -> None:
    from telnyx_rooms_async import __version__

    wheel = f"telnyx_rooms_async-{__version__}-py3-none-any.whl"
    for path in DOCUMENTS:
        for named in re.findall(r"telnyx_rooms_async-[^\s'\"\[]+\.whl", path.read_text()):
            assert named == wheel, f"{path.name} names {named}; the version is {__version__}"
