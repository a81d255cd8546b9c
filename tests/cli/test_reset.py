"""``durable workflow reset`` against the dev server (the real engine): a new run, the signals
again, the old run terminated, and one clear line with exit code 1 for a bad point."""

from __future__ import annotations

import time
import uuid

from .conftest import DevServerProcess, Run, durable

TASK_QUEUE = "cli"


def ok(run: Run) -> Run:
    assert run.code == 0, run.err
    return run


def bumped_by(dev: DevServerProcess, workflow_id: str) -> list[str]:
    return ok(
        durable("workflow", "query", "-w", workflow_id, "--name", "bumped_by", "--json", address=dev.address)
    ).json["result"]


def test_reset_makes_a_new_run_that_gets_the_signal_again(test_dev: DevServerProcess) -> None:
    wid = f"tally-reset-{uuid.uuid4().hex[:8]}"
    ok(
        durable(
            "workflow", "start", "--type", "Tally", "-t", TASK_QUEUE, "-w", wid, "-i", "5", address=test_dev.address
        )
    )
    ok(durable("workflow", "signal", "-w", wid, "--name", "bump", "-i", '"ann"', address=test_dev.address))
    deadline = time.monotonic() + 30
    while (seen := bumped_by(test_dev, wid)) != ["ann"]:
        assert time.monotonic() < deadline, seen
        time.sleep(0.1)
    old = ok(durable("workflow", "describe", "-w", wid, "--json", address=test_dev.address)).json["run_id"]
    reset = ok(
        durable(
            "workflow",
            "reset",
            "-w",
            wid,
            "--type",
            "FirstWorkflowTask",
            "--reason",
            "bad deploy",
            "--json",
            address=test_dev.address,
        )  # fmt: skip
    )
    new = reset.json["run_id"]
    assert new != old
    described = ok(durable("workflow", "describe", "-w", wid, "-r", old, "--json", address=test_dev.address)).json
    assert described["status"] == "TERMINATED" and described["reset_run_id"] == new
    shown = ok(durable("workflow", "describe", "-w", wid, address=test_dev.address)).out
    assert f"Reset from run  {old}" in shown
    ok(durable("workflow", "signal", "-w", wid, "--name", "finish", address=test_dev.address))
    result = ok(durable("workflow", "result", "-w", wid, "--json", address=test_dev.address)).json
    assert result["run_id"] == new and result["result"] == 6  # 5, and the bump re-applied


def test_a_bad_point_is_one_line_and_exit_code_1(test_dev: DevServerProcess) -> None:
    wid = f"tally-reset-bad-{uuid.uuid4().hex[:8]}"
    ok(
        durable(
            "workflow", "start", "--type", "Tally", "-t", TASK_QUEUE, "-w", wid, "-i", "1", address=test_dev.address
        )
    )
    bad = durable("workflow", "reset", "-w", wid, "--event-id", "1", "--reason", "x", address=test_dev.address)
    assert bad.code == 1
    assert bad.err.startswith("error: event 1 is not a workflow task of this run") and len(bad.err.splitlines()) == 1
    no_reason = durable("workflow", "reset", "-w", wid, "--type", "LastWorkflowTask", address=test_dev.address)
    assert no_reason.code == 2 and "--reason" in no_reason.err
    both = durable(
        "workflow", "reset", "-w", wid, "-e", "2", "-t", "LastWorkflowTask", "--reason", "x", address=test_dev.address
    )
    assert both.code == 2 and "not allowed with" in both.err
    ok(durable("workflow", "terminate", "-w", wid, address=test_dev.address))
