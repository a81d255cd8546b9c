"""``durable batch``: start a batch job over the runs a query matches (after a confirmation
that shows their count), follow it with list and describe, stop it. In-process against a
dev server on the test backend (in memory; moto with DURABLE_TEST_BACKEND=moto)."""

from __future__ import annotations

import io
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from durable import workflow
from durable._http.devserver import DevServer
from durable._local.environment import LocalRuntime
from durable.cli import main


@workflow.defn
class Parked:
    def __init__(self) -> None:
        self.pings = 0

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.signal
    def ping(self, n: int) -> None:
        self.pings += n

    @workflow.query
    def pinged(self) -> int:
        return self.pings


class Terminal(io.StringIO):
    """What a user types at a terminal."""

    def isatty(self) -> bool:
        return True


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Dev:
    runtime: LocalRuntime
    server: DevServer
    task_queue: str

    def cli(self, *args: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main([*args, "--address", self.server.url], out=out, err=err)
        return Run(code, out.getvalue(), err.getvalue())

    def park(self, prefix: str, n: int) -> None:
        for i in range(n):
            started = self.cli(
                "workflow", "start", "--type", "Parked", "--task-queue", self.task_queue, "--id", f"{prefix}-{i}"
            )
            assert started.code == 0, started.err

    def job(self, job_id: str, state: str) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while True:
            described = self.cli("batch", "describe", "--job-id", job_id, "--json")
            assert described.code == 0, described.err
            if described.json["state"] == state or time.monotonic() > deadline:
                assert described.json["state"] == state, described.json
                return dict(described.json)
            time.sleep(0.05)

    def statuses(self, prefix: str, n: int) -> list[str]:
        return [self.cli("workflow", "describe", "--id", f"{prefix}-{i}", "--json").json["status"] for i in range(n)]


@pytest.fixture
def dev() -> Iterator[Dev]:
    task_queue = f"batch-{uuid.uuid4().hex[:8]}"
    backend = "moto" if os.environ.get("DURABLE_TEST_BACKEND") == "moto" else "memory"
    runtime = LocalRuntime(backend=backend, skipping=False)
    runtime.register(task_queue, [Parked], [], None)
    server = DevServer(runtime, port=0).start()
    try:
        yield Dev(runtime, server, task_queue)
    finally:
        server.stop()
        runtime.shutdown()


def test_batch_terminate_with_yes_terminates_the_matching_runs_and_is_listed_and_described(dev):
    dev.park("doomed", 3)
    dev.park("spared", 2)

    started = dev.cli(
        "batch", "terminate", "--query", "WorkflowId STARTS_WITH 'doomed-'", "--reason", "cleanup", "--yes"
    )

    assert started.code == 0, started.err
    assert started.out.startswith("Started batch for job ID: ")
    job_id = started.out.split(": ", 1)[1].strip()
    job = dev.job(job_id, "Completed")
    assert (job["operation_type"], job["total_operation_count"], job["complete_operation_count"]) == ("terminate", 3, 3)
    assert dev.statuses("doomed", 3) == ["TERMINATED"] * 3
    assert dev.statuses("spared", 2) == ["RUNNING"] * 2
    described = dev.cli("batch", "describe", "--job-id", job_id)
    assert "CompleteOperationCount  3" in described.out and "Reason                  cleanup" in described.out
    listed = dev.cli("batch", "list")
    assert listed.code == 0 and job_id in listed.out and "3/3" in listed.out


def test_without_yes_the_count_is_shown_and_nothing_starts_unless_the_user_agrees(dev, monkeypatch):
    dev.park("asked", 2)
    query = "WorkflowId STARTS_WITH 'asked-'"

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # a script: no terminal to ask on
    refused = dev.cli("batch", "cancel", "--query", query)
    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    declined = dev.cli("batch", "cancel", "--query", query)

    assert (refused.code, declined.code) == (1, 1)
    assert refused.out == (
        "The query matches 2 workflow executions; not starting a batch cancel without confirmation: "
        "pass --yes (no terminal to ask on)\n"
    )
    assert declined.out == "Start batch cancel against 2 workflow executions? [y/N] Batch not started\n"
    assert dev.cli("batch", "list").out == "No batch jobs\n"

    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    agreed = dev.cli("batch", "signal", "--query", query, "--name", "ping", "--input", "5")

    assert agreed.code == 0, agreed.err
    prompt = "Start batch signal against 2 workflow executions? [y/N] Started batch for job ID: "
    assert agreed.out.startswith(prompt)
    dev.job(agreed.out.removeprefix(prompt).strip(), "Completed")
    pings = [dev.cli("workflow", "query", "--id", f"asked-{i}", "--name", "pinged", "--json").json for i in range(2)]
    assert pings == [{"result": 5}, {"result": 5}]
    assert dev.statuses("asked", 2) == ["RUNNING"] * 2


def test_a_job_is_stopped_with_stop_or_temporals_terminate_job_id(dev):
    dev.park("paced", 4)
    started = dev.cli(
        "batch", "cancel", "--query", "WorkflowId STARTS_WITH 'paced-'", "--rps", "0.5", "--yes", "--json"
    )
    job_id = started.json["job_id"]

    stopped = dev.cli("batch", "terminate", "--job-id", job_id)

    assert stopped.code == 0, stopped.err
    assert stopped.out.startswith(f"Stopping batch job {job_id} (")
    job = dev.job(job_id, "Stopped")
    assert job["complete_operation_count"] < 4
    again = dev.cli("batch", "stop", "--job-id", job_id)
    assert again.code == 1 and "has finished already" in again.err


def test_batch_errors_are_one_line(dev):
    bad = dev.cli("batch", "terminate", "--query", "WorkflowId = ", "--yes")
    assert bad.code == 1 and bad.err.startswith("error: ") and bad.err.count("\n") == 1
    missing = dev.cli("batch", "describe", "--job-id", "nope")
    assert missing.code == 1 and "no batch job 'nope'" in missing.err
    neither = dev.cli("batch", "terminate", "--yes")
    assert neither.code == 1 and "pass --query" in neither.err


def test_temporals_workflow_commands_with_a_query_start_batch_jobs(dev):
    """`temporal workflow signal|cancel|terminate --query ...` (the spelling a Temporal user
    types) starts the same batch jobs as `durable batch ...`."""
    dev.park("spelled", 3)
    query = "WorkflowId STARTS_WITH 'spelled-'"

    signalled = dev.cli("workflow", "signal", "--query", query, "--name", "ping", "--input", "2", "--yes", "--json")
    assert signalled.code == 0, signalled.err
    job = dev.job(signalled.json["job_id"], "Completed")
    assert (job["operation_type"], job["complete_operation_count"]) == ("signal", 3)
    pings = [dev.cli("workflow", "query", "--id", f"spelled-{i}", "--name", "pinged", "--json").json for i in range(3)]
    assert pings == [{"result": 2}] * 3

    terminated = dev.cli("workflow", "terminate", "--query", query, "--reason", "spelled out", "--yes")
    assert terminated.code == 0, terminated.err
    job = dev.job(terminated.out.split(": ", 1)[1].strip(), "Completed")
    assert (job["operation_type"], job["complete_operation_count"], job["reason"]) == ("terminate", 3, "spelled out")
    assert dev.statuses("spelled", 3) == ["TERMINATED"] * 3


def test_a_workflow_command_takes_a_workflow_id_or_a_query_not_both(dev):
    dev.park("either", 1)
    both = dev.cli("workflow", "cancel", "--workflow-id", "either-0", "--query", "WorkflowId = 'either-0'", "--yes")
    neither = dev.cli("workflow", "cancel")
    run_with_query = dev.cli("workflow", "terminate", "--query", "WorkflowId = 'either-0'", "--run-id", "r", "--yes")
    for refused in (both, neither):
        assert refused.code == 1 and "pass --workflow-id (one execution) or --query" in refused.err, refused.err
    assert run_with_query.code == 1 and "--run-id names a run of --workflow-id" in run_with_query.err
    one = dev.cli("workflow", "cancel", "--workflow-id", "either-0", "--reason", "just this one")
    assert one.code == 0 and one.out == "Cancellation requested for either-0\n"
    assert dev.cli("batch", "list").out == "No batch jobs\n"
