"""``/batch-operations``: start, describe, list and stop batch jobs through the API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from durable._http.app import HttpApi
from durable._http.engine import Engine
from durable._local.environment import LocalRuntime
from tests.helpers.codec_workflows import CONVERTER

from .conftest import Caller
from .workflows import ACTIVITIES, TASK_QUEUE, WORKFLOWS


def job_when(call: Caller, job_id: str, done: Any) -> dict[str, Any]:
    """The job's description once ``done(description)`` holds (real time: the dispatcher runs it)."""
    deadline = time.monotonic() + 30
    while True:
        reply = call("GET", f"/api/v1/batch-operations/{job_id}")
        assert reply.status == 200, reply.body
        if done(reply.body) or time.monotonic() > deadline:
            assert done(reply.body), reply.body
            return dict(reply.body)
        time.sleep(0.02)


def mailboxes(call: Caller, prefix: str, n: int) -> None:
    for i in range(n):
        assert call.start("Mailbox", f"{prefix}-{i}", "hello").status == 201


def count_of(call: Caller, workflow_id: str) -> int:
    reply = call("POST", f"/api/v1/workflows/{workflow_id}/queries/count", {"args": []})
    assert reply.status == 200, reply.body
    return int(reply.body["result"])


def test_a_batch_signal_reaches_every_matching_run_once_and_reports_its_counts(call):
    mailboxes(call, "box", 3)
    mailboxes(call, "other", 1)
    reply = call(
        "POST",
        "/api/v1/batch-operations",
        {
            "operation": "signal",
            "query": "WorkflowId STARTS_WITH 'box-'",
            "signal_name": "post",
            "input": ["batched"],
            "job_id": "sig-job",
        },
    )
    assert reply.status == 201, reply.body
    assert reply.body["job_id"] == "sig-job"

    job = job_when(call, "sig-job", lambda j: j["state"] == "Completed")

    assert (job["operation_type"], job["total_operation_count"], job["complete_operation_count"]) == ("signal", 3, 3)
    assert job["failure_operation_count"] == 0 and job["close_time"] is not None
    for i in range(3):
        while count_of(call, f"box-{i}") < 2:
            time.sleep(0.02)
        assert count_of(call, f"box-{i}") == 2
    assert count_of(call, "other-0") == 1
    listed = call("GET", "/api/v1/batch-operations").body["jobs"]
    assert [(j["job_id"], j["state"]) for j in listed] == [("sig-job", "Completed")]


def test_a_batch_terminate_stopped_mid_way_leaves_the_rest_running(call):
    mailboxes(call, "slow", 4)
    reply = call(
        "POST",
        "/api/v1/batch-operations",
        {"operation": "terminate", "query": "WorkflowId STARTS_WITH 'slow-'", "rps": 0.5, "job_id": "slow-job"},
    )
    assert reply.status == 201, reply.body
    job_when(call, "slow-job", lambda j: j["complete_operation_count"] >= 1)

    stopped = call("POST", "/api/v1/batch-operations/slow-job/stop", {"reason": "enough"})

    assert stopped.status == 202, stopped.body
    job = job_when(call, "slow-job", lambda j: j["state"] == "Stopped")
    statuses = [call("GET", f"/api/v1/workflows/slow-{i}").body["status"] for i in range(4)]
    assert statuses.count("TERMINATED") == job["complete_operation_count"] < 4
    assert statuses.count("RUNNING") == 4 - job["complete_operation_count"]
    again = call("POST", "/api/v1/batch-operations/slow-job/stop", {})
    assert (again.status, again.error["code"]) == (409, "not_running")


def test_bad_batch_requests_are_refused_naming_what_to_fix(call):
    mailboxes(call, "x", 1)
    cases = [
        ({"operation": "terminate", "query": "WorkflowId = "}, 400, "invalid_query"),
        ({"operation": "signal", "query": "WorkflowId = 'x-0'"}, 400, "invalid_request"),
        ({"operation": "terminate", "query": "WorkflowId = 'x-0'", "rps": 0}, 400, "invalid_request"),
        ({"operation": "reset", "query": "WorkflowId = 'x-0'"}, 400, "invalid_request"),
    ]
    for body, status, code in cases:
        reply = call("POST", "/api/v1/batch-operations", body)
        assert (reply.status, reply.error["code"]) == (status, code), (body, reply.body)
    assert call("GET", "/api/v1/batch-operations/nope").error["code"] == "batch_job_not_found"
    assert call("GET", "/api/v1/batch-operations/x-0").status == 404
    assert call("GET", "/api/v1/workflows/x-0").body["status"] == "RUNNING"


@pytest.fixture
def call_with_codec(ui_dir: Path) -> Iterator[Caller]:
    """The API of a deployment whose payloads are encrypted (the API itself has no codec)."""
    rt = LocalRuntime(backend="memory", skipping=False, data_converter=CONVERTER)
    rt.register(TASK_QUEUE, WORKFLOWS, ACTIVITIES, None, data_converter=CONVERTER)
    try:
        yield Caller(HttpApi(Engine(rt.control, rt.registry), ui_dir=ui_dir))
    finally:
        rt.shutdown()


def test_with_a_payload_codec_the_api_still_shows_a_jobs_counts(call_with_codec):
    call = call_with_codec
    mailboxes(call, "sealed", 2)
    reply = call(
        "POST",
        "/api/v1/batch-operations",
        {"operation": "terminate", "query": "WorkflowId STARTS_WITH 'sealed-'", "job_id": "sealed-job"},
    )
    assert reply.status == 201, reply.body

    job = job_when(call, "sealed-job", lambda j: j["state"] == "Completed")

    assert (job["total_operation_count"], job["complete_operation_count"], job["failure_operation_count"]) == (2, 2, 0)
    listed = call("GET", "/api/v1/batch-operations").body["jobs"]
    assert [(j["job_id"], j["complete_operation_count"]) for j in listed] == [("sealed-job", 2)]
    assert [call("GET", f"/api/v1/workflows/sealed-{i}").body["status"] for i in range(2)] == ["TERMINATED"] * 2
