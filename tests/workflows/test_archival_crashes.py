"""Archiving is crash-safe: a close whose archive write fails deletes nothing, and the run is
archived and expires once the reconciler finishes its close."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest

from durable import workflow
from durable._local.environment import LocalRuntime
from durable._runtime.archive import ObjectStore
from durable._runtime.close import finish_close
from durable._runtime.ports import ExecutionNotFound
from durable._runtime.reconciler import Reconciler
from durable._runtime.services import execution_key
from durable.client import WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

TASK_QUEUE = "archival-crashes"


@workflow.defn
class Short:
    @workflow.run
    async def run(self, value: str) -> str:
        return value


class UnreachableBucket:
    """An object store that fails every request while ``down`` (S3 unreachable: the process
    archiving the run gets an error, as a crash before the write would leave it)."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.down = True
        self.refused = 0

    def _check(self) -> None:
        if self.down:
            self.refused += 1
            raise ConnectionError("the archive bucket cannot be reached")

    def put(self, key: str, data: bytes) -> None:
        self._check()
        self.inner.put(key, data)

    def get(self, key: str, max_bytes: int | None = None) -> bytes:
        self._check()
        return self.inner.get(key, max_bytes)

    def keys(self, prefix: str) -> Iterator[str]:
        self._check()
        return self.inner.keys(prefix)

    def folders(self, prefix: str) -> list[str]:
        self._check()
        return self.inner.folders(prefix)


@pytest.fixture(params=["memory", "moto", "sqlite"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    runtime = LocalRuntime(backend=request.param, skipping=True, archival=True, retention_days=1)
    async with WorkflowEnvironment(runtime) as e:
        yield e


async def test_a_close_whose_archive_fails_deletes_nothing_and_is_archived_later(env: WorkflowEnvironment) -> None:
    services = env.runtime.backend.services
    assert services.archival is not None
    bucket = UnreachableBucket(services.archival.archive.objects)
    services.archival.archive.objects = bucket
    workflow_id = f"crash-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Short]):
        handle = await env.client.start_workflow(Short.run, "kept", id=workflow_id, task_queue=TASK_QUEUE)
        run_id = handle.result_run_id or ""
        key = execution_key(workflow_id, run_id)
        while not env.runtime.control.ledger(workflow_id, run_id).closed or bucket.refused < 5:
            await env.sleep(1)
        history = services.history.load(key)

        # The log is closed, the archive was never written: the record does not say closed
        # and no item may expire, however late it gets.
        assert services.executions.get(workflow_id).status is WorkflowExecutionStatus.RUNNING
        await env.sleep(timedelta(days=30))
        assert services.history.load(key) == history
        assert services.executions.get(workflow_id).run_id == run_id

        # The run shows why its messages failed (they were retried, then dead-lettered); once
        # the bucket is back, the reconciler finishes the close, archive first.
        failing = services.executions.get(workflow_id).task_failure or {}
        assert "the archive bucket cannot be reached" in failing.get("message", "")
        bucket.down = False
        assert Reconciler(services).run() == [workflow_id]
        assert services.executions.get(workflow_id).status is WorkflowExecutionStatus.COMPLETED
        assert await handle.result() == "kept"
        before = await handle.fetch_history()
        # The operator redrives the dead letters once the bucket is back: they change nothing now
        # (and leave no dead letter behind for the next test on the same emulation).
        assert services.inbox.dead_letter_count() >= 1
        assert services.inbox.redrive() >= 1
        await env.sleep(1)
        assert services.inbox.dead_letter_count() == 0
        assert (await handle.fetch_history()).events == before.events

    await env.sleep(timedelta(days=2))  # past the retention
    with pytest.raises(ExecutionNotFound):
        services.executions.get(workflow_id)
    assert services.history.load(key) == []
    assert (await env.client.get_workflow_handle(workflow_id).fetch_history()).events == before.events


async def test_a_close_redone_after_the_run_expired_leaves_its_archive_as_it_was(env: WorkflowEnvironment) -> None:
    services = env.runtime.backend.services
    assert services.archival is not None
    archive = services.archival.archive
    workflow_id = f"late-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Short]):
        handle = await env.client.start_workflow(Short.run, "once", id=workflow_id, task_queue=TASK_QUEUE)
        assert await handle.result() == "once"
        # The result is in the log before the close is finished: the record says closed once archived.
        for _ in range(500):
            if services.executions.get(workflow_id).status is not WorkflowExecutionStatus.RUNNING:
                break
            await asyncio.sleep(0.01)
        assert services.executions.get(workflow_id).status is WorkflowExecutionStatus.COMPLETED
    ledger = env.runtime.control.ledger(workflow_id, handle.result_run_id or "")  # what a late re-dispatch holds
    (key,) = [k for k in archive.keys() if f"/{workflow_id}/" in k]
    archived = archive.objects.get(key)

    await env.sleep(timedelta(days=2))  # the items expire
    finish_close(services, ledger)  # the close's message redriven from the DLQ a month late, say

    assert archive.objects.get(key) == archived
    with pytest.raises(ExecutionNotFound):
        services.executions.get(workflow_id)
    assert archive.get(workflow_id).events == (await handle.fetch_history()).events
