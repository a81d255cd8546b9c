"""``durable --profile/--config-file``: the CLI reads the profiles ``durable.envconfig`` reads.

Where the address comes from, first match wins: ``--address``, ``$DURABLE_ADDRESS``, the
profile's ``address`` (``--profile`` or ``$DURABLE_PROFILE``, in ``--config-file`` or
``$DURABLE_CONFIG_FILE``), the dev server's default URL.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ENV, ROOT, Run, free_port


def durable(*args: str, **env: str) -> Run:
    """The CLI with exactly these DURABLE_* variables (none inherited)."""
    clean = {k: v for k, v in ENV.items() if not k.startswith("DURABLE_")}
    done = subprocess.run(
        [sys.executable, "-m", "durable.cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def config_file(dev, tmp_path: Path) -> Path:
    path = tmp_path / "durable.toml"
    path.write_text(
        f'[profile.default]\naddress = "http://127.0.0.1:{free_port()}"\n\n[profile.local]\naddress = "{dev.address}"\n'
    )
    return path


def test_profile_and_config_file_options_choose_the_address(dev, config_file):
    run = durable("workflow", "list", "--profile", "local", "--config-file", str(config_file), "--json")
    assert run.code == 0, run.err
    assert isinstance(run.json, list)
    unreachable = durable("workflow", "list", "--config-file", str(config_file))  # the default profile: nothing there
    assert unreachable.code == 1 and "cannot reach the dev server at http://127.0.0.1:" in unreachable.err


def test_the_variables_choose_file_and_profile_and_durable_address_wins(dev, config_file):
    run = durable("workflow", "list", "--json", DURABLE_CONFIG_FILE=str(config_file), DURABLE_PROFILE="local")
    assert run.code == 0, run.err
    dead = f"http://127.0.0.1:{free_port()}"
    overridden = durable(
        "workflow", "list", DURABLE_CONFIG_FILE=str(config_file), DURABLE_PROFILE="local", DURABLE_ADDRESS=dead
    )
    assert overridden.code == 1 and f"cannot reach the dev server at {dead}" in overridden.err
    flag = durable("workflow", "list", "--address", dev.address, "--json", DURABLE_ADDRESS=dead)
    assert flag.code == 0, flag.err


def test_an_unknown_profile_is_one_clear_line(config_file):
    run = durable("workflow", "list", "--profile", "prod", "--config-file", str(config_file))
    assert run.code == 1
    assert run.err == "error: the client configuration: Profile 'prod' not found\n"


def test_an_api_key_is_refused_in_one_line(dev):
    run = durable("workflow", "list", DURABLE_ADDRESS=dev.address, DURABLE_API_KEY="secret")
    assert run.code == 1
    assert run.err.startswith("error: the client configuration: api_key is not used by durable")
    assert len(run.err.splitlines()) == 1
