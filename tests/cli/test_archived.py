"""``durable dev`` archives closed runs as a deployment does, and ``--archived`` reads them."""

from __future__ import annotations

from .conftest import DevServerProcess, durable
from .test_cli import new_id, start_order


def test_the_dev_server_archives_a_closed_run_and_the_archived_flags_read_it(dev: DevServerProcess) -> None:
    wid = new_id("cli-archived")
    start_order(dev, wid)
    assert durable("workflow", "signal", "-w", wid, "--name", "confirm_order", address=dev.address).code == 0
    assert durable("workflow", "result", "--id", wid, "--json", address=dev.address).json["status"] == "COMPLETED"

    live = durable("workflow", "show", "-w", wid, "--json", address=dev.address)
    archived = durable("workflow", "show", "-w", wid, "--archived", "--json", address=dev.address)
    assert archived.code == 0 and archived.json == live.json
    table = durable("workflow", "history", "-w", wid, "--archived", address=dev.address)
    assert table.code == 0 and "WorkflowExecutionCompleted" in table.out
    described = durable("workflow", "describe", "-w", wid, "--archived", "--json", address=dev.address)
    assert (described.json["status"], described.json["run_id"]) == ("COMPLETED", live.json["run_id"])
    listed = durable("workflow", "list", "--archived", "--query", f"WorkflowId = '{wid}'", address=dev.address)
    assert listed.code == 0 and wid in listed.out and "COMPLETED" in listed.out


def test_a_run_that_is_not_archived_is_not_found_with_archived(dev: DevServerProcess) -> None:
    wid = new_id("cli-running")
    start_order(dev, wid)  # still running: not archived yet
    missing = durable("workflow", "show", "-w", wid, "--archived", address=dev.address)
    assert missing.code == 1 and missing.err.startswith("error: ") and wid in missing.err
    nothing = durable("workflow", "list", "--archived", "--query", f"WorkflowId = '{wid}'", address=dev.address)
    assert nothing.out == "No workflow executions\n"
