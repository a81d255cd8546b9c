"""A workflow's timeouts, as Temporal keeps them, and the deadline message that enforces them.

The execution timeout bounds the whole chain of runs of a workflow id (continue-as-new,
retries, cron runs): its expiration time is fixed when the chain's first run begins and
is carried on every later run's start event. The run timeout bounds one run. The task
timeout is carried and shown (``workflow.info().task_timeout``) only: a workflow task
here is one orchestrator invocation, which the queue's visibility timeout already bounds.

Each run gets one deadline message, the earlier of the two, sent through the timer
service to its inbox when the run begins: durable (the timer service keeps it), deduplicated
(its key is the same at every send, and the run's log remembers it once consumed), and
harmless when late (a closed run ignores it, and a later run has another run id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from durable._runtime.inbox import send_to_inbox_at
from durable._runtime.services import Services

__all__ = [
    "DEFAULT_TASK_TIMEOUT",
    "DEADLINE_DEDUP",
    "StartedTimeouts",
    "Timeouts",
    "deadline_of",
    "execution_time",
    "inherited",
    "send_deadline",
    "started_timeouts",
]

DEFAULT_TASK_TIMEOUT = 10.0
"""Temporal's default workflow task timeout, in seconds."""

DEADLINE_DEDUP = "deadline"
"""The deadline message's dedup key (one per run)."""


@dataclass(frozen=True)
class Timeouts:
    """What a start asked for, in seconds (None: no limit; the task timeout's default is Temporal's)."""

    execution: float | None = None
    run: float | None = None
    task: float | None = None


class StartedTimeouts(TypedDict, total=False):
    """The timeouts on a start event, as Temporal's WorkflowExecutionStarted keeps them."""

    execution_timeout: float
    run_timeout: float
    task_timeout: float
    execution_expiration_time: float
    """When the chain must have closed (epoch seconds): fixed by its first run."""


def execution_time(started: dict[str, Any]) -> float:
    """When a run's first workflow task is due: its start, or a cron run's first tick."""
    return float(started["start_time"]) + float(started.get("first_workflow_task_backoff", 0.0))


def started_timeouts(timeouts: Timeouts | None, first_task_at: float) -> StartedTimeouts:
    """The start event's fields for the first run of a chain that begins its work at ``first_task_at``.

    As Temporal's server: the run timeout is capped by the execution timeout and defaults to it.
    """
    fields: StartedTimeouts = {"task_timeout": (timeouts.task if timeouts else None) or DEFAULT_TASK_TIMEOUT}
    if timeouts is None:
        return fields
    run = timeouts.run
    if timeouts.execution:
        fields["execution_timeout"] = timeouts.execution
        fields["execution_expiration_time"] = first_task_at + timeouts.execution
        run = min(run, timeouts.execution) if run else timeouts.execution
    if run:
        fields["run_timeout"] = run
    return fields


def inherited(started: dict[str, Any]) -> StartedTimeouts:
    """What the next run of a chain keeps of this run's timeouts (the chain's deadline included)."""
    fields: StartedTimeouts = {}
    if started.get("execution_timeout"):
        fields["execution_timeout"] = float(started["execution_timeout"])
    if started.get("run_timeout"):
        fields["run_timeout"] = float(started["run_timeout"])
    if started.get("task_timeout"):
        fields["task_timeout"] = float(started["task_timeout"])
    if started.get("execution_expiration_time"):
        fields["execution_expiration_time"] = float(started["execution_expiration_time"])
    return fields


def deadline_of(started: dict[str, Any]) -> tuple[float, bool] | None:
    """(when, whether it is the chain's execution timeout) of a run's deadline, or None."""
    chain = float(started["execution_expiration_time"]) if started.get("execution_expiration_time") else None
    run = execution_time(started) + float(started["run_timeout"]) if started.get("run_timeout") else None
    if chain is not None and (run is None or chain <= run):
        return chain, True
    if run is not None:
        return run, False
    return None


def send_deadline(services: Services, started: dict[str, Any]) -> None:
    """Schedule the run's deadline message, if it has one (idempotent: same key every time)."""
    deadline = deadline_of(started)
    if deadline is None:
        return
    at, chain = deadline
    send_to_inbox_at(services, at, started["workflow_id"], started["run_id"], "timeout", DEADLINE_DEDUP, chain=chain)
