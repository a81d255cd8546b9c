"""kill -9 at seeded random moments: an engine on a SQLite file, killed again and again and
started on the same file, finishes every run with the right result and a consistent history.

Each life of ``tests/invariants/sqlite_workload.py`` is killed after a delay drawn from the
printed seed (``DURABLE_KILL_SEED`` replays one); the last life runs to the end. Activities may
run again after a kill (at least once, as on Lambda); what must hold is that no run is lost,
none is started twice, and each history is one contiguous log that replays.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from durable._local.sqlite.database import Database
from durable._local.sqlite.executions import SqliteExecutionStore
from durable._local.sqlite.history import SqliteHistoryStore
from durable._local.sqlite.payloads import SqlitePayloadStore
from durable._replay.definition import WorkflowDefinition
from durable._replay.machine import HistoryMachine
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.ports import Selection
from durable._runtime.services import execution_key
from tests.invariants.sqlite_workload import Chain, expected

ROOT = Path(__file__).resolve().parents[2]
RUNS = 12
KILLS = 4


def life(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.invariants.sqlite_workload", str(path), str(RUNS)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _open_runs(path: Path) -> list[str]:
    """Runs of the file not closed yet."""
    store = Database(path)
    try:
        runs = SqliteExecutionStore(store, claims=ClaimCheck(SqlitePayloadStore(store))).scan(Selection())
        return [r.workflow_id for r, _ in runs if r.close_time is None]
    finally:
        store.close()


def test_runs_survive_repeated_kill_9_at_random_moments(tmp_path: Path) -> None:
    seed = int(os.environ.get("DURABLE_KILL_SEED", random.randrange(1 << 32)))
    print(f"DURABLE_KILL_SEED={seed}")
    draw = random.Random(seed)
    db = tmp_path / "engine.db"
    interrupted: list[str] = []
    for n in range(KILLS):
        proc = life(db)
        assert proc.stdout is not None
        assert proc.stdout.readline() == "started\n", f"seed {seed}: {proc.stderr.read() if proc.stderr else ''}"
        time.sleep(draw.uniform(0.0, 0.5))  # the moment of the kill, while the runs go on
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        # A later life may finish first: a timer due while no process ran fires at once.
        assert proc.returncode in (0, -signal.SIGKILL), f"seed {seed}: life {n} failed"
        if n == 0:
            interrupted = _open_runs(db)
    assert interrupted, f"seed {seed}: the first kill interrupted nothing"

    last = life(db)
    out, err = last.communicate(timeout=180)
    assert last.returncode == 0, f"seed {seed}: {err}"
    assert json.loads(out.splitlines()[-1]) == [expected(100 * i) for i in range(RUNS)], f"seed {seed}"

    store = Database(db)
    try:
        claims = ClaimCheck(SqlitePayloadStore(store))
        runs = [r for r, _ in SqliteExecutionStore(store, claims=claims).scan(Selection())]
        assert sorted(r.workflow_id for r in runs) == sorted(f"chain-{i}" for i in range(RUNS)), f"seed {seed}"
        history = SqliteHistoryStore(store, claims=claims)
        for run in runs:
            events = history.load(execution_key(run.workflow_id, run.run_id))
            assert [e["event_id"] for e in events] == list(range(1, len(events) + 1)), f"seed {seed}"
            assert [e["event_type"] for e in events].count("WorkflowExecutionCompleted") == 1, f"seed {seed}"
            machine = HistoryMachine(lambda _type, _queue: WorkflowDefinition.of(Chain))
            machine.replay(events)
            assert machine.replay_error is None and machine.ledger.status.name == "COMPLETED", f"seed {seed}"
    finally:
        store.close()
