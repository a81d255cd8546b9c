"""How the run method's errors end a run: workflow failure vs workflow task failure."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from durable import workflow
from durable._replay import events as ev
from durable._replay.machine import HistoryMachine
from durable.exceptions import ApplicationError

from .conftest import Driver, lookup_for


@workflow.defn
class RaisesApplicationError:
    @workflow.run
    async def run(self) -> None:
        await asyncio.sleep(1)
        raise ApplicationError(
            "order rejected", {"order": 7}, type="Rejected", non_retryable=True, next_retry_delay=timedelta(seconds=3)
        )


def test_application_error_fails_the_workflow_with_its_failure() -> None:
    d = Driver(RaisesApplicationError)
    d.start()
    d.fire_timer(1)
    assert d.command_types() == [ev.WORKFLOW_FAILED]
    failure = d.commands()[0]["attributes"]["failure"]
    assert failure["message"] == "order rejected"
    assert failure["application"] == {
        "type": "Rejected",
        "non_retryable": True,
        "details": ['{"order":7}'],
        "next_retry_delay": 3.0,
        "category": 0,
    }
    assert "cause" not in failure
    assert 'test_replay_failures.py", line' in failure["stack_trace"]
    assert failure["stack_trace"].rstrip().endswith("raise ApplicationError(")  # the run method's raise
    assert d.machine.ledger.status.name == "FAILED"
    assert d.machine.ledger.close_event is d.commands()[0]
    assert not d.machine.poisoned


BROKEN = {"value": True}


@workflow.defn
class Buggy:
    @workflow.run
    async def run(self) -> str:
        if BROKEN["value"]:
            raise RuntimeError("bug in workflow code")
        await asyncio.sleep(5)
        return "fixed"


def test_other_exception_fails_the_workflow_task_and_poisons_the_machine() -> None:
    BROKEN["value"] = True
    d = Driver(Buggy)
    record = d.start()
    assert [e["event_type"] for e in record] == [ev.WORKFLOW_STARTED, ev.TASK_FAILED]
    attrs = d.marker()["attributes"]
    assert attrs["attempt"] == 1
    assert attrs["failure"]["message"] == "bug in workflow code"
    assert attrs["failure"]["application"]["type"] == "RuntimeError"
    assert d.machine.poisoned
    ledger = d.machine.ledger
    assert (ledger.status.name, ledger.task_attempt, ledger.decided) == ("RUNNING", 1, False)
    # The start was consumed by no decision: it waits for the next one.
    assert [e["event_type"] for e in d.machine.pending_inputs] == [ev.WORKFLOW_STARTED]


def _retry(d: Driver, *, advance: float) -> tuple[HistoryMachine, list[dict]]:
    """What the orchestrator does on a task retry: rebuild from the log, decide without inputs."""
    machine = HistoryMachine(lookup_for(Buggy))
    machine.replay(d.log)
    assert machine.replay_error is None
    d.machine = machine
    return machine, d.decide(advance=advance)


def test_a_fresh_machine_retries_the_failed_task_and_counts_attempts() -> None:
    BROKEN["value"] = True
    d = Driver(Buggy)
    d.start()
    _, record = _retry(d, advance=1)
    assert [e["event_type"] for e in record] == [ev.TASK_FAILED]
    assert record[0]["attributes"]["attempt"] == 2
    assert record[0]["event_id"] == 3


def test_a_fresh_machine_decides_again_once_the_code_is_fixed() -> None:
    BROKEN["value"] = True
    d = Driver(Buggy)
    d.start()
    BROKEN["value"] = False
    try:
        machine, record = _retry(d, advance=2)
        assert [e["event_type"] for e in record] == [ev.TASK_COMPLETED, ev.TIMER_STARTED]
        assert record[0]["attributes"] == {"recovered": True}
        assert record[1]["attributes"] == {"seq": 1, "duration": 5.0}
        assert [e["event_id"] for e in record] == [3, 4]
        assert machine.pending_inputs == []
        ledger = machine.ledger
        assert (ledger.task_failure, ledger.task_attempt, ledger.decided) == (None, 0, True)
        d.fire_timer(1)
        assert d.result() == "fixed"
        # The whole log, failed task included, replays cleanly.
        cold = d.cold()
        assert cold.replay_error is None
        assert (cold.ledger.status.name, cold.ledger.last_event_id) == ("COMPLETED", 7)
    finally:
        BROKEN["value"] = True


class Declined(Exception):
    pass


@workflow.defn(failure_exception_types=[Declined])
class DeclaredFailure:
    @workflow.run
    async def run(self) -> None:
        raise Declined("no")


def test_failure_exception_types_fail_the_workflow_instead_of_the_task() -> None:
    d = Driver(DeclaredFailure)
    d.start()
    assert d.command_types() == [ev.WORKFLOW_FAILED]
    failure = d.commands()[0]["attributes"]["failure"]
    assert (failure["message"], failure["application"]["type"]) == ("no", "Declined")


@workflow.defn
class SignalHandlerFails:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.signal
    def explode(self) -> None:
        raise ApplicationError("handler failed", type="HandlerError")


def test_application_error_in_a_signal_handler_fails_the_workflow() -> None:
    d = Driver(SignalHandlerFails)
    d.start()
    d.signal("explode")
    assert d.command_types() == [ev.WORKFLOW_FAILED]
    assert d.commands()[0]["attributes"]["failure"]["application"]["type"] == "HandlerError"
