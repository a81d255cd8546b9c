"""Local activities: run in place during the decision, recorded as markers, never run on replay."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from durable import _converter, _failure, activity, workflow
from durable._replay import events as ev
from durable._replay.commands import LOCAL_ACTIVITY_MARKER
from durable._replay.machine import HistoryMachine, NondeterminismError
from durable.common import RetryPolicy
from durable.exceptions import ApplicationError

from .conftest import Driver, lookup_for


@activity.defn
async def lookup(key: str) -> str:
    return key


@activity.defn
async def other(key: str) -> str:
    return key


@workflow.defn
class LocalThenTimer:
    @workflow.run
    async def run(self, key: str) -> list[str]:
        first = await workflow.execute_local_activity(lookup, key, start_to_close_timeout=timedelta(seconds=5))
        await asyncio.sleep(60)
        second = await workflow.execute_local_activity(lookup, f"{key}-2", start_to_close_timeout=timedelta(seconds=5))
        return [first, second]


@workflow.defn
class LocalNextToAnActivity:
    @workflow.run
    async def run(self) -> list[str]:
        remote = workflow.start_activity(other, "remote", start_to_close_timeout=timedelta(seconds=5))
        local = await workflow.execute_local_activity(lookup, "local", start_to_close_timeout=timedelta(seconds=5))
        return [local, await remote]


@workflow.defn
class LocalFails:
    @workflow.run
    async def run(self) -> str:
        try:
            return await workflow.execute_local_activity(
                lookup, "x", start_to_close_timeout=timedelta(seconds=5), retry_policy=RetryPolicy(maximum_attempts=3)
            )
        except ApplicationError as err:
            return f"caught {err.type}: {err.message}"


class Runner:
    """The runtime's part, scripted: each call returns the next outcome for its activity."""

    def __init__(self, *outcomes: dict[str, Any]) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, int, list[Any]]] = []

    def __call__(self, info: Any, request: Any) -> dict[str, Any]:
        self.calls.append((request.activity_type, request.attempt, _converter.decode_args(request.input, [str])))
        outcome = self.outcomes.pop(0)
        return {"seq": request.seq, "attempt": request.attempt, **outcome}


def decide(d: Driver, runner: Runner, *inputs: dict[str, Any], advance: float = 0.0) -> list[dict[str, Any]]:
    """:meth:`Driver.decide` with a local activity runner."""
    d.now += advance
    for event in inputs:
        event["event_time"] = d.now
    record = d.machine.decide(list(inputs), d.now, run_local=runner)
    first = d.machine.ledger.last_event_id + 1
    for offset, event in enumerate(record):
        event["event_id"] = first + offset
    d.log.extend(record)
    d.machine.committed(record)
    d.last = record
    return record


def ok(value: Any) -> dict[str, Any]:
    return {"result": _converter.encode(value)}


def markers(record: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["attributes"] for e in record if e["event_type"] == ev.MARKER_RECORDED]


def test_a_local_activity_runs_within_the_decision_and_is_recorded_as_a_marker() -> None:
    d = Driver(LocalThenTimer)
    runner = Runner(ok("a"), ok("a-2"))
    record = decide(d, runner, d.started_event("a"))
    assert [e["event_type"] for e in record] == [
        ev.WORKFLOW_STARTED,
        ev.TASK_COMPLETED,
        ev.MARKER_RECORDED,
        ev.TIMER_STARTED,
    ]
    [marker] = markers(record)
    assert marker["marker_name"] == LOCAL_ACTIVITY_MARKER
    assert (marker["seq"], marker["activity_id"], marker["activity_type"], marker["attempt"]) == (1, "1", "lookup", 1)
    assert marker["original_schedule_time"] == d.now
    assert runner.calls == [("lookup", 1, ["a"])]
    decide(d, runner, ev.make_event(ev.TIMER_FIRED, 0.0, seq=1), advance=60)
    assert d.result() == ["a", "a-2"]
    assert runner.calls == [("lookup", 1, ["a"]), ("lookup", 1, ["a-2"])]


def test_replay_resolves_local_activities_from_their_markers() -> None:
    d = Driver(LocalThenTimer)
    runner = Runner(ok("a"), ok("a-2"))
    decide(d, runner, d.started_event("a"))
    decide(d, runner, ev.make_event(ev.TIMER_FIRED, 0.0, seq=1), advance=60)
    cold = d.cold()  # the plain replay path: it has no runner at all
    assert cold.replay_error is None and cold.ledger.status.name == "COMPLETED"
    assert len(runner.calls) == 2


def test_commands_before_a_local_activity_come_first_on_replay_too() -> None:
    d = Driver(LocalNextToAnActivity)
    record = decide(d, Runner(ok("local")), d.started_event())
    assert [e["event_type"] for e in record if e["event_type"] in ev.COMMAND_EVENTS] == [
        ev.ACTIVITY_SCHEDULED,
        ev.MARKER_RECORDED,
    ]
    assert record[-1]["attributes"]["seq"] == 2  # one numbering for activities and local activities
    d.complete_activity(1, "remote")
    assert d.result() == ["local", "remote"]
    assert d.cold().replay_error is None


def test_a_local_activity_failure_reaches_the_code_as_raised() -> None:
    d = Driver(LocalFails)
    failure = _failure.from_exception(ApplicationError("boom", type="Boom"))
    record = decide(d, Runner({"failure": failure}), d.started_event())
    assert markers(record)[0]["failure"]["message"] == "boom"
    assert d.result() == "caught Boom: boom"
    assert d.cold().replay_error is None


def test_a_long_backoff_is_a_durable_timer_then_the_next_attempt() -> None:
    d = Driver(LocalFails)
    failure = _failure.from_exception(ApplicationError("later", type="Later"))
    runner = Runner({"failure": failure, "backoff": 120.0}, ok("x"))
    record = decide(d, runner, d.started_event())
    assert [e["event_type"] for e in record if e["event_type"] in ev.COMMAND_EVENTS] == [
        ev.MARKER_RECORDED,
        ev.TIMER_STARTED,
    ]
    assert markers(record)[0]["backoff"] == 120.0
    assert record[-1]["attributes"]["duration"] == 120.0
    record = decide(d, runner, ev.make_event(ev.TIMER_FIRED, 0.0, seq=1), advance=120)
    assert [m["attempt"] for m in markers(record)] == [2]
    # the next attempt is numbered anew, with its default id, as temporalio's core records it
    assert [(m["seq"], m["activity_id"]) for m in markers(record)] == [(2, "2")]
    assert runner.calls == [("lookup", 1, ["x"]), ("lookup", 2, ["x"])]
    assert d.result() == "x"
    assert d.cold().replay_error is None


def test_a_history_whose_local_activity_the_code_no_longer_runs_is_not_deterministic() -> None:
    @workflow.defn(name="LocalThenTimer")
    class SleepsOnly:
        @workflow.run
        async def run(self, key: str) -> list[str]:
            await asyncio.sleep(60)
            return []

    d = Driver(LocalThenTimer)
    decide(d, Runner(ok("a")), d.started_event("a"))
    cold = d.cold(SleepsOnly)
    assert isinstance(cold.replay_error, NondeterminismError)
    assert "MarkerRecorded" in str(cold.replay_error)


def test_a_local_activity_the_history_does_not_record_is_not_deterministic() -> None:
    @workflow.defn(name="LocalThenTimer")
    class RunsAnother:
        @workflow.run
        async def run(self, key: str) -> list[str]:
            return [await workflow.execute_local_activity(other, key, start_to_close_timeout=timedelta(seconds=5))]

    d = Driver(LocalThenTimer)
    decide(d, Runner(ok("a")), d.started_event("a"))
    machine = HistoryMachine(lookup_for(RunsAnother))
    machine.replay(d.log)
    assert isinstance(machine.replay_error, NondeterminismError)
    assert "'other'" in str(machine.replay_error)


def test_without_a_runner_the_decision_fails_its_task() -> None:
    d = Driver(LocalThenTimer)
    record = d.start("a")
    assert record[-1]["event_type"] == ev.TASK_FAILED
    assert "local activities" in record[-1]["attributes"]["failure"]["message"]
