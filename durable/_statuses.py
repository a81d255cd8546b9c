"""The statuses and stages a run, an update and a pending activity go through, defined once.

The engine's records, the HTTP API's models and the client all use these enums: temporalio's
names and int values (``temporalio.client.WorkflowExecutionStatus`` and its siblings mirror the
service's protobuf enums). What is stored (a DynamoDB item, the API's JSON) is the member's
*name*, as it always was, so no stored item or API answer changes; adapters convert at their
boundary with ``Enum[name]`` and ``member.name``.

This module imports nothing of ours, so the engine can use it without importing the client.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["CLOSED_STATUSES", "PendingActivityState", "WorkflowExecutionStatus", "WorkflowUpdateStage"]


class WorkflowExecutionStatus(IntEnum):
    """Status of a workflow execution (temporalio's values)."""

    RUNNING = 1
    COMPLETED = 2
    FAILED = 3
    CANCELED = 4
    TERMINATED = 5
    CONTINUED_AS_NEW = 6
    TIMED_OUT = 7


class WorkflowUpdateStage(IntEnum):
    """How far an update got, or must get before ``start_update`` returns (temporalio's values)."""

    ADMITTED = 1
    ACCEPTED = 2
    COMPLETED = 3


class PendingActivityState(IntEnum):
    """State of a pending activity (temporalio's values)."""

    SCHEDULED = 1
    STARTED = 2
    CANCEL_REQUESTED = 3
    PAUSED = 4
    """Paused by an operator, and no attempt is running."""
    PAUSE_REQUESTED = 5
    """Paused by an operator while an attempt runs: it learns at its next heartbeat."""


CLOSED_STATUSES = frozenset(s for s in WorkflowExecutionStatus if s is not WorkflowExecutionStatus.RUNNING)
"""Every status but RUNNING: the run has closed."""
