"""What ``pip install durable-workflows`` gets: the sdist and the wheel built from a copy of the
project (setuptools' PEP 517 backend, as pip calls it), opened and looked into, and the wheel
installed into a folder of its own and run from there."""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from durable.cli import DISTRIBUTION

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
UI_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "durable" / "_http" / "ui").iterdir() if p.is_file())
SHIPPED = ["durable/py.typed", *UI_FILES]


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path


def _build(backend_call: str, source: Path, out: Path) -> Path:
    """One PEP 517 hook of setuptools, run in ``source`` as a build frontend runs it."""
    out.mkdir(exist_ok=True)
    code = f"from setuptools import build_meta; print(build_meta.{backend_call}({str(out)!r}))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=source, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out / result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The sdist of a copy of the project (the working tree stays clean of build output), and
    the wheel built from that sdist unpacked: what pip does with an sdist, so a file the sdist
    leaves out is missing from the wheel too."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "durable", source / "durable", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    sdist = _build("build_sdist", source, base / "dist")
    with tarfile.open(sdist) as archive:
        archive.extractall(base / "unpacked", filter="data")
    (unpacked,) = (base / "unpacked").iterdir()
    yield Built(sdist=sdist, wheel=_build("build_wheel", unpacked, base / "dist"))


def test_the_wheel_holds_the_web_ui_the_typing_marker_and_the_command(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        dist_info = f"{DISTRIBUTION.replace('-', '_')}-{PROJECT['version']}.dist-info"
        metadata = email.parser.Parser().parsestr(wheel.read(f"{dist_info}/METADATA").decode())
        entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    assert UI_FILES and "durable/_http/ui/index.html" in UI_FILES
    assert [name for name in SHIPPED if name not in names] == []
    assert "[console_scripts]\ndurable = durable.cli:main" in entry_points
    assert metadata["Name"] == DISTRIBUTION == PROJECT["name"]
    assert metadata["Version"] == PROJECT["version"]
    # Ranges, not pins: the exact versions stay in requirements*.txt.
    requires = metadata.get_all("Requires-Dist") or []
    assert {r.split(">")[0].split("<")[0] for r in requires} >= {"boto3", "aws-lambda-powertools", "pydantic"}
    assert [r for r in requires if "==" in r] == []
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


def test_the_sdist_holds_the_web_ui_and_the_typing_marker(built: Built) -> None:
    with tarfile.open(built.sdist) as archive:
        (top,) = {name.split("/")[0] for name in archive.getnames()}
        names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    assert top == f"{DISTRIBUTION.replace('-', '_')}-{PROJECT['version']}"
    assert [name for name in SHIPPED if name not in names] == []
    assert {"pyproject.toml", "README.md", "PKG-INFO"} <= names


def test_the_installed_wheel_runs_as_python_m_durable_and_finds_its_ui(built: Built, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", target, built.wheel],
        check=True,
        timeout=120,
    )
    # Run away from the project: `durable` comes from the installed wheel, its dependencies from this venv.
    env = {**os.environ, "PYTHONPATH": str(target)}

    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert run("-m", "durable", "--version") == f"{DISTRIBUTION} {PROJECT['version']}\n"
    assert "workflow" in run("-m", "durable", "--help")
    where, ui = run(
        "-c", "import durable._http.static as s; print(s.__file__); print(sorted(p.name for p in s.UI_DIR.iterdir()))"
    ).splitlines()
    assert Path(where).is_relative_to(target)
    assert ui == str(sorted(Path(name).name for name in UI_FILES))


def test_python_m_durable_prints_the_installed_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "durable", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (0, f"{DISTRIBUTION} {PROJECT['version']}\n")
