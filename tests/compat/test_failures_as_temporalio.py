"""Errors carry the failure they were built from (``FailureError.failure``), as temporalio's do.

temporalio's hello exception sample reads ``err.cause.failure`` at the client to show where
an activity failed; code reads the protobuf ``Failure`` through ``message``, ``stack_trace``,
``cause``, ``HasField``, ``WhichOneof("failure_info")`` and the ``*_failure_info`` fields.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from .sdk import RetryPolicy, WorkflowFailureError, activity, exceptions, new_worker, workflow

T5 = timedelta(seconds=5)
TWO_FAST_ATTEMPTS = RetryPolicy(maximum_attempts=2, initial_interval=timedelta(milliseconds=10))


@activity.defn
async def compose_greeting(name: str) -> str:
    raise ValueError(f"no greeting for {name}")


@activity.defn
async def sleeps_past_its_timeout() -> None:
    await asyncio.sleep(3)


@workflow.defn
class GreetingWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            compose_greeting, name, start_to_close_timeout=T5, retry_policy=TWO_FAST_ATTEMPTS
        )


@workflow.defn
class ReadsTheActivityFailure:
    """Catches the activity's error and reports what its failure says, inside the workflow."""

    @workflow.run
    async def run(self) -> dict:
        try:
            await workflow.execute_activity(
                compose_greeting, "ada", start_to_close_timeout=T5, retry_policy=RetryPolicy(maximum_attempts=1)
            )
        except exceptions.ActivityError as err:
            failure = err.failure
            assert failure is not None and err.cause is not None
            cause = err.cause
            assert isinstance(cause, exceptions.FailureError) and cause.failure is not None
            return {
                "kind": failure.WhichOneof("failure_info"),
                "activity_type": failure.activity_failure_info.activity_type.name,
                "has_cause": failure.HasField("cause"),
                "cause_kind": cause.failure.WhichOneof("failure_info"),
                "cause_is_failure_cause": cause.failure == failure.cause,
                "cause_type": cause.failure.application_failure_info.type,
                "trace_names_the_activity": "in compose_greeting" in cause.failure.stack_trace,
                "raised_here": exceptions.ApplicationError("local").failure is None,
            }
        return {}


@workflow.defn
class RaisesADetailedApplicationError:
    @workflow.run
    async def run(self) -> None:
        raise exceptions.ApplicationError(
            "card declined",
            "detail-1",
            2,
            type="Declined",
            non_retryable=True,
            next_retry_delay=timedelta(seconds=90),
            category=exceptions.ApplicationErrorCategory.BENIGN,
        )


@workflow.defn
class ChainsAKeyError:
    @workflow.run
    async def run(self) -> None:
        try:
            {}["sku"]
        except KeyError:
            raise exceptions.ApplicationError("lookup failed", type="Lookup") from None


@workflow.defn
class TimesOutAnActivity:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(
            sleeps_past_its_timeout,
            start_to_close_timeout=timedelta(seconds=1),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )


@workflow.defn
class ChildThatFails:
    @workflow.run
    async def run(self) -> None:
        raise exceptions.ApplicationError("child broke", type="ChildBroke", non_retryable=True)


@workflow.defn
class ParentOfAFailingChild:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_child_workflow(ChildThatFails.run, id=f"{workflow.info().workflow_id}-child")


@workflow.defn
class WaitsForever:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


async def _failed(client, workflow_run, *args, task_queue: str, id: str, workflows, activities=()):
    async with new_worker(client, task_queue=task_queue, workflows=workflows, activities=list(activities)):
        with pytest.raises(WorkflowFailureError) as exc_info:
            await client.execute_workflow(workflow_run, *args, id=id, task_queue=task_queue)
    return exc_info.value


async def test_an_activitys_traceback_reaches_the_client(client, task_queue):
    err = await _failed(
        client,
        GreetingWorkflow.run,
        "ada",
        task_queue=task_queue,
        id="wf-greeting-fails",
        workflows=[GreetingWorkflow],
        activities=[compose_greeting],
    )
    activity_error = err.cause
    assert isinstance(activity_error, exceptions.ActivityError)
    failure = activity_error.failure
    assert failure is not None
    assert failure.message == "Activity task failed"
    assert failure.WhichOneof("failure_info") == "activity_failure_info"
    info = failure.activity_failure_info
    assert (info.activity_type.name, info.activity_id) == ("compose_greeting", "1")
    assert info.retry_state == exceptions.RetryState.MAXIMUM_ATTEMPTS_REACHED
    assert failure.HasField("cause")

    app_error = activity_error.cause
    assert isinstance(app_error, exceptions.ApplicationError)
    assert app_error.failure is not None
    assert app_error.failure == failure.cause
    assert app_error.failure.message == "no greeting for ada"
    assert app_error.failure.WhichOneof("failure_info") == "application_failure_info"
    assert app_error.failure.application_failure_info.type == "ValueError"
    assert app_error.failure.application_failure_info.non_retryable is False
    assert not app_error.failure.HasField("cause")
    # the activity's frames: this file, the activity function, the line that raised
    trace = app_error.failure.stack_trace
    assert 'test_failures_as_temporalio.py", line' in trace
    assert "in compose_greeting" in trace
    assert 'raise ValueError(f"no greeting for {name}")' in trace
    assert "Traceback (most recent call last)" not in trace  # frames only, as temporalio renders them


async def test_the_history_records_the_activitys_traceback(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[GreetingWorkflow], activities=[compose_greeting]):
        handle = await client.start_workflow(GreetingWorkflow.run, "ada", id="wf-history", task_queue=task_queue)
        with pytest.raises(WorkflowFailureError):
            await handle.result()
    events = json.loads((await handle.fetch_history()).to_json())["events"]
    [failed] = [e for e in events if e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_FAILED"]
    failure = failed["activityTaskFailedEventAttributes"]["failure"]
    assert failure["message"] == "no greeting for ada"
    assert failure["applicationFailureInfo"]["type"] == "ValueError"
    assert "in compose_greeting" in failure["stackTrace"]
    [closed] = [e for e in events if e["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED"]
    cause = closed["workflowExecutionFailedEventAttributes"]["failure"]["cause"]
    assert cause["message"] == "no greeting for ada" and "in compose_greeting" in cause["stackTrace"]


async def test_inside_the_workflow_the_activity_error_carries_its_failure(client, task_queue):
    async with new_worker(
        client, task_queue=task_queue, workflows=[ReadsTheActivityFailure], activities=[compose_greeting]
    ):
        seen = await client.execute_workflow(ReadsTheActivityFailure.run, id="wf-reads-failure", task_queue=task_queue)
    assert seen == {
        "kind": "activity_failure_info",
        "activity_type": "compose_greeting",
        "has_cause": True,
        "cause_kind": "application_failure_info",
        "cause_is_failure_cause": True,
        "cause_type": "ValueError",
        "trace_names_the_activity": True,
        "raised_here": True,
    }


async def test_an_application_errors_fields_are_in_its_failure(client, task_queue):
    err = await _failed(
        client,
        RaisesADetailedApplicationError.run,
        task_queue=task_queue,
        id="wf-detailed",
        workflows=[RaisesADetailedApplicationError],
    )
    failure = err.cause.failure
    assert failure is not None
    assert failure.message == "card declined"
    assert failure.source == ""
    info = failure.application_failure_info
    assert (info.type, info.non_retryable) == ("Declined", True)
    assert info.category == exceptions.ApplicationErrorCategory.BENIGN
    assert failure.application_failure_info.HasField("next_retry_delay")
    assert info.next_retry_delay.ToTimedelta() == timedelta(seconds=90)
    assert [p.data for p in info.details.payloads] == [b'"detail-1"', b"2"]
    assert not failure.HasField("cause")
    assert "in run" in failure.stack_trace and "test_failures_as_temporalio.py" in failure.stack_trace
    # unset fields read as protobuf's defaults
    assert failure.timeout_failure_info.timeout_type == 0
    assert failure.activity_failure_info.activity_type.name == ""
    assert failure.cause.message == ""


async def test_the_cause_chain_follows_pythons_rules(client, task_queue):
    # ``from None`` suppresses the KeyError being handled: no cause, as Python prints it
    err = await _failed(client, ChainsAKeyError.run, task_queue=task_queue, id="wf-chain", workflows=[ChainsAKeyError])
    assert err.cause.failure is not None
    assert err.cause.failure.application_failure_info.type == "Lookup"
    assert not err.cause.failure.HasField("cause")
    assert err.cause.cause is None


async def test_an_activity_timeout_is_a_timeout_failure(client, task_queue):
    err = await _failed(
        client,
        TimesOutAnActivity.run,
        task_queue=task_queue,
        id="wf-timeout",
        workflows=[TimesOutAnActivity],
        activities=[sleeps_past_its_timeout],
    )
    failure = err.cause.failure
    assert failure is not None
    assert failure.message == "Activity task timed out"
    assert failure.activity_failure_info.retry_state == exceptions.RetryState.MAXIMUM_ATTEMPTS_REACHED
    assert failure.cause.WhichOneof("failure_info") == "timeout_failure_info"
    assert failure.cause.timeout_failure_info.timeout_type == exceptions.TimeoutType.START_TO_CLOSE
    assert isinstance(err.cause.cause, exceptions.TimeoutError)
    assert err.cause.cause.failure == failure.cause


async def test_a_child_workflows_failure_names_the_child(client, task_queue):
    err = await _failed(
        client,
        ParentOfAFailingChild.run,
        task_queue=task_queue,
        id="wf-parent",
        workflows=[ParentOfAFailingChild, ChildThatFails],
    )
    failure = err.cause.failure
    assert failure is not None
    assert failure.WhichOneof("failure_info") == "child_workflow_execution_failure_info"
    info = failure.child_workflow_execution_failure_info
    assert info.namespace == "default"
    assert info.workflow_execution.workflow_id == "wf-parent-child"
    assert info.workflow_execution.run_id != ""
    assert info.workflow_type.name == "ChildThatFails"
    assert failure.cause.application_failure_info.type == "ChildBroke"
    assert "in run" in failure.cause.stack_trace


async def test_a_cancelled_or_terminated_run_raises_errors_built_at_the_client(client, task_queue):
    # temporalio builds these from the close event's fields, not from a failure
    async with new_worker(client, task_queue=task_queue, workflows=[WaitsForever]):
        cancelled = await client.start_workflow(WaitsForever.run, id="wf-cancelled", task_queue=task_queue)
        await cancelled.cancel()
        with pytest.raises(WorkflowFailureError) as exc_info:
            await cancelled.result()
        assert isinstance(exc_info.value.cause, exceptions.CancelledError)
        assert exc_info.value.cause.failure is None
        terminated = await client.start_workflow(WaitsForever.run, id="wf-terminated", task_queue=task_queue)
        await terminated.terminate(reason="by hand")
        with pytest.raises(WorkflowFailureError) as exc_info:
            await terminated.result()
        assert isinstance(exc_info.value.cause, exceptions.TerminatedError)
        assert exc_info.value.cause.failure is None
