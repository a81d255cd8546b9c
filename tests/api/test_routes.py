"""Every route of the API, on the engine, through real proxy events."""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence

from durable import workflow
from durable._http.app import HttpApi
from durable._http.engine import Engine
from durable._replay import events as ev
from durable.common import RawValue

from .workflows import TOKENS


def wait_for_token() -> bytes:
    deadline = time.monotonic() + 10
    while not TOKENS:
        assert time.monotonic() < deadline, "the activity never started"
        time.sleep(0.01)
    return TOKENS.pop()


def eventually(fetch, want, timeout: float = 10.0):
    """On Lambda a signal is applied by the orchestrator after the call returns: look again until it shows."""
    deadline = time.monotonic() + timeout
    while (got := fetch()) != want and time.monotonic() < deadline:
        time.sleep(0.01)
    return got


def test_start_signal_query_result(call):
    started = call.start("Mailbox", "mail-1", "hello")
    assert started.status == 201
    assert started.body["workflow_id"] == "mail-1" and started.body["run_id"]
    assert call("POST", "/api/v1/workflows/mail-1/signals/post", {"input": ["second"]}).status == 202
    assert eventually(lambda: call("POST", "/api/v1/workflows/mail-1/queries/count", {}).body, {"result": 2}) == {
        "result": 2
    }
    assert call("POST", "/api/v1/workflows/mail-1/queries/nth", {"args": [1]}).body == {"result": "second"}
    assert call("POST", "/api/v1/workflows/mail-1/signals/close", {"run_id": started.body["run_id"]}).status == 202
    done = call.result("mail-1")
    assert done.status == 200
    assert done.body["status"] == "COMPLETED"
    assert done.body["result"] == {"messages": ["hello", "second"]}
    assert done.body["run_id"] == started.body["run_id"]


def test_result_of_a_running_run_is_202_after_the_wait(call):
    call.start("Mailbox", "mail-wait", "hi")
    reply = call.result("mail-wait", wait_seconds="0.2")
    assert reply.status == 202
    assert reply.body["status"] == "RUNNING"


def test_describe_running_then_completed(call):
    run_id = call.start("Mailbox", "mail-desc", "hi").body["run_id"]
    running = call("GET", "/api/v1/workflows/mail-desc")
    assert running.status == 200
    detail = running.body
    assert detail["run_id"] == run_id and detail["status"] == "RUNNING"
    assert detail["workflow_type"] == "Mailbox" and detail["task_queue"] == "api-tests"
    assert detail["input"] == ["hi"]
    assert detail["result"] is None and detail["failure"] is None and detail["close_time"] is None
    assert detail["start_time"].endswith("Z")
    call("POST", "/api/v1/workflows/mail-desc/signals/close", {})
    call.result("mail-desc")
    closed = call("GET", "/api/v1/workflows/mail-desc", query={"run_id": run_id}).body
    assert closed["status"] == "COMPLETED"
    assert closed["result"] == {"messages": ["hi"]}
    assert closed["close_time"] is not None and closed["history_length"] > 1


@workflow.defn
class AnyQuery:
    """Answers every query name (a dynamic handler) and declares one signal."""

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.query(dynamic=True)
    def anything(self, name: str, args: Sequence[RawValue]) -> str:
        return name

    @workflow.signal
    def poke(self) -> None:
        pass


def test_describe_lists_the_handlers_the_deployment_s_code_of_the_workflow_declares(call, runtime):
    call.start("Mailbox", "mail-handlers", "hi")
    call.start("Tally", "tally-handlers")
    runtime.register("dynamic-queue", [AnyQuery], [], None)
    call(
        "POST", "/api/v1/workflows", {"workflow_type": "AnyQuery", "workflow_id": "any", "task_queue": "dynamic-queue"}
    )
    assert call("GET", "/api/v1/workflows/mail-handlers").body["handlers"] == {
        "queries": ["count", "nth"], "signals": ["close", "post"], "updates": [], "dynamic": [],
    }  # fmt: skip
    assert call("GET", "/api/v1/workflows/tally-handlers").body["handlers"] == {
        "queries": [], "signals": ["finish"], "updates": ["add", "total_at_finish"], "dynamic": [],
    }  # fmt: skip
    assert call("GET", "/api/v1/workflows/any").body["handlers"] == {
        "queries": [], "signals": ["poke"], "updates": [], "dynamic": ["query"],
    }  # fmt: skip
    # An API that has not the workflows' code (no registry) cannot say: null.
    without_code = type(call)(HttpApi(Engine(runtime.control)))
    assert without_code("GET", "/api/v1/workflows/mail-handlers").body["handlers"] is None


def test_failed_workflow_result_and_describe_carry_the_failure(call):
    call.start("Failing", "fail-1", "card declined")
    reply = call.result("fail-1")
    assert reply.status == 200
    assert reply.body["status"] == "FAILED"
    failure = reply.body["failure"]
    assert failure["message"] == "card declined"
    assert failure["type"] == "Declined"
    assert failure["application"]["details"] == [{"code": 7}]
    assert call("GET", "/api/v1/workflows/fail-1").body["failure"]["type"] == "Declined"


def test_history_lists_events_with_decoded_payloads(call):
    call.start("Mailbox", "mail-hist", "first")
    call("POST", "/api/v1/workflows/mail-hist/signals/post", {"input": ["x"]})
    call("POST", "/api/v1/workflows/mail-hist/signals/close", {})
    call.result("mail-hist")
    history = call("GET", "/api/v1/workflows/mail-hist/history").body
    assert history["workflow_id"] == "mail-hist" and history["run_id"]
    events = history["events"]
    assert [e["event_id"] for e in events] == list(range(1, len(events) + 1))
    kinds = [e["event_type"] for e in events]
    assert kinds[0] == ev.WORKFLOW_STARTED and kinds[-1] == ev.WORKFLOW_COMPLETED
    assert events[0]["attributes"]["input"] == ["first"]
    signaled = [e for e in events if e["event_type"] == ev.SIGNALED]
    assert [s["attributes"]["signal_name"] for s in signaled] == ["post", "close"]
    assert signaled[0]["attributes"]["input"] == ["x"]
    assert events[-1]["attributes"]["result"] == {"messages": ["first", "x"]}
    assert all(e["event_time"].endswith("Z") for e in events)


def test_headers_sent_with_a_start_and_a_signal_are_in_the_history_as_json_values(call):
    trace = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    call.start("Mailbox", "mail-headers", "first", headers={"_tracer-data": trace})
    signal = {"input": ["x"], "headers": {"_tracer-data": trace, "tenant": "acme"}}
    assert call("POST", "/api/v1/workflows/mail-headers/signals/post", signal).status == 202
    call("POST", "/api/v1/workflows/mail-headers/signals/close", {})
    call.result("mail-headers")
    events = call("GET", "/api/v1/workflows/mail-headers/history").body["events"]
    assert events[0]["attributes"]["headers"] == {"_tracer-data": trace}
    signaled = [e["attributes"] for e in events if e["event_type"] == ev.SIGNALED]
    assert signaled[0]["headers"] == {"_tracer-data": trace, "tenant": "acme"}
    assert "headers" not in signaled[1]  # none sent: none kept


def test_cancel_then_result_is_canceled(call):
    call.start("Mailbox", "mail-cancel", "hi")
    assert call("POST", "/api/v1/workflows/mail-cancel/cancel", {"reason": "not needed"}).status == 202
    reply = call.result("mail-cancel")
    assert reply.body["status"] == "CANCELED"
    assert reply.body["failure"]["type"] == "CancelledError"


def test_terminate_with_reason_and_details(call):
    call.start("Mailbox", "mail-term", "hi")
    reply = call(
        "POST", "/api/v1/workflows/mail-term/terminate", {"reason": "ops said so", "details": [{"ticket": 12}]}
    )
    assert reply.status == 202
    result = call.result("mail-term").body
    assert result["status"] == "TERMINATED"
    assert result["failure"]["message"] == "ops said so"
    assert result["failure"]["terminated"]["details"] == [{"ticket": 12}]
    assert call("GET", "/api/v1/workflows/mail-term").body["status"] == "TERMINATED"


def test_result_follows_continue_as_new_unless_asked_not_to(call):
    first = call.start("Chain", "chain-1", 2).body["run_id"]
    followed = call.result("chain-1", run_id=first)
    assert followed.body["status"] == "COMPLETED" and followed.body["result"] == 42
    assert followed.body["run_id"] != first
    stopped = call.result("chain-1", run_id=first, follow_runs="false")
    assert stopped.body["status"] == "CONTINUED_AS_NEW"
    assert stopped.body["new_execution_run_id"]


def test_id_policies(call):
    first = call.start("Mailbox", "mail-pol", "a").body["run_id"]
    again = call.start("Mailbox", "mail-pol", "b", id_conflict_policy="USE_EXISTING")
    assert again.status == 201 and again.body["run_id"] == first
    replaced = call.start("Mailbox", "mail-pol", "c", id_conflict_policy="TERMINATE_EXISTING")
    assert replaced.body["run_id"] != first
    assert call("GET", "/api/v1/workflows/mail-pol", query={"run_id": first}).body["status"] == "TERMINATED"


def test_signal_with_start(call):
    run_id = call.start("Mailbox", "mail-sws", "hi", start_signal="post", start_signal_input=["early"]).body["run_id"]
    call("POST", "/api/v1/workflows/mail-sws/signals/close", {})
    # The start signal is handled before the run method starts, as in Temporal.
    assert call.result("mail-sws").body["result"] == {"messages": ["early", "hi"]}
    assert call("GET", "/api/v1/workflows/mail-sws").body["run_id"] == run_id


def test_list_filters_and_pages(call):
    for i in range(5):
        call.start("Mailbox", f"list-mail-{i}", "hi")
        time.sleep(0.002)  # distinct start times: the order is by start time
    call.start("Failing", "list-fail", "no")
    call.result("list-fail")
    everything = call("GET", "/api/v1/workflows").body["executions"]
    assert [e["workflow_id"] for e in everything][:6] == ["list-fail"] + [f"list-mail-{i}" for i in reversed(range(5))]
    failed = call("GET", "/api/v1/workflows", query={"status": "FAILED"}).body["executions"]
    assert [e["workflow_id"] for e in failed] == ["list-fail"]
    by_type = call("GET", "/api/v1/workflows", query={"workflow_type": "Mailbox"}).body["executions"]
    assert {e["workflow_id"] for e in by_type} == {f"list-mail-{i}" for i in range(5)}
    by_prefix = call("GET", "/api/v1/workflows", query={"workflow_id": "list-mail-3"}).body["executions"]
    assert [e["workflow_id"] for e in by_prefix] == ["list-mail-3"]
    seen: list[str] = []
    token = None
    while True:
        query = {"workflow_id": "list-mail", "page_size": "2", **({"next_page_token": token} if token else {})}
        page = call("GET", "/api/v1/workflows", query=query).body
        seen += [e["workflow_id"] for e in page["executions"]]
        token = page["next_page_token"]
        if token is None:
            break
    assert seen == [f"list-mail-{i}" for i in reversed(range(5))]
    summary = everything[0]
    assert set(summary) == {
        "workflow_id",
        "run_id",
        "workflow_type",
        "task_queue",
        "status",
        "start_time",
        "close_time",
        "history_length",
        "memo",
        "search_attributes",
    }


def test_list_by_start_time_range(call):
    call.start("Mailbox", "early", "hi")
    time.sleep(0.05)
    middle = call("GET", "/api/v1/workflows/early").body["start_time"]
    time.sleep(0.05)
    call.start("Mailbox", "late", "hi")
    from durable._http import wire

    cut = wire.rfc3339(wire.parse_time(middle) + 0.025)
    after = call("GET", "/api/v1/workflows", query={"start_time_from": cut}).body["executions"]
    before = call("GET", "/api/v1/workflows", query={"start_time_to": cut}).body["executions"]
    assert [e["workflow_id"] for e in after] == ["late"]
    assert [e["workflow_id"] for e in before] == ["early"]


def test_pending_activity_then_async_completion(call):
    TOKENS.clear()
    call.start("Approval", "approve-1", "refund")
    token = base64.b64encode(wait_for_token()).decode()
    beat = call("POST", "/api/v1/activities/heartbeat", {"task_token": token, "details": ["halfway"]})
    assert beat.status == 200 and beat.body == {"cancel_requested": False}
    pending = call("GET", "/api/v1/workflows/approve-1").body["pending_activities"]
    assert len(pending) == 1
    assert pending[0]["activity_type"] == "approve" and pending[0]["attempt"] == 1
    assert pending[0]["heartbeat_details"] == ["halfway"] and pending[0]["last_heartbeat_time"].endswith("Z")
    assert call("POST", "/api/v1/activities/complete", {"task_token": token, "result": "approved"}).status == 202
    assert call.result("approve-1").body["result"] == "approved"


def test_async_activity_failure(call):
    TOKENS.clear()
    call.start("Approval", "approve-2", "refund")
    token = base64.b64encode(wait_for_token()).decode()
    failure = {
        "message": "rejected by a human",
        "type": "Rejected",
        "application": {"type": "Rejected", "non_retryable": True, "details": [{"by": "ops"}]},
    }
    assert call("POST", "/api/v1/activities/fail", {"task_token": token, "failure": failure}).status == 202
    result = call.result("approve-2").body
    assert result["status"] == "FAILED"
    assert result["failure"]["type"] == "ActivityError"
    cause = result["failure"]["cause"]
    assert cause["type"] == "Rejected" and cause["application"]["details"] == [{"by": "ops"}]


def test_async_activity_cancelled_report(call):
    TOKENS.clear()
    call.start("Approval", "approve-3", "refund")
    token = base64.b64encode(wait_for_token()).decode()
    assert call("POST", "/api/v1/activities/cancelled", {"task_token": token}).status == 202
    assert call.result("approve-3").body["status"] == "FAILED"


def test_json_with_a_charset_parameter_is_read(call):
    body = {"workflow_type": "Mailbox", "workflow_id": "curl-1", "task_queue": "api-tests", "input": ["hi"]}
    reply = call("POST", "/api/v1/workflows", body, headers={"Content-Type": "Application/JSON; charset=UTF-8"})
    assert reply.status == 201


def test_workflow_ids_with_reserved_characters(call):
    assert call.start("Mailbox", "order 42/a?b", "hi").status == 201
    reply = call("GET", "/api/v1/workflows/order%2042%2Fa%3Fb")
    assert reply.status == 200 and reply.body["workflow_id"] == "order 42/a?b"


def test_cron_start_waits_for_its_first_tick(call):
    reply = call.start("Mailbox", "cron-1", "hi", cron_schedule="0 0 1 1 *")
    assert reply.status == 201
    detail = call("GET", "/api/v1/workflows/cron-1").body
    assert detail["status"] == "RUNNING" and detail["pending_activities"] == []


def test_unknown_signal_is_delivered_when_asked_as_temporalio_clients_do(call):
    call.start("Mailbox", "mail-lenient", "hi")
    reply = call("POST", "/api/v1/workflows/mail-lenient/signals/shout", {"accept_unknown": True})
    assert reply.status == 202


def test_list_with_a_temporal_filter_and_count(call):
    call.start("Mailbox", "q-mail-1", "hi")
    call.start("Mailbox", "q-mail-2", "hi")
    call.start("Failing", "q-fail", "no")
    call.result("q-fail")
    query = "WorkflowType = 'Mailbox' ORDER BY StartTime ASC"
    listed = call("GET", "/api/v1/workflows", query={"query": query}).body["executions"]
    assert [e["workflow_id"] for e in listed] == ["q-mail-1", "q-mail-2"]
    combined = call("GET", "/api/v1/workflows", query={"query": "WorkflowId STARTS_WITH 'q-'", "status": "FAILED"}).body
    assert [e["workflow_id"] for e in combined["executions"]] == ["q-fail"]
    counted = call(
        "GET", "/api/v1/workflow-counts", query={"query": "WorkflowId STARTS_WITH 'q-' GROUP BY ExecutionStatus"}
    ).body
    assert counted["count"] == 3
    assert sorted((g["group_values"][0], g["count"]) for g in counted["groups"]) == [("FAILED", 1), ("RUNNING", 2)]
    assert call("GET", "/api/v1/workflow-counts", query={"workflow_type": "Mailbox"}).body == {"count": 2, "groups": []}
