"""``durable activity pause|unpause`` against the dev server (the real engine), with the
workflow of tests/cli/pause_registry.py: its activity fails once and would retry in an hour."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest

from .conftest import DevServerProcess, Run, durable


@pytest.fixture(scope="module")
def pause_dev() -> Iterator[DevServerProcess]:
    backend = "moto" if os.environ.get("DURABLE_TEST_BACKEND") == "moto" else "memory"
    server = DevServerProcess("--registry", "tests.cli.pause_registry", "--backend", backend)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


def ok(run: Run) -> Run:
    assert run.code == 0, run.err
    return run


def pending(dev: DevServerProcess, workflow_id: str, state: str) -> dict:
    """The run's pending activity once it shows ``state`` (the run applies what the CLI sent next)."""
    deadline = time.monotonic() + 30
    while True:
        shown = ok(durable("workflow", "describe", "-w", workflow_id, "--json", address=dev.address)).json
        activities = shown["pending_activities"]
        if activities and activities[0]["state"] == state:
            return dict(activities[0])
        assert time.monotonic() < deadline, f"never {state}: {activities}"
        time.sleep(0.05)


def start_charge(dev: DevServerProcess) -> str:
    wid = f"charge-{uuid.uuid4().hex[:8]}"
    start = ["workflow", "start", "--type", "Charge", "--task-queue", "cli-pause", "-w", wid, "--input", f'"{wid}"']
    ok(durable(*start, address=dev.address))
    pending(dev, wid, "SCHEDULED")
    return wid


def test_pause_shows_in_describe_and_unpause_runs_the_retry_now(pause_dev: DevServerProcess) -> None:
    wid = start_charge(pause_dev)
    paused = durable(
        "activity", "pause", "-w", wid, "-a", "charge", "--reason", "payments down", "--identity", "ops",
        address=pause_dev.address,
    )  # fmt: skip
    assert ok(paused).out == f"Paused activity 'charge' of workflow {wid!r}\n"
    shown = pending(pause_dev, wid, "PAUSED")
    assert (shown["attempt"], shown["pause"]["reason"], shown["pause"]["identity"]) == (2, "payments down", "ops")
    table = ok(durable("workflow", "describe", "-w", wid, address=pause_dev.address)).out
    assert "PAUSED (payments down)" in table

    ok(durable("activity", "unpause", "-w", wid, "-a", "charge", "--reset-attempts", address=pause_dev.address))
    result = ok(durable("workflow", "result", "-w", wid, "--json", address=pause_dev.address)).json
    assert result["result"] == f"charged {wid} at attempt 1"  # the retry ran now, as attempt 1 again


def test_what_the_activity_commands_refuse(pause_dev: DevServerProcess) -> None:
    wid = start_charge(pause_dev)
    unknown = durable("activity", "pause", "-w", wid, "-a", "refund", address=pause_dev.address)
    assert unknown.code == 1 and unknown.err.startswith("error: activity 'refund' is not pending in workflow")
    missing = durable("activity", "unpause", "-w", "no-such-order", "-a", "charge", address=pause_dev.address)
    assert missing.code == 1 and missing.err == "error: workflow execution 'no-such-order' not found\n"
    by_type = durable("activity", "pause", "-w", wid, "--activity-type", "charge", address=pause_dev.address)
    assert by_type.code == 2 and "--activity-type is not supported" in by_type.err
    jitter = durable("activity", "unpause", "-w", wid, "-a", "charge", "--jitter", "soon", address=pause_dev.address)
    assert jitter.code == 2 and "--jitter" in jitter.err
    ok(durable("workflow", "terminate", "-w", wid, address=pause_dev.address))
    closed = durable("activity", "pause", "-w", wid, "-a", "charge", address=pause_dev.address)
    assert closed.code == 1 and closed.err.startswith(f"error: workflow {wid!r} is not running")
