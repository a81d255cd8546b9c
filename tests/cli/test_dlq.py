"""``durable dlq``: a message that outlived its retries is listed, and once the cause is fixed,
redriven and processed. On the embedded moto backend, whose dispatcher dead-letters a message
after its queue's maximum receive count, as SQS does; the CLI runs in-process against the dev server."""

from __future__ import annotations

import io
import json
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from durable import activity, workflow
from durable._aws.provision import create_tables
from durable._http.devserver import DevServer
from durable._local.environment import LocalRuntime
from durable.cli import main


@activity.defn
async def greet(name: str) -> str:
    return f"hello {name}"


@workflow.defn
class Greeter:
    @workflow.run
    async def run(self, name: str) -> str:
        from datetime import timedelta

        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(minutes=1))


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

    @property
    def queue(self) -> str:
        return f"activities-{self.task_queue}"

    def cli(self, *args: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main([*args, "--address", self.server.url], out=out, err=err)
        return Run(code, out.getvalue(), err.getvalue())

    def dead_letters(self, expected: int) -> None:
        """Wait until the activity queue's DLQ holds ``expected`` messages (retries come first)."""
        deadline = time.monotonic() + 60
        while self.runtime.control.dead_letters(self.queue)[0].count != expected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.runtime.control.dead_letters(self.queue)[0].count == expected


@pytest.fixture
def dev() -> Iterator[Dev]:
    # A task queue of its own: moto's queues outlive a runtime (one emulation per process).
    task_queue = f"dlq-{uuid.uuid4().hex[:8]}"
    runtime = LocalRuntime(backend="moto", skipping=False)
    runtime.register(task_queue, [Greeter], [greet], None)
    server = DevServer(runtime, port=0).start()
    try:
        yield Dev(runtime, server, task_queue)
    finally:
        server.stop()
        runtime.shutdown()


def break_idempotency_table(runtime: LocalRuntime) -> Any:
    """The cause: the activity function's idempotency table is gone, so every attempt fails before it runs."""
    ddb = runtime.backend.boto_clients[0]
    ddb.delete_table(TableName=runtime.backend.services.idempotency.table_name)
    return ddb


def test_a_dead_letter_is_listed_then_redriven_and_processed_once_the_cause_is_fixed(dev):
    ddb = break_idempotency_table(dev.runtime)
    started = dev.cli(
        "workflow",
        "start",
        "--type",
        "Greeter",
        "--task-queue",
        dev.task_queue,
        "--id",
        "dlq-1",
        "--input",
        '"ada"',
        "--json",
    )
    assert started.code == 0, started.err
    run_id = started.json["run_id"]
    dev.dead_letters(1)

    listed = dev.cli("dlq", "list")
    assert listed.code == 0, listed.err
    assert "QUEUE" in listed.out and "DEAD LETTERS" in listed.out
    row = next(line for line in listed.out.splitlines() if "activity_task" in line)
    assert row.startswith(dev.queue) and "dlq-1" in row and run_id in row and '"activity_type":"greet"' in row
    as_json = dev.cli("dlq", "list", "--queue", dev.queue, "--json").json
    [queue] = as_json["queues"]
    [message] = queue["messages"]
    assert queue["count"] == 1 and message["kind"] == "activity_task"
    assert (message["workflow_id"], message["run_id"]) == ("dlq-1", run_id)
    assert message["receive_count"] >= 5 and len(message["body"]) <= 200
    assert dev.cli("workflow", "describe", "--id", "dlq-1", "--json").json["status"] == "RUNNING"

    # The cause is fixed: the table is back.
    services = dev.runtime.backend.services
    create_tables(
        ddb,
        history_table=services.history.table_name,
        executions_table=services.executions.table_name,
        idempotency_table=services.idempotency.table_name,
    )
    redriven = dev.cli("dlq", "redrive", "--queue", dev.queue, "--yes")
    assert redriven.code == 0, redriven.err
    assert redriven.out == f"Redrove 1 dead letter to {dev.queue}\n"

    result = dev.cli("workflow", "result", "--id", "dlq-1", "--json")
    assert result.code == 0 and result.json["result"] == "hello ada"
    dev.dead_letters(0)
    assert dev.cli("dlq", "list", "--queue", dev.queue).out == f"No dead letters (queues: {dev.queue})\n"


def test_redrive_asks_first_and_does_nothing_unless_told_yes(dev, monkeypatch):
    break_idempotency_table(dev.runtime)
    assert (
        dev.cli(
            "workflow", "start", "--type", "Greeter", "--task-queue", dev.task_queue, "--id", "dlq-2", "--input", '"bo"'
        ).code
        == 0
    )
    dev.dead_letters(1)

    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    declined = dev.cli("dlq", "redrive", "--queue", dev.queue)

    assert declined.code == 1
    assert declined.out == f"Move 1 dead letter ({dev.queue}: 1) back to their queues? [y/N] Nothing redriven\n"
    dev.dead_letters(1)


def test_dlq_errors_are_one_line(dev):
    unknown = dev.cli("dlq", "list", "--queue", "outbox")
    assert unknown.code == 1 and unknown.out == ""
    assert unknown.err.startswith("error: no queue 'outbox'") and unknown.err.count("\n") == 1
    assert dev.cli("dlq", "redrive", "--queue", "outbox", "--yes").code == 1
    empty = dev.cli("dlq", "redrive", "--queue", dev.queue, "--yes")
    assert empty.code == 0 and empty.out == "No dead letters to redrive\n"
