"""Replay: a cold machine rebuilt from the log agrees with the warm one that wrote it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable._replay import events as ev
from durable._replay.machine import HistoryMachine, NondeterminismError

from .conftest import Driver, lookup_for
from .test_replay_activities import CancelHandle, CatchFailure, Gather, NoTimeout, TwoActivities
from .test_replay_asyncio import AsCompleted, CancelSleepingTask, EventGate, FirstCompleted, QueueConsumer
from .test_replay_failures import RaisesApplicationError
from .test_replay_signals_and_cancellation import Cancellable, SeesEarlySignals
from .test_replay_timers import CancelledSleep, Condition, SleepTwice, WaitForSignal


def _sleep_twice() -> Driver:
    d = Driver(SleepTwice)
    d.start()
    d.fire_timer(1)
    d.fire_timer(2)
    return d


def _sleep_twice_midway() -> Driver:
    d = Driver(SleepTwice)
    d.start()
    d.fire_timer(1)
    return d


def _cancelled_sleep() -> Driver:
    d = Driver(CancelledSleep)
    d.start()
    d.fire_timer(1)
    return d


def _wait_for_timeout() -> Driver:
    d = Driver(WaitForSignal)
    d.start()
    d.fire_timer(1)
    return d


def _condition_with_timeout() -> Driver:
    d = Driver(Condition)
    d.start(30.0)
    d.signal("go")
    return d


def _two_activities() -> Driver:
    d = Driver(TwoActivities)
    d.start("ann")
    d.complete_activity(1, "hello ann")
    d.complete_activity(2, 42)
    return d


def _gather_reversed() -> Driver:
    d = Driver(Gather)
    d.start()
    d.complete_activity(2, "B")
    d.complete_activity(1, "A")
    return d


def _activity_failure() -> Driver:
    d = Driver(CatchFailure)
    d.start()
    d.fail_activity(1, ValueError("bad"))
    return d


def _try_cancel_handle() -> Driver:
    d = Driver(CancelHandle)
    d.start(int(workflow.ActivityCancellationType.TRY_CANCEL))
    d.fire_timer(1)
    return d


def _wait_cancellation_completed() -> Driver:
    d = Driver(CancelHandle)
    d.start(int(workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED))
    d.fire_timer(1)
    d.cancel_activity(1)
    return d


def _queue() -> Driver:
    d = Driver(QueueConsumer)
    d.start(2)
    d.signal("push", "a")
    d.signal("push", "b")
    return d


def _event_gate() -> Driver:
    d = Driver(EventGate)
    d.start()
    d.signal("open")
    d.fire_timer(1)
    return d


def _cancel_sleeping_task() -> Driver:
    d = Driver(CancelSleepingTask)
    d.start()
    d.fire_timer(1)
    return d


def _first_completed_timer_wins() -> Driver:
    d = Driver(FirstCompleted)
    d.start()
    d.fire_timer(1)
    return d


def _as_completed() -> Driver:
    d = Driver(AsCompleted)
    d.start()
    d.complete_activity(3, 3)
    d.complete_activity(1, 1)
    d.complete_activity(2, 2)
    return d


def _early_signals() -> Driver:
    d = Driver(SeesEarlySignals)
    d.start(signals=[("add", ["a"]), ("add", ["b"])])
    d.signal("add", "c")
    return d


def _cancelled_workflow() -> Driver:
    d = Driver(Cancellable)
    d.start(False)
    d.cancel()
    d.complete_activity(1, "tidy")
    return d


def _cancel_swallowed() -> Driver:
    d = Driver(Cancellable)
    d.start(True)
    d.cancel()
    d.complete_activity(1, "tidy")
    return d


def _workflow_failed() -> Driver:
    d = Driver(RaisesApplicationError)
    d.start()
    d.fire_timer(1)
    return d


def _task_failed() -> Driver:
    d = Driver(NoTimeout)
    d.start()
    return d


SCENARIOS: dict[str, Callable[[], Driver]] = {
    f.__name__.lstrip("_"): f
    for f in [
        _sleep_twice,
        _sleep_twice_midway,
        _cancelled_sleep,
        _wait_for_timeout,
        _condition_with_timeout,
        _two_activities,
        _gather_reversed,
        _activity_failure,
        _try_cancel_handle,
        _wait_cancellation_completed,
        _queue,
        _event_gate,
        _cancel_sleeping_task,
        _first_completed_timer_wins,
        _as_completed,
        _early_signals,
        _cancelled_workflow,
        _cancel_swallowed,
        _workflow_failed,
        _task_failed,
    ]
}


def _state(machine: HistoryMachine) -> dict[str, object]:
    ledger = machine.ledger
    return {
        "status": ledger.status,
        "last_event_id": ledger.last_event_id,
        "timers": dict(ledger.timers),
        "activities": sorted(ledger.activities),
        "task_attempt": ledger.task_attempt,
        "decided": ledger.decided,
        "cancel_requested": ledger.cancel_requested,
        "pending_inputs": [e["event_id"] for e in machine.pending_inputs],
    }


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_cold_replay_reproduces_the_ledger(scenario: str) -> None:
    d = SCENARIOS[scenario]()
    cold = d.cold()
    assert cold.replay_error is None
    assert not cold.poisoned
    assert _state(cold) == _state(d.machine)
    assert [e["event_id"] for e in d.log] == list(range(1, len(d.log) + 1))


def test_cold_and_warm_machines_make_the_same_next_decision() -> None:
    warm = _sleep_twice_midway()
    cold = warm.cold()
    fired = ev.make_event(ev.TIMER_FIRED, warm.now + 120, seq=2)
    warm_record = warm.machine.decide([dict(fired)], warm.now + 120)
    cold_record = cold.decide([dict(fired)], warm.now + 120)
    assert warm_record == cold_record
    assert [e["event_type"] for e in cold_record] == [ev.TIMER_FIRED, ev.TASK_COMPLETED, ev.WORKFLOW_COMPLETED]


@workflow.defn
class Randomness:
    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    @workflow.run
    async def run(self) -> dict[str, object]:
        self.values = {
            "random": workflow.random().random(),
            "randint": workflow.random().randint(0, 10**9),
            "uuid": str(workflow.uuid4()),
        }
        await asyncio.sleep(1)
        self.values["uuid_after_sleep"] = str(workflow.uuid4())
        return self.values

    @workflow.query
    def seen(self) -> dict[str, object]:
        return self.values


def test_random_and_uuid4_are_the_same_on_replay() -> None:
    d = Driver(Randomness)
    d.start()
    first = d.query("seen")
    cold = d.cold()
    assert cold.instance is not None
    assert cold.instance.query("seen", []) == d.machine.instance.query("seen", [])  # type: ignore[union-attr]
    d.fire_timer(1)
    result = d.result()
    assert {k: result[k] for k in first} == first
    # Replaying the whole run computes the same values again.
    replayed = d.cold()
    assert replayed.instance is not None
    assert json.loads(replayed.instance.query("seen", [])) == result


def test_uuid4_is_a_version_4_uuid_and_differs_between_runs() -> None:
    a = Driver(Randomness, run_id="00000000-0000-4000-8000-000000000001")
    b = Driver(Randomness, run_id="00000000-0000-4000-8000-000000000002")
    a.start()
    b.start()
    ua, ub = a.query("seen")["uuid"], b.query("seen")["uuid"]
    assert ua != ub
    assert ua[14] == "4" and ub[14] == "4"


@activity.defn
async def step(name: str) -> str:
    return name


@workflow.defn(name="Changing")
class ChangingV1:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(step, "a", start_to_close_timeout=timedelta(seconds=5))


@workflow.defn(name="Changing")
class ChangingV2:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(10)
        return await workflow.execute_activity(step, "a", start_to_close_timeout=timedelta(seconds=5))


@activity.defn
async def other_step(name: str) -> str:
    return name


@workflow.defn(name="Changing")
class ChangingActivityType:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(other_step, "a", start_to_close_timeout=timedelta(seconds=5))


def test_changed_first_command_is_a_nondeterminism_error_that_teaches() -> None:
    d = Driver(ChangingV1)
    d.start()
    cold = d.cold(ChangingV2)
    err = cold.replay_error
    assert isinstance(err, NondeterminismError)
    message = str(err)
    assert "at event 3" in message
    assert "ActivityTaskScheduled 'step' (#1)" in message
    assert "TimerStarted (#1)" in message
    assert "workflow.patched" in message
    assert cold.poisoned
    # The ledger stays whole, so the engine can still describe the run.
    assert cold.ledger.last_event_id == d.machine.ledger.last_event_id == 3


def test_changed_activity_type_is_a_nondeterminism_error() -> None:
    d = Driver(ChangingV1)
    d.start()
    err = d.cold(ChangingActivityType).replay_error
    assert isinstance(err, NondeterminismError)
    assert "'step'" in str(err) and "'other_step'" in str(err)


def test_a_decision_on_a_nondeterministic_replay_fails_the_task() -> None:
    d = Driver(ChangingV1)
    d.start()
    d.machine = d.cold(ChangingV2)
    record = d.complete_activity(1, "a")
    assert [e["event_type"] for e in record] == [ev.ACTIVITY_COMPLETED, ev.TASK_FAILED]
    failure = record[-1]["attributes"]["failure"]
    assert failure["application"]["type"] == "NondeterminismError"
    assert "at event 3" in failure["message"]
    assert d.machine.ledger.status.name == "RUNNING"


@workflow.defn
class Logs:
    def __init__(self) -> None:
        self.replaying: list[bool] = []

    @workflow.run
    async def run(self) -> None:
        workflow.logger.info("first step")
        self.replaying.append(workflow.unsafe.is_replaying())
        await asyncio.sleep(1)
        workflow.logger.info("second step")
        self.replaying.append(workflow.unsafe.is_replaying())
        await asyncio.sleep(1)

    @workflow.query
    def flags(self) -> list[bool]:
        return self.replaying


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage().split(" (")[0] for r in caplog.records if r.name == "durable.workflow"]


def test_workflow_logger_emits_on_new_decisions(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="durable.workflow")
    d = Driver(Logs)
    d.start()
    assert _messages(caplog) == ["first step"]
    d.fire_timer(1)
    assert _messages(caplog) == ["first step", "second step"]
    record = next(r for r in caplog.records if r.name == "durable.workflow")
    assert record.temporal_workflow["workflow_id"] == "wf-1"  # type: ignore[attr-defined]
    assert d.query("flags") == [False, False]


def test_workflow_logger_is_silent_while_replaying(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="durable.workflow")
    d = Driver(Logs)
    d.start()
    d.fire_timer(1)
    caplog.clear()
    cold = d.cold()
    assert cold.replay_error is None
    assert _messages(caplog) == []
    assert cold.instance is not None
    assert cold.instance.query("flags", []) == "[true,true]"


def test_lookup_for_unknown_type_fails_the_task() -> None:
    d = Driver(ChangingV1)
    d.start()
    machine = HistoryMachine(lookup_for(Logs))
    machine.replay(d.log)
    assert machine.replay_error is not None
    assert "Changing" in str(machine.replay_error)
