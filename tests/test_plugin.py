"""The user-facing pytest plugin, run the way users run it: in a separate pytest process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


def test_the_documented_example_passes_in_auto_mode(pytester: pytest.Pytester) -> None:
    files = _doc_files()
    assert set(files) == {"rooms_app", "test_rooms_app"}
    pytester.makeini(AUTO_MODE)
    pytester.makepyfile(**files)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4)


def test_fixtures_give_a_fresh_fake_and_a_closed_after_client(pytester: pytest.Pytester) -> None:
    pytester.makeini(AUTO_MODE)
    pytester.makepyfile(
        test_lifecycle="""
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
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=3)


def test_fixtures_work_in_strict_mode(pytester: pytest.Pytester) -> None:
    # No asyncio_mode at all: pytest-asyncio's default, strict.
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
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


def test_fixtures_sit_beside_a_suites_own_fake_and_client(pytester: pytest.Pytester) -> None:
    # This project's own conftest defines ``fake`` and ``client``; users' suites often do too.
    pytester.makeini(AUTO_MODE)
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makepyfile(
        test_both="""
        async def test_both(fake, client, rooms_fake, rooms_client):
            assert fake is not rooms_fake
            assert fake.base_url != rooms_fake.base_url
            await client.rooms.create(unique_name="ours")
            await rooms_client.rooms.create(unique_name="plugin")
            assert [r["unique_name"] for r in fake.store.rooms.values()] == ["ours"]
            assert [r["unique_name"] for r in rooms_fake.store.rooms.values()] == ["plugin"]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


def test_fixtures_are_listed_with_their_docs(pytester: pytest.Pytester) -> None:
    pytester.makeini(AUTO_MODE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fixtures")
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
