"""A caller waiting on the result route reads the run's execution record while it runs (the
API as deployed) or nothing at all (the dev server's engine, told of closes), and its log
once, when the run closed: never the whole history per look."""

from __future__ import annotations

import threading
import time
from typing import Any

from durable._http.app import HttpApi
from durable._http.devserver import LocalEngine
from durable._local.environment import LocalRuntime
from durable._replay.events import Event
from durable._runtime.ports import ExecutionRecord

from .conftest import Caller


class Reads:
    """What the runtime's own stores were asked: whole-log reads and execution record reads."""

    def __init__(self, runtime: LocalRuntime) -> None:
        services = runtime.backend.services
        self._lock = threading.Lock()
        self.log = 0
        self.records = 0
        services.history = _Counted(services.history, "load", self._read_log)
        services.executions = _Counted(services.executions, "get", self._read_record)

    def _read_log(self) -> None:
        with self._lock:
            self.log += 1

    def _read_record(self) -> None:
        with self._lock:
            self.records += 1

    def now(self) -> tuple[int, int]:
        with self._lock:
            return self.log, self.records


class _Counted:
    """A store that tells ``seen`` of each call of its method ``name`` (the store answers)."""

    def __init__(self, inner: Any, name: str, seen: Any) -> None:
        self._inner, self._name, self._seen = inner, name, seen

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name != self._name:
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Event | ExecutionRecord | list[Event]:
            self._seen()
            return attribute(*args, **kwargs)  # type: ignore[no-any-return]

        return counted


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


def test_a_waiting_caller_reads_the_record_of_a_running_run_and_its_log_once_it_closed(call, runtime):
    _running_mailbox(call, runtime, "record-1")
    reads = Reads(runtime)

    assert call.result("record-1", wait_seconds="1.5").status == 202
    log, records = reads.now()
    assert log == 0, "no history read while the run runs"
    assert records >= 3, records  # the route resolved the run, looked, and looked again with back-off

    reply = _close_while_a_caller_waits(call, "record-1", lambda: reads.now()[1] > records + 1)
    assert reply.status == 200
    assert reply.body["result"] == {"messages": ["hi", "more"]}
    assert reads.now()[0] >= 1  # the close's event, read from the log


def test_on_the_dev_servers_engine_a_waiting_caller_reads_nothing_until_the_run_closes(runtime):
    call = Caller(HttpApi(LocalEngine(runtime, strict=False)))
    _running_mailbox(call, runtime, "notified-1")
    reads = Reads(runtime)

    assert call.result("notified-1", wait_seconds="1").status == 202
    # The route resolved the run, looked once, waited for the close's notification, and
    # looked once more when the wait ran out: nothing in between, no history.
    assert reads.now() == (0, 3)

    reply = _close_while_a_caller_waits(call, "notified-1", lambda: reads.now()[1] > 4)
    assert reply.status == 200
    assert reply.body["result"] == {"messages": ["hi", "more"]}
