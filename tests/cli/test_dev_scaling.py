"""``durable dev`` scales each task queue as its TASK_QUEUES entry says, as the stack deploys it:
an attempt longer than the queue's function fails, naming both timeouts (tests/cli/scaling_registry.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from .conftest import DevServerProcess, durable


@pytest.fixture(scope="module")
def scaled_dev() -> Iterator[DevServerProcess]:
    backend = "moto" if os.environ.get("DURABLE_TEST_BACKEND") == "moto" else "memory"
    server = DevServerProcess("--registry", "tests.cli.scaling_registry", "--backend", backend)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


def run_crunch(dev: DevServerProcess, seconds: float) -> dict:
    wid = f"crunch-{uuid.uuid4().hex[:8]}"
    start = ["workflow", "start", "--type", "Crunch", "--task-queue", "cli-scaled", "-w", wid, "--input", str(seconds)]
    assert durable(*start, address=dev.address).code == 0
    shown = durable("workflow", "result", "-w", wid, "--json", address=dev.address)
    return dict(shown.json)


def test_an_attempt_within_the_function_timeout_completes(scaled_dev: DevServerProcess) -> None:
    assert run_crunch(scaled_dev, 0.01)["result"] == "crunched for 0.01s"


def test_an_attempt_longer_than_the_function_timeout_fails_naming_both(scaled_dev: DevServerProcess) -> None:
    failed = run_crunch(scaled_dev, 3600)
    assert failed["status"] == "FAILED", failed
    text = str(failed)
    assert "3600s (its start-to-close timeout)" in text and "times out after 1s" in text
    assert "ActivityFunctionTimeout" in text
