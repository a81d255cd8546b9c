"""POST /workflows/{id}/reset: the new run's id, Temporal's reset semantics, 400 for a bad point."""

from __future__ import annotations

import time

from durable._replay import events as ev


def wait_count(call, workflow_id: str, count: int, run_id: str | None = None) -> None:
    """Until the run's Mailbox holds ``count`` messages (it takes its signals asynchronously)."""
    body = {"args": [], **({"run_id": run_id} if run_id else {})}
    deadline = time.monotonic() + 20
    while (got := call("POST", f"/api/v1/workflows/{workflow_id}/queries/count", body).body) != {"result": count}:
        assert time.monotonic() < deadline, got
        time.sleep(0.01)


def test_reset_answers_the_new_run_which_gets_the_signals_again_and_ends_the_old_one(call):
    old = call.start("Mailbox", "mail-reset", "hi").body["run_id"]
    for message in ("a", "b"):
        call("POST", "/api/v1/workflows/mail-reset/signals/post", {"input": [message]})
    wait_count(call, "mail-reset", 3)
    reply = call("POST", "/api/v1/workflows/mail-reset/reset", {"type": "FirstWorkflowTask", "reason": "ops"})
    assert reply.status == 200
    new = reply.body["run_id"]
    assert new != old
    assert call("GET", "/api/v1/workflows/mail-reset", query={"run_id": old}).body["status"] == "TERMINATED"
    closed = call("GET", "/api/v1/workflows/mail-reset/history", query={"run_id": old}).body["events"][-1]
    assert (
        closed["event_type"] == ev.WORKFLOW_TERMINATED and closed["attributes"]["reason"] == f"reset to run {new}: ops"
    )
    events = call("GET", "/api/v1/workflows/mail-reset/history", query={"run_id": new}).body["events"]
    marker = next(e for e in events if e["event_type"] == ev.TASK_FAILED)
    assert marker["attributes"]["base_run_id"] == old and marker["attributes"]["cause"] == "ResetWorkflow"
    assert call("GET", "/api/v1/workflows/mail-reset", query={"run_id": old}).body["reset_run_id"] == new
    assert call("GET", "/api/v1/workflows/mail-reset").body["base_run_id"] == old
    call("POST", "/api/v1/workflows/mail-reset/signals/close", {})
    result = call.result("mail-reset").body
    # The re-applied signals come with the start in the new run's first activation: as in
    # temporalio, their handlers run before run() begins.
    assert result["run_id"] == new and result["result"] == {"messages": ["a", "b", "hi"]}


def test_reset_without_reapplied_signals_and_by_event_id(call):
    call.start("Mailbox", "mail-bare", "hi")
    call("POST", "/api/v1/workflows/mail-bare/signals/post", {"input": ["a"]})
    wait_count(call, "mail-bare", 2)
    events = call("GET", "/api/v1/workflows/mail-bare/history").body["events"]
    first_task = next(e["event_id"] for e in events if e["event_type"] == ev.TASK_COMPLETED)
    reply = call(
        "POST", "/api/v1/workflows/mail-bare/reset", {"event_id": first_task, "reason": "x", "reapply_type": "None"}
    )
    assert reply.status == 200
    wait_count(call, "mail-bare", 1, reply.body["run_id"])
    call("POST", "/api/v1/workflows/mail-bare/signals/close", {})
    assert call.result("mail-bare").body["result"] == {"messages": ["hi"]}


def test_an_event_id_that_is_not_a_workflow_task_is_a_400_naming_the_valid_ids(call):
    call.start("Mailbox", "mail-bad-point", "hi")
    wait_count(call, "mail-bad-point", 1)
    events = call("GET", "/api/v1/workflows/mail-bad-point/history").body["events"]
    valid = [e["event_id"] for e in events if e["event_type"] == ev.TASK_COMPLETED]
    reply = call("POST", "/api/v1/workflows/mail-bad-point/reset", {"event_id": 1, "reason": "x"})
    assert reply.status == 400
    assert reply.error["code"] == "invalid_reset_point" and reply.error["field"] == "event_id"
    assert f"({', '.join(map(str, valid))})" in reply.error["message"]
    missing = call("POST", "/api/v1/workflows/mail-bad-point/reset", {"reason": "x"})
    assert missing.status == 400 and missing.error["field"] == "type"
    unknown = call("POST", "/api/v1/workflows/no-such/reset", {"type": "LastWorkflowTask"})
    assert unknown.status == 404
