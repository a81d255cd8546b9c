"""The batch job's activities: count the snapshot, and apply the operation to one page of it.

They call the engine's own :class:`~durable._runtime.control.Control`, as the HTTP API does:
no client round trip, and the same idempotence. Each operation carries a request id made
of the job and the run (:func:`~durable._batch.job.operation_request_id`), so a page run
again after a crash changes nothing on the runs it reached before. A run that closed
before the job reached it counts as done, as Temporal's batcher counts it.
"""

from __future__ import annotations

from collections.abc import Callable

from durable import activity
from durable._batch.job import MAX_ERRORS, BatchPage, BatchPageRequest, operation_request_id
from durable._batch.workflow import APPLY_ACTIVITY, COUNT_ACTIVITY
from durable._runtime.control import Control, NotRunning
from durable._runtime.ports import ExecutionRecord
from durable._visibility.query import InvalidQuery
from durable.exceptions import ApplicationError

__all__ = ["BatchActivities"]


class BatchActivities:
    """The activities of the batch task queue, over the engine they run in."""

    def __init__(self, control: Callable[[], Control]) -> None:
        """``control``: the engine's control (a callable: a deployment builds it on first use)."""
        self._control = control

    def all(self) -> list[Callable[..., object]]:
        """The activity functions to register."""
        return [self.count, self.apply]

    @activity.defn(name=COUNT_ACTIVITY)
    def count(self, query: str) -> int:
        """How many runs the job's snapshot holds."""
        try:
            return self._control().count_workflows(query).count
        except InvalidQuery as err:
            raise _refused(err) from err

    @activity.defn(name=APPLY_ACTIVITY)
    def apply(self, request: BatchPageRequest) -> BatchPage:
        """Apply the operation to the next page of runs; failures are counted, not raised."""
        control = self._control()
        token = request.cursor.encode() if request.cursor is not None else None
        try:
            page = control.list_workflows(request.query, page_size=request.limit, next_page_token=token)
        except InvalidQuery as err:
            raise _refused(err) from err
        complete = failed = 0
        errors: list[str] = []
        for record in page.executions:
            try:
                _apply(control, request, record)
            except NotRunning:
                complete += 1  # closed before the job reached it: nothing left to do
            except Exception as err:  # noqa: BLE001 - one run's failure is counted, the job goes on
                failed += 1
                if len(errors) < MAX_ERRORS:
                    errors.append(f"{record.workflow_id} ({record.run_id}): {type(err).__name__}: {err}")
            else:
                complete += 1
        next_cursor = page.next_page_token.decode() if page.next_page_token is not None else None
        return BatchPage(complete=complete, failed=failed, errors=errors, next_cursor=next_cursor)


def _refused(err: InvalidQuery) -> ApplicationError:
    # A filter that cannot run never will: the job fails with why, rather than retrying for ever.
    return ApplicationError(str(err), type="InvalidQuery", non_retryable=True)


def _apply(control: Control, request: BatchPageRequest, record: ExecutionRecord) -> None:
    target = request.target
    request_id = operation_request_id(request.job_id, request.first_run_id, target.operation, record.run_id)
    if target.operation == "signal":
        assert target.signal_name is not None  # the job's input is checked when it is made
        control.signal(
            record.workflow_id, record.run_id, target.signal_name, target.signal_input, request_id=request_id
        )
    elif target.operation == "cancel":
        control.cancel(record.workflow_id, record.run_id, target.reason, request_id=request_id)
    else:
        control.terminate(record.workflow_id, record.run_id, target.reason, request_id=request_id)
