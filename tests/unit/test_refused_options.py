"""temporalio options durable does not implement are refused by name; unknown keywords are TypeErrors.

Each call checks its options before it does anything, so these run outside a workflow and
without a transport: the error comes first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from durable import activity, workflow
from durable._options import WHY
from durable.client import WithStartWorkflowOperation
from durable.common import Priority, RetryPolicy, WorkflowIDConflictPolicy
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

T5 = timedelta(seconds=5)


@activity.defn
async def noop() -> None:
    pass


@workflow.defn
class Noop:
    @workflow.run
    async def run(self) -> None:
        pass


def _refused(option: str):
    return pytest.raises(NotImplementedError, match=rf"^{option} is not supported by durable: .+")


def test_workflow_calls_refuse_priority_and_versioning_but_accept_their_defaults() -> None:
    with _refused("priority"):
        workflow.start_activity(noop, start_to_close_timeout=T5, priority=Priority(priority_key=1))
    with _refused("versioning_intent"):
        workflow.start_activity(noop, start_to_close_timeout=T5, versioning_intent=object())
    # the defaults pass the check and reach the workflow context (there is none here)
    with pytest.raises(RuntimeError, match="Not in workflow event loop"):
        workflow.start_activity(noop, start_to_close_timeout=T5, priority=Priority.default, versioning_intent=None)


async def test_child_workflows_refuse_priority_and_versioning_override() -> None:
    with _refused("priority"):
        await workflow.start_child_workflow(Noop.run, priority=Priority(fairness_key="tenant-1"))
    with _refused("versioning_override"):
        await workflow.start_child_workflow(Noop.run, versioning_override=object())


def test_continue_as_new_refuses_a_retry_policy() -> None:
    with _refused("continue_as_new retry_policy"):
        workflow.continue_as_new(retry_policy=RetryPolicy(maximum_attempts=2))


async def test_unknown_keywords_are_type_errors_as_in_any_python_function() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'start_to_close'"):
        workflow.start_activity(noop, start_to_close=T5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'parent_policy'"):
        await workflow.start_child_workflow(Noop.run, parent_policy=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'memo_'"):
        workflow.continue_as_new(memo_={})  # type: ignore[call-arg]


async def test_the_client_refuses_start_delay_retry_policy_and_priority(env: WorkflowEnvironment) -> None:
    client = env.client
    start = {"id": "wf-refused", "task_queue": "q"}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("start_delay", {"start_delay": timedelta(minutes=1)}),
        ("retry_policy", {"retry_policy": RetryPolicy(maximum_attempts=3)}),
        ("priority", {"priority": Priority(priority_key=2)}),
        ("versioning_override", {"versioning_override": object()}),
    ]
    for option, given in cases:
        with _refused(option):
            await client.start_workflow(Noop.run, **start, **given)
        with _refused(option):
            WithStartWorkflowOperation(Noop.run, **start, id_conflict_policy=WorkflowIDConflictPolicy.FAIL, **given)
    with pytest.raises(TypeError, match="unexpected keyword argument 'task_queu'"):
        await client.start_workflow(Noop.run, id="wf-typo", task_queu="q")  # type: ignore[call-arg]
    handle = client.get_workflow_handle("wf-refused")
    with _refused("reject_condition"):
        await handle.query("state", reject_condition=object())
    assert (await client.count_workflows()).count == 0  # nothing was started by the refused calls


async def test_the_worker_refuses_what_it_does_not_implement_and_takes_the_tuning_it_needs_not(
    env: WorkflowEnvironment,
) -> None:
    refused: list[tuple[str, dict[str, Any]]] = [
        ("identity", {"identity": "worker-7"}),
        ("plugins", {"plugins": [object()]}),
        ("no_remote_activities", {"no_remote_activities": True}),
        ("max_activities_per_second", {"max_activities_per_second": 5.0}),
        ("workflow_failure_exception_types", {"workflow_failure_exception_types": [ValueError]}),
        ("default_heartbeat_throttle_interval", {"default_heartbeat_throttle_interval": timedelta(seconds=5)}),
    ]
    for option, given in refused:
        with _refused(option):
            Worker(env.client, task_queue="q", workflows=[Noop], **given)
    with pytest.raises(TypeError, match="unexpected keyword argument 'max_cached_workflow'"):
        Worker(env.client, task_queue="q", workflows=[Noop], max_cached_workflow=10)  # type: ignore[call-arg]
    tuned = Worker(
        env.client,
        task_queue="q",
        workflows=[Noop],
        max_cached_workflows=10,
        max_concurrent_activities=4,
        graceful_shutdown_timeout=timedelta(seconds=5),
    )
    async with tuned:
        assert await env.client.execute_workflow(Noop.run, id="wf-tuned", task_queue="q") is None


async def test_the_environments_refuse_plugins_and_take_server_options_they_need_not() -> None:
    with _refused("plugins"):
        await WorkflowEnvironment.start_time_skipping(plugins=[object()])
    with _refused("default_workflow_query_reject_condition"):
        await WorkflowEnvironment.start_local(default_workflow_query_reject_condition=object())
    async with await WorkflowEnvironment.start_time_skipping(test_server_extra_args=["--x"], port=7233) as env:
        assert env.client.namespace == "default"
    async with await WorkflowEnvironment.start_local(backend="memory", namespace="team-a", ui=True) as env:
        assert env.client.namespace == "team-a"


def test_every_refusal_says_why() -> None:
    assert all(reason.strip() and not reason.endswith(".") for reason in WHY.values())


@pytest.fixture
async def env():
    async with await WorkflowEnvironment.start_time_skipping(backend="memory") as e:
        yield e
