"""What a batch job is: its operation, its frozen selection of runs, and its counts.

Shared by the workflow, its activities, the HTTP routes and the client: plain dataclasses,
so the job's input and result travel as JSON through the engine like any workflow's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from durable.common import SearchAttributeKey

__all__ = [
    "BATCH_TASK_QUEUE",
    "BATCH_WORKFLOW_TYPE",
    "DEFAULT_RPS",
    "MAX_ERRORS",
    "OPERATIONS",
    "BatchJobState",
    "BatchOperationInput",
    "BatchPage",
    "BatchProgress",
    "BatchTarget",
    "COMPLETE_COUNT",
    "FAILURE_COUNT",
    "TOTAL_COUNT",
    "BatchPageRequest",
    "Operation",
    "check_job",
    "job_memo",
    "operation_request_id",
    "rfc3339",
    "snapshot_query",
]

BATCH_WORKFLOW_TYPE = "durable.BatchOperation"
"""The workflow type of every batch job (what ``durable batch list`` lists)."""
BATCH_TASK_QUEUE = "durable_batcher"
"""Where batch jobs and their activities run (Temporal's is ``temporal-sys-batcher-taskqueue``)."""
DEFAULT_RPS = 50.0
"""Operations per second when the caller names no rate: Temporal's batcher default (``worker.batcherRPS``)."""

TOTAL_COUNT = SearchAttributeKey.for_int("BatchTotalOperationCount")
COMPLETE_COUNT = SearchAttributeKey.for_int("BatchCompleteOperationCount")
FAILURE_COUNT = SearchAttributeKey.for_int("BatchFailureOperationCount")
"""A job's counts are search attributes too: the API lists and describes jobs from their records,
without replaying them, and whatever payload codec the deployment has (search attributes are plain)."""

Operation = Literal["signal", "cancel", "terminate"]
OPERATIONS: tuple[Operation, ...] = ("signal", "cancel", "terminate")

BatchJobState = Literal["Running", "Completed", "Failed", "Stopped"]
"""A job's state as ``temporal batch describe`` names them (its run's status, a cancelled run being Stopped)."""


@dataclass(frozen=True)
class BatchTarget:
    """What the job does to each run: the operation and what it carries."""

    operation: Operation
    reason: str = ""
    signal_name: str | None = None
    signal_input: list[str] = field(default_factory=list)
    """The signal's arguments as the engine carries payloads (already converted by the caller)."""
    identity: str = ""


@dataclass(frozen=True)
class BatchProgress:
    """How far a job got: the runs it matched, handled and failed on."""

    total_operation_count: int = 0
    """Runs the query matched when the job started (runs started later are not touched)."""
    complete_operation_count: int = 0
    """Runs the operation was applied to (or found already closed or already done)."""
    failure_operation_count: int = 0
    """Runs the operation failed on (counted, not fatal)."""
    errors: list[str] = field(default_factory=list)
    """The first few failures' messages (at most :data:`MAX_ERRORS`)."""


MAX_ERRORS = 10


@dataclass(frozen=True)
class BatchOperationInput:
    """A job's input, and what it carries over a continue-as-new."""

    query: str
    """The list filter the caller gave."""
    target: BatchTarget
    rps: float = DEFAULT_RPS
    started_before: str = ""
    """The snapshot bound (RFC 3339): only runs started up to the job's start are touched."""
    cursor: str | None = None
    """Where the listing stopped (a visibility page token), carried over a continue-as-new."""
    progress: BatchProgress | None = None
    """The counts so far, carried over a continue-as-new (None on the first run)."""
    pages_per_run: int = 100
    """Pages per run before the job continues as new (about 1,000 events of history)."""


@dataclass(frozen=True)
class BatchPage:
    """What one activity did: one page of runs, and where the next page starts."""

    complete: int
    failed: int
    errors: list[str]
    next_cursor: str | None


@dataclass(frozen=True)
class BatchPageRequest:
    """One activity's work: the next page of the job's snapshot, and what to do to each run."""

    job_id: str
    first_run_id: str
    """The job's first run: with the id, what tells this job from an earlier one of the same id."""
    query: str
    """The snapshot's list filter (:func:`snapshot_query`)."""
    target: BatchTarget
    limit: int
    cursor: str | None = None


def snapshot_query(query: str, started_before: str) -> str:
    """The job's listing: the caller's filter, bounded to runs started by the job's start.

    The bound makes the selection a snapshot: a run started while the job works (one the
    caller never saw counted) is left alone. So are batch jobs, this one included: a job is
    stopped with ``durable batch stop``, not swept up by another's filter.
    """
    return f"({query}) AND StartTime <= '{started_before}' AND WorkflowType != '{BATCH_WORKFLOW_TYPE}'"


def rfc3339(epoch: float) -> str:
    """Epoch seconds as the RFC 3339 text a list filter compares start times with."""
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def operation_request_id(job_id: str, first_run_id: str, operation: Operation, run_id: str) -> str:
    """The request id of the job's operation on one run: a retry (a crashed activity run again)
    sends the same one, so the run applies it once; another job, even of the same id, another."""
    digest = hashlib.sha256(f"{job_id}\n{first_run_id}".encode()).hexdigest()[:24]
    return f"batch-{operation}-{digest}-{run_id}"[:128]


def check_job(job: BatchOperationInput) -> BatchOperationInput:
    """``job`` if it can run; else ValueError naming what is wrong (the CLI, the API and the client say it)."""
    if not job.query or not job.query.strip():
        raise ValueError("a batch job needs a query: the list filter of the runs it applies to")
    if job.target.operation not in OPERATIONS:
        raise ValueError(f"unknown batch operation {job.target.operation!r}: one of {', '.join(OPERATIONS)}")
    if job.target.operation == "signal" and not job.target.signal_name:
        raise ValueError("a batch signal needs the signal's name")
    if not job.rps > 0:
        raise ValueError(f"rps {job.rps} is not a positive number of operations per second")
    return job


def job_memo(job: BatchOperationInput) -> dict[str, str]:
    """What the job's run keeps in its memo, for listings: its operation, query and reason."""
    return {"operation": job.target.operation, "query": job.query, "reason": job.target.reason}
