"""Temporal's metrics of runs and workflow tasks, from what the orchestrator committed and timed.

Kept apart from the orchestrator so that it only says when: a decision was committed, a
workflow task ran, a run was replayed, a cached run was (not) found.
"""

from __future__ import annotations

from durable._metrics import engine as m
from durable._metrics.engine import EngineMetrics, workflow_attributes
from durable._replay import events as ev
from durable._replay.events import Event
from durable._replay.ledger import Ledger

__all__ = ["record_committed", "record_replay", "record_task", "record_cache_lookup"]

_CLOSES = {
    ev.WORKFLOW_COMPLETED: m.WORKFLOW_COMPLETED,
    ev.WORKFLOW_FAILED: m.WORKFLOW_FAILED,
    ev.WORKFLOW_CANCELED: m.WORKFLOW_CANCELED,
    ev.WORKFLOW_CONTINUED_AS_NEW: m.WORKFLOW_CONTINUE_AS_NEW,
}


def record_committed(metrics: EngineMetrics, ledger: Ledger, record: list[Event], now: float) -> None:
    """A decision's record was committed: closes, failed workflow tasks, end-to-end latency."""
    attributes = workflow_attributes(ledger.started)
    for event in record:
        kind = event["event_type"]
        if kind in _CLOSES:
            metrics.temporal_count(_CLOSES[kind], attributes)
        if kind == ev.WORKFLOW_COMPLETED:
            # As Temporal's: from the run's start to its successful completion.
            metrics.temporal_latency(m.WORKFLOW_ENDTOEND_LATENCY, now - ledger.start_time, attributes)
        elif kind == ev.TASK_FAILED:
            metrics.temporal_count(
                m.WORKFLOW_TASK_EXECUTION_FAILED, {**attributes, "failure_reason": _failure_reason(event)}
            )


def record_task(metrics: EngineMetrics, ledger: Ledger, seconds: float, waited: float | None) -> None:
    """Workflow code ran for a workflow task (``seconds``), taken ``waited`` seconds after it was sent."""
    attributes = workflow_attributes(ledger.started)
    metrics.temporal_latency(m.WORKFLOW_TASK_EXECUTION_LATENCY, seconds, attributes)
    if waited is not None:
        # Temporal's has no workflow type: a task is scheduled on a queue, not for a type.
        queue = {k: attributes[k] for k in ("namespace", "task_queue")}
        metrics.temporal_latency(m.WORKFLOW_TASK_SCHEDULE_TO_START_LATENCY, waited, queue)


def record_replay(metrics: EngineMetrics, ledger: Ledger, seconds: float) -> None:
    """A run was rebuilt from its whole log (a cold start, an eviction)."""
    if ledger.started is not None:
        metrics.temporal_latency(m.WORKFLOW_TASK_REPLAY_LATENCY, seconds, workflow_attributes(ledger.started))


def record_cache_lookup(metrics: EngineMetrics, ledger: Ledger, *, hit: bool) -> None:
    """The orchestrator found a run warm in its cache (Temporal's sticky cache), or not."""
    if ledger.started is not None:
        metrics.temporal_count(m.STICKY_CACHE_HIT if hit else m.STICKY_CACHE_MISS, workflow_attributes(ledger.started))


def _failure_reason(event: Event) -> str:
    """Temporal's ``failure_reason``: a non-determinism error apart from any other failure of workflow code."""
    failure = event["attributes"].get("failure") or {}
    return "NonDeterminismError" if "NondeterminismError" in str(failure.get("stack_trace", "")) else "WorkflowError"
