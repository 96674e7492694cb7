"""The sdist and the wheel as built: their files and their metadata.

Both are built once, with hatchling (the build backend pyproject.toml names), into a
temporary folder. The wheel holds the package alone; the sdist holds the package, the tests
with their data (so that they run from an unpacked sdist), the docs and the site's
configuration, the examples, README, CHANGELOG and LICENSE, and no CI scripts or benchmark
results.
"""

from __future__ import annotations

import email.parser
import re
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from pathlib import Path
from typing import Final

import pytest

from telnyx_rooms_async import __version__

ROOT: Final = Path(__file__).resolve().parent.parent
NAME: Final = "telnyx_rooms_async"
SOURCE: Final = "https://github.com/telnyx-rooms-async/telnyx-rooms-async"
DOCS: Final = "https://telnyx-rooms-async.github.io/telnyx-rooms-async/"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


def _wheel(dist: Path) -> Path:
    [wheel] = dist.glob("*.whl")
    return wheel


def _sdist(dist: Path) -> Path:
    [sdist] = dist.glob("*.tar.gz")
    return sdist


def wheel_files(dist: Path) -> set[str]:
    with zipfile.ZipFile(_wheel(dist)) as archive:
        return set(archive.namelist())


def sdist_files(dist: Path) -> set[str]:
    prefix = f"{NAME}-{__version__}/"
    with tarfile.open(_sdist(dist)) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    assert all(n.startswith(prefix) for n in names)
    return {n.removeprefix(prefix) for n in names}


def _metadata(text: str) -> Message:
    return email.parser.Parser().parsestr(text)


def wheel_metadata(dist: Path) -> Message:
    with zipfile.ZipFile(_wheel(dist)) as archive:
        return _metadata(archive.read(f"{NAME}-{__version__}.dist-info/METADATA").decode())


def sdist_metadata(dist: Path) -> Message:
    with tarfile.open(_sdist(dist)) as archive:
        member = archive.extractfile(f"{NAME}-{__version__}/PKG-INFO")
        assert member is not None
        return _metadata(member.read().decode())


def tree(folder: str) -> set[str]:
    """The files under a folder of the checkout, as the archives name them."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / folder).rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and "node_modules" not in p.parts  # installed by the tests, not part of the source
        and not p.name.startswith(".installed")
        and p.suffix != ".pyc"
    }


def test_file_names_carry_the_version(dist: Path) -> None:
    assert _wheel(dist).name == f"{NAME}-{__version__}-py3-none-any.whl"
    assert _sdist(dist).name == f"{NAME}-{__version__}.tar.gz"


def test_the_wheel_holds_the_package_and_the_license(dist: Path) -> None:
    files = wheel_files(dist)
    package = {f for f in files if f.startswith(f"{NAME}/")}
    assert package == tree(NAME)
    assert f"{NAME}/py.typed" in package
    assert f"{NAME}/testing/pytest_plugin.py" in package
    info = f"{NAME}-{__version__}.dist-info/"
    assert f"{info}licenses/LICENSE" in files
    assert {f"{info}METADATA", f"{info}WHEEL", f"{info}RECORD", f"{info}entry_points.txt"} <= files
    assert files - package - {f for f in files if f.startswith(info)} == set()


def test_the_sdist_holds_what_the_tests_and_docs_need(dist: Path) -> None:
    files = sdist_files(dist)
    expected = (
        tree(NAME)
        | tree("tests")
        | tree("docs")
        | tree("examples")
        | {"README.md", "CHANGELOG.md", "LICENSE", "mkdocs.yml", "pyproject.toml", "PKG-INFO"}
        # hatchling always ships the .gitignore, so that a build from the sdist excludes alike
        | {".gitignore"}
    )
    assert files == expected
    assert {"tests/data/vendor/telnyx-rooms-openapi.json", "tests/conftest.py"} <= files
    assert {"docs/_ext/docgen.py", "docs/webhooks.md", "docs/reliability.md"} <= files


def test_the_sdist_leaves_out_ci_and_benchmarks(dist: Path) -> None:
    files = sdist_files(dist)
    for folder in (".ci/", "benchmarks/", "site/", ".venv/", ".git/", ".mypy_cache/"):
        assert not any(f.startswith(folder) for f in files), folder
    assert not any(f.endswith(".png") for f in files)
    assert not any(f.endswith(".pyc") or "__pycache__" in f for f in files)


@pytest.mark.parametrize("which", ["wheel", "sdist"])
def test_metadata(dist: Path, which: str) -> None:
    meta = wheel_metadata(dist) if which == "wheel" else sdist_metadata(dist)
    assert meta["Name"] == "telnyx-rooms-async"
    assert meta["Version"] == __version__
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["Requires-Python"] == ">=3.10"
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL", []))
    assert urls == {
        "Homepage": DOCS,
        "Documentation": DOCS,
        "Source": SOURCE,
        "Issues": f"{SOURCE}/issues",
        "Changelog": f"{SOURCE}/blob/main/CHANGELOG.md",
    }
    classifiers = set(meta.get_all("Classifier", []))
    versions = {f"Programming Language :: Python :: 3.{minor}" for minor in range(10, 14)}
    assert versions <= classifiers
    assert {"Typing :: Typed", "Framework :: AsyncIO"} <= classifiers
    extras = set(meta.get_all("Provides-Extra", []))
    assert extras == {"webhooks", "redis", "speedups", "test", "dev", "docs", "bench"}
    requires = meta.get_all("Requires-Dist", [])
    assert any(r.startswith("cryptography") and "extra == 'webhooks'" in r for r in requires)
    assert any(r.startswith("orjson") and "extra == 'speedups'" in r for r in requires)
    assert any(r.startswith("mkdocs-material") and "extra == 'docs'" in r for r in requires)
    runtime = sorted(r.split(">")[0].split("<")[0] for r in requires if "extra ==" not in r)
    assert runtime == ["aiohttp", "attrs", "backoff", "cattrs"]
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "## Quick start" in meta.get_payload()


def test_the_license_is_the_mit_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "telnyx-rooms-async developers" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_the_front_page_has_no_links_that_break_on_an_index() -> None:
    # An index page shows README.md without the repository: every link must be absolute.
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)]+)\)", readme) + re.findall(r"^\[[^\]]+\]: (\S+)", readme)
    assert targets
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#"))]
    assert not relative, f"README.md links that work only in the repository: {relative}"
