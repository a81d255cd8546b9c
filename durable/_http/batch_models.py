"""The bodies of the batch routes (``/api/v1/batch-operations``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from durable._batch.job import DEFAULT_RPS
from durable._http.models import IdText

__all__ = ["BatchJob", "BatchJobList", "BatchOperationRequest", "BatchOperationStarted", "StopBatchJobRequest"]


class BatchOperationRequest(BaseModel):
    """Start a batch job: one operation on every run a list filter matches now."""

    model_config = ConfigDict(extra="forbid")

    operation: Literal["signal", "cancel", "terminate"]
    query: str = Field(min_length=1, description="a Temporal list filter (`WorkflowType = 'Order'`)")
    signal_name: str | None = Field(default=None, description="the signal to send (`signal` only)")
    input: list[Any] = Field(default_factory=list, description="the signal's arguments (`signal` only)")
    reason: str = Field(default="", description="why: recorded with each cancellation and termination")
    rps: float = Field(default=DEFAULT_RPS, gt=0, description="operations per second at most (Temporal's 50)")
    job_id: IdText | None = Field(default=None, description="the job's id (a fresh UUID by default)")
    identity: str = Field(default="", description="who asked")


class BatchOperationStarted(BaseModel):
    """The job started."""

    job_id: str
    run_id: str


class BatchJob(BaseModel):
    """A batch job's state and counts, as ``temporal batch describe`` shows them."""

    job_id: str
    state: Literal["Running", "Completed", "Failed", "Stopped"]
    operation_type: str
    query: str
    reason: str
    start_time: str
    close_time: str | None
    total_operation_count: int = Field(description="runs the query matched when the job started")
    complete_operation_count: int = Field(description="runs done (applied, or closed before the job reached them)")
    failure_operation_count: int = Field(description="runs the operation failed on")
    errors: list[str] = Field(description="the first failures' messages (not in a listing: describe the job)")


class BatchJobList(BaseModel):
    """Batch jobs, newest first."""

    jobs: list[BatchJob]


class StopBatchJobRequest(BaseModel):
    """Stop a batch job where it is."""

    model_config = ConfigDict(extra="forbid")

    reason: str = ""
