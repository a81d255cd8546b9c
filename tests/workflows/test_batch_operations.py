"""Batch jobs (durable.batch): signal, cancel or terminate the runs a list filter matches.

The job is a workflow run of the engine's own, so these run it as a user would (through
``durable.batch`` on a client) on both local backends, under time skipping: the rate is
checked on virtual time, from when each run was closed.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
from typing import Any

import pytest

from durable import workflow
from durable._batch.activities import BatchActivities
from durable._batch.install import install_batcher
from durable._batch.job import BATCH_TASK_QUEUE, BATCH_WORKFLOW_TYPE, BatchOperationInput, BatchProgress, BatchTarget
from durable._batch.workflow import BatchOperation
from durable._runtime.control import Control
from durable.batch import BatchJobHandle, list_batch_jobs, start_batch_operation
from durable.client import WorkflowExecutionStatus, WorkflowFailureError
from durable.service import RPCError, RPCStatusCode
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.helpers.codec_workflows import CONVERTER, MARKER, assert_encrypted
from tests.helpers.stored_text import memory_texts
from tests.invariants.faults import Injector, faulty_services


@workflow.defn
class Waiter:
    def __init__(self) -> None:
        self.bumps = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.bumps >= 100)
        return self.bumps

    @workflow.signal
    def bump(self, by: int) -> None:
        self.bumps += by

    @workflow.query
    def count(self) -> int:
        return self.bumps


@workflow.defn
class Bystander:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


async def start_many(client, workflow, prefix: str, n: int) -> list:
    return [await client.start_workflow(workflow.run, id=f"{prefix}-{i}", task_queue="batch-tq") for i in range(n)]


async def statuses(handles) -> list[WorkflowExecutionStatus | None]:
    return [(await h.describe()).status for h in handles]


async def test_a_batch_terminate_closes_the_25_matching_runs_and_no_other(env):
    client = env.client
    async with Worker(client, task_queue="batch-tq", workflows=[Waiter, Bystander]):
        victims = await start_many(client, Waiter, "victim", 25)
        others = await start_many(client, Bystander, "other", 5)
        job = await start_batch_operation(
            client,
            "terminate",
            query="WorkflowType = 'Waiter' AND ExecutionStatus = 'Running'",
            reason="bad deploy",
            rps=10,
        )
        counts = await job.result()
        assert (counts.total_operation_count, counts.complete_operation_count, counts.failure_operation_count) == (
            25,
            25,
            0,
        )
        assert set(await statuses(victims)) == {WorkflowExecutionStatus.TERMINATED}
        assert set(await statuses(others)) == {WorkflowExecutionStatus.RUNNING}
        closing = (await victims[0].fetch_history()).events[-1]
        assert (closing["event_type"], closing["attributes"].get("reason")) == (
            "WorkflowExecutionTerminated",
            "bad deploy",
        )
        described = await job.describe()
        assert (described.state, described.operation_type, described.complete_operation_count) == (
            "Completed",
            "terminate",
            25,
        )
        # its counts are search attributes too: jobs can be found by them
        found = [e.id async for e in client.list_workflows("BatchCompleteOperationCount = 25")]
        assert found == [job.job_id]


async def test_a_batch_terminate_keeps_to_its_rate_in_virtual_time(env):
    client = env.client
    async with Worker(client, task_queue="batch-tq", workflows=[Waiter]):
        victims = await start_many(client, Waiter, "paced", 12)
        job = await start_batch_operation(client, "terminate", query="WorkflowType = 'Waiter'", rps=4)
        assert (await job.result()).complete_operation_count == 12
        closed = sorted([(await v.describe()).close_time.timestamp() for v in victims])
    # No second of the job's (virtual) life sees more than 4 terminations...
    for i, t in enumerate(closed):
        assert bisect.bisect_left(closed, t + 1.0) - i <= 4
    # ...and 12 at 4 per second take at least two seconds between the first and the last.
    assert closed[-1] - closed[0] >= 2.0


async def test_a_batch_signal_is_delivered_once_per_run_although_its_activity_crashed_midway(env):
    client = env.client
    runtime = env.runtime
    # The job's activities reach the engine through a control whose inbox sends can crash the
    # activity function (a SimulatedCrash ends the invocation; SQS delivers the task again).
    injector = Injector(crash_at=5)  # the third run's signal: its send (each is a send, then its acceptance)
    crashing = Control(faulty_services(runtime.backend.services, injector), runtime.orchestrator)
    runtime.registry.unregister(BATCH_TASK_QUEUE, [BatchOperation], BatchActivities(lambda: crashing).all())
    install_batcher(runtime.registry, lambda: crashing)
    async with Worker(client, task_queue="batch-tq", workflows=[Waiter]):
        runs = await start_many(client, Waiter, "bumped", 10)
        job = await start_batch_operation(client, "signal", query="WorkflowType = 'Waiter'", signal="bump", args=[1])
        counts = await job.result()
        assert injector.crashed_at == "inbox.send"
        # The job is done once its signals were sent; the job's own outcome may reach it (by
        # invocation) before the runs' inboxes are drained of them.
        assert runtime.dispatcher.wait_idle(timeout=30)
        assert (counts.complete_operation_count, counts.failure_operation_count) == (10, 0)
        for run in runs:
            history = (await run.fetch_history()).events
            signalled = [e for e in history if e["event_type"] == "WorkflowExecutionSignaled"]
            assert len(signalled) == 1
            assert await run.query(Waiter.count) == 1


async def test_a_stopped_job_leaves_the_runs_it_did_not_reach(env):
    client = env.client
    async with Worker(client, task_queue="batch-tq", workflows=[Waiter]):
        runs = await start_many(client, Waiter, "stopped", 6)
        job = await start_batch_operation(client, "cancel", query="WorkflowType = 'Waiter'", rps=1)
        while (await job.describe()).complete_operation_count < 1:
            await asyncio.sleep(0.01)
        await job.stop()
        with pytest.raises(WorkflowFailureError):
            await job.result()
        described = await job.describe()
        assert described.state == "Stopped"
        done = described.complete_operation_count
        assert 1 <= done < 6
        # The runs it reached were cancelled (a wait_condition run closes as CANCELED); the rest run on.
        assert sorted(map(str, await statuses(runs))).count(str(WorkflowExecutionStatus.RUNNING)) == 6 - done


class _StopsTheJobMidPage(Injector):
    """Stops the job (a cancel, as ``stop()`` sends) just before its page's first operation."""

    def __init__(self, job_id: str) -> None:
        super().__init__(crash_at=None)
        self.job_id = job_id
        self.control: Control | None = None

    def before(self, name: str) -> None:
        super().before(name)
        if name == "inbox.send" and len(self.calls) == 1 and self.control is not None:
            self.control.cancel(self.job_id, None, "stopped mid-page")


async def test_a_job_stopped_while_a_page_is_in_flight_counts_that_page(env):
    runtime = env.runtime
    stopper = _StopsTheJobMidPage("stopped-mid-page")
    control = Control(faulty_services(runtime.backend.services, stopper), runtime.orchestrator)
    stopper.control = Control(runtime.backend.services, runtime.orchestrator)
    runtime.registry.unregister(BATCH_TASK_QUEUE, [BatchOperation], BatchActivities(lambda: control).all())
    install_batcher(runtime.registry, lambda: control)
    async with Worker(env.client, task_queue="batch-tq", workflows=[Waiter]):
        runs = await start_many(env.client, Waiter, "mid-page", 4)
        job = await start_batch_operation(
            env.client, "cancel", query="WorkflowType = 'Waiter'", rps=2, job_id=stopper.job_id
        )
        with pytest.raises(WorkflowFailureError):
            await job.result()
        described = await job.describe()
    # The page of two went on after the stop; the job says so, and the other two runs run on.
    assert described.state == "Stopped"
    assert (described.complete_operation_count, described.failure_operation_count) == (2, 0)
    assert sorted(map(str, await statuses(runs))).count(str(WorkflowExecutionStatus.RUNNING)) == 2


async def test_jobs_are_listed_and_described_and_a_bad_job_is_refused(env):
    client = env.client
    async with Worker(client, task_queue="batch-tq", workflows=[Waiter]):
        await start_many(client, Waiter, "listed", 3)
        first = await start_batch_operation(client, "cancel", query="WorkflowId = 'listed-0'", job_id="job-1")
        await first.result()
        second = await start_batch_operation(
            client, "signal", query="WorkflowId = 'listed-1'", signal="bump", args=[2], job_id="job-2"
        )
        await second.result()
        jobs = await list_batch_jobs(client)
        assert [(j.job_id, j.operation_type, j.state, j.total_operation_count) for j in jobs] == [
            ("job-2", "signal", "Completed", 1),
            ("job-1", "cancel", "Completed", 1),
        ]
        assert (await first.describe()).query == "WorkflowId = 'listed-0'"
        for bad, message in (
            ({"query": ""}, "needs a query"),
            ({"query": "WorkflowType = 'Waiter'", "rps": 0}, "not a positive"),
        ):
            try:
                await start_batch_operation(client, "terminate", **bad)
            except ValueError as err:
                assert message in str(err)
            else:
                raise AssertionError(f"{bad} was accepted")


async def test_a_long_job_continues_as_new_and_carries_its_cursor_and_counts(env):
    client = env.client
    async with Worker(client, task_queue="batch-tq", workflows=[Waiter]):
        runs = await start_many(client, Waiter, "long", 7)
        job = BatchOperationInput(
            query="WorkflowType = 'Waiter'", target=BatchTarget(operation="terminate"), rps=1, pages_per_run=2
        )
        handle = await client.start_workflow(BATCH_WORKFLOW_TYPE, job, id="long-job", task_queue=BATCH_TASK_QUEUE)
        counts = await client.get_workflow_handle("long-job", result_type=BatchProgress).result()
        assert (counts.total_operation_count, counts.complete_operation_count) == (7, 7)
        assert set(await statuses(runs)) == {WorkflowExecutionStatus.TERMINATED}
        first = (await handle.fetch_history()).events  # the first run's: 2 pages, then continued as new
        assert first[-1]["event_type"] == "WorkflowExecutionContinuedAsNew"
        assert sum(e["event_type"] == "ActivityTaskCompleted" for e in first) == 3  # the count and 2 pages


class RefusingInbox:
    """The inbox queue, refusing every message for the runs named ``bad-*`` (SQS failing those sends)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.fifo = inner.name, inner.fifo

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        if '"workflow_id": "bad-' in body or '"workflow_id":"bad-' in body:
            raise RuntimeError("SQS refused the send")
        self.inner.send(body, group_id=group_id, dedup_id=dedup_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_a_run_the_operation_fails_on_is_counted_and_the_job_goes_on(env):
    client = env.client
    runtime = env.runtime
    services = runtime.backend.services
    refusing = Control(dataclasses.replace(services, inbox=RefusingInbox(services.inbox)), runtime.orchestrator)
    runtime.registry.unregister(BATCH_TASK_QUEUE, [BatchOperation], BatchActivities(lambda: refusing).all())
    install_batcher(runtime.registry, lambda: refusing)
    async with Worker(client, task_queue="batch-tq", workflows=[Waiter]):
        good = await start_many(client, Waiter, "good", 3)
        await start_many(client, Waiter, "bad", 2)
        job = await start_batch_operation(client, "signal", query="WorkflowType = 'Waiter'", signal="bump", args=[1])
        counts = await job.result()
        assert (counts.total_operation_count, counts.complete_operation_count, counts.failure_operation_count) == (
            5,
            3,
            2,
        )
        assert sorted(e.split(" ")[0] for e in counts.errors) == ["bad-0", "bad-1"]
        assert all("RuntimeError: SQS refused the send" in e for e in counts.errors)
        assert [await run.query(Waiter.count) for run in good] == [1, 1, 1]
        assert (await job.describe()).state == "Completed"


async def test_a_job_leaves_batch_jobs_alone_whatever_its_filter(env):
    client = env.client
    async with Worker(client, task_queue="batch-tq", workflows=[Waiter]):
        await start_many(client, Waiter, "swept", 2)
        slow = await start_batch_operation(
            client, "signal", query="WorkflowType = 'Waiter'", signal="bump", args=[1], rps=0.1
        )
        sweep = await start_batch_operation(client, "terminate", query="ExecutionStatus = 'Running'")
        counts = await sweep.result()
        assert (counts.total_operation_count, counts.complete_operation_count) == (2, 2)  # the runs, not the jobs
        assert (await slow.describe()).state in ("Running", "Completed")  # not terminated by the sweep
        # Nothing of it left in flight: moto's queues outlive this environment (one emulation per process).
        with contextlib.suppress(RPCError):  # it may have finished meanwhile
            await slow.stop()
        with contextlib.suppress(WorkflowFailureError):
            await slow.result()


@workflow.defn
class Keeper:
    def __init__(self) -> None:
        self.kept: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: bool(self.kept))
        return self.kept

    @workflow.signal
    def keep(self, text: str) -> None:
        self.kept.append(text)


class RecordingInbox:
    """The inbox queue, keeping a copy of every body sent to it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.fifo = inner.name, inner.fifo
        self.bodies: list[str] = []

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        self.bodies.append(body)
        self.inner.send(body, group_id=group_id, dedup_id=dedup_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_with_a_payload_codec_a_batch_signal_travels_encrypted_and_arrives_decoded():
    async with await WorkflowEnvironment.start_time_skipping(backend="memory", data_converter=CONVERTER) as env:
        client, runtime = env.client, env.runtime
        services = runtime.backend.services
        inbox = RecordingInbox(services.inbox)
        recording = Control(dataclasses.replace(services, inbox=inbox), runtime.orchestrator)
        runtime.registry.unregister(BATCH_TASK_QUEUE, [BatchOperation], BatchActivities(lambda: recording).all())
        install_batcher(runtime.registry, lambda: recording)
        async with Worker(client, task_queue="batch-codec", workflows=[Keeper]):
            runs = [await client.start_workflow(Keeper.run, id=f"kept-{i}", task_queue="batch-codec") for i in range(2)]
            job = await start_batch_operation(
                client, "signal", query="WorkflowType = 'Keeper'", signal="keep", args=[MARKER]
            )
            assert (await job.result()).complete_operation_count == 2
            assert [await run.result() for run in runs] == [[MARKER], [MARKER]]
        # The signals the job sent were encrypted by the client's codec: no message held the secret.
        assert len(inbox.bodies) == 2
        assert_encrypted(inbox.bodies)
        assert_encrypted(memory_texts(runtime.backend))


async def test_a_filter_that_cannot_run_is_refused_by_the_client_and_fails_a_job_instead_of_retrying(env):
    client = env.client
    with pytest.raises(RPCError) as refused:
        await start_batch_operation(client, "terminate", query="WorkflowId = ")
    assert refused.value.status == RPCStatusCode.INVALID_ARGUMENT
    job = BatchOperationInput(query="WorkflowId = ", target=BatchTarget(operation="terminate"))
    await client.start_workflow(BATCH_WORKFLOW_TYPE, job, id="bad-filter", task_queue=BATCH_TASK_QUEUE)
    with pytest.raises(WorkflowFailureError) as failed:
        await client.get_workflow_handle("bad-filter").result()
    assert "invalid query" in str(failed.value.cause.cause)
    assert (await BatchJobHandle(client, "bad-filter").describe()).state == "Failed"


async def test_a_job_that_reuses_an_earlier_jobs_id_signals_again(env):
    client = env.client
    async with Worker(client, task_queue="batch-tq", workflows=[Waiter]):
        (run,) = await start_many(client, Waiter, "twice", 1)
        for _ in range(2):
            job = await start_batch_operation(
                client, "signal", query="WorkflowId = 'twice-0'", signal="bump", args=[1], job_id="same-id"
            )
            assert (await job.result()).complete_operation_count == 1
        assert await run.query(Waiter.count) == 2
