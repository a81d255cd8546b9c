"""``durable workflow ...`` against the dev server, as a user types it."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid

from durable.client import WorkflowHistory
from durable.worker import Replayer
from statemachines.order import OrderWorkflow

from .conftest import DevServerProcess, durable, free_port


def order(order_id: str) -> str:
    return json.dumps(
        {
            "order_id": order_id,
            "customer_id": "c-1",
            "email": "ada@example.com",
            "items": [{"sku": "book", "quantity": 2}],
            "total": "42.50",
            "payment_method": "card",
        }
    )


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def start_order(dev: DevServerProcess, workflow_id: str) -> None:
    run = durable(
        "workflow",
        "start",
        "--type",
        "OrderWorkflow",
        "--task-queue",
        "orders",
        "--id",
        workflow_id,
        "--input",
        order(workflow_id),
        address=dev.address,
    )
    assert run.code == 0, run.err
    assert f"Started OrderWorkflow {workflow_id} (run " in run.out


def test_dev_server_prints_its_urls(dev):
    banner = "".join(dev.banner)
    assert f"API      {dev.address}/api/v1" in banner
    assert f"UI       {dev.address}/" in banner
    assert f"OpenAPI  {dev.address}/api/v1/openapi.json" in banner
    status, content_type, body = dev.get("/api/v1/openapi.json")
    assert status == 200 and json.loads(body)["openapi"].startswith("3.")
    status, content_type, body = dev.get("/")
    assert status == 200 and content_type.startswith("text/html")


def test_start_signal_describe_query_history_result(dev):
    wid = new_id("cli-order")
    start_order(dev, wid)
    described = durable("workflow", "describe", "-w", wid, address=dev.address)
    assert described.code == 0, described.err
    assert "Status          RUNNING" in described.out and "OrderWorkflow" in described.out
    queried = durable("workflow", "query", "-w", wid, "--name", "get_status", "--json", address=dev.address)
    assert queried.code == 0, queried.err
    assert "result" in queried.json
    signaled = durable("workflow", "signal", "--workflow-id", wid, "--name", "confirm_order", address=dev.address)
    assert signaled.code == 0 and f"Signal confirm_order sent to {wid}" in signaled.out
    result = durable("workflow", "result", "--id", wid, "--json", address=dev.address)
    assert result.code == 0, result.err
    assert result.json["status"] == "COMPLETED" and result.json["result"]["status"] == "completed"
    human = durable("workflow", "result", "--id", wid, address=dev.address)
    assert human.out.startswith("COMPLETED\n")
    history = durable("workflow", "history", "-w", wid, "--json", address=dev.address)
    kinds = [e["event_type"] for e in history.json["events"]]
    assert (
        kinds[0] == "WorkflowExecutionStarted"
        and "WorkflowExecutionSignaled" in kinds
        and kinds[-1] == "WorkflowExecutionCompleted"
    )
    table = durable("workflow", "history", "-w", wid, address=dev.address)
    assert table.out.splitlines()[0].split() == ["ID", "TIME", "TYPE", "DETAILS"]
    assert "signal_name=confirm_order" in table.out
    described = durable("workflow", "describe", "-w", wid, "--json", address=dev.address)
    assert described.json["status"] == "COMPLETED" and described.json["result"]["status"] == "completed"


def test_list_as_table_and_json_with_filters(dev):
    wid = new_id("cli-list")
    start_order(dev, wid)
    listed = durable("workflow", "list", address=dev.address)
    assert listed.code == 0
    header, *rows = listed.out.splitlines()
    assert header.split() == ["STATUS", "WORKFLOW", "ID", "TYPE", "START", "TIME", "CLOSE", "TIME", "RUN", "ID"]
    assert any(wid in row and row.startswith("RUNNING") for row in rows)
    filtered = durable("workflow", "list", "--query", f"WorkflowId = '{wid}'", "--json", address=dev.address)
    assert [e["workflow_id"] for e in filtered.json] == [wid]
    limited = durable("workflow", "list", "--limit", "1", "--json", address=dev.address)
    assert len(limited.json) == 1
    nothing = durable("workflow", "list", "--query", "WorkflowId = 'no-such-id'", address=dev.address)
    assert nothing.out == "No workflow executions\n"


def test_cancel_and_terminate(dev):
    cancelled, terminated = new_id("cli-cancel"), new_id("cli-term")
    start_order(dev, cancelled)
    start_order(dev, terminated)
    assert durable("workflow", "cancel", "-w", cancelled, "--reason", "changed my mind", address=dev.address).code == 0
    result = durable("workflow", "result", "-w", cancelled, "--json", address=dev.address)
    # The order workflow compensates and returns when cancelled: it ends either way.
    assert result.json["status"] in ("CANCELED", "COMPLETED")
    run = durable("workflow", "terminate", "-w", terminated, "--reason", "ops", address=dev.address)
    assert run.code == 0 and f"Terminated {terminated}" in run.out
    result = durable("workflow", "result", "-w", terminated, address=dev.address)
    assert result.code == 1 and result.out.startswith("TERMINATED: ops")


def test_errors_exit_non_zero_with_one_clear_line(dev):
    missing = durable("workflow", "describe", "-w", "no-such-order", address=dev.address)
    assert missing.code == 1 and missing.err == "error: workflow execution 'no-such-order' not found\n"
    wid = new_id("cli-dup")
    start_order(dev, wid)
    again = durable(
        "workflow",
        "start",
        "--type",
        "OrderWorkflow",
        "--task-queue",
        "orders",
        "-w",
        wid,
        "-i",
        order(wid),
        address=dev.address,
    )
    assert again.code == 1 and f"workflow '{wid}' is already running" in again.err and len(again.err.splitlines()) == 1
    unknown_type = durable(
        "workflow", "start", "--type", "Nope", "--task-queue", "orders", "-w", new_id("x"), address=dev.address
    )
    assert unknown_type.code == 1 and "no workflow type 'Nope'" in unknown_type.err
    unknown_signal = durable("workflow", "signal", "-w", wid, "--name", "shout", address=dev.address)
    assert unknown_signal.code == 1 and "has no signal 'shout'" in unknown_signal.err
    unknown_query = durable("workflow", "query", "-w", wid, "--name", "mood", address=dev.address)
    assert unknown_query.code == 1 and "query failed" in unknown_query.err
    bad_filter = durable("workflow", "list", "--query", "WorkflowType =", address=dev.address)
    assert bad_filter.code == 1 and bad_filter.err.startswith("error: ")
    bad_json = durable(
        "workflow",
        "start",
        "--type",
        "OrderWorkflow",
        "--task-queue",
        "orders",
        "-w",
        "x",
        "--input",
        "{oops",
        address=dev.address,
    )
    assert bad_json.code == 2 and "not JSON" in bad_json.err
    missing_option = durable("workflow", "signal", "-w", wid, address=dev.address)
    assert missing_option.code == 2 and "--name" in missing_option.err
    durable("workflow", "terminate", "-w", wid, address=dev.address)
    closed = durable("workflow", "signal", "-w", wid, "--name", "confirm_order", address=dev.address)
    assert closed.code == 1 and "is not running" in closed.err


def test_no_dev_server_says_how_to_start_one():
    run = durable("workflow", "list", address=f"http://127.0.0.1:{free_port()}")
    assert run.code == 1
    assert "it is not running; start it with `make dev` (or `durable dev`)" in run.err
    assert len(run.err.splitlines()) == 1


def test_address_option_wins_over_the_environment(dev):
    run = durable("workflow", "list", "--address", dev.address, "--json", address=f"http://127.0.0.1:{free_port()}")
    assert run.code == 0 and isinstance(run.json, list)


def test_dev_server_stops_cleanly_on_ctrl_c_and_sigterm():
    for sig in (signal.SIGINT, signal.SIGTERM):
        server = DevServerProcess()
        code, out = server.stop(sig)
        assert code == 0
        assert out.rstrip().endswith("stopped")


def test_history_json_replays_as_it_is_printed(dev):
    wid = new_id("cli-replay")
    start_order(dev, wid)
    assert durable("workflow", "signal", "-w", wid, "--name", "confirm_order", address=dev.address).code == 0
    assert durable("workflow", "result", "--id", wid, "--json", address=dev.address).json["status"] == "COMPLETED"
    printed = durable("workflow", "history", "-w", wid, "--json", address=dev.address)
    history = WorkflowHistory.from_json(wid, printed.out)
    assert [e["event_type"] for e in history.events] == [e["event_type"] for e in printed.json["events"]]
    assert isinstance(history.events[0]["event_time"], float)  # the engine's form again
    result = asyncio.run(Replayer(workflows=[OrderWorkflow]).replay_workflow(history))
    assert result.replay_failure is None
