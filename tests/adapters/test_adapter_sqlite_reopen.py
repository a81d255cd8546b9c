"""The SQLite backend remembers: every port, closed and opened again on the same file, sees
what it held (what ``durable dev --db-filename`` relies on across a restart).

Nothing is flushed before the file is closed (the adapters have no shutdown step), as a
killed process leaves it; a second process opening the file while it is held is refused.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

from durable._local.sqlite.database import Database, DatabaseInUse, DatabaseUnusable
from durable._local.sqlite.timers import SqliteTimerService
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.ports import ExecutionRecord, HistoryConflict, Selection
from durable._statuses import WorkflowExecutionStatus


class Clock:
    def __init__(self, now: float) -> None:
        self.t = now

    def now(self) -> float:
        return self.t


def event(event_id: int, text: str = "x") -> dict:
    return {"event_id": event_id, "type": "Marker", "attrs": {"text": text}}


def test_history_and_large_records_by_reference(sqlite_backend):
    claims = ClaimCheck(sqlite_backend.payloads())
    sqlite_backend.history(claims).append("wf#r", [event(1), event(2)])
    sqlite_backend.history(claims).append("wf#r", [event(3, "é" * 600_000)])  # over an item: by reference

    sqlite_backend.reopen()

    history = sqlite_backend.history(ClaimCheck(sqlite_backend.payloads()))
    assert [e["event_id"] for e in history.load("wf#r")] == [1, 2, 3]
    assert history.load("wf#r", 2)[0]["attrs"]["text"] == "é" * 600_000
    with pytest.raises(HistoryConflict):  # the log is still the lock
        history.append("wf#r", [event(3)])


def test_executions_heartbeats_and_rejections(sqlite_backend):
    store = sqlite_backend.executions()
    run = ExecutionRecord("w", "r1", "T", "q", WorkflowExecutionStatus.RUNNING, 100.0, memo={"m": '"v"'})
    store.create(run)
    store.close("w", "r1", WorkflowExecutionStatus.COMPLETED, 101.0, 7)
    store.create(ExecutionRecord("w", "r2", "T", "q", WorkflowExecutionStatus.RUNNING, 102.0))
    store.set_visibility("w", "r2", {"Tier": {"type": "Keyword", "value": "gold"}})
    store.record_heartbeat("w#r2", "a1", 2, ["half"], 103.0)
    store.request_activity_cancel("w#r2", "a1")
    store.reject_update("w#r2", "u1", {"message": "no"})

    sqlite_backend.reopen()

    store = sqlite_backend.executions()
    latest = store.get("w")
    assert (latest.run_id, latest.status, latest.search_attributes["Tier"]["value"]) == (
        "r2",
        WorkflowExecutionStatus.RUNNING,
        "gold",
    )
    runs = [(r.run_id, r.status, r.history_length, r.memo) for r, _ in store.scan(Selection(workflow_id="w"))]
    assert runs == [
        ("r2", WorkflowExecutionStatus.RUNNING, 0, {}),
        ("r1", WorkflowExecutionStatus.COMPLETED, 7, {"m": '"v"'}),
    ]
    heartbeat = store.get_heartbeat("w#r2", "a1")
    assert heartbeat is not None and (heartbeat.attempt, heartbeat.details, heartbeat.cancel_requested) == (
        2,
        ["half"],
        True,
    )
    assert store.get_update_rejection("w#r2", "u1") == {"message": "no"}


def test_queues_visible_in_flight_dead_and_dedup(sqlite_backend):
    inbox = sqlite_backend.queue("inbox.fifo", max_receive_count=2)
    for body in ("a1", "a2", "b1"):
        inbox.send(body, group_id=body[0], dedup_id=body)
    [a1, b1] = inbox.receive(1) + inbox.receive(1)
    assert (a1.body, b1.body) == ("a1", "b1")
    inbox.delete([b1.receipt])  # done; a1 is still in flight when the process dies
    activities = sqlite_backend.queue("activities-q", max_receive_count=1)
    activities.send("poison")
    [poison] = activities.receive()
    activities.release(poison.receipt)  # dead after its one receive

    sqlite_backend.reopen()

    inbox = sqlite_backend.queue("inbox.fifo", max_receive_count=2)
    again = inbox.receive(1)  # in flight at the crash: visible again, still first in its group
    assert [(m.body, m.receive_count) for m in again] == [("a1", 2)]
    inbox.send("a1 again", group_id="a", dedup_id="a1")  # its dedup id outlived the restart
    inbox.release(again[0].receipt)
    assert inbox.dead_letters() == ["a1"]
    assert [m.body for m in inbox.receive(10)] == ["a2"]
    activities = sqlite_backend.queue("activities-q", max_receive_count=1)
    assert activities.dead_letters() == ["poison"] and activities.receive() == []
    assert activities.redrive() == 1 and [m.body for m in activities.receive()] == ["poison"]


def test_a_message_in_flight_at_its_last_receive_is_dead_lettered_on_the_next(sqlite_backend):
    q = sqlite_backend.queue("activities-q", max_receive_count=1)
    q.send("last chance")
    assert [m.body for m in q.receive()] == ["last chance"]

    sqlite_backend.reopen()

    q = sqlite_backend.queue("activities-q", max_receive_count=1)
    assert q.receive() == []
    assert q.dead_letters() == ["last chance"]


def test_payloads_and_schedules(sqlite_backend):
    key = sqlite_backend.payloads().put(b"\x00 bytes \xff")
    schedules = sqlite_backend.schedules()
    schedules.create("s1", {"spec": {"every": 60}})
    schedules.put("s1", {"spec": {"every": 30}}, version=1)

    sqlite_backend.reopen()

    assert sqlite_backend.payloads().get(key) == b"\x00 bytes \xff"
    [stored] = sqlite_backend.schedules().list()
    assert (stored.schedule_id, stored.doc, stored.version) == ("s1", {"spec": {"every": 30}}, 2)


def test_the_archive_and_expiries(sqlite_backend):
    objects = sqlite_backend.archive_objects()
    objects.put("default/2024/01/02/w/r.jsonl.gz", b"\x1f\x8b archived")
    history, executions = sqlite_backend.history(), sqlite_backend.executions()
    history.append("w#r", [event(1)])
    history.expire("w#r", 2_000)
    executions.create(ExecutionRecord("w", "r", "T", "q", WorkflowExecutionStatus.RUNNING, 100.0))
    executions.close("w", "r", WorkflowExecutionStatus.COMPLETED, 1_000.0, 1)  # expires at 1000 + 30 days

    sqlite_backend.reopen()

    objects = sqlite_backend.archive_objects()
    assert list(objects.keys("default/")) == ["default/2024/01/02/w/r.jsonl.gz"]
    assert objects.folders("default/2024/") == ["default/2024/01/"]
    assert objects.get("default/2024/01/02/w/r.jsonl.gz") == b"\x1f\x8b archived"
    history, executions = sqlite_backend.history(), sqlite_backend.executions()
    assert sqlite_backend.sweep(1_999, history, executions) == 0
    assert sqlite_backend.sweep(2_000, history, executions) == 1 and history.load("w#r") == []
    assert executions.get("w").status == WorkflowExecutionStatus.COMPLETED
    assert sqlite_backend.sweep(1_000 + 30 * 24 * 3600, history, executions) == 1
    assert list(executions.scan(Selection())) == []


def test_idempotency_records(sqlite_backend):
    calls = []

    def charge(layer):
        config = IdempotencyConfig(event_key_jmespath="id")

        @idempotent_function(data_keyword_argument="order", persistence_store=layer, config=config)
        def run(order: dict) -> dict:
            calls.append(order["id"])
            return {"charged": order["id"]}

        return run(order={"id": "o-1"})

    assert charge(sqlite_backend.idempotency()) == {"charged": "o-1"}

    sqlite_backend.reopen()

    assert charge(sqlite_backend.idempotency()) == {"charged": "o-1"}
    assert calls == ["o-1"]


def test_pending_timers_survive_and_one_due_meanwhile_fires_at_once(sqlite_backend):
    clock = Clock(1_000.0)

    def timers() -> SqliteTimerService:
        return SqliteTimerService(sqlite_backend.db, clock, lambda name: sqlite_backend.queue(name))

    timers().schedule(1_010.0, "inbox.fifo", "soon", group_id="g", dedup_id="soon")
    timers().schedule(5_000.0, "inbox.fifo", "later", group_id="g", dedup_id="later")

    sqlite_backend.reopen()
    clock.t = 1_020.0  # the process was down when the first fell due

    service = timers()
    assert (service.pending(), service.next_due()) == (2, 1_010.0)
    assert service.fire_due() == 1
    assert [m.body for m in sqlite_backend.queue("inbox.fifo").receive()] == ["soon"]
    assert (service.pending(), service.next_due()) == (1, 5_000.0)


def test_a_second_process_on_the_file_is_refused_until_the_first_closes(sqlite_backend):
    probe = [
        sys.executable,
        "-c",
        f"from durable._local.sqlite.database import Database; Database({str(sqlite_backend.path)!r})",
    ]
    refused = subprocess.run(probe, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "is in use by another process" in refused.stderr and "DatabaseInUse" in refused.stderr
    with pytest.raises(DatabaseInUse):
        Database(sqlite_backend.path)

    sqlite_backend.db.close()

    assert subprocess.run(probe, capture_output=True, text=True).returncode == 0
    sqlite_backend.db = Database(sqlite_backend.path)  # closed again by the fixture


def test_a_file_that_is_not_sqlite_is_refused_and_missing_folders_are_made(tmp_path):
    (tmp_path / "notes.txt").write_text("not a database, long enough to have a header" * 10)
    with pytest.raises(DatabaseUnusable, match="notes.txt.*not a database"):
        Database(tmp_path / "notes.txt")
    fresh = Database(tmp_path / "state" / "dev.db")
    fresh.close()
    assert (tmp_path / "state" / "dev.db").exists()


def test_another_application_s_database_is_left_alone(tmp_path):
    other = sqlite3.connect(tmp_path / "app.db")
    other.execute("CREATE TABLE users (name TEXT)")
    other.commit()
    other.close()
    with pytest.raises(DatabaseUnusable, match="another application"):
        Database(tmp_path / "app.db")
    tables = sqlite3.connect(tmp_path / "app.db").execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("users",)]
