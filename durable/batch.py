"""Batch jobs: signal, cancel or terminate every run a list filter matches, at a bounded rate.

As ``temporal workflow signal|cancel|terminate --query ...``: the job is durable (a workflow
run of the engine's own), reports its progress, and can be listed and stopped::

    job = await start_batch_operation(client, "terminate", query="WorkflowType = 'Order'", reason="bad deploy")
    print(await job.describe())
    counts = await job.result()

temporalio's client has no such calls; this module is ``durable``'s own.
"""

from __future__ import annotations

from durable._batch.client import BatchJobDescription, BatchJobHandle, list_batch_jobs, start_batch_operation
from durable._batch.job import BATCH_TASK_QUEUE, BATCH_WORKFLOW_TYPE, DEFAULT_RPS, BatchProgress

__all__ = [
    "BATCH_TASK_QUEUE",
    "BATCH_WORKFLOW_TYPE",
    "DEFAULT_RPS",
    "BatchJobDescription",
    "BatchJobHandle",
    "BatchProgress",
    "list_batch_jobs",
    "start_batch_operation",
]
