"""``durable schedule ...`` against the dev server (the real engine), as a user types it."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from .conftest import DevServerProcess, Run, durable

TASK_QUEUE = "cli"
YEARLY = "0 0 1 1 *"  # a spec that does not fire during a test


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(run: Run) -> Run:
    assert run.code == 0, run.err
    return run


def create(dev: DevServerProcess, schedule_id: str, *flags: str) -> Run:
    return ok(
        durable(
            "schedule",
            "create",
            "--schedule-id",
            schedule_id,
            "--type",
            "Greet",
            "--task-queue",
            TASK_QUEUE,
            *flags,
            address=dev.address,
        )  # fmt: skip
    )


def described(dev: DevServerProcess, schedule_id: str) -> dict[str, Any]:
    body: dict[str, Any] = ok(durable("schedule", "describe", "-s", schedule_id, "--json", address=dev.address)).json
    return body


def field(text: str, name: str) -> list[str]:
    """The values of a ``Name  value`` line of a description."""
    return [line[len(name) :].strip() for line in text.splitlines() if line.startswith(name + " ")]


def test_create_with_cron_and_with_interval_then_list_and_describe(test_dev: DevServerProcess) -> None:
    by_cron, by_interval = new_id("cron"), new_id("every")
    assert create(test_dev, by_cron, "--cron", "*/5 * * * *", "--input", '"ada"').out == f"Schedule {by_cron} created\n"
    create(test_dev, by_interval, "--interval", "5m", "--paused", "--notes", "not yet")

    listed = ok(durable("schedule", "list", address=test_dev.address)).out.splitlines()
    assert listed[0].split() == ["SCHEDULE", "ID", "STATE", "WORKFLOW", "TYPE", "SPEC", "NEXT", "RUN", "LAST", "RUN"]
    rows = {line.split()[0]: line for line in listed[1:]}
    assert "ACTIVE" in rows[by_cron] and "calendar 0 */5 * * * * *" in rows[by_cron]
    assert "PAUSED" in rows[by_interval] and "every 5m" in rows[by_interval]
    as_json = ok(durable("schedule", "list", "--json", address=test_dev.address)).json
    assert {by_cron, by_interval} <= {entry["schedule_id"] for entry in as_json}
    only = ok(durable("schedule", "list", "--json", "-q", f"ScheduleId = '{by_cron}'", address=test_dev.address)).json
    assert [entry["schedule_id"] for entry in only] == [by_cron]

    text = ok(durable("schedule", "describe", "--schedule-id", by_interval, address=test_dev.address)).out
    assert field(text, "State") == ["PAUSED (not yet)"]
    assert field(text, "Workflow type") == ["Greet"] and field(text, "Workflow ID") == [by_interval]
    assert field(text, "Spec") == ["every 5m"]
    assert field(text, "Overlap policy") == ["SKIP"]
    next_runs = text.split("Next runs:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    times = [datetime.fromisoformat(line.strip()) for line in next_runs]
    assert len(times) == 10 and all((b - a).total_seconds() == 300 for a, b in zip(times, times[1:], strict=False))
    assert all(t.minute % 5 == 0 and t.second == 0 for t in times)

    body = described(test_dev, by_cron)
    assert body["schedule"]["state"]["paused"] is False
    assert body["schedule"]["action"]["input"] == ["ada"]
    assert len(body["info"]["next_action_times"]) == 10
    assert field(ok(durable("schedule", "describe", "-s", by_cron, address=test_dev.address)).out, "Spec") == [
        "calendar 0 */5 * * * * *"
    ]


def test_a_calendar_given_as_json_and_policies(test_dev: DevServerProcess) -> None:
    schedule_id = new_id("calendar")
    create(
        test_dev, schedule_id,
        "--calendar", '{"dayOfWeek": "Fri", "hour": "17", "minute": "5", "comment": "weekly"}',
        "--overlap-policy", "BufferOne", "--catchup-window", "10m", "--remaining-actions", "3",
        "--schedule-memo", 'owner="ops"',
    )  # fmt: skip
    text = ok(durable("schedule", "describe", "-s", schedule_id, address=test_dev.address)).out
    assert field(text, "Spec") == ["calendar 0 5 17 * * 5 * # weekly"]
    assert field(text, "Overlap policy") == ["BUFFER_ONE"]
    assert field(text, "Catchup window") == ["10m"]
    assert field(text, "Remaining actions") == ["3"]
    assert field(text, "Memo") == ['{"owner":"ops"}']
    for line in text.split("Next runs:\n", 1)[1].splitlines():
        fire = datetime.fromisoformat(line.strip())
        assert (fire.isoweekday(), fire.hour, fire.minute) == (5, 17, 5)


def test_pause_and_unpause_with_a_reason(test_dev: DevServerProcess) -> None:
    schedule_id = new_id("pausing")
    create(test_dev, schedule_id, "--cron", YEARLY)
    paused = ok(durable("schedule", "pause", "-s", schedule_id, "--reason", "maintenance", address=test_dev.address))
    assert paused.out == f"Schedule {schedule_id} paused\n"
    state = described(test_dev, schedule_id)["schedule"]["state"]
    assert (state["paused"], state["note"]) == (True, "maintenance")
    listed = ok(durable("schedule", "list", "--json", address=test_dev.address)).json
    assert [e["state"]["paused"] for e in listed if e["schedule_id"] == schedule_id] == [True]

    ok(durable("schedule", "unpause", "-s", schedule_id, "--reason", "done", address=test_dev.address))
    state = described(test_dev, schedule_id)["schedule"]["state"]
    assert (state["paused"], state["note"]) == (False, "done")

    ok(durable("schedule", "toggle", "-s", schedule_id, "--pause", "--reason", "again", address=test_dev.address))
    text = ok(durable("schedule", "describe", "-s", schedule_id, address=test_dev.address)).out
    assert field(text, "State") == ["PAUSED (again)"]


def test_trigger_starts_a_run(test_dev: DevServerProcess) -> None:
    schedule_id = new_id("trigger")
    create(test_dev, schedule_id, "--cron", YEARLY, "--paused", "--input", '"ada"')
    triggered = ok(durable("schedule", "trigger", "-s", schedule_id, address=test_dev.address))
    assert triggered.out == f"Schedule {schedule_id} triggered\n"
    recent: list[dict[str, Any]] = []
    for _ in range(100):  # the action is taken by the schedule's own run, shortly after
        recent = described(test_dev, schedule_id)["info"]["recent_actions"]
        if recent:
            break
    assert len(recent) == 1 and recent[0]["workflow_id"].startswith(f"{schedule_id}-")
    result = ok(durable("workflow", "result", "-w", recent[0]["workflow_id"], "--json", address=test_dev.address))
    assert result.json["result"] == "hello ada"
    text = ok(durable("schedule", "describe", "-s", schedule_id, address=test_dev.address)).out
    assert field(text, "Actions")[0].startswith("1 taken")
    assert recent[0]["workflow_id"] in text.split("Recent actions:\n", 1)[1]


def test_update_replaces_the_spec_and_the_action(test_dev: DevServerProcess) -> None:
    schedule_id = new_id("update")
    create(test_dev, schedule_id, "--cron", YEARLY, "--input", '"ada"')
    updated = ok(
        durable(
            "schedule",
            "update",
            "-s",
            schedule_id,
            "--interval",
            "1h/15m",
            "--type",
            "Greet",
            "--task-queue",
            TASK_QUEUE,
            "--input",
            '"bob"',
            "--paused",
            "--notes",
            "moved",
            address=test_dev.address,
        )  # fmt: skip
    )
    assert updated.out == f"Schedule {schedule_id} updated\n"
    text = ok(durable("schedule", "describe", "-s", schedule_id, address=test_dev.address)).out
    assert field(text, "Spec") == ["every 1h offset 15m"]
    assert field(text, "Input") == ['["bob"]']
    assert field(text, "State") == ["PAUSED (moved)"]
    times = [datetime.fromisoformat(line.strip()) for line in text.split("Next runs:\n", 1)[1].splitlines()]
    assert times and all((t.minute, t.second) == (15, 0) for t in times)


def test_delete_then_describe_says_not_found(test_dev: DevServerProcess) -> None:
    schedule_id = new_id("delete")
    create(test_dev, schedule_id, "--cron", YEARLY)
    deleted = ok(durable("schedule", "delete", "-s", schedule_id, address=test_dev.address))
    assert deleted.out == f"Schedule {schedule_id} deleted\n"
    gone = durable("schedule", "describe", "-s", schedule_id, address=test_dev.address)
    assert gone.code == 1 and gone.out == ""
    assert gone.err.count("\n") == 1 and gone.err.startswith("error: ")
    assert "not found" in gone.err and schedule_id in gone.err
    listed = ok(durable("schedule", "list", "--json", address=test_dev.address)).json
    assert schedule_id not in [entry["schedule_id"] for entry in listed]


def test_errors_are_one_line(test_dev: DevServerProcess) -> None:
    schedule_id = new_id("twice")
    create(test_dev, schedule_id, "--cron", YEARLY)
    again = durable(
        "schedule", "create", "-s", schedule_id, "--cron", YEARLY, "--type", "Greet", "-t", TASK_QUEUE,
        address=test_dev.address,
    )  # fmt: skip
    assert again.code == 1 and again.err.count("\n") == 1 and "exists" in again.err

    missing = durable("schedule", "pause", "-s", new_id("missing"), address=test_dev.address)
    assert missing.code == 1 and missing.err.count("\n") == 1 and "not found" in missing.err


def test_bad_values_are_usage_errors_naming_the_flag(test_dev: DevServerProcess) -> None:
    base = ("schedule", "create", "-s", new_id("bad"), "--type", "Greet", "-t", TASK_QUEUE)
    cases = {
        ("--cron", "61 * * * *"): "minute field '61'",
        ("--calendar", '{"weekday": "Fri"}'): "unknown field 'weekday'",
        ("--calendar", '{"hour": "25"}'): "hour field '25'",
        ("--interval", "5 minutes"): "not a duration",
        ("--overlap-policy", "Sometimes"): "unknown overlap policy",
        ("--start-time", "yesterday"): "not an RFC 3339 time",
    }
    for flags, message in cases.items():
        run = durable(*base, *flags, address=test_dev.address)
        assert run.code == 2 and message in run.err, (flags, run.err)
    listed = ok(durable("schedule", "list", "--json", address=test_dev.address)).json
    assert base[3] not in [entry["schedule_id"] for entry in listed]


def test_json_output_of_the_changes(test_dev: DevServerProcess) -> None:
    schedule_id = new_id("json")
    created = ok(
        durable(
            "schedule",
            "create",
            "-s",
            schedule_id,
            "--cron",
            YEARLY,
            "--type",
            "Greet",
            "-t",
            TASK_QUEUE,
            "--json",
            address=test_dev.address,
        )  # fmt: skip
    )
    assert created.json == {"schedule_id": schedule_id}
    paused = ok(durable("schedule", "pause", "-s", schedule_id, "--json", address=test_dev.address))
    assert json.loads(paused.out) == {}


def test_backfill_takes_the_actions_of_a_past_period(test_dev: DevServerProcess) -> None:
    schedule_id = new_id("backfill")
    create(test_dev, schedule_id, "--cron", "0 * * * *", "--paused", "--input", '"ada"')
    run = ok(
        durable(
            "schedule",
            "backfill",
            "-s",
            schedule_id,
            "--start-time",
            "2026-01-01T00:00:00Z",
            "--end-time",
            "2026-01-01T02:30:00Z",
            "--overlap-policy",
            "AllowAll",
            address=test_dev.address,
        )  # fmt: skip
    )
    assert run.out.startswith(f"Schedule {schedule_id} backfilled from 2026-01-01 00:00:00")
    recent: list[dict[str, Any]] = []
    for _ in range(100):  # the schedule's own run takes them, shortly after
        recent = described(test_dev, schedule_id)["info"]["recent_actions"]
        if len(recent) >= 3:
            break
    assert sorted(a["workflow_id"] for a in recent) == [f"{schedule_id}-2026-01-01T0{hour}:00:00Z" for hour in range(3)]
