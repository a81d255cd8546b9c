"""``durable dev --db-filename FILE``: a dev server killed with kill -9 and started again on the
same file carries on (runs, their histories, timers, schedules and queued activities); without
the flag its banner says the state is in memory."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conftest import DevServerProcess, Run, durable

TASK_QUEUE = "persist"


def ok(run: Run) -> Run:
    assert run.code == 0, run.err
    return run


def eventually(what: str, probe: Callable[[], Any], timeout: float = 60) -> Any:
    """The first truthy answer of ``probe`` (a deadline against a hung server, not a timed assert)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = probe()
        if answer:
            return answer
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")


def start(dev: DevServerProcess, workflow_type: str, workflow_id: str, argument: Any) -> None:
    ok(
        durable(
            "workflow",
            "start",
            "--type",
            workflow_type,
            "--task-queue",
            TASK_QUEUE,
            "--workflow-id",
            workflow_id,
            "--input",
            json.dumps(argument),
            address=dev.address,
        )  # fmt: skip
    )


def events(dev: DevServerProcess, workflow_id: str) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = ok(
        durable("workflow", "show", "-w", workflow_id, "--json", address=dev.address)
    ).json["events"]
    return shown


def actions(dev: DevServerProcess, schedule_id: str) -> int:
    described = ok(durable("schedule", "describe", "-s", schedule_id, "--json", address=dev.address)).json
    count: int = described["info"]["num_actions"]
    return count


def result(dev: DevServerProcess, workflow_id: str) -> Any:
    return ok(durable("workflow", "result", "-w", workflow_id, "--json", address=dev.address)).json["result"]


def test_a_dev_server_killed_with_kill_9_carries_on_from_its_file(tmp_path: Path) -> None:
    db, gate = tmp_path / "dev.db", tmp_path / "gate"
    options = ("--registry", "tests.cli.persist_registry", "--db-filename", str(db))
    first = DevServerProcess(*options)
    try:
        assert f"state    kept in {db}" in "".join(first.banner)
        ok(
            durable(
                "schedule",
                "create",
                "--schedule-id",
                "ticks",
                "--type",
                "Tick",
                "--task-queue",
                TASK_QUEUE,
                "--interval",
                "2s",
                address=first.address,
            )  # fmt: skip
        )
        start(first, "Gated", "gated", str(gate))
        eventually("the activity runs", lambda: Path(f"{gate}.attempts").exists())
        ticks_before = eventually("the schedule fires", lambda: actions(first, "ticks"))
        start(first, "SleepThenWait", "sleeper", 15)
        before = events(first, "sleeper")
        again = durable("dev", "--port", "0", *options, address=None)  # one process per file
        assert again.code == 1 and f"{db} is in use by another process" in again.out, again.out + again.err
    finally:
        first.stop(signal.SIGKILL)
    assert first.proc.returncode == -signal.SIGKILL
    assert "TimerStarted" in [e["event_type"] for e in before]
    assert "TimerFired" not in [e["event_type"] for e in before]  # pending when the process died

    second = DevServerProcess(*options)
    try:
        ok(durable("workflow", "signal", "-w", "sleeper", "--name", "go", "--input", '"ada"', address=second.address))
        assert result(second, "sleeper") == "slept 15.0s, then ada"
        after = events(second, "sleeper")
        assert after[: len(before)] == before  # the history was kept, then went on
        assert [e["event_type"] for e in after[len(before) :]].count("TimerFired") == 1

        gate.write_text("opened")  # the attempt in flight at the kill is delivered again
        assert result(second, "gated") == "opened"
        assert Path(f"{gate}.attempts").read_text().split() == ["1", "2"]

        eventually("the schedule fires again", lambda: actions(second, "ticks") > ticks_before)
        listed = ok(durable("workflow", "list", "--json", address=second.address)).json
        assert {"sleeper", "gated"} <= {run["workflow_id"] for run in listed}
    finally:
        gate.write_text("opened")  # an activity still waiting would hold up the stop
        second.stop()


def test_without_the_flag_the_banner_says_the_state_is_in_memory() -> None:
    dev = DevServerProcess("--registry", "tests.cli.persist_registry", "--backend", "memory")
    try:
        assert "state    in memory: lost on exit (keep it across restarts with --db-filename FILE)" in "".join(
            dev.banner
        )
    finally:
        dev.stop()


def test_a_file_that_is_not_a_database_is_refused_with_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("these are my notes, not a database " * 20)
    run = durable("dev", "--registry", "tests.cli.persist_registry", "--db-filename", str(notes), address=None)
    assert run.code == 1
    assert run.out == f"error: cannot use {notes}: file is not a database\n", run.out + run.err
    assert notes.read_text().startswith("these are my notes")  # left as it was
