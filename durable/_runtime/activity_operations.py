"""Pause and unpause a workflow's pending activity from outside (Temporal's ``PauseActivity`` /
``UnpauseActivity``): check that the activity is pending, then send the run its message.

The message, not this call, changes the run (see :mod:`durable._runtime.activity_pause`): the
orchestrator applies it in order with the activity's outcomes. A completion that overtakes
the message wins, and the pause then finds nothing pending and changes nothing, as a pause
that reaches Temporal's server after the completion does.
"""

from __future__ import annotations

import random

from durable._runtime.activity_pause import pending_by_id
from durable._runtime.control import Control, NotRunning, check_request_id, new_request_id
from durable._runtime.inbox import send_to_inbox
from durable._statuses import WorkflowExecutionStatus

__all__ = ["ActivityNotPending", "pause_activity", "unpause_activity"]


class ActivityNotPending(Exception):
    """The run has no pending activity by that id: unknown, completed already, or a local activity."""


def pause_activity(
    control: Control,
    workflow_id: str,
    run_id: str | None,
    activity_id: str,
    *,
    reason: str = "",
    identity: str = "",
    request_id: str | None = None,
) -> None:
    """Pause the activity: no retry is scheduled until it is unpaused; a running attempt learns
    at its next heartbeat. Pausing a paused activity changes nothing.

    Raises:
        ExecutionNotFound: no such workflow or run.
        NotRunning: the run has closed.
        ActivityNotPending: the run has no pending activity by that id.
    """
    run, seq = _pending(control, workflow_id, run_id, activity_id)
    dedup = f"pause:{check_request_id(request_id) if request_id else new_request_id()}"
    send_to_inbox(
        control.services, workflow_id, run, "activity_pause", dedup, seq=seq, reason=reason, identity=identity
    )


def unpause_activity(
    control: Control,
    workflow_id: str,
    run_id: str | None,
    activity_id: str,
    *,
    reset_attempts: bool = False,
    reset_heartbeats: bool = False,
    jitter: float | None = None,
    identity: str = "",
    request_id: str | None = None,
) -> None:
    """Unpause the activity: its next attempt is dispatched at once, or at a random time within
    ``jitter`` seconds. ``reset_attempts`` makes that attempt 1 again; ``reset_heartbeats``
    drops the heartbeat details the next attempt would get. Unpausing an activity that is not
    paused changes nothing.

    Raises:
        ExecutionNotFound: no such workflow or run.
        NotRunning: the run has closed.
        ActivityNotPending: the run has no pending activity by that id.
        ValueError: a negative jitter.
    """
    if jitter is not None and jitter < 0:
        raise ValueError(f"jitter must not be negative, got {jitter} seconds")
    run, seq = _pending(control, workflow_id, run_id, activity_id)
    # Drawn here, outside any replay: the event logs the time it chose.
    delay = random.uniform(0.0, jitter) if jitter else 0.0  # noqa: S311 - spreading load, not secrecy
    dedup = f"unpause:{check_request_id(request_id) if request_id else new_request_id()}"
    send_to_inbox(
        control.services,
        workflow_id,
        run,
        "activity_unpause",
        dedup,
        seq=seq,
        identity=identity,
        reset_attempts=reset_attempts,
        reset_heartbeats=reset_heartbeats,
        next_attempt_time=control.services.clock.now() + delay,
    )


def _pending(control: Control, workflow_id: str, run_id: str | None, activity_id: str) -> tuple[str, int]:
    """(run id, seq) of the run's pending activity by that id."""
    record = control.resolve_run(workflow_id, run_id)
    ledger = control.ledger(workflow_id, record.run_id)
    if record.status is not WorkflowExecutionStatus.RUNNING or ledger.closed:
        raise NotRunning(f"workflow execution {workflow_id} already completed")
    found = pending_by_id(ledger, activity_id)
    if found is None:
        raise ActivityNotPending(
            f"activity {activity_id!r} is not pending in workflow {workflow_id} (run {record.run_id}): "
            "it completed already, or no activity of the run has that id (describe lists the pending ones)"
        )
    return record.run_id, found[0]
