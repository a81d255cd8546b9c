"""Looking at a run for its close without reading its whole history each time.

A caller that waits for a result (the result route's long poll, on a deployment where
nothing tells the API that a run closed) looks at the run again and again. The first look
reads the history once (or the archive's copy); every later one reads only the records
committed since (``HistoryStore.load(after_event_id=...)``: one Query that usually returns
nothing), since the terminal event is the last one a run's log ever gets.
"""

from __future__ import annotations

from durable._replay import events as ev
from durable._replay.events import Event
from durable._runtime.control import Control
from durable._runtime.services import execution_key

__all__ = ["CloseWatch"]


class CloseWatch:
    """The close of one run, looked for at the tail of its log."""

    def __init__(self, control: Control, workflow_id: str, run_id: str) -> None:
        self._control = control
        self._workflow_id = workflow_id
        self._run_id = run_id
        self._after: int | None = None  # the last event id read, once the first look read the log

    def look(self) -> Event | None:
        """The run's terminal event, or None while it runs."""
        if self._after is None:
            ledger = self._control.ledger(self._workflow_id, self._run_id)
            self._after = ledger.last_event_id
            return ledger.close_event
        key = execution_key(self._workflow_id, self._run_id)
        new = self._control.services.history.load(key, self._after)
        if not new:
            return None
        self._after = new[-1]["event_id"]
        return next((e for e in new if e["event_type"] in ev.TERMINAL_EVENTS), None)
