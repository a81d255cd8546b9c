"""A workflow task that fails outside workflow code (an AWS outage, here the payload store's)
is retried, shown on the run while it fails, and cleared once a retry goes through; its
messages never reach a dead-letter queue.

The fault is injected below the adapters (the payload store stands for S3), so everything
above it is the production path.
"""

from __future__ import annotations

import json
import threading
import uuid

import pytest

from durable import workflow
from durable._local.backends import make_backend
from durable._local.dispatcher import sqs_event
from durable._runtime.lambda_handlers import BatchFailed, orchestrator_handler
from durable._runtime.lifecycle import begin_run
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.registry import Registry
from durable._runtime.services import execution_key
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

RUN = str(uuid.UUID(int=1))


class FlakyStore:
    """A payload store whose first ``failures`` writes fail, as S3 does in an outage."""

    def __init__(self, inner, failures: int) -> None:
        self.inner, self.failures, self.failed = inner, failures, 0
        self._lock = threading.Lock()

    def put(self, data: bytes) -> str:
        with self._lock:
            if self.failed < self.failures:
                self.failed += 1
                raise ConnectionError("S3 is unreachable")
        return self.inner.put(data)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)


@workflow.defn
class Notes:
    def __init__(self) -> None:
        self.sizes: list[int] = []

    @workflow.run
    async def run(self) -> list[int]:
        await workflow.wait_condition(lambda: len(self.sizes) >= 2)
        return self.sizes

    @workflow.signal
    def note(self, text: str) -> None:
        self.sizes.append(len(text))


def test_an_engine_failure_is_shown_on_the_run_and_cleared_when_a_retry_succeeds():
    backend = make_backend("memory", skipping=True)
    services = backend.services
    registry = Registry()
    registry.register("notes", workflows=[Notes])
    orchestrator = Orchestrator(services, registry)
    begin_run(services, workflow_type="Notes", workflow_id="wf", run_id=RUN, task_queue="notes", input=[])
    inbox = backend.queues["inbox.fifo"]
    # The start, then a 100 KB signal: the decision holding it is stored by reference.
    services.inbox.send(
        json.dumps(
            {
                "kind": "signal",
                "workflow_id": "wf",
                "run_id": RUN,
                "dedup": "s1",
                "name": "note",
                "input": [json.dumps("n" * 100_000)],
            }
        ),
        group_id="wf",
        dedup_id=f"{RUN}:s1",
    )
    services.claims.payloads = FlakyStore(services.claims.payloads, failures=1)

    messages = inbox.receive(10)
    with pytest.raises(BatchFailed):  # every message of the batch failed: Lambda retries them all
        orchestrator_handler(orchestrator, sqs_event(inbox, messages))
    failure = services.executions.get("wf").task_failure
    assert failure is not None and failure["application"]["type"] == "EngineError"
    assert "S3 is unreachable" in failure["message"]

    for m in messages:
        inbox.release(m.receipt)
    retried = inbox.receive(10)
    assert {m.receive_count for m in retried} == {2}
    assert orchestrator_handler(orchestrator, sqs_event(inbox, retried)) == {"batchItemFailures": []}
    assert services.executions.get("wf").task_failure is None
    events = services.history.load(execution_key("wf", RUN))
    assert [e["attributes"].get("signal_name") for e in events if e["event_type"] == "WorkflowExecutionSignaled"] == [
        "note"
    ]
    backend.stop()


async def test_a_run_whose_decisions_fail_for_a_while_completes_and_nothing_is_dead_lettered():
    async with await WorkflowEnvironment.start_time_skipping(backend="memory") as env:
        claims = env.runtime.backend.services.claims
        flaky = FlakyStore(claims.payloads, failures=3)
        claims.payloads = flaky
        async with Worker(env.client, task_queue="notes", workflows=[Notes]):
            handle = await env.client.start_workflow(Notes.run, id="notes", task_queue="notes")
            await handle.signal(Notes.note, "a" * 100_000)
            await handle.signal(Notes.note, "b" * 100_000)
            assert await handle.result() == [100_000, 100_000]
        assert flaky.failed == 3
        assert (await handle.describe()).workflow_task_failure is None  # shown while failing, cleared after
        dead = [b for q in env.runtime.backend.queues.values() for b in q.dead_letters()]
        assert dead == []
