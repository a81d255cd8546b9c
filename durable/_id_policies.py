"""What a start does with a workflow id already taken (temporalio's enums and values).

Apart from :mod:`durable.common`, which re-exports them, so that the CLI's parser can list
their names without importing the payload converter (pydantic) that module brings.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["WorkflowIDConflictPolicy", "WorkflowIDReusePolicy"]


class WorkflowIDReusePolicy(IntEnum):
    """Whether a new run may take the id of a closed one (temporalio's values)."""

    ALLOW_DUPLICATE = 1
    ALLOW_DUPLICATE_FAILED_ONLY = 2
    REJECT_DUPLICATE = 3
    TERMINATE_IF_RUNNING = 4


class WorkflowIDConflictPolicy(IntEnum):
    """What a start does when a run with the id is still running (temporalio's values)."""

    UNSPECIFIED = 0
    FAIL = 1
    USE_EXISTING = 2
    TERMINATE_EXISTING = 3
