"""The lazy package namespace: names load on first use, and a broken module says where."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def _package(tmp_path: Path, body: str) -> Path:
    package = tmp_path / "lazypkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from telnyx_rooms_async._lazy import namespace

            __all__, __getattr__, __dir__ = namespace(
                __name__, {"._home": ("Thing",)}, globals()
            )
            """
        )
    )
    (package / "_home.py").write_text(textwrap.dedent(body))
    return tmp_path


def _run(root: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_name_loads_its_home_module_on_first_use(tmp_path: Path) -> None:
    root = _package(tmp_path, "Thing = 42\n")
    done = _run(
        root,
        "import sys, lazypkg; assert 'lazypkg._home' not in sys.modules; "
        "from lazypkg import Thing; print(Thing, 'lazypkg._home' in sys.modules, dir(lazypkg))",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "42 True ['Thing']"


def test_an_unknown_name_is_an_attribute_error(tmp_path: Path) -> None:
    root = _package(tmp_path, "Thing = 42\n")
    done = _run(root, "import lazypkg; lazypkg.Other")
    assert done.returncode == 1
    assert "AttributeError: module 'lazypkg' has no attribute 'Other'" in done.stderr


@pytest.mark.parametrize(
    "statement", ["from lazypkg import Thing", "import lazypkg; lazypkg.Thing"]
)
def test_an_attribute_error_inside_the_home_module_is_not_hidden(
    tmp_path: Path, statement: str
) -> None:
    # Without the translation, ``from lazypkg import Thing`` reports "cannot import name"
    # and the real cause (here a library too old to have a function) is lost.
    root = _package(tmp_path, "import json\njson.no_such_function()\nThing = 1\n")
    done = _run(root, statement)
    assert done.returncode == 1
    assert "ImportError: lazypkg._home failed to import:" in done.stderr
    assert "no_such_function" in done.stderr
    assert "cannot import name" not in done.stderr
