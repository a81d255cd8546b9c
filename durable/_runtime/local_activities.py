"""Local activities: run inline by the orchestrator, in the invocation that decides.

No queue and no extra Lambda invocation: the decision that asked for a local activity
runs it, retries it in place while the back-off stays within ``local_retry_threshold``,
and records the outcome as a ``MarkerRecorded`` event (temporalio's
``core_local_activity`` marker) in the same record, so replay never runs it again. A
longer back-off ends the decision with the failed attempt's marker and a durable timer,
after which the next attempt runs (as temporalio does). Nothing is claimed: a crash after
the attempt ran and before its record was committed runs it again (at least once, as
with temporalio).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from durable import _failure
from durable._replay.context import Info as WorkflowInfo
from durable._replay.instance import LocalActivityOutcome, LocalActivityRequest
from durable._replay.retry import next_retry
from durable._runtime.attempt import ActivityAttempt, ActivityTask, Outcome
from durable._runtime.registry import Registry
from durable._runtime.services import Services
from durable.exceptions import ActivityError, ApplicationError, CancelledError, RetryState, TimeoutError, TimeoutType

__all__ = ["LocalActivityRunner"]


class LocalActivityRunner:
    """Runs one local activity to its outcome: a result, a final failure, or a long back-off."""

    def __init__(self, services: Services, registry: Registry, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.services = services
        self._attempt = ActivityAttempt(services, registry)
        self._sleep = sleep

    def run(self, workflow: WorkflowInfo, request: LocalActivityRequest) -> LocalActivityOutcome:
        """Attempts from ``request.attempt`` on; returns the marker's outcome fields.

        ``{"seq", "attempt", "result"}``, ``{"seq", "attempt", "failure"}`` (for good), or
        ``{"seq", "attempt", "failure", "backoff"}`` (the next attempt waits for a timer).
        """
        clock = self.services.clock
        attempt = request.attempt
        while True:
            outcome = self._attempt.run(self._task(workflow, request, attempt, clock.now()))
            if outcome is not None and outcome["outcome"] == "completed":
                return {"seq": request.seq, "attempt": attempt, "result": outcome["result"]}
            failure = _failure_of(outcome)
            delay, state = next_retry(
                request.retry_policy,
                attempt,
                failure,
                now=clock.now(),
                scheduled_time=request.original_schedule_time,
                schedule_to_close_timeout=request.schedule_to_close_timeout,
            )
            if delay is None:
                return {"seq": request.seq, "attempt": attempt, "failure": _final(request, failure, state)}
            if delay > request.local_retry_threshold:
                return {"seq": request.seq, "attempt": attempt, "failure": failure, "backoff": delay}
            self._sleep(delay)
            attempt += 1

    @staticmethod
    def _task(workflow: WorkflowInfo, request: LocalActivityRequest, attempt: int, now: float) -> ActivityTask:
        """The attempt, shaped as the activity worker's task (it runs on the workflow's task queue)."""
        task: ActivityTask = {
            "workflow_id": workflow.workflow_id,
            "run_id": workflow.run_id,
            "workflow_type": workflow.workflow_type,
            "seq": request.seq,
            "activity_id": request.activity_id,
            "activity_type": request.activity_type,
            "task_queue": workflow.task_queue,
            "input": request.input,
            "attempt": attempt,
            "heartbeat_details": [],
            "scheduled_time": request.original_schedule_time,
            "attempt_scheduled_time": now,
            "schedule_to_close_timeout": request.schedule_to_close_timeout,
            "start_to_close_timeout": request.start_to_close_timeout,
            "heartbeat_timeout": None,
            "retry_policy": request.retry_policy,
            "is_local": True,
        }
        if request.headers:
            task["headers"] = request.headers
        return task


def _failure_of(outcome: Outcome | None) -> dict[str, Any]:
    if outcome is None:
        return _failure.from_exception(
            ApplicationError(
                "Local activities cannot complete asynchronously", type="InvalidOperation", non_retryable=True
            )
        )
    if outcome["outcome"] == "canceled":
        return _failure.from_exception(CancelledError("Cancelled"))
    return dict(outcome["failure"])


def _final(request: LocalActivityRequest, failure: dict[str, Any], state: RetryState) -> dict[str, Any]:
    """What the workflow gets, in temporalio core's shapes: a failure as it was raised, a
    timeout wrapped in ``ActivityError("Local Activity timed out")``."""
    if state == RetryState.TIMEOUT:
        kind = TimeoutType.SCHEDULE_TO_CLOSE
    elif "timeout" in failure:
        kind = TimeoutType(failure["timeout"]["type"])
    else:
        return failure
    err = ActivityError(
        "Local Activity timed out",
        scheduled_event_id=0,
        started_event_id=0,
        identity="",
        activity_type=request.activity_type,
        activity_id=request.activity_id,
        retry_state=RetryState.CANCEL_REQUESTED,  # sic: what temporalio's core reports
    )
    err.__cause__ = TimeoutError("Activity timed out", type=kind, last_heartbeat_details=[])
    return _failure.from_exception(err)
