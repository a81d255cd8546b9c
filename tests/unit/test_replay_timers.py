"""Timers: asyncio.sleep / workflow.sleep, cancelled sleeps, wait_for timeouts, wait_condition."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from durable import workflow
from durable._replay import events as ev

from .conftest import T0, Driver


@workflow.defn
class SleepTwice:
    @workflow.run
    async def run(self) -> list[str]:
        times = [workflow.now().isoformat()]
        await asyncio.sleep(5)
        times.append(workflow.now().isoformat())
        await workflow.sleep(timedelta(minutes=2))
        times.append(workflow.now().isoformat())
        return times


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat()


def test_asyncio_sleep_and_workflow_sleep_start_timers_of_their_duration() -> None:
    d = Driver(SleepTwice)
    d.start()
    assert d.commands() == [
        {"event_id": 3, "event_time": T0, "event_type": ev.TIMER_STARTED, "attributes": {"seq": 1, "duration": 5.0}}
    ]
    d.fire_timer(1)
    assert [(e["event_type"], e["attributes"]) for e in d.commands()] == [
        (ev.TIMER_STARTED, {"seq": 2, "duration": 120.0})
    ]
    assert d.machine.ledger.timers == {2: T0 + 5 + 120}
    d.fire_timer(2)
    assert d.command_types() == [ev.WORKFLOW_COMPLETED]


def test_workflow_now_is_the_time_of_the_decision() -> None:
    d = Driver(SleepTwice)
    d.start()
    d.fire_timer(1)
    d.fire_timer(2)
    assert d.result() == [_iso(T0), _iso(T0 + 5), _iso(T0 + 125)]


def test_workflow_now_follows_a_late_timer_decision() -> None:
    d = Driver(SleepTwice)
    d.start()
    # The timer's message arrives 7 s late: workflow time is the decision's time.
    d.decide(ev.make_event(ev.TIMER_FIRED, 0.0, seq=1), advance=12)
    assert d.machine.ledger.timers == {2: T0 + 12 + 120}
    d.fire_timer(2)
    assert d.result()[1] == _iso(T0 + 12)


@workflow.defn
class SleepZero:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(0)
        await workflow.sleep(0)
        return "done"


def test_sleep_of_zero_issues_no_timer() -> None:
    d = Driver(SleepZero)
    d.start()
    assert d.command_types() == [ev.WORKFLOW_COMPLETED]
    assert d.result() == "done"


@workflow.defn
class CancelledSleep:
    @workflow.run
    async def run(self) -> str:
        task = asyncio.create_task(asyncio.sleep(30))
        await asyncio.sleep(1)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "sleep cancelled"
        return "sleep finished"


def test_cancelling_a_sleep_cancels_its_timer() -> None:
    d = Driver(CancelledSleep)
    d.start()
    # The run method's own sleep comes first: the task only starts once run awaits.
    assert [(e["event_type"], e["attributes"]) for e in d.commands()] == [
        (ev.TIMER_STARTED, {"seq": 1, "duration": 1.0}),
        (ev.TIMER_STARTED, {"seq": 2, "duration": 30.0}),
    ]
    d.fire_timer(1)
    assert [(e["event_type"], e["attributes"]) for e in d.commands()] == [
        (ev.TIMER_CANCELED, {"seq": 2}),
        (ev.WORKFLOW_COMPLETED, {"result": '"sleep cancelled"'}),
    ]
    assert d.machine.ledger.timers == {}


@workflow.defn
class WaitForSignal:
    def __init__(self) -> None:
        self.fut: asyncio.Future[str] | None = None

    @workflow.run
    async def run(self) -> str:
        self.fut = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(self.fut, timeout=10)
        except TimeoutError:
            return "timed out"

    @workflow.signal
    def answer(self, value: str) -> None:
        assert self.fut is not None
        self.fut.set_result(value)


def test_wait_for_timeout_is_a_timer_and_raises_timeout_error_when_it_fires() -> None:
    d = Driver(WaitForSignal)
    d.start()
    assert [(e["event_type"], e["attributes"]) for e in d.commands()] == [
        (ev.TIMER_STARTED, {"seq": 1, "duration": 10.0})
    ]
    d.fire_timer(1)
    assert d.command_types() == [ev.WORKFLOW_COMPLETED]
    assert d.result() == "timed out"


def test_wait_for_that_completes_in_time_cancels_its_timer() -> None:
    d = Driver(WaitForSignal)
    d.start()
    d.signal("answer", "yes")
    assert [(e["event_type"], e["attributes"]) for e in d.commands()] == [
        (ev.TIMER_CANCELED, {"seq": 1}),
        (ev.WORKFLOW_COMPLETED, {"result": '"yes"'}),
    ]


@workflow.defn
class Condition:
    def __init__(self) -> None:
        self.ready = False

    @workflow.run
    async def run(self, timeout: float | None) -> str:
        try:
            await workflow.wait_condition(lambda: self.ready, timeout=timeout)
        except TimeoutError:
            return "timed out"
        return "ready"

    @workflow.signal
    def go(self) -> None:
        self.ready = True


def test_wait_condition_without_timeout_starts_no_timer() -> None:
    d = Driver(Condition)
    d.start(None)
    assert d.commands() == []
    d.signal("go")
    assert d.command_types() == [ev.WORKFLOW_COMPLETED]
    assert d.result() == "ready"


def test_wait_condition_with_timeout_times_out_on_its_timer() -> None:
    d = Driver(Condition)
    d.start(60.0)
    assert [(e["event_type"], e["attributes"]) for e in d.commands()] == [
        (ev.TIMER_STARTED, {"seq": 1, "duration": 60.0})
    ]
    d.fire_timer(1)
    assert d.result() == "timed out"


def test_wait_condition_met_before_its_timeout_cancels_the_timer() -> None:
    d = Driver(Condition)
    d.start(60.0)
    d.signal("go")
    assert [(e["event_type"], e["attributes"]) for e in d.commands()] == [
        (ev.TIMER_CANCELED, {"seq": 1}),
        (ev.WORKFLOW_COMPLETED, {"result": '"ready"'}),
    ]


def test_wait_condition_already_true_returns_without_waiting() -> None:
    d = Driver(Condition)
    d.start(60.0, signals=[("go", [])])
    # Signals run before the run method: the condition holds at its first check.
    assert d.command_types()[-1] == ev.WORKFLOW_COMPLETED
    assert d.result() == "ready"
    assert d.machine.ledger.timers == {}
