"""Contract: the archive of closed runs and the expiry of their items, on S3/DynamoDB (moto)
and in memory alike."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from typing import Any

import pytest

from durable._replay.events import Event
from durable._runtime.archive import ArchivedRun, RunArchive, archive_key, workflow_segment
from durable._runtime.ports import ExecutionNotFound, ExecutionRecord, Selection
from durable._statuses import WorkflowExecutionStatus
from durable._visibility.archived import close_time_bounds, list_archived

DAY = 24 * 3600.0
T0 = 1_796_000_000.0  # 2026-11-30T00:53:20Z


def _run(workflow_id: str, *, start: float = T0, close: float = T0 + 60, run_id: str | None = None) -> ArchivedRun:
    record = ExecutionRecord(
        workflow_id=workflow_id,
        run_id=run_id or str(uuid.uuid4()),
        workflow_type="Order",
        task_queue="orders",
        status=WorkflowExecutionStatus.COMPLETED,
        start_time=start,
        close_time=close,
        history_length=2,
        memo={"note": '"a memo"'},
        search_attributes={"CustomerId": {"type": "Keyword", "value": "c-1"}},
    )
    events: list[Event] = [
        {"event_id": 1, "event_time": start, "event_type": "WorkflowExecutionStarted", "attributes": {"input": ["1"]}},
        {"event_id": 2, "event_time": close, "event_type": "WorkflowExecutionCompleted", "attributes": {"result": "2"}},
    ]
    return ArchivedRun(record, events)


def test_an_archived_run_reads_back_as_it_was_written(backend: Any) -> None:
    archive = RunArchive(backend.archive_objects(), "prod")
    run = _run("order-1")
    archive.put(run)
    assert archive.get("order-1", run.record.run_id) == run
    assert archive.get("order-1") == run


def test_the_object_is_gzip_json_lines_under_the_close_date_the_visibility_record_first(backend: Any) -> None:
    objects = backend.archive_objects()
    run = _run("order-1", close=T0 + 60)
    key = RunArchive(objects, "prod").put(run)
    assert key == f"archive/namespace=prod/close_date=2026-11-30/order-1/{run.record.run_id}.jsonl.gz"
    lines = gzip.decompress(objects.get(key)).decode().splitlines()
    first = json.loads(lines[0])["visibility"]
    assert (first["workflow_id"], first["status"], first["close_time_utc"]) == (
        "order-1",
        "COMPLETED",
        "2026-11-30T00:54:20Z",
    )
    assert [json.loads(line) for line in lines[1:]] == run.events


def test_archiving_twice_writes_the_same_bytes(backend: Any) -> None:
    objects = backend.archive_objects()
    archive = RunArchive(objects, "prod")
    run = _run("order-1")
    key = archive.put(run)
    first = objects.get(key)
    time.sleep(1.1)  # gzip would stamp a new time, were it not fixed
    assert archive.put(run) == key
    assert objects.get(key) == first
    assert len(list(objects.keys("archive/"))) == 1


def test_the_latest_archived_run_of_a_workflow_id_is_the_last_closed(backend: Any) -> None:
    archive = RunArchive(backend.archive_objects(), "prod")
    older, newer = _run("order-1", close=T0 + 60), _run("order-1", start=T0 + DAY, close=T0 + 2 * DAY)
    archive.put(newer)
    archive.put(older)
    assert archive.get("order-1").record.run_id == newer.record.run_id
    assert archive.get("order-1", older.record.run_id) == older


def test_a_run_that_is_not_archived_is_not_found(backend: Any) -> None:
    archive = RunArchive(backend.archive_objects(), "prod")
    archive.put(_run("order-1"))
    with pytest.raises(ExecutionNotFound):
        archive.get("order-2")
    with pytest.raises(ExecutionNotFound):
        archive.get("order-1", "no-such-run")
    with pytest.raises(ExecutionNotFound):
        RunArchive(archive.objects, "staging").get("order-1")  # another namespace's archive


def test_a_long_or_unusual_workflow_id_is_keyed_by_its_digest(backend: Any) -> None:
    archive = RunArchive(backend.archive_objects(), "prod")
    odd = "order/é " + "x" * 900
    run = _run(odd)
    key = archive.put(run)
    assert workflow_segment(odd).startswith("~") and len(key) < 200
    assert key == archive_key("prod", run.record)
    assert archive.get(odd) == run


def test_the_archive_lists_runs_by_selection_newest_start_first_narrowed_by_close_date(backend: Any) -> None:
    archive = RunArchive(backend.archive_objects(), "prod")
    runs = [_run(f"order-{i}", start=T0 + i * DAY, close=T0 + i * DAY + 60) for i in range(4)]
    for run in runs:
        archive.put(run)
    listed = [r.workflow_id for r, _ in archive.scan(Selection())]
    assert listed == ["order-3", "order-2", "order-1", "order-0"]
    assert [r.workflow_id for r, _ in archive.scan(Selection(start_from=T0 + 2 * DAY))] == ["order-3", "order-2"]
    assert len(list(archive.keys(closed_from=T0 + 2 * DAY))) == 2  # earlier close dates are not listed
    cursor = next(c for r, c in archive.scan(Selection()) if r.workflow_id == "order-2")
    assert [r.workflow_id for r, _ in archive.scan(Selection(), after=cursor)] == ["order-1", "order-0"]
    ascending = [r.workflow_id for r, _ in archive.scan(Selection(ascending=True, workflow_id="order-1"))]
    assert ascending == ["order-1"]


def _event(event_id: int) -> Event:
    return {"event_id": event_id, "event_time": T0, "event_type": "WorkflowExecutionStarted", "attributes": {}}


def test_a_history_expires_only_once_told_and_then_with_its_ttl(backend: Any) -> None:
    history = backend.history()
    history.append("wf#run", [_event(1)])
    history.append("wf#run", [_event(2), _event(3)])
    history.append("other#run", [_event(1)])
    backend.sweep(T0 + 1000 * DAY, history)
    assert len(history.load("wf#run")) == 3  # no expiry set: kept, however late
    history.expire("wf#run", int(T0 + 30 * DAY))
    backend.sweep(T0 + 30 * DAY - 1, history)
    assert len(history.load("wf#run")) == 3
    backend.sweep(T0 + 30 * DAY, history)
    assert history.load("wf#run") == []
    assert len(history.load("other#run")) == 1


def test_a_closed_execution_record_expires_after_the_retention(backend: Any) -> None:
    executions = backend.executions()
    record = _run("order-1").record
    running = ExecutionRecord(
        workflow_id=record.workflow_id,
        run_id=record.run_id,
        workflow_type=record.workflow_type,
        task_queue=record.task_queue,
        status=WorkflowExecutionStatus.RUNNING,
        start_time=T0,
    )
    executions.create(running)
    executions.create(
        ExecutionRecord(
            workflow_id="still-running", run_id="r", workflow_type="Order", task_queue="q",
            status=WorkflowExecutionStatus.RUNNING, start_time=T0,
        )
    )  # fmt: skip
    executions.close("order-1", record.run_id, WorkflowExecutionStatus.COMPLETED, T0 + 60, 2)
    backend.sweep(T0 + 60 + 30 * DAY - 1, executions)
    assert executions.get("order-1").status is WorkflowExecutionStatus.COMPLETED
    backend.sweep(T0 + 60 + 30 * DAY, executions)
    with pytest.raises(ExecutionNotFound):
        executions.get("order-1")
    assert executions.get("still-running").status is WorkflowExecutionStatus.RUNNING


class _CountingReads:
    """The object store, remembering which objects were read."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.read: list[str] = []

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(key, data)

    def get(self, key: str, max_bytes: int | None = None) -> bytes:
        self.read.append(key)
        return bytes(self.inner.get(key, max_bytes))

    def keys(self, prefix: str) -> Any:
        return self.inner.keys(prefix)

    def folders(self, prefix: str) -> list[str]:
        return list(self.inner.folders(prefix))


def test_the_filter_lists_archived_runs_reading_only_the_close_dates_it_allows(backend: Any) -> None:
    objects = _CountingReads(backend.archive_objects())
    archive = RunArchive(objects, "prod")
    for i in range(5):
        archive.put(_run(f"order-{i}", start=T0 + i * DAY, close=T0 + i * DAY + 60))
    # order-1 closed on 2026-12-01, order-2 on 2026-12-02, order-3 on 2026-12-03
    query = "CloseTime >= '2026-12-01T00:00:00Z' AND CloseTime < '2026-12-03T00:00:00Z' AND WorkflowType = 'Order'"
    assert close_time_bounds(query) == (T0 + DAY - 3200, T0 + 3 * DAY - 3200)
    page = list_archived(archive, query)
    assert [r.workflow_id for r in page.executions] == ["order-2", "order-1"]
    assert sorted(k.split("/")[2] for k in objects.read) == [
        "close_date=2026-12-01", "close_date=2026-12-02", "close_date=2026-12-03",
    ]  # fmt: skip
    again = list_archived(archive, query)  # objects never change: their records are read once
    assert again.executions == page.executions and len(objects.read) == 3
    objects.read.clear()
    fresh = RunArchive(objects, "prod")
    later = list_archived(fresh, "StartTime >= '2026-12-03T00:00:00Z'")
    assert [r.workflow_id for r in later.executions] == ["order-4", "order-3"]
    assert len(objects.read) == 2  # a run closes after it starts: the dates before are not read
    assert list_archived(archive, "ExecutionStatus = 'Failed'").executions == []
