"""Child workflows in the pure core: commands, their outcomes, replay and non-determinism."""

from __future__ import annotations

from typing import Any

import pytest

from durable import _converter, _failure, exceptions, workflow
from durable._replay import events as ev
from durable._replay.machine import HistoryMachine, NondeterminismError

from .conftest import Driver, lookup_for


@workflow.defn
class Kid:
    @workflow.run
    async def run(self, x: int) -> int:
        return x


@workflow.defn
class Kid2:
    @workflow.run
    async def run(self, x: int) -> int:
        return x


@workflow.defn(name="Raiser")
class Raiser:
    @workflow.run
    async def run(self, child_type: str) -> Any:
        try:
            return await workflow.execute_child_workflow(child_type, 3, id="kid-1", result_type=int)
        except exceptions.ChildWorkflowError as err:
            return {
                "message": err.message,
                "cause": type(err.cause).__name__,
                "id": err.workflow_id,
                "run_id": err.run_id,
                "initiated": err.initiated_event_id,
                "started": err.started_event_id,
            }
        except exceptions.WorkflowAlreadyStartedError as err:
            return {"already_started": err.workflow_id, "type": err.workflow_type}


@workflow.defn(name="Raiser")
class RaiserOtherChild:
    @workflow.run
    async def run(self, child_type: str) -> Any:
        return await workflow.execute_child_workflow(Kid2.run, 3, id="kid-1")


@workflow.defn
class CancelsChild:
    @workflow.run
    async def run(self, cancellation_type: int) -> Any:
        handle = await workflow.start_child_workflow(
            Kid.run, 1, id="kid-c", cancellation_type=workflow.ChildWorkflowCancellationType(cancellation_type)
        )
        handle.cancel()
        try:
            return await handle
        except exceptions.ChildWorkflowError as err:
            return type(err.cause).__name__


def _initiated(d: Driver, seq: int = 1) -> dict[str, Any]:
    return d.machine.ledger.children[seq].initiated


def _started(d: Driver, seq: int = 1) -> list[dict[str, Any]]:
    child = d.machine.ledger.children[seq]
    return d.decide(
        ev.make_event(
            ev.CHILD_STARTED,
            0.0,
            seq=seq,
            workflow_id=child.initiated["workflow_id"],
            run_id=child.initiated["run_id"],
            workflow_type=child.initiated["workflow_type"],
            initiated_event_id=child.initiated_event_id,
        ),
        advance=1.0,
    )


def test_start_child_issues_one_command_with_temporalio_defaults() -> None:
    d = Driver(Raiser)
    d.start("Kid")
    assert d.command_types() == [ev.START_CHILD_INITIATED]
    attrs = _initiated(d)
    assert attrs["workflow_id"] == "kid-1" and attrs["workflow_type"] == "Kid"
    assert attrs["task_queue"] == "unit-tq"  # the parent's
    assert attrs["parent_close_policy"] == workflow.ParentClosePolicy.TERMINATE
    assert attrs["cancellation_type"] == workflow.ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED
    assert attrs["input"] == _converter.encode_args([3])
    # The run id is a function of the parent's run and the command: a replay finds it again.
    assert d.cold().ledger.children[1].initiated["run_id"] == attrs["run_id"]


def test_child_result_completes_the_parent_and_replays() -> None:
    d = Driver(Raiser)
    d.start("Kid")
    _started(d)
    assert d.command_types() == []
    d.decide(
        ev.make_event(ev.CHILD_COMPLETED, 0.0, seq=1, workflow_id="kid-1", run_id="r", result=_converter.encode(30))
    )
    assert d.result() == 30
    assert not d.machine.ledger.children
    assert d.cold().ledger.status.name == "COMPLETED"


def test_child_failure_reaches_the_code_as_child_workflow_error() -> None:
    d = Driver(Raiser)
    d.start("Kid")
    _started(d)
    child = d.machine.ledger.children[1]
    err = exceptions.ChildWorkflowError(
        "Child Workflow execution failed",
        namespace="default",
        workflow_id="kid-1",
        run_id=child.initiated["run_id"],
        workflow_type="Kid",
        initiated_event_id=child.initiated_event_id,
        started_event_id=child.started_event_id,
        retry_state=None,
    )
    err.__cause__ = exceptions.ApplicationError("boom", type="Boom")
    d.decide(
        ev.make_event(
            ev.CHILD_FAILED, 0.0, seq=1, workflow_id="kid-1", run_id="r", failure=_failure.from_exception(err)
        )
    )
    out = d.result()
    assert out["message"] == "Child Workflow execution failed" and out["cause"] == "ApplicationError"
    assert out["initiated"] == child.initiated_event_id > 0 and out["started"] == child.started_event_id > 0


def test_start_failure_raises_already_started_from_the_start() -> None:
    d = Driver(Raiser)
    d.start("Kid")
    d.decide(
        ev.make_event(
            ev.CHILD_START_FAILED, 0.0, seq=1, workflow_id="kid-1", workflow_type="Kid", cause="WORKFLOW_ALREADY_EXISTS"
        )
    )
    assert d.result() == {"already_started": "kid-1", "type": "Kid"}


def test_a_close_that_overtakes_the_start_confirmation_still_resolves_the_start() -> None:
    d = Driver(Raiser)
    d.start("Kid")
    d.decide(
        ev.make_event(ev.CHILD_COMPLETED, 0.0, seq=1, workflow_id="kid-1", run_id="r", result=_converter.encode(7))
    )
    assert d.result() == 7


@pytest.mark.parametrize(
    "kind, commands_after_start",
    [
        (workflow.ChildWorkflowCancellationType.ABANDON, [ev.WORKFLOW_COMPLETED]),
        (workflow.ChildWorkflowCancellationType.TRY_CANCEL, [ev.CANCEL_EXTERNAL_INITIATED, ev.WORKFLOW_COMPLETED]),
        (workflow.ChildWorkflowCancellationType.WAIT_CANCELLATION_REQUESTED, [ev.CANCEL_EXTERNAL_INITIATED]),
        (workflow.ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED, [ev.CANCEL_EXTERNAL_INITIATED]),
    ],
)
def test_cancelling_the_handle_follows_the_cancellation_type(kind, commands_after_start) -> None:
    d = Driver(CancelsChild)
    d.start(int(kind))
    _started(d)
    assert d.command_types() == commands_after_start
    if kind == workflow.ChildWorkflowCancellationType.WAIT_CANCELLATION_REQUESTED:
        d.decide(ev.make_event(ev.EXTERNAL_CANCEL_REQUESTED, 0.0, seq=1))
    if kind == workflow.ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED:
        failure = _failure.from_exception(_cancelled("kid-c"))
        d.decide(ev.make_event(ev.CHILD_CANCELED, 0.0, seq=1, workflow_id="kid-c", run_id="r", failure=failure))
    assert d.result() == "CancelledError"
    assert d.cold().ledger.status.name == "COMPLETED"


def _cancelled(workflow_id: str) -> exceptions.ChildWorkflowError:
    err = exceptions.ChildWorkflowError(
        "Child Workflow execution cancelled",
        namespace="default",
        workflow_id=workflow_id,
        run_id="r",
        workflow_type="Kid",
        initiated_event_id=5,
        started_event_id=6,
        retry_state=exceptions.RetryState.NON_RETRYABLE_FAILURE,
    )
    err.__cause__ = exceptions.CancelledError("Cancelled")
    return err


def test_a_different_child_type_on_replay_is_non_deterministic() -> None:
    d = Driver(Raiser)
    d.start("Kid")
    machine = d.cold(RaiserOtherChild, Kid, Kid2)
    assert isinstance(machine.replay_error, NondeterminismError)
    assert "StartChildWorkflowExecutionInitiated" in str(machine.replay_error)


def test_a_different_child_id_on_replay_is_non_deterministic() -> None:
    @workflow.defn(name="Raiser")
    class OtherId:
        @workflow.run
        async def run(self, child_type: str) -> Any:
            return await workflow.execute_child_workflow(child_type, 3, id="kid-2")

    d = Driver(Raiser)
    d.start("Kid")
    machine = HistoryMachine(lookup_for(OtherId))
    machine.replay(d.log)
    assert isinstance(machine.replay_error, NondeterminismError)
