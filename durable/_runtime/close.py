"""How runs end: what follows a terminal event, and terminating a run from outside.

Everything here is idempotent and derived from the closed log, so a re-dispatch of the
closing record, the reconciler, or a repeated terminate finishes a close a crash cut short.
"""

from __future__ import annotations

import logging
from typing import Any

from durable._replay import events as ev
from durable._replay.children import ParentClosePolicy
from durable._replay.ledger import Ledger
from durable._runtime.inbox import send_to_inbox
from durable._runtime.lifecycle import retry_of
from durable._runtime.ports import ExecutionNotFound, HistoryConflict
from durable._runtime.retention import archive_closed_run
from durable._runtime.schedules import ScheduleRunner
from durable._runtime.services import Services, execution_key
from durable._runtime.timer_cancel import cancel_pending_timers
from durable._statuses import WorkflowExecutionStatus

__all__ = ["apply_parent_close_policy", "finish_close", "terminate_run"]

logger = logging.getLogger("durable.orchestrator")


def finish_close(services: Services, ledger: Ledger) -> None:
    """What follows a run's terminal event: its record, its parent, its children (idempotent)."""
    started = ledger.started or {}
    wf, run = started["workflow_id"], started["run_id"]
    close_time = ledger.close_time or services.clock.now()
    if services.archival is not None:
        # Before the record says closed: once it does, the run is archived (durable._runtime.retention).
        archive_closed_run(services.archival, ledger, execution_key(wf, run), close_time)
    # Before the record says closed, so a crash in between finds the close to finish and does it again.
    cancel_pending_timers(services, ledger)
    services.executions.close(wf, run, ledger.status, close_time, ledger.last_event_id)
    _report_to_parent(services, ledger)
    apply_parent_close_policy(services, ledger)
    if (
        started.get("scheduled_by_id")
        and ledger.status is not WorkflowExecutionStatus.CONTINUED_AS_NEW
        and retry_of(ledger) is None
    ):
        try:
            ScheduleRunner(services).workflow_closed(started["scheduled_by_id"], wf, ledger.status)
        except Exception:  # noqa: BLE001 - the close itself is done; the schedule catches up
            # A buffered start then waits for the schedule's next action (which drains the
            # buffer first); the close must not fail for it, nor the reconciler's pass.
            logger.exception("schedule %s was not told that %s closed", started["scheduled_by_id"], wf)


def _report_to_parent(services: Services, ledger: Ledger) -> None:
    started = ledger.started or {}
    parent = started.get("parent")
    if not parent or ledger.status is WorkflowExecutionStatus.CONTINUED_AS_NEW or retry_of(ledger) is not None:
        return  # the next run of the chain reports
    attrs = ledger.close_event["attributes"] if ledger.close_event else {}
    fields: dict[str, Any] = {"seq": parent["seq"], "status": ledger.status.name, "child_run_id": started["run_id"]}
    if ledger.status is WorkflowExecutionStatus.COMPLETED:
        fields["result"] = attrs["result"]
    elif ledger.status is WorkflowExecutionStatus.FAILED:
        fields["failure"] = attrs["failure"]
    send_to_inbox(
        services, parent["workflow_id"], parent["run_id"], "child_closed", f"child:{parent['seq']}:closed", **fields
    )


def apply_parent_close_policy(services: Services, ledger: Ledger) -> None:
    """Terminate or ask to cancel the running children of a closed run, as each one's policy says."""
    started = ledger.started or {}
    wf, run = started["workflow_id"], started["run_id"]
    for seq, child in ledger.children.items():
        policy = child.initiated["parent_close_policy"]
        if policy == ParentClosePolicy.ABANDON:
            continue
        child_wf = child.initiated["workflow_id"]
        child_run = _current_run_of_child(services, child_wf, child.initiated["run_id"], wf, run)
        if child_run is None:
            continue  # closed already, or its id belongs to another workflow now
        dedup = f"parent-close:{run}:{seq}"
        if policy == ParentClosePolicy.REQUEST_CANCEL:
            send_to_inbox(services, child_wf, child_run, "cancel", dedup, reason=f"parent workflow {wf} closed")
        else:
            terminate_run(services, child_wf, child_run, reason="by parent close policy", details=[], dedup=dedup)


def _current_run_of_child(
    services: Services, child_wf: str, child_run: str, parent_wf: str, parent_run: str
) -> str | None:
    """The running run of a child: its first run, or a later one of its continue-as-new chain."""
    try:
        record = services.executions.get(child_wf)
    except ExecutionNotFound:
        return None
    if record.status is not WorkflowExecutionStatus.RUNNING:
        return None
    if record.run_id == child_run:
        return child_run
    started = Ledger.of(services.history.load(execution_key(child_wf, record.run_id))).started or {}
    parent = started.get("parent") or {}
    return record.run_id if (parent.get("workflow_id"), parent.get("run_id")) == (parent_wf, parent_run) else None


def terminate_run(
    services: Services,
    workflow_id: str,
    run_id: str,
    *,
    reason: str,
    details: list[str],
    dedup: str,
    extra: dict[str, Any] | None = None,
) -> bool:
    """Close a run as TERMINATED now; False if it had closed already.

    A repeat with the same ``dedup`` (a re-dispatch after a crash) finishes the close of
    the termination it made before. ``extra`` goes on the event too (a reset's description).
    """
    key = execution_key(workflow_id, run_id)
    for _ in range(5):
        ledger = Ledger.of(services.history.load(key))
        if ledger.closed:
            if ledger.close_event is not None and ledger.close_event["attributes"].get("dedup") == dedup:
                finish_close(services, ledger)
            return False
        now = services.clock.now()
        event = ev.make_event(ev.WORKFLOW_TERMINATED, now, reason=reason, details=details, dedup=dedup, **(extra or {}))
        event["event_id"] = ledger.last_event_id + 1
        try:
            services.history.append(key, [event])
        except HistoryConflict:
            continue  # the orchestrator committed meanwhile: look again
        ledger.observe([event])
        for act in ledger.activities.values():  # heartbeating activities learn they must stop
            services.executions.request_activity_cancel(key, act.scheduled["activity_id"])
        finish_close(services, ledger)
        return True
    raise HistoryConflict(f"workflow execution {workflow_id} kept changing; terminate again")
