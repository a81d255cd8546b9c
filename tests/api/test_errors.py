"""Every error class: 400 with the field, 404, 409, 413, and never a 500 for bad input."""

from __future__ import annotations

import base64
import json

import pytest

OK_START = {"workflow_type": "Mailbox", "workflow_id": "err-1", "task_queue": "api-tests", "input": ["hi"]}


@pytest.mark.parametrize(
    "body, field",
    [
        ({**OK_START, "workflow_type": 3}, "workflow_type"),
        ({k: v for k, v in OK_START.items() if k != "task_queue"}, "task_queue"),
        ({**OK_START, "input": "hi"}, "input"),
        ({**OK_START, "workflow_id": ""}, "workflow_id"),
        ({**OK_START, "id_reuse_policy": "SOMETIMES"}, "id_reuse_policy"),
        ({**OK_START, "id_conflict_policy": 2}, "id_conflict_policy"),
        ({**OK_START, "priority": "high"}, "priority"),
        ({**OK_START, "execution_timeout_seconds": 60}, "execution_timeout_seconds"),
        ({**OK_START, "memo": {"team": "ops"}}, "memo"),
    ],
)
def test_start_with_a_bad_field_is_400_naming_it(call, body, field):
    reply = call("POST", "/api/v1/workflows", body)
    assert reply.status == 400, reply.body
    assert reply.error["field"] == field
    assert field in reply.error["message"] or "not supported" in reply.error["message"]


@pytest.mark.parametrize("text", ['{"workflow_type": ', "not json", "{'single': 'quotes'}"])
def test_malformed_json_is_400(call, text):
    reply = call("POST", "/api/v1/workflows", text)
    assert reply.status == 400
    assert reply.error["code"] == "invalid_json" and reply.error["field"] == "body"


@pytest.mark.parametrize("text", ["[1, 2]", '"a string"', "null", ""])
def test_a_body_that_is_not_an_object_is_400(call, text):
    reply = call("POST", "/api/v1/workflows", text)
    assert reply.status == 400
    assert reply.error["field"] in ("body", "workflow_type")


def test_missing_body_on_signal_is_400(call):
    call.start("Mailbox", "err-nobody", "hi")
    reply = call("POST", "/api/v1/workflows/err-nobody/signals/post", None)
    assert reply.status in (202, 400)  # an empty body may mean "no arguments"; never a 500
    assert call("POST", "/api/v1/workflows/err-nobody/signals/post", {"input": "x"}).error["field"] == "input"


@pytest.mark.parametrize(
    "query, field",
    [
        ({"page_size": "many"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"status": "SLEEPING"}, "status"),
        ({"start_time_from": "yesterday"}, "start_time_from"),
        ({"next_page_token": "garbage"}, "next_page_token"),
    ],
)
def test_list_with_bad_query_parameters_is_400(call, query, field):
    reply = call("GET", "/api/v1/workflows", query=query)
    assert reply.status == 400
    assert reply.error["field"] == field


def test_result_wait_is_bounded(call):
    call.start("Mailbox", "err-wait", "hi")
    reply = call("GET", "/api/v1/workflows/err-wait/result", query={"wait_seconds": "60"})
    assert reply.status == 400 and reply.error["field"] == "wait_seconds"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/api/v1/workflows/ghost", None),
        ("GET", "/api/v1/workflows/ghost/history", None),
        ("GET", "/api/v1/workflows/ghost/result", None),
        ("POST", "/api/v1/workflows/ghost/signals/post", {}),
        ("POST", "/api/v1/workflows/ghost/queries/count", {}),
        ("POST", "/api/v1/workflows/ghost/cancel", {}),
        ("POST", "/api/v1/workflows/ghost/terminate", {}),
    ],
)
def test_unknown_execution_is_404_on_every_route(call, method, path, body):
    reply = call(method, path, body)
    assert reply.status == 404
    assert reply.error == {"code": "execution_not_found", "message": reply.error["message"], "field": "workflow_id"}
    assert "ghost" in reply.error["message"]


def test_unknown_run_is_404(call):
    call.start("Mailbox", "err-run", "hi")
    reply = call("GET", "/api/v1/workflows/err-run", query={"run_id": "no-such-run"})
    assert reply.status == 404


def test_unknown_workflow_type_is_404(call):
    reply = call.start("Nope", "err-type")
    assert reply.status == 404
    assert reply.error["code"] == "workflow_type_not_found" and reply.error["field"] == "workflow_type"
    assert "Mailbox" in reply.error["message"]  # it says what is registered


def test_unknown_task_queue_is_404(call):
    reply = call("POST", "/api/v1/workflows", {**OK_START, "task_queue": "elsewhere"})
    assert reply.status == 404 and reply.error["field"] == "workflow_type"


def test_unknown_signal_and_query_are_404(call):
    call.start("Mailbox", "err-names", "hi")
    signal = call("POST", "/api/v1/workflows/err-names/signals/shout", {})
    assert signal.status == 404 and signal.error["code"] == "signal_not_found" and signal.error["field"] == "signal_name"
    query = call("POST", "/api/v1/workflows/err-names/queries/mood", {})
    assert query.status == 404 and query.error["code"] == "query_not_found" and query.error["field"] == "query_name"
    start_signal = call.start("Mailbox", "err-names-2", "hi", start_signal="shout")
    assert start_signal.status == 404 and start_signal.error["field"] == "start_signal"


def test_query_with_wrong_arguments_is_400(call):
    call.start("Mailbox", "err-args", "hi")
    reply = call("POST", "/api/v1/workflows/err-args/queries/nth", {"args": ["not an int"]})
    assert reply.status == 400 and reply.error["field"] == "args"


def test_query_handler_that_raises_is_409_with_its_message(call):
    call.start("Mailbox", "err-handler", "hi")
    reply = call("POST", "/api/v1/workflows/err-handler/queries/nth", {"args": [5]})
    assert reply.status == 409 and reply.error["code"] == "query_failed"
    assert "IndexError" in reply.error["message"]


def test_already_started_is_409_with_the_run(call):
    first = call.start("Mailbox", "err-dup", "hi").body["run_id"]
    reply = call.start("Mailbox", "err-dup", "again")
    assert reply.status == 409
    assert reply.error["code"] == "already_started" and reply.error["field"] == "workflow_id"
    assert reply.error["run_id"] == first
    closed = call.start("Failing", "err-dup-closed", "x")
    call.result("err-dup-closed")
    reject = call.start("Failing", "err-dup-closed", "x", id_reuse_policy="REJECT_DUPLICATE")
    assert reject.status == 409 and reject.error["run_id"] == closed.body["run_id"]


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/workflows/err-closed/signals/post", {"input": ["late"]}),
        ("/api/v1/workflows/err-closed/cancel", {}),
        ("/api/v1/workflows/err-closed/terminate", {"reason": "late"}),
    ],
)
def test_changing_a_closed_run_is_409(call, path, body):
    call.start("Failing", "err-closed", "boom")
    assert call.result("err-closed").body["status"] == "FAILED"
    reply = call("POST", path, body)
    assert reply.status == 409
    assert reply.error["code"] == "not_running"


def test_oversize_payloads_are_413(call):
    big = "x" * (300 * 1024)
    start = call.start("Mailbox", "err-big", big)
    assert start.status == 413
    assert start.error["code"] == "payload_too_large" and start.error["field"] == "input"
    call.start("Mailbox", "err-big-2", "hi")
    signal = call("POST", "/api/v1/workflows/err-big-2/signals/post", {"input": [big]})
    assert signal.status == 413 and signal.error["field"] == "input"
    query = call("POST", "/api/v1/workflows/err-big-2/queries/nth", {"args": [big]})
    assert query.status == 413


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/activities/complete", {"task_token": "%%%not base64", "result": 1}),
        ("/api/v1/activities/complete", {"task_token": base64.b64encode(b"{}").decode(), "result": 1}),
        ("/api/v1/activities/heartbeat", {"task_token": base64.b64encode(b"nope").decode()}),
        ("/api/v1/activities/fail", {"task_token": base64.b64encode(b"[]").decode(), "failure": {"message": "x"}}),
        ("/api/v1/activities/cancelled", {"task_token": ""}),
    ],
)
def test_bad_task_tokens_are_400(call, path, body):
    reply = call("POST", path, body)
    assert reply.status == 400
    assert reply.error["field"] == "task_token"


def test_fail_without_a_failure_is_400(call):
    token = base64.b64encode(json.dumps({"workflow_id": "w"}).encode()).decode()
    reply = call("POST", "/api/v1/activities/fail", {"task_token": token})
    assert reply.status == 400 and reply.error["field"] == "failure"


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/api/v2/workflows"), ("DELETE", "/api/v1/workflows/x"), ("GET", "/api/v1/workflows/x/y/z"), ("PUT", "/")],
)
def test_unknown_route_is_404(call, method, path):
    reply = call(method, path)
    assert reply.status == 404
    assert reply.error["code"] == "route_not_found"


@pytest.mark.parametrize(
    "query", ["WorkflowType = ", "NoSuchField = 3 AND", "ExecutionStatus = 'SLEEPING'", "StartTime > 'yesterday'", "WorkflowType = 'a' GROUP BY ExecutionStatus"]
)
def test_bad_list_filters_are_400(call, query):
    reply = call("GET", "/api/v1/workflows", query={"query": query})
    assert reply.status == 400 and reply.error["field"] == "query" and reply.error["code"] == "invalid_query"


def test_bad_count_filter_is_400(call):
    reply = call("GET", "/api/v1/workflow-counts", query={"query": "WorkflowType ="})
    assert reply.status == 400 and reply.error["field"] == "query"


def test_bad_cron_schedule_is_400(call):
    reply = call.start("Mailbox", "err-cron", "hi", cron_schedule="every tuesday")
    assert reply.status == 400 and reply.error["field"] == "cron_schedule"
