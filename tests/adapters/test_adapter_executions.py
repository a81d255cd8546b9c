"""ExecutionStore contract: DynamoExecutionStore on moto and MemoryExecutionStore."""

from __future__ import annotations

import dataclasses

import pytest

from durable._runtime.ports import (
    ExecutionAlreadyRunning,
    ExecutionIdInUse,
    ExecutionNotFound,
    ExecutionRecord,
    HeartbeatRecord,
)
from durable._statuses import WorkflowExecutionStatus

T0 = 1_700_000_000.123456


def running(workflow_id: str = "order-1", run_id: str = "run-1", **changes) -> ExecutionRecord:
    record = ExecutionRecord(
        workflow_id=workflow_id,
        run_id=run_id,
        workflow_type="OrderWorkflow",
        task_queue="orders",
        status=WorkflowExecutionStatus.RUNNING,
        start_time=T0,
    )
    return dataclasses.replace(record, **changes)


# -- executions ------------------------------------------------------------------------


def test_create_then_get_round_trips_every_field(backend):
    store = backend.executions()
    record = running(
        history_length=7,
        task_failure={"message": "boom", "type": "NonDeterminismError", "stack": ["a", "b"]},
        accepted_signals=frozenset({"signal:a", "signal:b"}),
        closing=T0 + 1,
    )
    store.create(record)

    assert store.get("order-1") == record


def test_get_unknown_workflow_raises(backend):
    with pytest.raises(ExecutionNotFound):
        backend.executions().get("nope")


def test_create_over_a_running_run_raises_with_its_run_id(backend):
    store = backend.executions()
    store.create(running(run_id="run-1"))

    with pytest.raises(ExecutionAlreadyRunning) as raised:
        store.create(running(run_id="run-2", workflow_type="Other"))

    assert raised.value.workflow_id == "order-1"
    assert raised.value.run_id == "run-1"
    assert raised.value.workflow_type == "OrderWorkflow"
    assert store.get("order-1").run_id == "run-1"


def test_close_then_get_shows_the_closed_run(backend):
    store = backend.executions()
    store.create(running())

    store.close("order-1", "run-1", WorkflowExecutionStatus.COMPLETED, T0 + 5.25, 11)

    assert store.get("order-1") == running(
        status=WorkflowExecutionStatus.COMPLETED, close_time=T0 + 5.25, history_length=11
    )


def test_create_over_a_closed_run_replaces_it(backend):
    store = backend.executions()
    store.create(running(run_id="run-1", task_failure={"message": "old"}))
    store.close("order-1", "run-1", WorkflowExecutionStatus.FAILED, T0 + 1, 9)

    store.create(running(run_id="run-2", start_time=T0 + 2))

    assert store.get("order-1") == running(run_id="run-2", start_time=T0 + 2)


@pytest.mark.parametrize(
    ("previous", "replaceable", "allowed"),
    [
        (
            WorkflowExecutionStatus.COMPLETED,
            frozenset(
                {
                    WorkflowExecutionStatus.FAILED,
                    WorkflowExecutionStatus.CANCELED,
                    WorkflowExecutionStatus.TERMINATED,
                    WorkflowExecutionStatus.TIMED_OUT,
                }
            ),
            False,
        ),
        (
            WorkflowExecutionStatus.FAILED,
            frozenset(
                {
                    WorkflowExecutionStatus.FAILED,
                    WorkflowExecutionStatus.CANCELED,
                    WorkflowExecutionStatus.TERMINATED,
                    WorkflowExecutionStatus.TIMED_OUT,
                }
            ),
            True,
        ),
        (WorkflowExecutionStatus.COMPLETED, frozenset(), False),
        (
            WorkflowExecutionStatus.TERMINATED,
            frozenset({WorkflowExecutionStatus.COMPLETED, WorkflowExecutionStatus.TERMINATED}),
            True,
        ),
    ],
)
def test_create_replaces_only_a_replaceable_closed_run(backend, previous, replaceable, allowed):
    store = backend.executions()
    store.create(running(run_id="run-1"))
    store.close("order-1", "run-1", previous, T0 + 1, 9)

    if allowed:
        store.create(running(run_id="run-2"), replaceable=replaceable)
        assert store.get("order-1").run_id == "run-2"
    else:
        with pytest.raises(ExecutionIdInUse) as info:
            store.create(running(run_id="run-2"), replaceable=replaceable)
        assert not isinstance(info.value, ExecutionAlreadyRunning)
        assert (info.value.run_id, info.value.status, info.value.workflow_type) == ("run-1", previous, "OrderWorkflow")
        assert store.get("order-1").run_id == "run-1"


def test_close_of_a_stale_run_is_a_no_op(backend):
    store = backend.executions()
    store.create(running(run_id="run-1"))
    store.close("order-1", "run-1", WorkflowExecutionStatus.COMPLETED, T0 + 1, 5)
    store.create(running(run_id="run-2", start_time=T0 + 2))

    store.close("order-1", "run-1", WorkflowExecutionStatus.TERMINATED, T0 + 3, 6)  # the old run, late

    assert store.get("order-1") == running(run_id="run-2", start_time=T0 + 2)


def test_second_close_of_a_run_is_a_no_op(backend):
    store = backend.executions()
    store.create(running())
    store.close("order-1", "run-1", WorkflowExecutionStatus.COMPLETED, T0 + 1, 5)

    store.close("order-1", "run-1", WorkflowExecutionStatus.TERMINATED, T0 + 2, 6)

    assert store.get("order-1").status == WorkflowExecutionStatus.COMPLETED
    assert store.get("order-1").close_time == T0 + 1


def test_close_of_an_unknown_workflow_creates_nothing(backend):
    store = backend.executions()
    store.close("ghost", "run-1", WorkflowExecutionStatus.COMPLETED, T0, 1)

    with pytest.raises(ExecutionNotFound):
        store.get("ghost")


def test_task_failure_set_and_clear(backend):
    store = backend.executions()
    store.create(running())
    failure = {"message": "non-deterministic", "details": {"expected": "A", "got": "B"}}

    store.set_task_failure("order-1", "run-1", failure)
    assert store.get("order-1").task_failure == failure

    store.set_task_failure("order-1", "run-1", None)
    assert store.get("order-1").task_failure is None
    assert store.get("order-1") == running()


def test_task_failure_of_a_stale_run_or_unknown_workflow_is_ignored(backend):
    store = backend.executions()
    store.create(running(run_id="run-2"))

    store.set_task_failure("order-1", "run-1", {"message": "late"})
    store.set_task_failure("ghost", "run-1", {"message": "nobody"})

    assert store.get("order-1").task_failure is None
    with pytest.raises(ExecutionNotFound):
        store.get("ghost")


def test_list_newest_first_filtered_and_limited(backend):
    store = backend.executions()
    store.create(running("a", start_time=T0 + 1))
    store.create(running("b", start_time=T0 + 3))
    store.create(running("c", start_time=T0 + 2))
    store.create(running("d", start_time=T0 + 2))  # same start as c: ties by workflow id, descending
    store.close("b", "run-1", WorkflowExecutionStatus.COMPLETED, T0 + 4, 3)
    # A heartbeat item whose activity id looks like an execution item's sort key.
    store.record_heartbeat("a#run-1", "run", 1, [], T0)

    assert [r.workflow_id for r in store.list()] == ["b", "d", "c", "a"]
    assert [r.workflow_id for r in store.list(status=WorkflowExecutionStatus.RUNNING)] == ["d", "c", "a"]
    assert [r.workflow_id for r in store.list(status=WorkflowExecutionStatus.COMPLETED)] == ["b"]
    assert [r.workflow_id for r in store.list(limit=2)] == ["b", "d"]
    assert store.list(status=WorkflowExecutionStatus.FAILED) == []
    assert store.list()[0] == running(
        "b", start_time=T0 + 3, status=WorkflowExecutionStatus.COMPLETED, close_time=T0 + 4, history_length=3
    )


def test_a_replaced_run_stays_listed_as_it_closed(backend):
    store = backend.executions()
    store.create(running("a", run_id="run-1", memo={"k": '"v"'}))
    store.close("a", "run-1", WorkflowExecutionStatus.CONTINUED_AS_NEW, T0 + 1, 3)
    store.create(running("a", run_id="run-2", start_time=T0 + 2))

    assert [(r.workflow_id, r.run_id) for r in store.list()] == [("a", "run-2"), ("a", "run-1")]
    assert store.list()[1] == running(
        "a",
        run_id="run-1",
        status=WorkflowExecutionStatus.CONTINUED_AS_NEW,
        close_time=T0 + 1,
        history_length=3,
        memo={"k": '"v"'},
    )
    assert store.get("a").run_id == "run-2"
    # The copy is no execution of its own: closing the old run again changes nothing.
    store.close("a", "run-1", WorkflowExecutionStatus.TERMINATED, T0 + 3, 4)
    assert store.list(status=WorkflowExecutionStatus.TERMINATED) == []


# -- heartbeats ------------------------------------------------------------------------


def test_heartbeat_record_and_get(backend):
    store = backend.executions()
    assert store.get_heartbeat("order-1#run-1", "act-1") is None

    cancel = store.record_heartbeat("order-1#run-1", "act-1", 2, [{"done": 40}, "x"], T0 + 1)

    assert cancel is False
    assert store.get_heartbeat("order-1#run-1", "act-1") == HeartbeatRecord(
        attempt=2, details=[{"done": 40}, "x"], at=T0 + 1, cancel_requested=False
    )


def test_next_heartbeat_replaces_the_last(backend):
    store = backend.executions()
    store.record_heartbeat("e", "act-1", 1, [1], T0)
    store.record_heartbeat("e", "act-1", 1, [2], T0 + 1)

    assert store.get_heartbeat("e", "act-1") == HeartbeatRecord(1, [2], T0 + 1, False)


def test_cancel_request_reaches_the_next_heartbeat(backend):
    store = backend.executions()
    store.record_heartbeat("e", "act-1", 1, [], T0)

    store.request_activity_cancel("e", "act-1")

    assert store.get_heartbeat("e", "act-1").cancel_requested is True
    assert store.record_heartbeat("e", "act-1", 1, ["still"], T0 + 1) is True
    assert store.get_heartbeat("e", "act-1") == HeartbeatRecord(1, ["still"], T0 + 1, True)


def test_cancel_before_any_heartbeat(backend):
    store = backend.executions()

    store.request_activity_cancel("e", "act-1")

    assert store.get_heartbeat("e", "act-1") == HeartbeatRecord(attempt=0, details=[], at=None, cancel_requested=True)
    assert store.record_heartbeat("e", "act-1", 1, [], T0) is True


def test_a_pause_reaches_the_next_heartbeat_and_an_unpause_clears_it(backend):
    store = backend.executions()
    store.record_heartbeat("e", "act-1", 3, ["half"], T0)

    store.set_activity_paused("e", "act-1", True, 0)

    assert store.record_heartbeat("e", "act-1", 3, ["more"], T0 + 1) is True
    assert store.get_heartbeat("e", "act-1") == HeartbeatRecord(3, ["more"], T0 + 1, paused=True)
    store.set_activity_paused("e", "act-1", False, 2)  # an unpause that reset the attempts
    assert store.record_heartbeat("e", "act-1", 1, [], T0 + 2) is False
    assert store.get_heartbeat("e", "act-1") == HeartbeatRecord(1, [], T0 + 2, paused=False, stamp=2)


def test_a_pause_before_any_heartbeat(backend):
    store = backend.executions()

    store.set_activity_paused("e", "act-1", True, 0)

    assert store.get_heartbeat("e", "act-1") == HeartbeatRecord(attempt=0, paused=True)
    assert store.record_heartbeat("e", "act-1", 1, [], T0) is True


def test_heartbeats_are_per_execution_and_activity(backend):
    store = backend.executions()
    store.request_activity_cancel("e1", "act-1")
    store.record_heartbeat("e1", "act-2", 1, [], T0)

    assert store.record_heartbeat("e2", "act-1", 1, [], T0) is False
    assert store.record_heartbeat("e1", "act-2", 1, [], T0) is False
    assert store.get_heartbeat("e2", "act-2") is None


def test_update_rejection_round_trips_per_execution_and_request(backend):
    store = backend.executions()
    failure = {
        "message": "amount must be positive",
        "stack_trace": "",
        "application": {"type": "ValueError", "details": [1, "x"]},
    }
    assert store.get_update_rejection("order-1#run-1", "req-1") is None
    store.reject_update("order-1#run-1", "req-1", failure)
    assert store.get_update_rejection("order-1#run-1", "req-1") == failure
    assert store.get_update_rejection("order-1#run-1", "req-2") is None
    assert store.get_update_rejection("order-1#run-2", "req-1") is None
    # a redelivered request is rejected again: the second write is harmless
    store.reject_update("order-1#run-1", "req-1", failure)
    assert store.get_update_rejection("order-1#run-1", "req-1") == failure
    assert store.list() == []  # never seen as an execution


# -- accepted signals and the close fence (durable._runtime.signal_fence) -----------------


def test_accepted_signals_are_a_set_a_repeat_changes_nothing(backend):
    store = backend.executions()
    store.create(running())

    assert store.accept_signal("order-1", "run-1", "signal:a")
    assert store.accept_signal("order-1", "run-1", "signal:b")
    assert store.accept_signal("order-1", "run-1", "signal:a")

    assert store.get("order-1").accepted_signals == {"signal:a", "signal:b"}
    store.forget_signals("order-1", "run-1", ["signal:a", "signal:never-accepted"])
    assert store.get("order-1").accepted_signals == {"signal:b"}
    store.forget_signals("order-1", "run-1", ["signal:b"])
    assert store.get("order-1").accepted_signals == frozenset()


def test_a_signal_is_refused_by_a_stale_closed_or_fenced_run_and_nothing_is_written(backend):
    store = backend.executions()
    store.create(running())
    assert not store.accept_signal("order-1", "run-0", "signal:stale")
    assert not store.accept_signal("nope", "run-1", "signal:unknown")

    assert store.fence_close("order-1", "run-1", 0, T0 + 5)
    assert not store.accept_signal("order-1", "run-1", "signal:late")
    assert store.get("order-1").closing == T0 + 5 and store.get("order-1").accepted_signals == frozenset()

    store.close("order-1", "run-1", WorkflowExecutionStatus.COMPLETED, T0 + 6, 4)
    assert not store.accept_signal("order-1", "run-1", "signal:after")
    assert store.get("order-1").accepted_signals == frozenset()


def test_the_fence_holds_only_for_the_count_of_accepted_signals_read(backend):
    store = backend.executions()
    store.create(running())
    store.accept_signal("order-1", "run-1", "signal:a")

    assert not store.fence_close("order-1", "run-1", 0, T0)  # one came since "none" was read
    assert not store.fence_close("order-1", "run-1", 2, T0)
    assert not store.fence_close("order-1", "run-0", 1, T0)  # a stale run
    assert store.get("order-1").closing is None
    assert store.fence_close("order-1", "run-1", 1, T0 + 1)
    assert store.fence_close("order-1", "run-1", 1, T0 + 2)  # fenced again (a redelivered close)
    assert store.get("order-1").closing == T0 + 2


def test_a_fence_is_cleared_only_by_the_one_that_set_it(backend):
    store = backend.executions()
    store.create(running())
    store.fence_close("order-1", "run-1", 0, T0 + 1)

    store.clear_fence("order-1", "run-1", T0)  # not this fence
    assert store.get("order-1").closing == T0 + 1
    store.clear_fence("order-1", "run-1", T0 + 1)
    assert store.get("order-1").closing is None
    assert store.accept_signal("order-1", "run-1", "signal:again")


def test_a_new_run_of_the_workflow_id_starts_without_accepted_signals_or_fence(backend):
    store = backend.executions()
    store.create(running())
    store.accept_signal("order-1", "run-1", "signal:a")
    store.fence_close("order-1", "run-1", 1, T0)
    store.close("order-1", "run-1", WorkflowExecutionStatus.COMPLETED, T0 + 1, 4)

    store.create(running(run_id="run-2"))

    assert (store.get("order-1").accepted_signals, store.get("order-1").closing) == (frozenset(), None)
