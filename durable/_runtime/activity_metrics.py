"""Temporal's metrics of activity attempts, recorded by the activity worker."""

from __future__ import annotations

from durable._metrics import engine as m
from durable._metrics.engine import EngineMetrics
from durable._runtime.attempt import ActivityTask, Outcome

__all__ = ["record_attempt"]


def record_attempt(
    metrics: EngineMetrics, task: ActivityTask, outcome: Outcome | None, *, started: float, seconds: float
) -> None:
    """One attempt ran: taken at ``started`` (engine clock), for ``seconds``, ending in ``outcome``
    (None: it completes asynchronously, later)."""
    queue = {"namespace": "default", "task_queue": task["task_queue"]}
    attributes = {**queue, "activity_type": task["activity_type"], "workflow_type": task["workflow_type"]}
    # As Temporal's, schedule-to-start is a queue's figure: no activity type.
    metrics.temporal_latency(m.ACTIVITY_SCHEDULE_TO_START_LATENCY, started - task["attempt_scheduled_time"], queue)
    metrics.temporal_latency(m.ACTIVITY_EXECUTION_LATENCY, seconds, attributes)
    if outcome is None:
        return
    if outcome["outcome"] == "completed":
        # From the activity's first schedule to this attempt's success, retries included.
        metrics.temporal_latency(
            m.ACTIVITY_SUCCEED_ENDTOEND_LATENCY, started + seconds - task["scheduled_time"], attributes
        )
    elif outcome["outcome"] == "failed":
        metrics.temporal_count(m.ACTIVITY_EXECUTION_FAILED, attributes)
    else:
        metrics.temporal_count(m.ACTIVITY_EXECUTION_CANCELLED, attributes)
