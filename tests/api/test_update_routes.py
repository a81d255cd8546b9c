"""The update routes: send an update (or update-with-start) and wait for a stage, poll an
outcome; and a start's memo and search attributes."""

from __future__ import annotations

from typing import Any

from .conftest import Caller


def _update(call: Caller, workflow_id: str, name: str, *args: Any, **fields: Any) -> Any:
    return call("POST", f"/api/v1/workflows/{workflow_id}/updates/{name}", {"args": list(args), **fields})


def test_an_update_answers_with_its_result_once_completed(call: Caller) -> None:
    assert call.start("Tally", "upd-1").status == 201
    reply = _update(call, "upd-1", "add", 5, update_id="first")
    assert reply.status == 200
    assert reply.body["stage"] == "COMPLETED" and reply.body["update_id"] == "first"
    assert reply.body["outcome"] == {"result": 5}
    assert reply.body["run_id"] == call("GET", "/api/v1/workflows/upd-1").body["run_id"]
    # The same update id again: the first outcome, the handler not run again.
    assert _update(call, "upd-1", "add", 5, update_id="first").body["outcome"] == {"result": 5}
    assert _update(call, "upd-1", "add", 1).body["outcome"] == {"result": 6}


def test_a_validators_rejection_is_completed_with_the_failure(call: Caller) -> None:
    call.start("Tally", "upd-reject")
    reply = _update(call, "upd-reject", "add", -1)
    assert (reply.status, reply.body["stage"]) == (200, "COMPLETED")
    failure = reply.body["outcome"]["failure"]
    assert (failure["message"], failure["type"]) == ("amount must not be negative", "ValueError")
    # A rejection leaves no trace in the run: polling its id finds nothing.
    poll = call("GET", f"/api/v1/workflows/upd-reject/updates/{reply.body['update_id']}")
    assert (poll.status, poll.error["code"]) == (404, "update_not_found")


def test_an_accepted_update_is_polled_until_its_handler_returns(call: Caller) -> None:
    call.start("Tally", "upd-wait")
    reply = _update(call, "upd-wait", "total_at_finish", update_id="at-finish", wait_for_stage="ACCEPTED")
    assert (reply.body["stage"], reply.body["outcome"]) == ("ACCEPTED", None)
    poll = call("GET", "/api/v1/workflows/upd-wait/updates/at-finish", query={"wait_seconds": "0"})
    assert (poll.status, poll.body["stage"]) == (200, "ACCEPTED")
    _update(call, "upd-wait", "add", 4)
    assert call("POST", "/api/v1/workflows/upd-wait/signals/finish", {}).status == 202
    poll = call("GET", "/api/v1/workflows/upd-wait/updates/at-finish")
    assert (poll.body["stage"], poll.body["outcome"]) == ("COMPLETED", {"result": 4})
    assert call.result("upd-wait").body["result"] == 4


def test_a_wait_that_runs_out_says_admitted_and_the_same_request_waits_on(call: Caller) -> None:
    call.start("BrokenFirstTask", "upd-stuck")  # no workflow task ever takes the update
    fields = {"update_id": "u", "request_id": "req-u", "accept_unknown": True, "wait_seconds": 0.2}
    reply = _update(call, "upd-stuck", "anything", **fields)
    assert (reply.status, reply.body["stage"], reply.body["outcome"]) == (200, "ADMITTED", None)
    assert _update(call, "upd-stuck", "anything", **fields).body["stage"] == "ADMITTED"


def test_update_names_the_workflow_does_not_declare(call: Caller) -> None:
    call.start("Tally", "upd-names")
    reply = _update(call, "upd-names", "nope")
    assert (reply.status, reply.error["code"], reply.error["field"]) == (404, "update_not_found", "update")
    assert "add" in reply.error["message"]
    # As temporalio's client sends it: the run rejects it.
    reply = _update(call, "upd-names", "nope", accept_unknown=True)
    failure = reply.body["outcome"]["failure"]
    assert failure["message"].startswith("Update handler for 'nope' expected but not found")


def test_updates_to_closed_or_unknown_runs_are_refused(call: Caller) -> None:
    call.start("Tally", "upd-closed")
    call("POST", "/api/v1/workflows/upd-closed/terminate", {"reason": "done"})
    reply = _update(call, "upd-closed", "add", 1)
    assert (reply.status, reply.error["code"]) == (409, "not_running")
    reply = _update(call, "no-such-workflow", "add", 1)
    assert (reply.status, reply.error["code"]) == (404, "execution_not_found")
    reply = _update(call, "upd-closed", "add", 1, wait_for_stage="ADMITTED")
    assert (reply.status, reply.error["field"]) == (400, "wait_for_stage")


def test_update_with_start_starts_the_run_once_and_follows_its_conflict_policy(call: Caller) -> None:
    start = {"workflow_type": "Tally", "task_queue": "api-tests", "id_conflict_policy": "USE_EXISTING"}
    first = _update(call, "uws", "add", 3, update_id="u1", start_workflow=start)
    assert (first.status, first.body["outcome"]) == (200, {"result": 3})
    again = _update(call, "uws", "add", 3, update_id="u1", start_workflow=start)
    assert (again.body["run_id"], again.body["outcome"]) == (first.body["run_id"], {"result": 3})
    more = _update(call, "uws", "add", 2, update_id="u2", start_workflow=start)
    assert (more.body["run_id"], more.body["outcome"]) == (first.body["run_id"], {"result": 5})
    refused = _update(call, "uws", "add", 1, update_id="u3", start_workflow={**start, "id_conflict_policy": "FAIL"})
    assert (refused.status, refused.error["code"], refused.error["run_id"]) == (
        409,
        "already_started",
        first.body["run_id"],
    )
    listed = call("GET", "/api/v1/workflows", query={"workflow_id": "uws"})
    assert len(listed.body["executions"]) == 1
    missing_policy = _update(
        call, "uws-2", "add", 1, start_workflow={"workflow_type": "Tally", "task_queue": "api-tests"}
    )
    assert (missing_policy.status, missing_policy.error["field"]) == (400, "start_workflow.id_conflict_policy")


def test_a_start_keeps_its_memo_and_search_attributes(call: Caller) -> None:
    attributes = {
        "CustomerTier": {"type": "Keyword", "value": "gold"},
        "OrderTotal": {"type": "Double", "value": 12},
        "PlacedAt": {"type": "Datetime", "value": "2026-12-01T10:00:00Z"},
    }
    reply = call.start("Tally", "memo-sa", memo={"note": {"by": "ops"}, "n": 3}, search_attributes=attributes)
    assert reply.status == 201
    detail = call("GET", "/api/v1/workflows/memo-sa").body
    assert detail["memo"] == {"note": {"by": "ops"}, "n": 3}
    assert detail["search_attributes"]["CustomerTier"] == {"type": "Keyword", "value": "gold"}
    assert detail["search_attributes"]["OrderTotal"] == {"type": "Double", "value": 12.0}
    assert detail["search_attributes"]["PlacedAt"]["type"] == "Datetime"
    found = call("GET", "/api/v1/workflows", query={"query": "CustomerTier = 'gold'"})
    assert [e["workflow_id"] for e in found.body["executions"]] == ["memo-sa"]


def test_search_attributes_that_do_not_fit_their_type_are_refused_by_name(call: Caller) -> None:
    for attribute in ({"type": "Int", "value": "many"}, {"type": "Colour", "value": "red"}):
        reply = call.start("Tally", "bad-sa", search_attributes={"Size": attribute})
        assert (reply.status, reply.error["field"]) == (400, "search_attributes")
        assert "'Size'" in reply.error["message"]
    reply = call.start("Tally", "bad-timeout", execution_timeout_seconds=-60)
    assert (reply.status, reply.error["field"]) == (400, "execution_timeout_seconds")
    assert call("GET", "/api/v1/workflows/bad-sa").status == 404
