"""``durable replay``: recent histories of a dev server replayed against the local code, as a
CI step before a deploy would (``make replay-check``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.cli.conftest import DevServerProcess, durable


@pytest.fixture(scope="module")
def deployed() -> Iterator[DevServerProcess]:
    """A dev server running tests/cli/replay_v1.py's code, with two finished runs and a third
    workflow type's worth of nothing (only Greeting runs)."""
    backend = "moto" if os.environ.get("DURABLE_TEST_BACKEND") == "moto" else "memory"
    server = DevServerProcess("--registry", "tests.cli.replay_v1", "--backend", backend)
    try:
        for wid in ("greet-ada", "greet-bob"):
            started = durable(
                "workflow", "start", "--type", "Greeting", "--task-queue", "replay", "--workflow-id", wid,
                "--input", '"' + wid.split("-")[1] + '"', address=server.address,
            )  # fmt: skip
            assert started.code == 0, started.err
            result = durable("workflow", "result", "--id", wid, "--json", address=server.address)
            assert result.code == 0 and result.json["status"] == "COMPLETED", result.out + result.err
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


def test_the_same_code_replays_every_recent_run(deployed):
    run = durable("replay", "--from", deployed.address, "--registry", "tests.cli.replay_v1", address=None)
    assert run.code == 0, run.out + run.err
    lines = run.out.splitlines()
    assert sorted(line.split()[1] for line in lines[:-1] if line.startswith("ok")) == ["greet-ada", "greet-bob"]
    assert lines[-1] == "2 replayed, 0 failed"


def test_code_that_changed_what_a_run_did_fails_naming_each_run(deployed):
    run = durable(
        "replay", "--from", deployed.address, "--registry", "tests.cli.replay_v2",
        "--workflow-type", "Greeting", "--last", "1", address=None,
    )  # fmt: skip
    assert run.code == 1, run.out + run.err
    fail, summary = run.out.splitlines()
    # --last 1: the most recent run only
    assert fail.startswith("FAIL  greet-bob ") and "(Greeting)" in fail
    assert "greet" in fail and "wave" in fail  # the non-determinism names what was recorded and what ran
    assert summary == "1 replayed, 1 failed"


def test_an_unreachable_address_or_a_missing_registry_exits_2(deployed):
    missing = durable("replay", "--from", deployed.address, "--registry", "tests.cli.no_such_module", address=None)
    assert missing.code == 2 and "cannot import tests.cli.no_such_module" in missing.out
    down = durable("replay", "--from", "http://127.0.0.1:9", "--registry", "tests.cli.replay_v1", address=None)
    assert down.code == 2 and down.out.startswith("error: http://127.0.0.1:9: ")
