"""Lambda assets bundled on this machine, without docker.

Two assets come from the project tree:

- the **runtime layer**: the ``durable`` package and its dependencies (requirements.txt
  less boto3, which the Lambda runtime provides, and OpenTelemetry's API, which the ADOT
  layer provides where tracing is on), installed by pip as binary wheels for
  the Lambda platform (manylinux2014, aarch64, CPython 3.12) under ``python/``;
- the **function code**: the ``functions`` and ``statemachines`` packages, the handlers
  and the workflow and activity definitions they register.

Each asset's hash is computed here from exactly the files its bundler reads plus the
recipe (platform, Python version), so CDK rebuilds an asset when and only when one of
those changes, and reuses ``cdk.out/asset.<hash>`` otherwise. With the context
``{"aws:cdk:bundling-stacks": []}`` (unit tests) CDK skips the bundler entirely.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

__all__ = [
    "EXCLUDED_REQUIREMENTS",
    "LAMBDA_ARCHITECTURE",
    "LAMBDA_RUNTIME",
    "PROJECT_ROOT",
    "build_id",
    "function_code",
    "function_code_hash",
    "layer_code",
    "layer_hash",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_12
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64
_PYTHON_VERSION = "3.12"  # pip's --python-version: the runtime's
_PLATFORM = "manylinux2014_aarch64"  # pip's --platform: Amazon Linux 2023 on Graviton

# Provided by the Lambda runtime; shipping them would shadow the runtime's and add 20 MB.
_RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})
# Provided by the ADOT layer (stacks/tracing.py), which unpacks into /opt/python as this layer
# does: a second copy of another version would mix files with it. Without tracing, durable's
# spans are skipped (durable/_runtime/tracing.py).
_ADOT_PROVIDED = frozenset({"opentelemetry-api"})
EXCLUDED_REQUIREMENTS = _RUNTIME_PROVIDED | _ADOT_PROVIDED

_LAYER_SOURCES = ("durable",)
_FUNCTION_SOURCES = ("functions", "statemachines")
_REQUIREMENTS = "requirements.txt"


def _files(root: Path, packages: Iterable[str]) -> list[Path]:
    """The files of ``packages`` under ``root`` that go into an asset, sorted (no caches)."""
    found: list[Path] = []
    for package in packages:
        for path in (root / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}:
                found.append(path)
    return sorted(found)


def _fingerprint(root: Path, files: Iterable[Path], recipe: str) -> str:
    digest = hashlib.sha256(recipe.encode())
    for path in files:
        digest.update(b"\0" + path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _copy(root: Path, files: Iterable[Path], target: Path) -> None:
    for path in files:
        dest = target / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)


def layer_requirements(root: Path) -> list[str]:
    """requirements.txt's requirement lines, less what the Lambda runtime provides."""
    kept = []
    for line in (root / _REQUIREMENTS).read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        name = re.split(r"[\s\[<>=!~;]", text, maxsplit=1)[0].lower().replace("_", "-")
        if name not in EXCLUDED_REQUIREMENTS:
            kept.append(text)
    return kept


def _pip_install(requirements: list[str], target: Path) -> None:
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", _PLATFORM, "--implementation", "cp", "--python-version", _PYTHON_VERSION,
        "--only-binary=:all:", "--target", str(target), *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pip could not build the runtime layer:\n{result.stdout}{result.stderr}")
    _remove_distributions(target, EXCLUDED_REQUIREMENTS)


def _remove_distributions(target: Path, names: frozenset[str]) -> None:
    """Delete the files of the installed distributions ``names`` (a dependency may pull them in:
    powertools' extras may require botocore), by their RECORD, so the runtime's own copies are the ones imported."""
    for dist_info in list(target.glob("*.dist-info")):
        name = dist_info.name.split("-")[0].lower().replace("_", "-")
        if name not in names:
            continue
        for line in (dist_info / "RECORD").read_text().splitlines():
            path = (target / line.split(",")[0]).resolve()
            if path.is_file() and path.is_relative_to(target.resolve()):
                path.unlink()
        shutil.rmtree(dist_info, ignore_errors=True)
    for package in names:
        leftover = target / package.replace("-", "_")
        if leftover.exists():
            shutil.rmtree(leftover)  # empty folders the RECORD does not list


@jsii.implements(ILocalBundling)
class _LayerBundler:
    """pip for the Lambda platform into ``<out>/python``, then the ``durable`` package beside it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # jsii passes the bundling options as keywords only if there is a keyword-only parameter.
    def try_bundle(self, output_dir: str, *, image: Any = None, **options: Any) -> bool:
        target = Path(output_dir) / "python"
        target.mkdir(parents=True, exist_ok=True)
        _pip_install(layer_requirements(self.root), target)
        _copy(self.root, _files(self.root, _LAYER_SOURCES), target)
        return True


@jsii.implements(ILocalBundling)
class _FunctionBundler:
    """The handler packages, copied as they are (pure Python)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def try_bundle(self, output_dir: str, *, image: Any = None, **options: Any) -> bool:
        _copy(self.root, _files(self.root, _FUNCTION_SOURCES), Path(output_dir))
        return True


def _bundled(root: Path, *, kind: str, bundler: Any, asset_hash: str) -> lambda_.AssetCode:
    return lambda_.Code.from_asset(
        str(root),
        asset_hash=asset_hash,
        bundling=BundlingOptions(
            # Never pulled: the local bundler always bundles or raises.
            image=DockerImage.from_registry("local-bundling-only"),
            local=bundler,
            # Distinct options per asset: CDK caches bundles by source path and options.
            environment={"DURABLE_ASSET": kind},
        ),
    )


def layer_hash(root: Path = PROJECT_ROOT) -> str:
    """The runtime layer asset's hash: its sources, requirements and recipe."""
    recipe = f"layer platform={_PLATFORM} python={_PYTHON_VERSION} excluded={sorted(EXCLUDED_REQUIREMENTS)}"
    return _fingerprint(root, [root / _REQUIREMENTS, *_files(root, _LAYER_SOURCES)], recipe)


def function_code_hash(root: Path = PROJECT_ROOT) -> str:
    """The function code asset's hash: the ``functions`` and ``statemachines`` packages."""
    return _fingerprint(root, _files(root, _FUNCTION_SOURCES), "functions")


def build_id(root: Path = PROJECT_ROOT) -> str:
    """The deployed code's build id (``DURABLE_BUILD_ID``): both assets' hashes in one.

    The same tree gives the same id; a change to a workflow, an activity, a handler, the
    ``durable`` package or the requirements gives another, as a new deploy of that code.
    The layer counts too: a new ``durable`` may replay a history differently.
    """
    digest = hashlib.sha256(f"{function_code_hash(root)}:{layer_hash(root)}".encode())
    return digest.hexdigest()[:32]


def layer_code(root: Path = PROJECT_ROOT) -> lambda_.AssetCode:
    """The runtime layer's code: ``python/`` with ``durable`` and its dependencies."""
    return _bundled(root, kind="layer", bundler=_LayerBundler(root), asset_hash=layer_hash(root))


def function_code(root: Path = PROJECT_ROOT) -> lambda_.AssetCode:
    """The functions' code: the ``functions`` and ``statemachines`` packages."""
    return _bundled(root, kind="functions", bundler=_FunctionBundler(root), asset_hash=function_code_hash(root))
