"""Looking at a run for its close without reading its history while it runs.

A caller that waits for a result (the result route's long poll) looks at the run again
and again. Each look reads the run's execution record (one GetItem); only once the record
says the run closed (or a later run replaced it, or it expired into the archive) is the
log read, once, for the terminal event. The record is closed after the log (the close is
dispatched after its commit, and a crash in between is finished by the redelivery), so a
caller may learn of a close a little late, never wrongly.
"""

from __future__ import annotations

from durable._replay.events import Event
from durable._runtime.control import Control
from durable._runtime.ports import ExecutionNotFound
from durable._statuses import WorkflowExecutionStatus

__all__ = ["CloseWatch"]


class CloseWatch:
    """The close of one run, looked for in its execution record."""

    def __init__(self, control: Control, workflow_id: str, run_id: str) -> None:
        self._control = control
        self._workflow_id = workflow_id
        self._run_id = run_id

    def look(self) -> Event | None:
        """The run's terminal event, or None while it runs."""
        try:
            record = self._control.services.executions.get(self._workflow_id)
        except ExecutionNotFound:
            record = None  # expired: the archive has it (close_event reads it there)
        if record is not None and record.run_id == self._run_id and record.status is WorkflowExecutionStatus.RUNNING:
            return None
        return self._control.close_event(self._workflow_id, self._run_id)
