"""Activities: the ScheduleActivity command, results, failures, gather, handle cancellation."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from durable import activity, workflow
from durable._replay import events as ev
from durable.common import RetryPolicy
from durable.exceptions import ActivityError, ApplicationError, CancelledError, RetryState

from .conftest import TASK_QUEUE, Driver


@activity.defn
async def greet(name: str) -> str:
    return f"hello {name}"


@activity.defn(name="charge-card")
async def charge(amount: int) -> int:
    return amount


@workflow.defn
class TwoActivities:
    @workflow.run
    async def run(self, name: str) -> list[str]:
        first = await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=30))
        second = await workflow.execute_activity(
            "charge-card",
            args=[42],
            task_queue="payments",
            schedule_to_close_timeout=timedelta(minutes=5),
            heartbeat_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=2),
                maximum_attempts=3,
                non_retryable_error_types=["Declined"],
            ),
        )
        return [first, second]


def test_execute_activity_schedules_with_defaults_resolved() -> None:
    d = Driver(TwoActivities)
    d.start("ann")
    [scheduled] = d.commands()
    assert scheduled["event_type"] == ev.ACTIVITY_SCHEDULED
    assert scheduled["attributes"] == {
        "seq": 1,
        "activity_id": "1",
        "activity_type": "greet",
        "task_queue": TASK_QUEUE,
        "input": ['"ann"'],
        "schedule_to_close_timeout": None,
        "start_to_close_timeout": 30.0,
        "heartbeat_timeout": None,
        "retry_policy": {
            "initial_interval": 1.0,
            "backoff_coefficient": 2.0,
            "maximum_interval": 100.0,
            "maximum_attempts": 0,
            "non_retryable_error_types": [],
        },
        "cancellation_type": int(workflow.ActivityCancellationType.TRY_CANCEL),
        "headers": {},
    }


def test_second_activity_gets_the_next_id_and_its_own_options() -> None:
    d = Driver(TwoActivities)
    d.start("ann")
    d.complete_activity(1, "hello ann")
    [scheduled] = d.commands()
    attrs = scheduled["attributes"]
    assert (attrs["seq"], attrs["activity_id"], attrs["activity_type"]) == (2, "2", "charge-card")
    assert attrs["task_queue"] == "payments"
    assert attrs["input"] == ["42"]
    # Only schedule-to-close given: one attempt may take all of it (Temporal's server rule).
    assert attrs["schedule_to_close_timeout"] == 300.0
    assert attrs["start_to_close_timeout"] == 300.0
    assert attrs["heartbeat_timeout"] == 10.0
    assert attrs["retry_policy"] == {
        "initial_interval": 2.0,
        "backoff_coefficient": 2.0,
        "maximum_interval": 200.0,
        "maximum_attempts": 3,
        "non_retryable_error_types": ["Declined"],
    }
    d.complete_activity(2, 42)
    assert d.command_types() == [ev.WORKFLOW_COMPLETED]
    assert d.result() == ["hello ann", 42]
    assert d.machine.ledger.status.name == "COMPLETED"


@workflow.defn
class NoTimeout:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(greet, "x")


def test_activity_without_any_timeout_fails_the_workflow_task() -> None:
    d = Driver(NoTimeout)
    record = d.start()
    assert [e["event_type"] for e in record] == [ev.WORKFLOW_STARTED, ev.TASK_FAILED]
    failure = d.marker()["attributes"]["failure"]
    assert failure["message"] == "Activity must have start_to_close_timeout or schedule_to_close_timeout"
    assert failure["application"]["type"] == "ValueError"
    assert d.marker()["attributes"]["attempt"] == 1
    assert d.machine.poisoned
    assert d.machine.ledger.status.name == "RUNNING"


@workflow.defn
class Gather:
    @workflow.run
    async def run(self) -> list[str]:
        return list(
            await asyncio.gather(
                workflow.execute_activity(greet, "a", start_to_close_timeout=timedelta(seconds=5)),
                workflow.execute_activity(greet, "b", start_to_close_timeout=timedelta(seconds=5)),
            )
        )


def test_gather_of_two_activities_schedules_both_at_once() -> None:
    d = Driver(Gather)
    d.start()
    assert [(e["event_type"], e["attributes"]["activity_id"], e["attributes"]["input"]) for e in d.commands()] == [
        (ev.ACTIVITY_SCHEDULED, "1", ['"a"']),
        (ev.ACTIVITY_SCHEDULED, "2", ['"b"']),
    ]


def test_gather_resolves_in_argument_order_when_completed_in_order() -> None:
    d = Driver(Gather)
    d.start()
    d.complete_activity(1, "A")
    assert d.commands() == []
    d.complete_activity(2, "B")
    assert d.result() == ["A", "B"]


def test_gather_resolves_in_argument_order_when_completed_in_reverse() -> None:
    d = Driver(Gather)
    d.start()
    d.complete_activity(2, "B")
    assert d.commands() == []
    d.complete_activity(1, "A")
    assert d.result() == ["A", "B"]


class CardDeclined(Exception):
    pass


@workflow.defn
class CatchFailure:
    @workflow.run
    async def run(self) -> dict[str, object]:
        try:
            await workflow.execute_activity(greet, "x", start_to_close_timeout=timedelta(seconds=5))
        except ActivityError as err:
            cause = err.cause
            assert isinstance(cause, ApplicationError)
            return {
                "activity_type": err.activity_type,
                "activity_id": err.activity_id,
                "retry_state": int(err.retry_state) if err.retry_state else None,
                "cause_type": cause.type,
                "cause_message": cause.message,
                "cause_details": list(cause.details),
                "non_retryable": cause.non_retryable,
            }
        return {}


def test_failed_activity_raises_activity_error_caused_by_application_error_of_the_original_type() -> None:
    d = Driver(CatchFailure)
    d.start()
    d.fail_activity(1, CardDeclined("card 4242 declined"))
    assert d.result() == {
        "activity_type": "greet",
        "activity_id": "1",
        "retry_state": int(RetryState.NON_RETRYABLE_FAILURE),
        "cause_type": "CardDeclined",
        "cause_message": "card 4242 declined",
        "cause_details": [],
        "non_retryable": False,
    }


def test_failed_activity_keeps_application_error_details() -> None:
    d = Driver(CatchFailure)
    d.start()
    d.fail_activity(1, ApplicationError("no stock", {"sku": "A1"}, 3, type="OutOfStock", non_retryable=True))
    result = d.result()
    assert (result["cause_type"], result["cause_message"]) == ("OutOfStock", "no stock")
    assert result["cause_details"] == [{"sku": "A1"}, 3]
    assert result["non_retryable"] is True


@workflow.defn
class UncaughtActivityFailure:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(greet, "x", start_to_close_timeout=timedelta(seconds=5))


def test_uncaught_activity_error_fails_the_workflow_with_the_chain() -> None:
    d = Driver(UncaughtActivityFailure)
    d.start()
    d.fail_activity(1, CardDeclined("declined"))
    assert d.command_types() == [ev.WORKFLOW_FAILED]
    failure = d.commands()[0]["attributes"]["failure"]
    assert failure["activity"]["activity_type"] == "greet"
    assert failure["cause"]["application"]["type"] == "CardDeclined"
    assert failure["cause"]["message"] == "declined"
    assert d.machine.ledger.status.name == "FAILED"


@workflow.defn
class CancelHandle:
    @workflow.run
    async def run(self, cancellation_type: int) -> dict[str, str]:
        handle = workflow.start_activity(
            greet,
            "x",
            start_to_close_timeout=timedelta(seconds=60),
            cancellation_type=workflow.ActivityCancellationType(cancellation_type),
        )
        await asyncio.sleep(1)
        handle.cancel()
        try:
            await handle
        except ActivityError as err:
            return {"error": type(err).__name__, "cause": type(err.cause).__name__}
        return {"error": "none", "cause": "none"}


def test_cancel_handle_try_cancel_requests_cancel_and_raises_at_once() -> None:
    d = Driver(CancelHandle)
    d.start(int(workflow.ActivityCancellationType.TRY_CANCEL))
    assert d.command_types() == [ev.ACTIVITY_SCHEDULED, ev.TIMER_STARTED]
    d.fire_timer(1)
    assert [(e["event_type"], e["attributes"]) for e in d.commands()] == [
        (ev.ACTIVITY_CANCEL_REQUESTED, {"seq": 1, "notify_activity": True}),
        (ev.WORKFLOW_COMPLETED, {"result": '{"error":"ActivityError","cause":"CancelledError"}'}),
    ]
    assert d.result()["cause"] == CancelledError.__name__


def test_cancel_handle_abandon_issues_no_command_and_raises_at_once() -> None:
    d = Driver(CancelHandle)
    d.start(int(workflow.ActivityCancellationType.ABANDON))
    d.fire_timer(1)
    assert d.command_types() == [ev.WORKFLOW_COMPLETED]
    assert d.result() == {"error": "ActivityError", "cause": "CancelledError"}


def test_cancel_handle_wait_cancellation_completed_waits_for_the_activity() -> None:
    d = Driver(CancelHandle)
    d.start(int(workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED))
    d.fire_timer(1)
    assert d.command_types() == [ev.ACTIVITY_CANCEL_REQUESTED]
    d.cancel_activity(1)
    assert d.result() == {"error": "ActivityError", "cause": "CancelledError"}


@workflow.defn
class CancelThenWait:
    @workflow.run
    async def run(self) -> str:
        handle = workflow.start_activity(greet, "x", start_to_close_timeout=timedelta(seconds=60))
        await asyncio.sleep(1)
        handle.cancel()
        try:
            await handle
        except ActivityError:
            pass
        await asyncio.sleep(100)
        return "after"


def test_a_result_arriving_after_try_cancel_changes_nothing() -> None:
    d = Driver(CancelThenWait)
    d.start()
    d.fire_timer(1)
    assert d.command_types() == [ev.ACTIVITY_CANCEL_REQUESTED, ev.TIMER_STARTED]
    d.complete_activity(1, "late")
    assert d.commands() == []
    assert d.marker()["event_type"] == ev.TASK_COMPLETED
    d.fire_timer(2)
    assert d.result() == "after"
