"""The batch job's workflow: page through a snapshot of the matching runs at a bounded rate.

Each page is one activity (at most one second's worth of operations at the job's rate),
followed by a durable sleep long enough that no second of the job's life sees more than
``rps`` operations. The cursor and the counts live in the workflow's state, so a crash
anywhere resumes from the last page; a page retried after a crash applies its operations
again with the same request ids, which the runs take once. After ``pages_per_run``
pages (100) the job continues as new, carrying cursor and counts, so its history stays bounded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from datetime import timedelta
from typing import Any

from durable import workflow
from durable._batch.job import (
    BATCH_WORKFLOW_TYPE,
    COMPLETE_COUNT,
    FAILURE_COUNT,
    MAX_ERRORS,
    TOTAL_COUNT,
    BatchOperationInput,
    BatchPage,
    BatchPageRequest,
    BatchProgress,
    rfc3339,
    snapshot_query,
)

__all__ = ["APPLY_ACTIVITY", "COUNT_ACTIVITY", "BatchOperation", "page_size"]

COUNT_ACTIVITY = "durable.batch.count"
APPLY_ACTIVITY = "durable.batch.apply"
MAX_PAGE = 500
"""Most operations one activity applies (well inside the activity function's 5 minutes)."""
_ACTIVITY_TIMEOUT = timedelta(minutes=4)


def page_size(rps: float) -> int:
    """Operations per page: one second's worth at ``rps`` (at least one, at most :data:`MAX_PAGE`)."""
    return max(1, min(MAX_PAGE, math.floor(rps)))


@workflow.defn(name=BATCH_WORKFLOW_TYPE, sandboxed=False)
class BatchOperation:
    """Signals, cancels or terminates every run a list filter matched when the job started."""

    def __init__(self) -> None:
        self._progress = BatchProgress()

    @workflow.run
    async def run(self, job: BatchOperationInput) -> BatchProgress:
        """Apply the job's operation to each run of its snapshot; returns the final counts."""
        info = workflow.info()
        # The snapshot's bound: this job's start (the first run's, carried over a continue-as-new).
        started_before = job.started_before or rfc3339(info.start_time.timestamp())
        query = snapshot_query(job.query, started_before)
        if job.progress is None:
            total = await workflow.execute_activity(
                COUNT_ACTIVITY, query, result_type=int, start_to_close_timeout=_ACTIVITY_TIMEOUT
            )
            self._progress = BatchProgress(total_operation_count=total)
            self._publish()
        else:
            self._progress = job.progress
        cursor = job.cursor
        limit = page_size(job.rps)
        for _ in range(job.pages_per_run):
            page = await self._finish_even_if_stopped(
                APPLY_ACTIVITY,
                BatchPageRequest(
                    job_id=info.workflow_id,
                    first_run_id=info.first_execution_run_id,
                    query=query,
                    target=job.target,
                    limit=limit,
                    cursor=cursor,
                ),
                result_type=BatchPage,
                start_to_close_timeout=_ACTIVITY_TIMEOUT,
            )
            self._count(page)
            self._publish()
            if page.next_cursor is None:
                return self._progress
            cursor = page.next_cursor
            applied = page.complete + page.failed
            if applied:
                # Starts after the page's last operation: no window of one second holds two pages.
                await workflow.sleep(applied / job.rps)
        workflow.continue_as_new(
            dataclasses.replace(job, started_before=started_before, cursor=cursor, progress=self._progress)
        )

    async def _finish_even_if_stopped(self, activity: str, request: BatchPageRequest, **options: Any) -> BatchPage:
        """Run one page; a stop (a cancel) that arrives while it is in flight waits for it.

        The page's operations happen whether or not the job is stopped meanwhile (the
        activity does not heartbeat), so its counts are taken before the job closes:
        otherwise a stopped job would report fewer operations than it applied.
        """
        page = asyncio.ensure_future(workflow.execute_activity(activity, request, **options))
        try:
            return await asyncio.shield(page)
        except asyncio.CancelledError:
            self._count(await page)
            self._publish()
            raise

    def _count(self, page: BatchPage) -> None:
        done = self._progress
        errors = (done.errors + page.errors)[:MAX_ERRORS]
        self._progress = dataclasses.replace(
            done,
            complete_operation_count=done.complete_operation_count + page.complete,
            failure_operation_count=done.failure_operation_count + page.failed,
            errors=errors,
        )

    def _publish(self) -> None:
        done = self._progress
        workflow.upsert_search_attributes(
            [
                TOTAL_COUNT.value_set(done.total_operation_count),
                COMPLETE_COUNT.value_set(done.complete_operation_count),
                FAILURE_COUNT.value_set(done.failure_operation_count),
            ]
        )

    @workflow.query(name="progress")
    def progress(self) -> BatchProgress:
        """The counts so far (the result's, once the job has closed)."""
        return self._progress
