"""An attempt longer than its activity function: stopped before Lambda kills it, and failed.

Lambda ends an invocation at the function's timeout, whatever the activity's start-to-close
timeout says; SQS then delivers the task again, the worker finds the attempt claimed and
reports a start-to-close timeout, and the retry meets the same end: a loop that only the retry
policy stops, each round running the activity's side effects again. So when an attempt may run
longer than its task queue's function (its start-to-close timeout, or what its schedule-to-close
timeout leaves, is longer), the engine gives it the function's time less a margin to report in,
and an attempt still running then fails with an error naming both values.

The failure is non-retryable. A retry would be cut at the same point, so retrying only repeats
the side effects; the timeouts and the function's are both configuration, and the fix is in one
of them (or in how the work is done: heartbeats with resumable details, or asynchronous
completion), which the message says. Temporal gives the same answer to a request it can tell
will never succeed (its server refuses an activity's bad timeouts outright, and a worker's
argument errors are non-retryable). An attempt that finishes, or completes asynchronously,
within the function's time is not affected: only one that actually outruns the function fails.

A local environment applies the same cap wherever the registry knows a function timeout (the
dev server, from the project's ``TASK_QUEUES``); a local ``Worker`` has none.
"""

from __future__ import annotations

from durable._runtime.registry import Registry
from durable.exceptions import ApplicationError

__all__ = ["FUNCTION_TIMEOUT_ERROR_TYPE", "FunctionCap", "function_cap"]

FUNCTION_TIMEOUT_ERROR_TYPE = "ActivityFunctionTimeout"
"""The ``ApplicationError.type`` of an attempt stopped at its function's timeout."""

_REPORT_MARGIN_SECONDS = 5.0
"""Time kept to report the failure before Lambda ends the invocation (a tenth of shorter timeouts)."""


class FunctionCap:
    """How long an attempt may run in its function, and the failure when it runs out."""

    def __init__(self, task_queue: str, activity_type: str, function_timeout: float, attempt_limit: float | None):
        self.task_queue = task_queue
        self.activity_type = activity_type
        self.function_timeout = function_timeout
        self.attempt_limit = attempt_limit
        self.seconds = max(0.0, function_timeout - min(_REPORT_MARGIN_SECONDS, 0.1 * function_timeout))

    def error(self) -> ApplicationError:
        """The attempt's failure once it ran out of the function's time."""
        asked = "no start-to-close timeout" if self.attempt_limit is None else f"{self.attempt_limit:g}s"
        return ApplicationError(
            f"activity {self.activity_type} ran out of its function: it may run {asked} (its start-to-close "
            f"timeout) but task queue {self.task_queue!r}'s activity function times out after "
            f"{self.function_timeout:g}s, so the attempt was stopped at {self.seconds:g}s, before Lambda would "
            "end it. Raise the task queue's function_timeout (TaskQueueConfig in statemachines/registry.py, at "
            "most 15 minutes) or lower start_to_close_timeout; for longer work, heartbeat with resumable details "
            "or complete the activity asynchronously (README: 'Work longer than 15 minutes')",
            type=FUNCTION_TIMEOUT_ERROR_TYPE,
            non_retryable=True,
        )


def function_cap(
    registry: Registry, task_queue: str, activity_type: str, limit: float | None, *, is_local: bool = False
) -> FunctionCap | None:
    """The cap on an attempt that may run ``limit`` seconds (None: no limit of its own), when its
    task queue's function would end it first; None when the function leaves it all its time, or
    the attempt is a local activity's (it runs in the orchestrator, not the activity function)."""
    timeout = registry.activity_limits(task_queue).function_timeout
    if timeout is None or is_local:
        return None
    cap = FunctionCap(task_queue, activity_type, timeout, limit)
    if limit is not None and limit <= cap.seconds:
        return None
    return cap
