"""``durable workflow update|count|signal-with-start`` against the dev server (the real engine)."""

from __future__ import annotations

import uuid

from .conftest import DevServerProcess, Run, durable

TASK_QUEUE = "cli"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(run: Run) -> Run:
    assert run.code == 0, run.err
    return run


def start_tally(dev: DevServerProcess, workflow_id: str, start: int = 5) -> None:
    ok(
        durable(
            "workflow",
            "start",
            "--type",
            "Tally",
            "--task-queue",
            TASK_QUEUE,
            "-w",
            workflow_id,
            "--input",
            str(start),
            address=dev.address,
        )  # fmt: skip
    )


def test_update_execute_returns_the_handlers_result(test_dev: DevServerProcess) -> None:
    wid = new_id("tally")
    start_tally(test_dev, wid)
    run = ok(
        durable("workflow", "update", "execute", "-w", wid, "--name", "add", "--input", "3", address=test_dev.address)
    )
    assert run.out == "8\n"
    as_json = ok(
        durable(
            "workflow",
            "update",
            "execute",
            "-w",
            wid,
            "--name",
            "add",
            "-i",
            "4",
            "--update-id",
            "four",
            "--json",
            address=test_dev.address,
        )  # fmt: skip
    )
    assert as_json.json == {"update_id": "four", "result": 12}
    # the same update id answers the outcome it had, without running the handler again
    again = ok(
        durable(
            "workflow",
            "update",
            "execute",
            "-w",
            wid,
            "--name",
            "add",
            "-i",
            "4",
            "--update-id",
            "four",
            address=test_dev.address,
        )  # fmt: skip
    )
    assert again.out == "12\n"
    total = ok(
        durable("workflow", "update", "execute", "-w", wid, "--name", "add", "-i", "1", address=test_dev.address)
    )
    assert total.out == "13\n"


def test_a_validators_rejection_exits_non_zero_with_its_message(test_dev: DevServerProcess) -> None:
    wid = new_id("tally")
    start_tally(test_dev, wid)
    run = durable("workflow", "update", "execute", "-w", wid, "--name", "add", "--input=-2", address=test_dev.address)
    assert run.code == 1 and run.out == ""
    assert run.err.count("\n") == 1 and run.err.startswith("error: update 'add' failed: ")
    assert "amount must be positive, got -2" in run.err
    # nothing was applied
    assert (
        ok(
            durable("workflow", "update", "execute", "-w", wid, "--name", "add", "-i", "1", address=test_dev.address)
        ).out
        == "6\n"
    )


def test_update_start_then_describe_then_result(test_dev: DevServerProcess) -> None:
    wid = new_id("tally")
    start_tally(test_dev, wid, start=1)
    started = ok(
        durable(
            "workflow",
            "update",
            "start",
            "-w",
            wid,
            "--name",
            "add_once_finished",
            "-i",
            "10",
            "--update-id",
            "u1",
            "--wait-for-stage",
            "accepted",
            address=test_dev.address,
        )  # fmt: skip
    )
    assert started.out.startswith(f"Update u1 of {wid} (run ") and started.out.endswith("): ACCEPTED\n")
    described = ok(
        durable("workflow", "update", "describe", "-w", wid, "--update-id", "u1", "--json", address=test_dev.address)
    )
    assert described.json["stage"] == "ACCEPTED" and described.json["outcome"] is None

    ok(durable("workflow", "signal", "-w", wid, "--name", "finish", address=test_dev.address))
    result = ok(durable("workflow", "update", "result", "-w", wid, "--update-id", "u1", address=test_dev.address))
    assert result.out == "11\n"
    done = ok(durable("workflow", "update", "describe", "-w", wid, "--update-id", "u1", address=test_dev.address))
    assert done.out == f"Update u1 of {wid} (run {described.json['run_id']}): COMPLETED\n11\n"


def test_update_start_reports_a_rejection(test_dev: DevServerProcess) -> None:
    wid = new_id("tally")
    start_tally(test_dev, wid)
    run = durable(
        "workflow", "update", "start", "-w", wid, "--name", "add", "-i", "0", "--wait-for-stage", "accepted",
        address=test_dev.address,
    )  # fmt: skip
    assert run.code == 1 and "FAILED: amount must be positive, got 0" in run.out


def test_update_errors_are_one_line(test_dev: DevServerProcess) -> None:
    wid = new_id("tally")
    start_tally(test_dev, wid)
    unknown = durable("workflow", "update", "result", "-w", wid, "--update-id", "never-sent", address=test_dev.address)
    assert unknown.code == 1 and unknown.err.count("\n") == 1 and "never-sent" in unknown.err
    missing = durable(
        "workflow", "update", "execute", "-w", new_id("nobody"), "--name", "add", "-i", "1", address=test_dev.address
    )
    assert missing.code == 1 and missing.err.count("\n") == 1 and "not found" in missing.err
    usage = durable("workflow", "update", "start", "-w", wid, "--name", "add", "-i", "1", address=test_dev.address)
    assert usage.code == 2 and "--wait-for-stage" in usage.err


def test_count_with_and_without_a_query(test_dev: DevServerProcess) -> None:
    prefix = new_id("counted")
    for n in range(3):
        start_tally(test_dev, f"{prefix}-{n}")
    ok(durable("workflow", "signal", "-w", f"{prefix}-0", "--name", "finish", address=test_dev.address))
    ok(durable("workflow", "result", "-w", f"{prefix}-0", address=test_dev.address))

    everything = ok(durable("workflow", "count", "--json", address=test_dev.address)).json
    listed = ok(durable("workflow", "list", "--json", "--limit", "10000", address=test_dev.address)).json
    assert everything["count"] == len(listed) >= 3 and everything["groups"] == []
    assert ok(durable("workflow", "count", address=test_dev.address)).out == f"Total: {len(listed)}\n"

    mine = f"WorkflowId STARTS_WITH '{prefix}-'"
    assert ok(durable("workflow", "count", "-q", mine, address=test_dev.address)).out == "Total: 3\n"
    running = ok(
        durable("workflow", "count", "--query", f"{mine} AND ExecutionStatus = 'Running'", address=test_dev.address)
    )
    assert running.out == "Total: 2\n"
    grouped = ok(
        durable("workflow", "count", "-q", f"{mine} GROUP BY ExecutionStatus", "--json", address=test_dev.address)
    )
    assert grouped.json["count"] == 3
    assert sorted((g["group_values"], g["count"]) for g in grouped.json["groups"]) == [
        (["COMPLETED"], 1),
        (["RUNNING"], 2),
    ]
    text = ok(durable("workflow", "count", "-q", f"{mine} GROUP BY ExecutionStatus", address=test_dev.address)).out
    assert text.splitlines()[0] == "Total: 3" and text.splitlines()[1].split() == ["COUNT", "GROUP"]

    bad = durable("workflow", "count", "-q", "WorkflowId =", address=test_dev.address)
    assert bad.code == 1 and bad.err.count("\n") == 1


def test_signal_with_start_starts_a_run_and_delivers_the_signal(test_dev: DevServerProcess) -> None:
    wid = new_id("sws")
    flags = ("--type", "Tally", "--task-queue", TASK_QUEUE, "-w", wid, "--input", "0", "--signal-name", "bump")
    first = ok(
        durable("workflow", "signal-with-start", *flags, "--signal-input", '"ada"', "--json", address=test_dev.address)
    )
    run_id = first.json["run_id"]
    assert first.json["workflow_id"] == wid and run_id
    described = ok(durable("workflow", "describe", "-w", wid, "--json", address=test_dev.address)).json
    assert (described["status"], described["workflow_type"], described["run_id"]) == ("RUNNING", "Tally", run_id)
    assert ok(
        durable("workflow", "query", "-w", wid, "--name", "bumped_by", "--json", address=test_dev.address)
    ).json == {"result": ["ada"]}

    # the id runs: the signal goes to that run, none is started
    second = ok(durable("workflow", "signal-with-start", *flags, "--signal-input", '"bob"', address=test_dev.address))
    assert second.out == f"Signal bump sent to Tally {wid} (run {run_id})\n"
    assert ok(
        durable("workflow", "query", "-w", wid, "--name", "bumped_by", "--json", address=test_dev.address)
    ).json == {"result": ["ada", "bob"]}
    runs = ok(durable("workflow", "list", "--json", "-q", f"WorkflowId = '{wid}'", address=test_dev.address)).json
    assert [r["run_id"] for r in runs] == [run_id]
    ok(durable("workflow", "signal", "-w", wid, "--name", "finish", address=test_dev.address))
    assert ok(durable("workflow", "result", "-w", wid, "--json", address=test_dev.address)).json["result"] == 2


def test_execute_update_with_start_starts_or_reuses_the_run(test_dev: DevServerProcess) -> None:
    wid = new_id("uws")
    flags = ("--type", "Tally", "--task-queue", TASK_QUEUE, "-w", wid, "--input", "10", "--update-name", "add")
    first = ok(
        durable(
            "workflow",
            "execute-update-with-start",
            *flags,
            "--update-input",
            "1",
            "--id-conflict-policy",
            "USE_EXISTING",
            "--update-id",
            "one",
            "--json",
            address=test_dev.address,
        )  # fmt: skip
    )
    run_id = first.json["run_id"]
    # the update ran in the first workflow task, before the run method added its input (as in Temporal)
    assert first.json == {"workflow_id": wid, "run_id": run_id, "update_id": "one", "result": 1}
    again = ok(
        durable(
            "workflow",
            "execute-update-with-start",
            *flags,
            "--update-input",
            "2",
            "--id-conflict-policy",
            "USE_EXISTING",
            "--update-id",
            "two",
            address=test_dev.address,
        )  # fmt: skip
    )
    assert again.out == f"Update two of Tally {wid} (run {run_id}): COMPLETED\n13\n"

    refused = durable(
        "workflow", "execute-update-with-start", *flags, "--update-input", "3", "--id-conflict-policy", "FAIL",
        address=test_dev.address,
    )  # fmt: skip
    assert refused.code == 1 and refused.err.count("\n") == 1 and "already running" in refused.err
    rejected = durable(
        "workflow", "execute-update-with-start", *flags, "--update-input=-3", "--id-conflict-policy", "USE_EXISTING",
        address=test_dev.address,
    )  # fmt: skip
    assert rejected.code == 1 and "amount must be positive, got -3" in rejected.err
    usage = durable("workflow", "execute-update-with-start", *flags, "--update-input", "3", address=test_dev.address)
    assert usage.code == 2 and "--id-conflict-policy" in usage.err
    assert ok(durable("workflow", "query", "-w", wid, "--name", "bumped_by", address=test_dev.address)).out == "[]\n"
