"""The user-facing pytest plugin, run the way users run it: in a separate pytest process.

Starting pytest in a new process takes seconds, running the few tests here a fraction of one:
the tests that need the same configuration share one run (each with its own folder in it) and
each asserts on its own part of that run's outcome.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
AUTO_MODE = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""
# Every inner run: no cache files; and no xdist, which an inner run never uses (its plugin
# only costs start-up time; the outer run's -n is never passed on).
INNER = ("-p", "no:cacheprovider", "-p", "no:xdist")

LIFECYCLE = """
from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI

SEEN = []

async def test_first(rooms_fake, rooms_client):
    assert isinstance(rooms_fake, FakeRoomsAPI)
    assert isinstance(rooms_client, RoomsClient)
    assert rooms_client.base_url == rooms_fake.base_url
    await rooms_client.rooms.create(unique_name="one")
    assert rooms_fake.calls("POST", "/v2/rooms") == 1
    assert all(call.authorized for call in rooms_fake.requests)
    SEEN.append((rooms_fake, rooms_client))

async def test_second(rooms_fake, rooms_client):
    old_fake, old_client = SEEN[0]
    assert old_client.is_closed
    assert rooms_fake is not old_fake
    assert rooms_fake.requests == []
    assert len(await rooms_client.rooms.list()) == 0

async def test_fake_alone(rooms_fake):
    assert rooms_fake.base_url.startswith("http://127.0.0.1:")
"""

BOTH = """
async def test_both(fake, client, rooms_fake, rooms_client):
    assert fake is not rooms_fake
    assert fake.base_url != rooms_fake.base_url
    await client.rooms.create(unique_name="ours")
    await rooms_client.rooms.create(unique_name="plugin")
    assert [r["unique_name"] for r in fake.store.rooms.values()] == ["ours"]
    assert [r["unique_name"] for r in rooms_fake.store.rooms.values()] == ["plugin"]
"""


def _doc_files() -> dict[str, str]:
    """The python blocks of the "Testing your code" section, by the file name they start with."""
    text = README.read_text()
    start = text.index("\n## Testing your code\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else None]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    files = {}
    for block in blocks:
        first = block.splitlines()[0]
        if first.startswith("# ") and first.endswith(".py"):
            files[first[2:].removesuffix(".py")] = block
    return files


_AUTO_MODE_RUN: list[pytest.RunResult] = []  # this process's one run (each xdist worker's own)


@pytest.fixture
def auto_mode_run(pytester: pytest.Pytester) -> pytest.RunResult:
    """One pytest process, in auto mode, over the test folders of the auto-mode tests below.

    ``docs/``: the README's example; ``lifecycle/``: the fixtures' lifetimes; ``both/``: this
    project's own conftest (a suite's own ``fake`` and ``client``) beside the plugin's fixtures.
    The first test that asks makes the run; the others read their part of it.
    """
    if not _AUTO_MODE_RUN:
        pytester.makeini(AUTO_MODE)
        for folder in ("docs", "lifecycle", "both"):
            (pytester.path / folder).mkdir()
        pytester.makepyfile(**{f"docs/{name}": text for name, text in _doc_files().items()})
        pytester.makepyfile(**{"lifecycle/test_lifecycle": LIFECYCLE, "both/test_both": BOTH})
        (pytester.path / "both" / "conftest.py").write_text(
            (ROOT / "tests" / "conftest.py").read_text()
        )
        _AUTO_MODE_RUN.append(
            pytester.runpytest_subprocess(*INNER, "-q", "-rA", "--continue-on-collection-errors")
        )
    return _AUTO_MODE_RUN[0]


_OUTCOMES = {
    "PASSED": "passed",
    "FAILED": "failed",
    "ERROR": "errors",
    "SKIPPED": "skipped",
    "XFAIL": "xfailed",
    "XPASS": "xpassed",
}
_SUMMARY_LINE = re.compile(rf"({'|'.join(_OUTCOMES)}) (?:\[(\d+)\] )?([^\s:]+)")


def _outcomes_by_folder(result: pytest.RunResult) -> dict[str, Counter[str]]:
    """The outcomes in a ``-rA`` run's short test summary, by the top folder of each test."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if "short test summary info" in line)
    found: dict[str, Counter[str]] = {}
    for line in lines[start + 1 :]:
        if match := _SUMMARY_LINE.match(line):
            word, count, path = match.groups()
            folder = path.split("/")[0]
            found.setdefault(folder, Counter())[_OUTCOMES[word]] += int(count or 1)
    return found


def assert_part_outcomes(result: pytest.RunResult, folder: str, *, passed: int) -> None:
    """Like ``result.assert_outcomes(passed=passed)``, for the tests under ``folder`` only."""
    found = _outcomes_by_folder(result)
    # Every test of the run is counted in one folder or another: none is missed.
    totals = sum(found.values(), Counter())
    assert dict(totals) == {
        key: n for key, n in result.parseoutcomes().items() if key in _OUTCOMES.values()
    }, result.stdout.str()
    assert dict(found.get(folder, {})) == {"passed": passed}, (
        f"the tests in {folder}/ of this run:\n{result.stdout.str()}\n{result.stderr.str()}"
    )


def test_the_plugin_is_registered_as_an_entry_point() -> None:
    found = [ep for ep in entry_points(group="pytest11") if ep.name == "telnyx_rooms_async"]
    assert [ep.value for ep in found] == ["telnyx_rooms_async.testing.pytest_plugin"]


def test_importing_the_library_does_not_import_pytest() -> None:
    code = (
        "import sys, telnyx_rooms_async, telnyx_rooms_async.testing, telnyx_rooms_async.models;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest',"
        " 'pytest_asyncio')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_the_documented_example_passes_in_auto_mode(auto_mode_run: pytest.RunResult) -> None:
    files = _doc_files()
    assert set(files) == {"rooms_app", "test_rooms_app"}
    assert_part_outcomes(auto_mode_run, "docs", passed=4)


def test_fixtures_give_a_fresh_fake_and_a_closed_after_client(
    auto_mode_run: pytest.RunResult,
) -> None:
    assert_part_outcomes(auto_mode_run, "lifecycle", passed=3)


def test_fixtures_sit_beside_a_suites_own_fake_and_client(
    auto_mode_run: pytest.RunResult,
) -> None:
    # This project's own conftest defines ``fake`` and ``client``; users' suites often do too.
    assert_part_outcomes(auto_mode_run, "both", passed=1)


def test_fixtures_work_in_strict_mode(pytester: pytest.Pytester) -> None:
    # No asyncio_mode at all: pytest-asyncio's default, strict. A mode is one per run, so
    # this run is its own.
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        test_strict="""
        import pytest

        @pytest.mark.asyncio
        async def test_strict(rooms_fake, rooms_client):
            room = await rooms_client.rooms.create(unique_name="strict")
            assert rooms_fake.store.rooms[room.id]["unique_name"] == "strict"
        """
    )
    result = pytester.runpytest_subprocess(*INNER, "-q")
    result.assert_outcomes(passed=1)


def test_fixtures_are_listed_with_their_docs(pytester: pytest.Pytester) -> None:
    # In a subprocess, not in this one: an in-process run inherits this run's warning filters
    # (errors), and registering an installed plugin that still uses old-style hook marks
    # (pytest-aiohttp 1.0.0 does) would fail there and nowhere else.
    pytester.makeini(AUTO_MODE)
    result = pytester.runpytest_subprocess(*INNER, "--fixtures")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*rooms_fake*", "*fake Rooms API on 127.0.0.1*", "*rooms_client*", "*closed after*"]
    )


def test_loading_the_plugin_imports_neither_aiohttp_nor_the_fake() -> None:
    """Every pytest run of a project that installs the package loads the plugin."""
    code = (
        "import sys, pytest, telnyx_rooms_async.testing.pytest_plugin;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'aiohttp'"
        " or m.startswith('telnyx_rooms_async.testing._')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_without_pytest_asyncio_the_fixtures_say_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "test_needs_async.py").write_text("def test_uses_the_fake(rooms_fake):\n    pass\n")
    # As if neither pytest-asyncio nor anyio were installed: modules that refuse to import,
    # first on the path, and only this package's plugin loaded.
    for name in ("pytest_asyncio", "anyio"):
        (tmp_path / f"{name}.py").write_text("raise ImportError('not installed')\n")
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "telnyx_rooms_async.testing.pytest_plugin",
            "-p",
            "no:cacheprovider",
            "test_needs_async.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "install pytest-asyncio" in done.stdout
    assert "1 error" in done.stdout
