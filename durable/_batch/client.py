"""Batch jobs from a :class:`durable.client.Client`: start, list, describe, stop.

temporalio's client has no batch calls (its CLI drives the service's batch RPCs), so this is
``durable``'s own module. It uses only the client's workflow calls (a batch job is a workflow
run), so it works the same in-process and over the HTTP API.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from durable import _converter
from durable._batch.job import (
    BATCH_TASK_QUEUE,
    BATCH_WORKFLOW_TYPE,
    DEFAULT_RPS,
    BatchJobState,
    BatchOperationInput,
    BatchProgress,
    BatchTarget,
    Operation,
    check_job,
    job_memo,
)
from durable._conversion.stored import payload_to_text
from durable._statuses import WorkflowExecutionStatus

if TYPE_CHECKING:
    from durable._client.client import Client
    from durable._client.executions import WorkflowExecution

__all__ = ["BatchJobDescription", "BatchJobHandle", "list_batch_jobs", "start_batch_operation"]


@dataclass(frozen=True)
class BatchJobDescription:
    """A batch job as ``temporal batch describe`` shows one."""

    job_id: str
    state: BatchJobState
    operation_type: str
    query: str
    reason: str
    start_time: datetime
    close_time: datetime | None
    total_operation_count: int
    complete_operation_count: int
    failure_operation_count: int
    errors: list[str]


def job_state(status: WorkflowExecutionStatus | None) -> BatchJobState:
    """The job's state of its run's status (a cancelled or terminated job was stopped)."""
    if status is None or status is WorkflowExecutionStatus.RUNNING:
        return "Running"
    if status is WorkflowExecutionStatus.COMPLETED:
        return "Completed"
    if status in (WorkflowExecutionStatus.CANCELED, WorkflowExecutionStatus.TERMINATED):
        return "Stopped"
    return "Failed"


class BatchJobHandle:
    """One batch job: its progress, its final counts, and a way to stop it."""

    def __init__(self, client: Client, job_id: str) -> None:
        self.client = client
        self.job_id = job_id

    async def describe(self) -> BatchJobDescription:
        """The job's state and counts so far."""
        handle = self.client.get_workflow_handle(self.job_id)
        described = await handle.describe()
        progress = await handle.query("progress", result_type=BatchProgress)
        return await _description(described, progress)

    async def result(self) -> BatchProgress:
        """Wait for the job to finish; its final counts."""
        result: BatchProgress = await self.client.get_workflow_handle(self.job_id, result_type=BatchProgress).result()
        return result

    async def stop(self, reason: str = "") -> None:
        """Stop the job where it is (the runs it reached stay as it left them)."""
        del reason  # a cancel request carries none in temporalio's client
        await self.client.get_workflow_handle(self.job_id).cancel()


async def start_batch_operation(
    client: Client,
    operation: Operation,
    *,
    query: str,
    signal: str | None = None,
    args: Sequence[Any] = (),
    reason: str = "",
    rps: float = DEFAULT_RPS,
    job_id: str | None = None,
    identity: str | None = None,
) -> BatchJobHandle:
    """Start a job that signals, cancels or terminates every run ``query`` matches now.

    Args:
        operation: ``"signal"``, ``"cancel"`` or ``"terminate"``.
        query: a list filter, as ``list_workflows`` takes (required: a job never touches every run by default).
        signal, args: the signal's name and arguments (``"signal"`` only).
        reason: why (recorded with each cancel and termination).
        rps: operations per second at most (Temporal's default, 50).
        job_id: the job's id (a fresh UUID by default).

    Raises:
        ValueError: a missing query, a signal without a name, a rate that is not positive.
        RPCError: a filter the visibility store refuses (as ``count_workflows`` raises it).
    """
    # Converted and encoded (with the client's payload codec) now, as the client's own signal would be:
    # the job carries them unchanged to each run, whose engine decodes them as any signal's.
    encoded = await client.data_converter.encode(list(args))
    payloads = [_converter.checked(payload_to_text(p), type(v).__name__) for v, p in zip(args, encoded, strict=True)]
    target = BatchTarget(
        operation=operation, reason=reason, signal_name=signal, signal_input=payloads, identity=identity or ""
    )
    job = check_job(BatchOperationInput(query=query, target=target, rps=rps))
    await client.count_workflows(query)  # a filter that cannot run is refused here, before any job exists
    job_id = job_id or str(uuid.uuid4())
    await client.start_workflow(
        BATCH_WORKFLOW_TYPE, job, id=job_id, task_queue=BATCH_TASK_QUEUE, memo=dict(job_memo(job))
    )
    return BatchJobHandle(client, job_id)


async def list_batch_jobs(client: Client) -> list[BatchJobDescription]:
    """Every batch job, newest first (counts of running jobs as of now)."""
    jobs = []
    async for execution in client.list_workflows(f"WorkflowType = '{BATCH_WORKFLOW_TYPE}'"):
        jobs.append(await BatchJobHandle(client, execution.id).describe())
    return jobs


async def _description(execution: WorkflowExecution, progress: BatchProgress) -> BatchJobDescription:
    memo = await execution.memo()
    return BatchJobDescription(
        job_id=execution.id,
        state=job_state(execution.status),
        operation_type=str(memo.get("operation", "")),
        query=str(memo.get("query", "")),
        reason=str(memo.get("reason", "")),
        start_time=execution.start_time,
        close_time=execution.close_time,
        total_operation_count=progress.total_operation_count,
        complete_operation_count=progress.complete_operation_count,
        failure_operation_count=progress.failure_operation_count,
        errors=list(progress.errors),
    )
