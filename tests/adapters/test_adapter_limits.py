"""The twin is as strict as AWS: every limit the engine meets, refused alike on both backends.

Each test runs on moto (the AWS adapters) and in memory. A refusal is checked on both, and
where moto itself is laxer than AWS (FIFO ids), the AWS adapter checks before it calls.
The claim check (payload store) then shows that the same write, with the store, fits.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from durable._limits import FIFO_ID_CHARS, SQS_MESSAGE_BYTES, fifo_id
from durable._runtime.claimcheck import BODY_INLINE_BYTES, ClaimCheck
from durable._runtime.ports import ExecutionRecord, WriteTooLarge
from durable._statuses import WorkflowExecutionStatus


def _record(first: int, text: str, count: int = 1) -> list[dict[str, Any]]:
    return [
        {"event_id": first + i, "event_type": "Marker", "event_time": 1.0, "attributes": {"text": text}}
        for i in range(count)
    ]


def _run(workflow_id: str = "wf", **fields: Any) -> ExecutionRecord:
    return ExecutionRecord(
        workflow_id=workflow_id,
        run_id="run-1",
        workflow_type="T",
        task_queue="q",
        status=WorkflowExecutionStatus.RUNNING,
        start_time=1.0,
        **fields,
    )


# -- DynamoDB: 400 KB items -------------------------------------------------------------


def test_a_history_record_over_400_kb_is_refused_without_a_payload_store(backend):
    history = backend.history()
    with pytest.raises(WriteTooLarge, match="over DynamoDB's 400 KB"):
        history.append("wf#run", _record(1, "x" * 410_000))
    assert history.load("wf#run") == []


def test_quotes_escaped_twice_count_towards_the_item(backend):
    # 110,000 quotes: 110 KB as text, over 400 KB once escaped as a payload and again in the record.
    history = backend.history()
    payload = json.dumps('"' * 110_000)
    with pytest.raises(WriteTooLarge):
        history.append("wf#run", _record(1, payload))


def test_a_2_mb_record_round_trips_by_reference(backend):
    claims = ClaimCheck(backend.payloads())
    history = backend.history(claims)
    events = _record(1, "y" * 2_000_000) + _record(2, "small")
    history.append("wf#run", events)
    history.append("wf#run", _record(3, "after"))
    assert history.load("wf#run") == events + _record(3, "after")
    assert history.load("wf#run", after_event_id=2) == _record(3, "after")
    # A cold reader (a new Lambda container) reads it from the payload store, not a cache.
    history.claims = ClaimCheck(claims.payloads)
    assert history.load("wf#run")[0]["attributes"]["text"] == "y" * 2_000_000


def test_many_small_events_in_one_decision_fit_by_reference(backend):
    history = backend.history(ClaimCheck(backend.payloads()))
    events = _record(1, "local activity result " * 10, count=3_000)  # about 700 KB in one record
    history.append("wf#run", events)
    assert len(history.load("wf#run")) == 3_000


def test_a_large_memo_is_refused_without_a_payload_store_and_kept_with_one(backend):
    memo = {"blob": json.dumps("m" * 500_000)}
    with pytest.raises(WriteTooLarge):
        backend.executions().create(_run(memo=memo))
    executions = backend.executions(ClaimCheck(backend.payloads()))
    executions.create(_run(memo=memo))
    assert executions.get("wf").memo == memo


def test_large_task_failures_and_heartbeat_details_are_kept_by_reference(backend):
    executions = backend.executions(ClaimCheck(backend.payloads()))
    executions.create(_run())
    failure = {"message": "boom", "stack_trace": "s" * 600_000}
    executions.set_task_failure("wf", "run-1", failure)
    assert executions.get("wf").task_failure == failure
    details = ["d" * 1_500_000]
    executions.record_heartbeat("wf#run-1", "1", 1, details, 2.0)
    heartbeat = executions.get_heartbeat("wf#run-1", "1")
    assert heartbeat is not None and heartbeat.details == details


# -- DynamoDB: key lengths ----------------------------------------------------------------


def test_a_1000_byte_workflow_id_fits_every_key(backend):
    workflow_id = "ö" * 500  # 1,000 bytes of UTF-8
    executions = backend.executions()
    executions.create(_run(workflow_id))
    executions.close(workflow_id, "run-1", WorkflowExecutionStatus.COMPLETED, 3.0, 2)
    assert executions.get(workflow_id).status == WorkflowExecutionStatus.COMPLETED
    activity_id = "a" * 1_000  # a user-chosen activity id; sort keys hold 1,024 bytes
    executions.record_heartbeat(f"{workflow_id}#run-1", activity_id, 1, ["beat"], 2.0)
    heartbeat = executions.get_heartbeat(f"{workflow_id}#run-1", activity_id)
    assert heartbeat is not None and heartbeat.details == ["beat"]
    history = backend.history()
    history.append(f"{workflow_id}#run-1", _record(1, "x"))
    assert len(history.load(f"{workflow_id}#run-1")) == 1


# -- SQS: 256 KB bodies, FIFO ids, characters --------------------------------------------


@pytest.mark.parametrize("name", ["q.fifo", "q"])
def test_a_body_over_256_kb_is_refused(backend, name):
    queue = backend.queue(name)
    with pytest.raises(WriteTooLarge, match="256|262144"):
        queue.send("b" * (SQS_MESSAGE_BYTES + 1), group_id="g", dedup_id="d")
    queue.send("b" * SQS_MESSAGE_BYTES, group_id="g", dedup_id="d")  # exactly the limit is fine
    assert [len(m.body) for m in queue.receive()] == [SQS_MESSAGE_BYTES]


@pytest.mark.parametrize(
    "group_id", ["a b", "é", "x" * 129, "", "tab\t"], ids=["space", "non-ascii", "129-chars", "empty", "control"]
)
def test_fifo_group_ids_sqs_refuses_are_refused(backend, group_id):
    queue = backend.queue("q.fifo")
    with pytest.raises(ValueError, match="MessageGroupId"):
        queue.send("body", group_id=group_id, dedup_id="d")
    with pytest.raises(ValueError, match="MessageDeduplicationId"):
        queue.send("body", group_id="g", dedup_id=group_id)
    assert queue.receive() == []


def test_characters_sqs_refuses_in_a_body_are_refused(backend):
    queue = backend.queue("q")
    with pytest.raises(ValueError, match="character"):
        queue.send("nul \x00 inside")
    assert queue.receive() == []


@pytest.mark.parametrize("raw", ["a b", "é", "x" * 500, "run:signal:ok", "h-" + "0" * 64])
def test_derived_fifo_ids_are_valid_and_stable(raw):
    derived = fifo_id(raw)
    assert FIFO_ID_CHARS.fullmatch(derived)
    assert derived == fifo_id(raw) == fifo_id(derived)
    assert derived == raw or derived.startswith("h-")


def test_a_sealed_body_travels_by_reference_and_opens_to_the_original(backend):
    claims = ClaimCheck(backend.payloads())
    queue = backend.queue("inbox.fifo")
    body = json.dumps({"kind": "signal", "workflow_id": "wf", "run_id": "r", "dedup": "s1", "input": ["q" * 1_000_000]})
    sealed = claims.seal(body)
    assert len(sealed) < BODY_INLINE_BYTES
    assert json.loads(sealed)["kind"] == "signal"  # routing fields stay readable in a DLQ
    queue.send(sealed, group_id="wf", dedup_id="s1")
    (message,) = queue.receive()
    assert claims.open(message.body) == body
    small = json.dumps({"kind": "signal", "input": ["small"]})
    assert claims.seal(small) == small and claims.open(small) == small


def test_a_schedule_with_large_arguments_is_kept_by_reference(backend):
    doc = {"action": {"args": [json.dumps("s" * 1_000_000)]}, "state": {"paused": False}}
    with pytest.raises(WriteTooLarge):
        backend.schedules().create("big", doc)
    schedules = backend.schedules(ClaimCheck(backend.payloads()))
    schedules.create("big", doc)
    schedules.put("big", {**doc, "state": {"paused": True}}, version=1)
    stored = schedules.get("big")
    assert (stored.doc["action"], stored.doc["state"], stored.version) == (doc["action"], {"paused": True}, 2)


def test_a_1000_byte_schedule_id_is_stored_and_listed_by_its_id(backend):
    schedule_id = "ü" * 500
    schedules = backend.schedules()
    schedules.create(schedule_id, {"n": 1})
    schedules.create("a-short-one", {"n": 2})
    assert schedules.get(schedule_id).doc == {"n": 1}
    assert [s.schedule_id for s in schedules.list()] == sorted(["a-short-one", schedule_id])
