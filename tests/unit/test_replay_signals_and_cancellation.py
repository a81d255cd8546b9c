"""Signals delivered with the start, and cancellation of the workflow."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from durable import activity, workflow
from durable._replay import events as ev

from .conftest import Driver


@activity.defn
async def cleanup(what: str) -> str:
    return what


@workflow.defn
class SeesEarlySignals:
    def __init__(self) -> None:
        self.received: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        seen_at_first_line = list(self.received)
        await workflow.wait_condition(lambda: len(self.received) >= 3)
        return seen_at_first_line

    @workflow.signal
    def add(self, item: str) -> None:
        self.received.append(item)


def test_signals_in_the_start_activation_run_before_the_first_line_of_run() -> None:
    d = Driver(SeesEarlySignals)
    d.start(signals=[("add", ["a"]), ("add", ["b"])])
    assert d.commands() == []
    d.signal("add", "c")
    assert d.result() == ["a", "b"]


def test_signals_in_the_start_activation_are_logged_after_the_start() -> None:
    d = Driver(SeesEarlySignals)
    record = d.start(signals=[("add", ["a"])])
    assert [e["event_type"] for e in record] == [ev.WORKFLOW_STARTED, ev.SIGNALED, ev.TASK_COMPLETED]
    assert [e["event_id"] for e in record] == [1, 2, 3]


@workflow.defn
class InitWithArgs:
    @workflow.init
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting
        self.received: list[str] = []

    @workflow.run
    async def run(self, greeting: str) -> list[str]:
        return [self.greeting, *self.received]

    @workflow.signal
    def add(self, item: str) -> None:
        self.received.append(f"{self.greeting} {item}")


def test_workflow_init_receives_the_run_arguments_before_early_signals() -> None:
    d = Driver(InitWithArgs)
    d.start("hi", signals=[("add", ["bob"])])
    assert d.result() == ["hi", "hi bob"]


@workflow.defn
class Cancellable:
    @workflow.run
    async def run(self, swallow: bool) -> str:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            if swallow:
                return "swallowed"
            raise
        finally:
            await workflow.execute_activity(cleanup, "tidy", start_to_close_timeout=timedelta(seconds=10))
        return "slept"


def test_cancel_request_raises_cancelled_error_at_the_await() -> None:
    d = Driver(Cancellable)
    d.start(False)
    assert d.command_types() == [ev.TIMER_STARTED]
    d.cancel()
    # The sleep's timer is cancelled, and the finally block can still schedule an activity.
    assert [(e["event_type"], e["attributes"].get("seq")) for e in d.commands()] == [
        (ev.TIMER_CANCELED, 1),
        (ev.ACTIVITY_SCHEDULED, 1),
    ]
    assert d.commands()[1]["attributes"]["activity_type"] == "cleanup"
    assert d.machine.ledger.cancel_requested


def test_ending_with_the_cancellation_gives_workflow_execution_canceled() -> None:
    d = Driver(Cancellable)
    d.start(False)
    d.cancel()
    d.complete_activity(1, "tidy")
    assert d.command_types() == [ev.WORKFLOW_CANCELED]
    assert d.machine.ledger.status.name == "CANCELED"


def test_catching_the_cancellation_and_returning_completes_the_workflow() -> None:
    d = Driver(Cancellable)
    d.start(True)
    d.cancel()
    assert d.command_types() == [ev.TIMER_CANCELED, ev.ACTIVITY_SCHEDULED]
    d.complete_activity(1, "tidy")
    assert d.command_types() == [ev.WORKFLOW_COMPLETED]
    assert d.result() == "swallowed"
    assert d.machine.ledger.status.name == "COMPLETED"


def test_cancel_in_the_start_activation_meets_the_run_at_its_first_await() -> None:
    d = Driver(Cancellable)
    d.decide(d.started_event(True), d.cancel_event())
    # The run method still starts: its first await (the sleep) sees the cancellation.
    assert d.command_types() == [ev.TIMER_STARTED, ev.TIMER_CANCELED, ev.ACTIVITY_SCHEDULED]


@workflow.defn
class CancelledWhileAwaitingActivity:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(cleanup, "long", start_to_close_timeout=timedelta(seconds=60))


def test_cancel_while_awaiting_an_activity_requests_its_cancel_and_cancels_the_workflow() -> None:
    d = Driver(CancelledWhileAwaitingActivity)
    d.start()
    d.cancel()
    # TRY_CANCEL: the ActivityError(cause=CancelledError) reaches the run at once.
    assert d.command_types() == [ev.ACTIVITY_CANCEL_REQUESTED, ev.WORKFLOW_CANCELED]
    assert d.machine.ledger.status.name == "CANCELED"
