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

An activity outcome whose delivery invocation crashed three times sits in the
orchestrator's dead-letter queue: the pass forwards it to its run's inbox
(:mod:`durable._runtime.delivery`). A timer's or a schedule's delivery that EventBridge
Scheduler gave up on sits in the schedule DLQ: the pass forwards it to the queue it was for
(:mod:`durable._runtime.schedule_dead_letters`).

A pass covers every running run (the executions store is read page by page, resuming
from the last cursor if a page read fails) and every schedule. One item that cannot be
handled (a corrupt history, a throttled write) is logged with its id, counted in
``ReconcilerItemFailures`` and skipped: the rest of the pass goes on, and the next pass
tries it again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from durable._replay.ledger import Ledger
from durable._runtime.close import finish_close
from durable._runtime.deadlines import send_deadline
from durable._runtime.delivery import forward_failed_deliveries
from durable._runtime.inbox import send_to_inbox
from durable._runtime.lifecycle import execution_time
from durable._runtime.ports import ExecutionRecord, Selection, StoredSchedule
from durable._runtime.schedule_dead_letters import forward_schedule_dead_letters
from durable._runtime.schedules import fire_body
from durable._runtime.services import Services, execution_key, schedule_group
from durable._schedules.spec import ScheduleTimes
from durable._statuses import WorkflowExecutionStatus

__all__ = ["Reconciler", "ReconcilerPass"]

logger = logging.getLogger("durable.reconciler")

ITEM_FAILURES_METRIC = "ReconcilerItemFailures"
"""Counted once per run or schedule that a pass could not handle."""

SCHEDULE_DELIVERIES_METRIC = "ScheduleDeliveriesForwarded"
"""Counted per schedule delivery forwarded from the schedule DLQ (each was a Scheduler failure)."""

FAILED_DELIVERIES_METRIC = "FailedDeliveriesForwarded"
"""Counted per activity outcome forwarded to the inbox after its invocation was dead-lettered."""

_PAGE_READ_ATTEMPTS = 3
"""How often a pass reads a page of running runs again (from its cursor) before it gives up."""


@dataclass
class ReconcilerPass:
    """What one pass saw and did."""

    runs_seen: int = 0
    """Running runs read from the executions store (young and failing ones included)."""
    nudged: list[str] = field(default_factory=list)
    """Workflow ids sent their start again, or whose cut-short close was finished."""
    run_failures: int = 0
    """Runs that raised (each logged with its ids); a page that could not be read counts one."""
    schedules_seen: int = 0
    schedules_fired: list[str] = field(default_factory=list)
    """Schedules whose overdue fire was sent again."""
    schedule_failures: int = 0
    deliveries_forwarded: int = 0
    """Dead-lettered deliveries sent on to their runs' inboxes."""
    delivery_failures: int = 0
    schedule_deliveries_forwarded: int = 0
    """Schedule deliveries Scheduler dead-lettered, sent on to the queues they were for."""
    schedule_delivery_failures: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The pass as the reconciler Lambda returns it (JSON-able)."""
        return {
            "runs_seen": self.runs_seen,
            "nudged": list(self.nudged),
            "run_failures": self.run_failures,
            "schedules_seen": self.schedules_seen,
            "schedules_fired": list(self.schedules_fired),
            "schedule_failures": self.schedule_failures,
            "deliveries_forwarded": self.deliveries_forwarded,
            "delivery_failures": self.delivery_failures,
            "schedule_deliveries_forwarded": self.schedule_deliveries_forwarded,
            "schedule_delivery_failures": self.schedule_delivery_failures,
        }


class Reconciler:
    """Nudges runs whose first decision never came, and schedules whose fire never came."""

    def __init__(self, services: Services, *, grace_seconds: float = 60.0, page_size: int = 500) -> None:
        """
        Args:
            services: the deployment's ports.
            grace_seconds: runs younger than this are left alone (their start is in flight).
            page_size: running runs read per request of the executions store.
        """
        self.services = services
        self.grace_seconds = grace_seconds
        self.page_size = page_size

    def reconcile(self, schedule_grace_seconds: float = 300.0) -> ReconcilerPass:
        """One whole pass: failed deliveries, every running run, then every schedule."""
        result = ReconcilerPass()
        self._deliveries(result)
        self._schedule_deliveries(result)
        self._runs(result)
        self._schedules(result, schedule_grace_seconds)
        return result

    def _deliveries(self, result: ReconcilerPass) -> None:
        result.deliveries_forwarded, result.delivery_failures = self._forward(
            forward_failed_deliveries, FAILED_DELIVERIES_METRIC, "the failed deliveries"
        )

    def _schedule_deliveries(self, result: ReconcilerPass) -> None:
        # Before the runs and the schedules: a forwarded timer or fire is then in its queue,
        # so the overdue-fire check below finds less to send again.
        result.schedule_deliveries_forwarded, result.schedule_delivery_failures = self._forward(
            forward_schedule_dead_letters, SCHEDULE_DELIVERIES_METRIC, "the schedule dead letters"
        )

    def _forward(self, forward: Callable[[Services], tuple[int, int]], metric: str, what: str) -> tuple[int, int]:
        """Forward a dead-letter queue's messages to where they were going: (forwarded, failures),
        each counted. A queue that could not be read is one failure: the next pass tries again."""
        try:
            forwarded, failures = forward(self.services)
        except Exception:
            logger.exception("reading %s failed", what)
            forwarded, failures = 0, 1
        if forwarded:
            self.services.metrics.count(metric, forwarded)
        if failures:
            self.services.metrics.count(ITEM_FAILURES_METRIC, failures)
        return forwarded, failures

    def run(self) -> list[str]:
        """A pass over the running runs; returns the workflow ids sent their start again (or closed)."""
        result = ReconcilerPass()
        self._runs(result)
        return result.nudged

    def fire_overdue_schedules(self, grace_seconds: float = 300.0) -> list[str]:
        """Schedules whose armed time passed ``grace_seconds`` ago: their fire sent again."""
        result = ReconcilerPass()
        self._schedules(result, grace_seconds)
        return result.schedules_fired

    # -- runs ----------------------------------------------------------------------------

    def _runs(self, result: ReconcilerPass) -> None:
        now = self.services.clock.now()
        # Runs started within the grace period cannot need anything yet: the index skips them.
        selection = Selection(status=WorkflowExecutionStatus.RUNNING, start_to=now - self.grace_seconds)
        cursor: str | None = None
        failed_reads = 0
        while True:
            try:
                pages = self.services.executions.scan(selection, after=cursor, page_size=self.page_size)
                for record, position in pages:
                    cursor = position  # a failed read resumes after this run
                    result.runs_seen += 1
                    self._run_item(record, now, result)
                return
            except Exception:  # reading a page failed (throttled, timed out): resume from the cursor
                failed_reads += 1
                logger.exception("reading running runs after cursor %s failed (attempt %d)", cursor, failed_reads)
                if failed_reads >= _PAGE_READ_ATTEMPTS:
                    self._failed(result, "runs")
                    return

    def _run_item(self, record: ExecutionRecord, now: float, result: ReconcilerPass) -> None:
        try:
            if self._reconcile_run(record, now):
                result.nudged.append(record.workflow_id)
        except Exception:  # one bad run must not hide the others from the pass
            logger.exception(
                "reconciling run %s of %s failed: skipped until the next pass", record.run_id, record.workflow_id
            )
            self._failed(result, "runs")

    def _reconcile_run(self, record: ExecutionRecord, now: float) -> bool:
        if record.status is not WorkflowExecutionStatus.RUNNING or now - record.start_time < self.grace_seconds:
            return False  # young: its start is in flight
        ledger = Ledger.of(self.services.history.load(execution_key(record.workflow_id, record.run_id)))
        if record.task_failure is not None and not ledger.closed:
            return False  # its workflow task is failing visibly (and retrying)
        if ledger.closed and ledger.started is not None:
            # Also when its messages failed (an archive that could not be written, say) until
            # they were dead-lettered: the close is finished here, archive first.
            finish_close(self.services, ledger)
            logger.warning(
                "run %s of %s closed without finishing its close: finished now", record.run_id, record.workflow_id
            )
            return True
        if ledger.started is None or ledger.decided:
            return False
        if now - execution_time(ledger.started) < self.grace_seconds:
            return False  # a cron run waiting for its tick: its start is a timer, not lost
        send_deadline(self.services, ledger.started)  # sent before the start, so it may be lost too
        send_to_inbox(self.services, record.workflow_id, record.run_id, "start", "start")
        logger.warning("run %s of %s never got its first decision: start sent again", record.run_id, record.workflow_id)
        return True

    # -- schedules -----------------------------------------------------------------------

    def _schedules(self, result: ReconcilerPass, grace_seconds: float) -> None:
        store = self.services.schedules
        if store is None:
            return
        try:
            schedules = store.list()
        except Exception:
            logger.exception("listing schedules failed: no schedule reconciled in this pass")
            self._failed(result, "schedules")
            return
        now = self.services.clock.now()
        for stored in schedules:
            result.schedules_seen += 1
            try:
                if self._fire_if_overdue(stored, now, grace_seconds):
                    result.schedules_fired.append(stored.schedule_id)
                    logger.warning("schedule %s missed its armed time: fire sent again", stored.schedule_id)
            except Exception:  # a schedule that cannot be read must not stop the others
                logger.exception("reconciling schedule %s failed: skipped until the next pass", stored.schedule_id)
                self._failed(result, "schedules")

    def _fire_if_overdue(self, stored: StoredSchedule, now: float, grace_seconds: float) -> bool:
        """Send the fire of a schedule whose armed time passed ``grace_seconds`` ago.

        A crash between a schedule's write and the arming of its next time leaves nothing
        to deliver it. A fire sent twice is taken once (the schedule runner checks the
        armed time).
        """
        armed = stored.doc["info"].get("armed")
        if armed is None:
            return False
        due = ScheduleTimes.from_doc(stored.doc["schedule"]["spec"]).jittered(stored.schedule_id, armed)
        if now - due <= grace_seconds:
            return False
        body = fire_body(stored.schedule_id, armed)
        dedup = f"reconciled:{json.loads(body)['dedup']}"
        self.services.inbox.send(body, group_id=schedule_group(stored.schedule_id), dedup_id=dedup)
        return True

    def _failed(self, result: ReconcilerPass, kind: str) -> None:
        if kind == "runs":
            result.run_failures += 1
        else:
            result.schedule_failures += 1
        self.services.metrics.count(ITEM_FAILURES_METRIC)
