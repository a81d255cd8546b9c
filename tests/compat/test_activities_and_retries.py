"""Activities: how they are called, their timeouts, executors, and retries."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from .sdk import (
    RetryPolicy,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    activity,
    exceptions,
    new_worker,
    workflow,
)

T5 = timedelta(seconds=5)
FAST = RetryPolicy(initial_interval=timedelta(milliseconds=10), backoff_coefficient=1.0)

# ---------------------------------------------------------------- activities


@activity.defn
async def greet(name: str) -> str:
    return f"Hello, {name}!"


@activity.defn(name="shout")
async def shout_impl(text: str) -> str:
    return text.upper() + "!"


@activity.defn
def sync_thread_name(x: int) -> str:
    import threading

    return f"{x}:{threading.current_thread() is threading.main_thread()}"


@activity.defn
async def attempt_or_fail(succeed_on: int) -> int:
    attempt = activity.info().attempt
    if attempt < succeed_on:
        raise RuntimeError(f"attempt {attempt} fails")
    return attempt


@activity.defn
async def always_value_error() -> None:
    raise ValueError(f"bad value on attempt {activity.info().attempt}")


@activity.defn
async def non_retryable_app_error() -> None:
    raise exceptions.ApplicationError("do not retry me", {"k": 1}, type="MyBusinessError", non_retryable=True)


@activity.defn
async def delayed_retry() -> int:
    # the first attempt asks for a 1 hour delay before the next attempt
    if activity.info().attempt == 1:
        raise exceptions.ApplicationError("later", next_retry_delay=timedelta(hours=1))
    return activity.info().attempt


@activity.defn
async def heartbeat_then_fail_once() -> list:
    info = activity.info()
    if info.attempt == 1:
        activity.heartbeat(41, "first")
        raise RuntimeError("fail after heartbeat")
    return [info.attempt, list(info.heartbeat_details)]


@activity.defn
async def describe_self(x: int) -> dict:
    info = activity.info()
    return {
        "activity_id": info.activity_id,
        "activity_type": info.activity_type,
        "attempt": info.attempt,
        "workflow_id": info.workflow_id,
        "workflow_type": info.workflow_type,
        "workflow_run_id_set": bool(info.workflow_run_id),
        "task_queue": info.task_queue,
        "heartbeat_timeout": info.heartbeat_timeout.total_seconds() if info.heartbeat_timeout else None,
        "start_to_close_timeout": info.start_to_close_timeout.total_seconds() if info.start_to_close_timeout else None,
        "schedule_to_close_timeout": info.schedule_to_close_timeout.total_seconds()
        if info.schedule_to_close_timeout
        else None,
        "is_local": info.is_local,
        "heartbeat_details": list(info.heartbeat_details),
        "x": x,
    }


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    @activity.defn
    async def greet_method(self, name: str) -> str:
        return f"{self.greeting}, {name}"


# ---------------------------------------------------------------- workflows


@workflow.defn
class CallByFunction:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(greet, name, start_to_close_timeout=T5)


@workflow.defn
class CallByName:
    @workflow.run
    async def run(self, text: str) -> str:
        return await workflow.execute_activity("shout", text, start_to_close_timeout=T5, result_type=str)


@workflow.defn
class CallWithScheduleToClose:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(greet, name, schedule_to_close_timeout=T5)


@workflow.defn
class CallMethod:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity_method(Greeter.greet_method, name, start_to_close_timeout=T5)


@workflow.defn
class StartActivityHandle:
    @workflow.run
    async def run(self, name: str) -> list:
        handle = workflow.start_activity(greet, name, start_to_close_timeout=T5)
        done_before = handle.done()
        result = await handle
        return [done_before, result, handle.done(), handle.result()]


@workflow.defn
class CallSync:
    @workflow.run
    async def run(self, x: int) -> str:
        return await workflow.execute_activity(sync_thread_name, x, start_to_close_timeout=T5)


@workflow.defn
class NoTimeoutCaught:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.execute_activity(greet, "x")
        except ValueError as err:
            return f"{type(err).__name__}: {err}"
        return "no error"


@workflow.defn
class NoTimeoutUncaught:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(greet, "x")


@workflow.defn
class Retrying:
    @workflow.run
    async def run(self, succeed_on: int, max_attempts: int) -> int:
        return await workflow.execute_activity(
            attempt_or_fail,
            succeed_on,
            start_to_close_timeout=T5,
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=10),
                backoff_coefficient=1.0,
                maximum_attempts=max_attempts,
            ),
        )


@workflow.defn
class RetryingDefaultPolicy:
    @workflow.run
    async def run(self, succeed_on: int) -> int:
        return await workflow.execute_activity(attempt_or_fail, succeed_on, start_to_close_timeout=T5)


@workflow.defn
class CatchActivityError:
    @workflow.run
    async def run(self, which: str) -> dict:
        fn = {
            "value": always_value_error,
            "non_retryable": non_retryable_app_error,
            "exhaust": attempt_or_fail,
        }[which]
        args = [100] if which == "exhaust" else []
        policy = RetryPolicy(
            initial_interval=timedelta(milliseconds=10),
            backoff_coefficient=1.0,
            maximum_attempts=3 if which == "exhaust" else 0,
            non_retryable_error_types=["ValueError"] if which == "value" else None,
        )
        try:
            await workflow.execute_activity(fn, args=args, start_to_close_timeout=T5, retry_policy=policy)
        except exceptions.ActivityError as err:
            cause = err.cause
            return {
                "error": type(err).__name__,
                "error_message": err.message,
                "activity_type": err.activity_type,
                "activity_id": err.activity_id,
                "retry_state": err.retry_state.name if err.retry_state else None,
                "cause": type(cause).__name__,
                "cause_type": getattr(cause, "type", None),
                "cause_message": getattr(cause, "message", None),
                "cause_non_retryable": getattr(cause, "non_retryable", None),
                "cause_details": list(getattr(cause, "details", [])),
            }
        return {}


@workflow.defn
class PropagateActivityError:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(
            always_value_error,
            start_to_close_timeout=T5,
            retry_policy=RetryPolicy(maximum_attempts=2, initial_interval=timedelta(milliseconds=10)),
        )


@workflow.defn
class NextRetryDelay:
    @workflow.run
    async def run(self) -> list:
        start = workflow.now()
        attempt = await workflow.execute_activity(delayed_retry, start_to_close_timeout=T5, retry_policy=FAST)
        return [attempt, (workflow.now() - start).total_seconds()]


@workflow.defn
class HeartbeatRetry:
    @workflow.run
    async def run(self) -> list:
        return await workflow.execute_activity(
            heartbeat_then_fail_once,
            start_to_close_timeout=T5,
            heartbeat_timeout=timedelta(seconds=2),
            retry_policy=FAST,
        )


@workflow.defn
class ActivityInfo:
    @workflow.run
    async def run(self) -> list:
        a = await workflow.execute_activity(
            describe_self,
            1,
            start_to_close_timeout=timedelta(seconds=7),
            heartbeat_timeout=timedelta(seconds=3),
        )
        b = await workflow.execute_activity(
            describe_self,
            2,
            schedule_to_close_timeout=timedelta(seconds=9),
            activity_id="custom-id",
        )
        return [a, b]


# ---------------------------------------------------------------- tests


async def test_execute_activity_by_function(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[CallByFunction], activities=[greet]):
        result = await client.execute_workflow(CallByFunction.run, "Ada", id="wf-greet", task_queue=task_queue)
    assert result == "Hello, Ada!"


async def test_execute_activity_by_name_with_result_type(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[CallByName], activities=[shout_impl]):
        result = await client.execute_workflow(CallByName.run, "hey", id="wf-shout", task_queue=task_queue)
    assert result == "HEY!"


async def test_schedule_to_close_timeout_alone_is_enough(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[CallWithScheduleToClose],
        activities=[greet],
    ):
        result = await client.execute_workflow(CallWithScheduleToClose.run, "Bo", id="wf-s2c", task_queue=task_queue)
    assert result == "Hello, Bo!"


async def test_execute_activity_method(client, task_queue):
    greeter = Greeter("Howdy")
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[CallMethod],
        activities=[greeter.greet_method],
    ):
        result = await client.execute_workflow(CallMethod.run, "Cy", id="wf-method", task_queue=task_queue)
    assert result == "Howdy, Cy"


async def test_start_activity_handle_is_awaitable(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[StartActivityHandle],
        activities=[greet],
    ):
        result = await client.execute_workflow(StartActivityHandle.run, "Di", id="wf-handle", task_queue=task_queue)
    assert result == [False, "Hello, Di!", True, "Hello, Di!"]


async def test_sync_activity_runs_in_thread_pool_executor(client, task_queue):
    with ThreadPoolExecutor(max_workers=2) as pool:
        async with new_worker(
            client,
            task_queue=task_queue,
            workflows=[CallSync],
            activities=[sync_thread_name],
            activity_executor=pool,
        ):
            result = await client.execute_workflow(CallSync.run, 7, id="wf-sync", task_queue=task_queue)
    assert result == "7:False"  # not on the main thread


async def test_sync_activity_without_executor_is_rejected_by_worker(client, task_queue):
    with pytest.raises(ValueError, match="activity_executor"):
        new_worker(client, task_queue=task_queue, workflows=[CallSync], activities=[sync_thread_name])


async def test_missing_timeouts_raise_value_error_inside_workflow(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[NoTimeoutCaught], activities=[greet]):
        result = await client.execute_workflow(NoTimeoutCaught.run, id="wf-nt", task_queue=task_queue)
    assert result == ("ValueError: Activity must have start_to_close_timeout or schedule_to_close_timeout")


async def test_missing_timeouts_uncaught_fails_the_task_not_the_workflow(client, task_queue):
    # ValueError is not a temporalio FailureError: the workflow *task* fails and is
    # retried; the workflow itself stays RUNNING until terminated.
    async with new_worker(client, task_queue=task_queue, workflows=[NoTimeoutUncaught], activities=[greet]):
        handle = await client.start_workflow(NoTimeoutUncaught.run, id="wf-ntu", task_queue=task_queue)
        await asyncio.sleep(0.5)
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await handle.terminate("stuck")
    assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED


async def test_retry_policy_defaults():
    policy = RetryPolicy()
    assert policy.initial_interval == timedelta(seconds=1)
    assert policy.backoff_coefficient == 2.0
    assert policy.maximum_interval is None
    assert policy.maximum_attempts == 0
    assert policy.non_retryable_error_types is None


async def test_attempts_counted_until_success(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Retrying], activities=[attempt_or_fail]):
        result = await client.execute_workflow(Retrying.run, args=[3, 0], id="wf-retry", task_queue=task_queue)
    assert result == 3


async def test_default_retry_policy_retries_with_backoff_under_time_skipping(client, task_queue):
    # default policy: 1 s, then 2 s ... the test server skips the backoff timers
    started = time.monotonic()
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[RetryingDefaultPolicy],
        activities=[attempt_or_fail],
    ):
        result = await client.execute_workflow(
            RetryingDefaultPolicy.run, 4, id="wf-retry-default", task_queue=task_queue
        )
    assert result == 4
    assert time.monotonic() - started < 5


async def test_maximum_attempts_then_activity_error(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[CatchActivityError],
        activities=[attempt_or_fail],
    ):
        info = await client.execute_workflow(CatchActivityError.run, "exhaust", id="wf-exhaust", task_queue=task_queue)
    assert info == {
        "error": "ActivityError",
        "error_message": "Activity task failed",
        "activity_type": "attempt_or_fail",
        "activity_id": "1",
        "retry_state": "MAXIMUM_ATTEMPTS_REACHED",
        "cause": "ApplicationError",
        "cause_type": "RuntimeError",
        "cause_message": "attempt 3 fails",
        "cause_non_retryable": False,
        "cause_details": [],
    }


async def test_non_retryable_error_types(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[CatchActivityError],
        activities=[always_value_error],
    ):
        info = await client.execute_workflow(
            CatchActivityError.run, "value", id="wf-nonretry-type", task_queue=task_queue
        )
    assert info["retry_state"] == "NON_RETRYABLE_FAILURE"
    assert info["cause"] == "ApplicationError"
    assert info["cause_type"] == "ValueError"
    assert info["cause_message"] == "bad value on attempt 1"
    assert info["cause_non_retryable"] is False


async def test_application_error_non_retryable(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[CatchActivityError],
        activities=[non_retryable_app_error],
    ):
        info = await client.execute_workflow(
            CatchActivityError.run, "non_retryable", id="wf-nonretry", task_queue=task_queue
        )
    assert info["retry_state"] == "NON_RETRYABLE_FAILURE"
    assert info["cause_type"] == "MyBusinessError"
    assert info["cause_message"] == "do not retry me"
    assert info["cause_non_retryable"] is True
    assert info["cause_details"] == [{"k": 1}]


async def test_activity_error_propagates_as_workflow_failure(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[PropagateActivityError],
        activities=[always_value_error],
    ):
        handle = await client.start_workflow(PropagateActivityError.run, id="wf-prop", task_queue=task_queue)
        with pytest.raises(WorkflowFailureError) as exc_info:
            await handle.result()
    err = exc_info.value
    assert str(err) == "Workflow execution failed"
    assert isinstance(err.cause, exceptions.ActivityError)
    assert err.cause.retry_state == exceptions.RetryState.MAXIMUM_ATTEMPTS_REACHED
    assert isinstance(err.cause.cause, exceptions.ApplicationError)
    assert err.cause.cause.type == "ValueError"
    assert err.cause.cause.message == "bad value on attempt 2"
    assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED


async def test_next_retry_delay_overrides_policy(client, task_queue):
    # the retry policy says 10 ms; the ApplicationError's next_retry_delay (1 h) wins.
    # (The Java test server does not move activity.info().current_attempt_scheduled_time
    # by that delay, so the workflow clock is what is checked here.)
    started = time.monotonic()
    async with new_worker(client, task_queue=task_queue, workflows=[NextRetryDelay], activities=[delayed_retry]):
        attempt, workflow_elapsed = await client.execute_workflow(
            NextRetryDelay.run, id="wf-nrd", task_queue=task_queue
        )
    assert attempt == 2
    assert 3600 <= workflow_elapsed < 3610
    assert time.monotonic() - started < 5


async def test_heartbeat_details_seen_by_next_attempt(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[HeartbeatRetry],
        activities=[heartbeat_then_fail_once],
    ):
        result = await client.execute_workflow(HeartbeatRetry.run, id="wf-hb", task_queue=task_queue)
    assert result == [2, [41, "first"]]


async def test_activity_info_fields(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[ActivityInfo], activities=[describe_self]):
        a, b = await client.execute_workflow(ActivityInfo.run, id="wf-ainfo", task_queue=task_queue)
    a = dict(a)
    a_s2c = a.pop("schedule_to_close_timeout")
    assert a == {
        "activity_id": "1",  # activity ids are the workflow's sequence numbers
        "activity_type": "describe_self",
        "attempt": 1,
        "workflow_id": "wf-ainfo",
        "workflow_type": "ActivityInfo",
        "workflow_run_id_set": True,
        "task_queue": task_queue,  # defaults to the workflow's task queue
        "heartbeat_timeout": 3.0,
        "start_to_close_timeout": 7.0,
        "is_local": False,
        "heartbeat_details": [],
        "x": 1,
    }
    # unset schedule_to_close: the Java test server fills in 10 years (315360000 s),
    # i.e. "no limit"
    assert a_s2c is None or a_s2c >= 365 * 86400
    assert b["activity_id"] == "custom-id"
    assert b["heartbeat_timeout"] is None
    assert b["schedule_to_close_timeout"] == 9.0
    # start_to_close defaults to schedule_to_close when only that is given
    assert b["start_to_close_timeout"] == 9.0
