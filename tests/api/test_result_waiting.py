"""A caller waiting on the result route reads the log's tail (the API as deployed) or nothing
at all (the dev server's engine, told of closes), never the whole history per look."""

from __future__ import annotations

import threading
import time
from typing import Any

from durable._http.app import HttpApi
from durable._http.devserver import LocalEngine
from durable._local.environment import LocalRuntime
from durable._replay.events import Event

from .conftest import Caller


class RecordingHistory:
    """The runtime's own history store, keeping where each read started (0: the whole log)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reads_after: list[int] = []
        self._lock = threading.Lock()

    def load(self, execution: str, after_event_id: int = 0) -> list[Event]:
        with self._lock:
            self.reads_after.append(after_event_id)
        events: list[Event] = self.inner.load(execution, after_event_id)
        return events

    def reads(self) -> list[int]:
        with self._lock:
            return list(self.reads_after)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _recording(runtime: LocalRuntime) -> RecordingHistory:
    recorder = RecordingHistory(runtime.backend.services.history)
    runtime.backend.services.history = recorder
    return recorder


def _running_mailbox(call: Caller, runtime: LocalRuntime, workflow_id: str) -> None:
    assert call.start("Mailbox", workflow_id, "hi").status == 201
    assert call("POST", f"/api/v1/workflows/{workflow_id}/signals/post", {"input": ["more"]}).status == 202
    assert runtime.dispatcher.wait_idle()


def _close_while_a_caller_waits(call: Caller, workflow_id: str, waiting: Any) -> Any:
    """Answer of a result call made before the run closes (``waiting()``: the caller is seen waiting)."""
    answers: list[Any] = []
    caller = threading.Thread(target=lambda: answers.append(call.result(workflow_id, wait_seconds="20")))
    caller.start()
    deadline = time.monotonic() + 10
    while not waiting() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert call("POST", f"/api/v1/workflows/{workflow_id}/signals/close", {}).status == 202
    caller.join(timeout=30)
    assert answers, "the waiting caller never got an answer"
    return answers[0]


def test_a_waiting_caller_reads_only_the_new_records_of_the_log_after_its_first_look(call, runtime):
    _running_mailbox(call, runtime, "tail-1")
    recorder = _recording(runtime)

    assert call.result("tail-1", wait_seconds="1.5").status == 202
    reads = recorder.reads()
    assert reads[0] == 0, "the first look reads the log once"
    assert len(reads) >= 3, reads  # it looked again while it waited...
    last = runtime.control.describe("tail-1", None).history_length
    assert set(reads[1:]) == {last}, reads  # ...each time only after the last event it had read

    before = len(recorder.reads())
    reply = _close_while_a_caller_waits(call, "tail-1", lambda: len(recorder.reads()) > before + 1)
    assert reply.status == 200
    assert reply.body["result"] == {"messages": ["hi", "more"]}
    assert recorder.reads()[before] == 0 and 0 not in recorder.reads()[before + 1 :]


def test_on_the_dev_servers_engine_a_waiting_caller_reads_nothing_until_the_run_closes(runtime):
    call = Caller(HttpApi(LocalEngine(runtime, strict=False)))
    _running_mailbox(call, runtime, "notified-1")
    recorder = _recording(runtime)

    assert call.result("notified-1", wait_seconds="1").status == 202
    reads = recorder.reads()
    last = runtime.control.describe("notified-1", None).history_length  # (a whole read: not the caller's)
    # One look, the wait for the close's notification, one look (of the tail) when the wait ran out.
    assert reads == [0, last], reads

    # Closed right after the caller's first look: a close before it registers wakes it too.
    reply = _close_while_a_caller_waits(call, "notified-1", lambda: len(recorder.reads()) > 3)
    assert reply.status == 200
    assert reply.body["result"] == {"messages": ["hi", "more"]}
    # The close woke it: one look for its request, one on the wake-up, after the last event read.
    reads = recorder.reads()[3:]
    assert reads[0] == 0 and len(reads) == 2 and reads[1] > 0, reads
