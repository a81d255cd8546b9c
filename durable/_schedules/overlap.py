"""What a schedule does when an action falls due while a workflow it started still runs.

One enum for the engine (the schedule runner decides by it), the HTTP API (by name) and the
client (temporalio's ``ScheduleOverlapPolicy``: same names, same values as its protobuf enum).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ScheduleOverlapPolicy"]


class ScheduleOverlapPolicy(IntEnum):
    """What happens when an action falls due while a workflow the schedule started still runs."""

    SKIP = 1
    """Start nothing; the next time after the workflow closes is the next chance."""
    BUFFER_ONE = 2
    """Start once the running workflow closes; at most one start waits so."""
    BUFFER_ALL = 3
    """Every start waits its turn, one after another."""
    CANCEL_OTHER = 4
    """Cancel the running workflow and start once it has closed."""
    TERMINATE_OTHER = 5
    """Terminate the running workflow and start at once."""
    ALLOW_ALL = 6
    """Start regardless: any number may run at once."""
