"""The reconciler: finishes what a crash between two AWS calls left undone.

The inbox's redelivery recovers every step of the orchestrator and the activity worker.
What it cannot see is a start whose caller died after the run became visible and before
its start message was sent: the run is RUNNING, its log holds the start event, and no
decision ever comes. A periodic pass (an EventBridge rule on AWS) sends those runs their
start message again; the orchestrator ignores it for a run that did start. A child
workflow's start goes the same way, so this covers it too.

The other gap is a termination cut short after its event was logged: the run's log is
closed while its record still says RUNNING, and its parent and children were not told.
The pass finishes that close (record, parent, parent-close policy), idempotently.

A schedule whose next time was written but never armed (a crash in between) is sent its
fire once that time is overdue.
"""

from __future__ import annotations

import logging

from durable._replay.ledger import Ledger
from durable._runtime.orchestrator import execution_time, finish_close, send_to_inbox
from durable._runtime.services import Services, execution_key

__all__ = ["Reconciler"]

logger = logging.getLogger("durable.reconciler")


class Reconciler:
    """Nudges runs whose first decision never came."""

    def __init__(self, services: Services, *, grace_seconds: float = 60.0, batch: int = 1000) -> None:
        self.services = services
        self.grace_seconds = grace_seconds
        self.batch = batch

    def run(self) -> list[str]:
        """One pass; returns the workflow ids that were sent their start again (or closed)."""
        now = self.services.clock.now()
        nudged = []
        for record in self.services.executions.list(status="RUNNING", limit=self.batch):
            if now - record.start_time < self.grace_seconds or record.task_failure is not None:
                continue  # young, or its workflow task is failing visibly (and retrying)
            ledger = Ledger.of(self.services.history.load(execution_key(record.workflow_id, record.run_id)))
            if ledger.closed and ledger.started is not None:
                finish_close(self.services, ledger)
                logger.warning("run %s of %s closed without finishing its close: finished now", record.run_id, record.workflow_id)
                nudged.append(record.workflow_id)
                continue
            if ledger.started is None or ledger.decided:
                continue
            if now - execution_time(ledger.started) < self.grace_seconds:
                continue  # a cron run waiting for its tick: its start is a timer, not lost
            send_to_inbox(self.services, record.workflow_id, record.run_id, "start", "start")
            logger.warning("run %s of %s never got its first decision: start sent again", record.run_id, record.workflow_id)
            nudged.append(record.workflow_id)
        return nudged

    def fire_overdue_schedules(self, grace_seconds: float = 300.0) -> list[str]:
        """Schedules whose armed time passed ``grace_seconds`` ago: their fire sent again."""
        from durable._runtime.schedules import ScheduleRunner  # builds on the orchestrator

        fired = ScheduleRunner(self.services).fire_overdue(grace_seconds)
        for schedule_id in fired:
            logger.warning("schedule %s missed its armed time: fire sent again", schedule_id)
        return fired
