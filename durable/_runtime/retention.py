"""Retention: a closed run is archived, then its history is set to expire with its record.

Done once per run, in its close (:func:`durable._runtime.close.finish_close`), before the
execution record is marked closed:

1. the run (its closed visibility record and its history as stored) is written to the
   archive, one object;
2. every item of its history gets the record's expiry (``expires_at``, the history
   table's TTL attribute), so DynamoDB deletes the log when it deletes the record, for free;
3. the record is closed, with that same expiry (:meth:`ExecutionStore.close`).

A crash anywhere before step 3 leaves the record RUNNING with a closed log: the
redelivered message or the reconciler finishes the close and does all three again (the
archive's writes are idempotent, the expiry is the same value). Once the record says
closed, the archive exists; and no history item has an expiry before the archive exists,
so nothing is deleted that was not archived.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from durable._replay.ledger import Ledger
from durable._runtime.archive import ArchivedRun, RunArchive
from durable._runtime.ports import ExecutionNotFound, ExecutionRecord, ExecutionStore, HistoryStore

__all__ = ["Archival", "archive_closed_run", "expiry_of"]


def expiry_of(close_time: float, retention_seconds: float) -> int:
    """When a closed run's items expire (epoch seconds, DynamoDB's TTL unit): the executions
    store computes its record's expiry the same way."""
    return int(close_time + retention_seconds)


@dataclass
class Archival:
    """Where closed runs are archived, and how long their items stay in the tables.

    ``history`` and ``executions`` are the stores as they hold the data (without a payload
    codec's wrapping), so the archive holds payloads exactly as the tables did.
    """

    archive: RunArchive
    history: HistoryStore
    executions: ExecutionStore
    retention_seconds: float


def archive_closed_run(archival: Archival, ledger: Ledger, key: str, close_time: float) -> ArchivedRun | None:
    """Steps 1 and 2 of the module's close: archive the run (history partition ``key``),
    then let its history expire. None, doing nothing, when its log has expired already."""
    started = ledger.started or {}
    wf, run = started["workflow_id"], started["run_id"]
    events = archival.history.load(key)
    if not events or int(events[-1]["event_id"]) < ledger.last_event_id:
        # The log expired since the ledger was read (a close re-dispatched at the end of the
        # retention): it was archived before it could expire, and must not be overwritten.
        return None
    try:
        record = archival.executions.get(wf)
    except ExecutionNotFound:
        record = None
    if record is None or record.run_id != run:
        # A newer run took the workflow id meanwhile (a close finished late): the log says it all.
        record = ExecutionRecord(
            workflow_id=wf,
            run_id=run,
            workflow_type=started["workflow_type"],
            task_queue=started["task_queue"],
            status=ledger.status,
            start_time=ledger.start_time,
            memo=dict(started.get("memo") or {}),
        )
    closed = dataclasses.replace(
        record,
        status=ledger.status,
        close_time=close_time,
        history_length=ledger.last_event_id,
        search_attributes=ledger.search_attributes,
        task_failure=None,
    )
    archived = ArchivedRun(closed, events)
    archival.archive.put(archived)
    archival.history.expire(key, expiry_of(close_time, archival.retention_seconds))
    return archived
