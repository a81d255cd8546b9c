"""Every error class: 400 with the field, 404, 409, 413, and never a 500 for bad input."""

from __future__ import annotations

import base64
import json

import pytest

from durable._limits import MAX_PAYLOAD_BYTES

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
        ({**OK_START, "execution_timeout_seconds": 0}, "execution_timeout_seconds"),
        ({**OK_START, "run_timeout_seconds": -1}, "run_timeout_seconds"),
        ({**OK_START, "memo": ["team", "ops"]}, "memo"),
        ({**OK_START, "search_attributes": {"Tier": "gold"}}, "search_attributes.Tier"),
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
    assert (
        signal.status == 404 and signal.error["code"] == "signal_not_found" and signal.error["field"] == "signal_name"
    )
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
    big = "x" * MAX_PAYLOAD_BYTES
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
    "query",
    [
        "WorkflowType = ",
        "NoSuchField = 3 AND",
        "ExecutionStatus = 'SLEEPING'",
        "StartTime > 'yesterday'",
        "WorkflowType = 'a' GROUP BY ExecutionStatus",
    ],
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


# -- bad input at the edge: 400/404/415, never a 500 ------------------------------------


def _event(method: str, path: str, body: str | None, **headers: str) -> dict:
    from .conftest import proxy_event

    event = proxy_event(method, path, body)
    event["headers"] = {k: v for k, v in event["headers"].items() if k != "Content-Type"} | headers
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return event


def _error(call, event: dict) -> tuple[int, dict]:
    result = call.api.handle(event)
    return result["statusCode"], json.loads(result["body"])["error"]


START_TEXT = json.dumps(OK_START)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "text/xml",
        "application/json; charset=latin-1",
        "application/jsonp",
    ],
)
def test_a_body_that_is_not_declared_json_is_415(call, content_type):
    status, error = _error(call, _event("POST", "/api/v1/workflows", START_TEXT, **{"Content-Type": content_type}))
    assert status == 415
    assert error["code"] == "unsupported_media_type" and error["field"] == "Content-Type"
    assert "application/json" in error["message"]


def test_a_body_without_a_content_type_is_415(call):
    status, error = _error(call, _event("POST", "/api/v1/workflows", START_TEXT))
    assert status == 415 and "no Content-Type" in error["message"]


def test_an_empty_form_post_cannot_terminate(call):
    # What a plain HTML form on another site sends: no fields, text/plain.
    call.start("Mailbox", "err-form", "hi")
    status, _ = _error(
        call, _event("POST", "/api/v1/workflows/err-form/terminate", "", **{"Content-Type": "text/plain"})
    )
    assert status == 415
    assert call("GET", "/api/v1/workflows/err-form").body["status"] == "RUNNING"


@pytest.mark.parametrize("raw", [b"\xff\xfe{}", b'{"workflow_type": "\xc3\x28"}', b"\xed\xa0\x80"])
def test_a_body_that_is_not_utf8_is_400(call, raw):
    event = _event("POST", "/api/v1/workflows", base64.b64encode(raw).decode(), **{"Content-Type": "application/json"})
    event["isBase64Encoded"] = True
    status, error = _error(call, event)
    assert status == 400 and error["code"] == "invalid_encoding" and error["field"] == "body"
    assert "UTF-8" in error["message"]


def nested_input(depth: int) -> str:
    """A start body whose input nests ``depth`` levels in all (the body's object included)."""
    value = "[" * (depth - 2) + "1" + "]" * (depth - 2)
    return json.dumps({**OK_START, "input": "X"}).replace('"X"', "[" + value + "]")


def test_json_nested_past_the_limit_is_400_naming_it(call):
    from durable._http.app import MAX_JSON_DEPTH

    for depth in (MAX_JSON_DEPTH + 1, 490, 100_000):
        status, error = _error(
            call, _event("POST", "/api/v1/workflows", nested_input(depth), **{"Content-Type": "application/json"})
        )
        assert status == 400, depth
        assert error["code"] == "json_too_deep" and error["field"] == "body"
        assert str(MAX_JSON_DEPTH) in error["message"]


def test_json_nested_to_the_limit_is_accepted_and_reads_back(call):
    from durable._http.app import MAX_JSON_DEPTH

    body = nested_input(MAX_JSON_DEPTH).replace('"err-1"', '"err-deep"')
    status = call.api.handle(_event("POST", "/api/v1/workflows", body, **{"Content-Type": "application/json"}))[
        "statusCode"
    ]
    assert status == 201
    assert call("GET", "/api/v1/workflows/err-deep/history").status == 200
    assert call("GET", "/api/v1/workflows/err-deep").status == 200


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "-Infinity", "1e999", "9" * 5000, '"\\ud800"', '"a\\udfffb"', '{"\\ud800": 1}']
)
def test_numbers_and_strings_json_cannot_carry_are_400(call, value):
    body = START_TEXT.replace('["hi"]', f"[{value}]")
    status, error = _error(call, _event("POST", "/api/v1/workflows", body, **{"Content-Type": "application/json"}))
    assert status == 400 and error["code"] == "invalid_json" and error["field"] == "body"


@pytest.mark.parametrize("workflow_id", ["x" * 1001, "é" * 501, "😀" * 251])
def test_a_workflow_id_over_1000_bytes_is_400_and_nothing_is_written(call, workflow_id):
    from urllib.parse import quote

    reply = call.start("Mailbox", workflow_id, "hi")
    assert reply.status == 400 and reply.error["field"] == "workflow_id" and "1000 bytes" in reply.error["message"]
    for method, suffix, body in [
        ("GET", "", None),
        ("GET", "/history", None),
        ("POST", "/signals/post", {}),
        ("POST", "/cancel", {}),
    ]:
        reply = call(method, f"/api/v1/workflows/{quote(workflow_id, safe='')}{suffix}", body)
        assert reply.status == 400, suffix
        assert reply.error["code"] == "invalid_id" and "1000" in reply.error["message"]
    assert call("GET", "/api/v1/workflows").body["executions"] == []


def test_a_workflow_id_of_1000_bytes_works(call):
    assert call.start("Mailbox", "é" * 500, "hi").status == 201
    assert call("GET", "/api/v1/workflows/" + "%C3%A9" * 500).status == 200


def test_a_run_id_over_the_limit_is_400(call):
    call.start("Mailbox", "err-long-run", "hi")
    reply = call("GET", "/api/v1/workflows/err-long-run", query={"run_id": "r" * 1001})
    assert reply.status == 400 and reply.error["field"] == "run_id"
    signal = call("POST", "/api/v1/workflows/err-long-run/signals/post", {"input": ["x"], "run_id": "r" * 1001})
    assert signal.status == 400 and signal.error["field"] == "run_id"


GOOD_TOKEN = {"workflow_id": "w", "run_id": "r", "seq": 1, "attempt": 1, "activity_id": "1"}


@pytest.mark.parametrize(
    "field, value",
    [
        ("workflow_id", True),
        ("workflow_id", ["w"]),
        ("run_id", None),
        ("seq", "1"),
        ("seq", 1.5),
        ("attempt", []),
        ("attempt", True),
        ("seq", -1),
        ("seq", 10**30),
        ("activity_id", {"a": 1}),
        ("workflow_id", "x" * 1001),
        ("workflow_id", ""),
    ],
)
def test_a_forged_task_token_with_a_wrong_field_is_400(call, field, value):
    forged = base64.b64encode(json.dumps({**GOOD_TOKEN, field: value}).encode()).decode()
    for path, body in [
        ("/api/v1/activities/complete", {"task_token": forged, "result": 1}),
        ("/api/v1/activities/heartbeat", {"task_token": forged}),
    ]:
        reply = call("POST", path, body)
        assert reply.status == 400, (path, reply.body)
        assert reply.error["code"] == "invalid_task_token" and reply.error["field"] == "task_token"


def test_a_task_token_nested_deep_is_400(call):
    forged = base64.b64encode(b"[" * 100_000 + b"]" * 100_000).decode()
    reply = call("POST", "/api/v1/activities/complete", {"task_token": forged})
    assert reply.status == 400 and reply.error["field"] == "task_token"


@pytest.mark.parametrize(
    "path",
    [
        "/ui/a%00b",
        "/ui/" + "x" * 300,
        "/ui/" + "x" * 5000,
        "/ui/" + "%C3%A9" * 200,
        "/ui/..",
        "/ui/%2e%2e",
        "/ui/..%2Fsecret.txt",
        "/ui/%2e%2e/secret.txt",
        "/ui/assets/..%2F..%2Fsecret.txt",
        "/ui/%2Fetc%2Fpasswd",
        "/ui/app.js%00.png",
    ],
)
def test_odd_ui_paths_are_404_without_a_path_in_the_answer(call, ui_dir, path):
    reply = call("GET", path)
    assert reply.status == 404 and reply.error["code"] == "file_not_found"
    assert str(ui_dir.parent) not in reply.raw and "not for you" not in reply.raw


def test_every_answer_carries_the_security_headers(call):
    from durable._http.app import SECURITY_HEADERS

    for reply in (call("GET", "/"), call("GET", "/ui/app.js"), call("GET", "/api/v1/workflows"), call("GET", "/nope")):
        for name, value in SECURITY_HEADERS.items():
            assert reply.headers[name] == [value]
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]
    assert "unsafe-inline" not in SECURITY_HEADERS["Content-Security-Policy"]
    refused = call.api.handle(_event("POST", "/api/v1/workflows", START_TEXT, **{"Content-Type": "text/plain"}))
    assert refused["multiValueHeaders"]["X-Content-Type-Options"] == ["nosniff"]


def test_a_bug_answers_500_without_its_exception_text(runtime, ui_dir):
    from durable._http.app import HttpApi
    from durable._http.engine import Engine

    from .conftest import Caller

    class Broken(Engine):
        @property
        def control(self):  # type: ignore[override]
            raise RuntimeError(f"secret detail at {ui_dir}")

        @control.setter
        def control(self, value):  # type: ignore[override]
            pass

    reply = Caller(HttpApi(Broken(runtime.control, runtime.registry), ui_dir=ui_dir))("GET", "/api/v1/workflows/x")
    assert reply.status == 500 and reply.error["code"] == "internal_error"
    assert "secret detail" not in reply.raw and str(ui_dir) not in reply.raw
    assert "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" in reply.error["message"]  # the request id, to find the log line


def test_a_list_filter_nested_too_deep_is_400(call):
    reply = call("GET", "/api/v1/workflows", query={"query": "(" * 5000 + "WorkflowType = 'a'" + ")" * 5000})
    assert reply.status == 400
