"""Eager start through the API as the API Lambda runs it (no settling after a start): the
request decides the first workflow task itself, so the answer comes with it committed."""

from __future__ import annotations


def test_an_eager_start_answers_with_the_first_task_committed(call):
    started = call.start("Mailbox", "mail-eager", "hi", request_eager_start=True)
    assert started.status == 201
    assert started.body["eagerly_started"] is True
    history = call("GET", "/api/v1/workflows/mail-eager/history")
    types = [e["event_type"] for e in history.body["events"]]
    assert types == ["WorkflowExecutionStarted", "WorkflowTaskCompleted"]
    assert call("POST", "/api/v1/workflows/mail-eager/queries/count", {}).body == {"result": 1}


def test_a_plain_start_and_a_signal_with_start_are_not_eager(call):
    assert call.start("Mailbox", "mail-plain", "hi").body["eagerly_started"] is False
    with_signal = call.start(
        "Mailbox", "mail-sws", "hi", start_signal="post", start_signal_input=["x"], request_eager_start=True
    )
    assert with_signal.status == 201 and with_signal.body["eagerly_started"] is False
