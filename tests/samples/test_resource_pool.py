# The sample resource_pool of Temporal's samples (temporalio/samples-python): a pool workflow
# hands resources to user workflows by signals to external workflows; the users register their
# signal handler at run time (workflow.set_signal_handler), hold a resource across continue-as-new
# and release it when they fail. The test is the sample's own (tests/resource_pool/workflow_test.py,
# MIT License, Copyright (c) 2022 Temporal Technologies Inc., see tests/samples/LICENSE), imports
# changed.
import asyncio
from collections import defaultdict
from typing import Any, Optional, Sequence

from durable import activity
from durable.client import Client, WorkflowFailureError, WorkflowHandle
from durable.common import WorkflowIDConflictPolicy
from durable.worker import Worker

from tests.samples.resource_pool.pool_client.resource_pool_workflow import (
    ResourcePoolWorkflow,
    ResourcePoolWorkflowInput,
)
from tests.samples.resource_pool.resource_user_workflow import (
    ResourceUserWorkflow,
    ResourceUserWorkflowInput,
    UseResourceActivityInput,
)
from tests.samples.resource_pool.shared import RESOURCE_POOL_WORKFLOW_ID

TASK_QUEUE = "resource_pool-task-queue"


async def test_resource_pool_workflow(client: Client):
    # key is resource, value is a description of resource usage
    resource_usage: defaultdict[str, list[Sequence[str]]] = defaultdict(list)

    # Mock out the activity to count executions
    @activity.defn(name="use_resource")
    async def use_resource_mock(input: UseResourceActivityInput) -> None:
        workflow_id = activity.info().workflow_id
        resource_usage[input.resource].append((workflow_id, "start"))
        # We need a small sleep here to bait out races
        await asyncio.sleep(0.05)
        resource_usage[input.resource].append((workflow_id, "end"))

    async with Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[ResourcePoolWorkflow, ResourceUserWorkflow],
        activities=[use_resource_mock],
    ):
        await run_all_workflows(client)

        # Did any workflow run in more than one place?
        workflow_id_to_resource: dict[str, str] = {}
        for resource, events in resource_usage.items():
            for workflow_id, event in events:
                if workflow_id in workflow_id_to_resource:
                    existing_resource = workflow_id_to_resource[workflow_id]
                    assert (
                        existing_resource == resource
                    ), f"{workflow_id} ran on both {resource} and {existing_resource}"
                else:
                    workflow_id_to_resource[workflow_id] = resource

        # Did any resource have more than one workflow on it at a time?
        for resource, events in resource_usage.items():
            holder: Optional[str] = None
            for workflow_id, event in events:
                if event == "start":
                    assert (
                        holder is None
                    ), f"{workflow_id} started on {resource} held by {holder}"
                    holder = workflow_id
                else:
                    assert (
                        holder == workflow_id
                    ), f"{workflow_id} ended on {resource} held by {holder}"
                    holder = None

        # Are all the resources free, per the query?
        handle: WorkflowHandle[
            ResourcePoolWorkflow, None
        ] = client.get_workflow_handle_for(
            ResourcePoolWorkflow.run, RESOURCE_POOL_WORKFLOW_ID
        )
        query_result = await handle.query(ResourcePoolWorkflow.get_current_holders)
        assert query_result == {"r_a": None, "r_b": None, "r_c": None}


async def run_all_workflows(client: Client):
    resource_pool_handle = await client.start_workflow(
        workflow=ResourcePoolWorkflow.run,
        arg=ResourcePoolWorkflowInput(
            resources={"r_a": None, "r_b": None, "r_c": None},
            waiters=[],
        ),
        id=RESOURCE_POOL_WORKFLOW_ID,
        task_queue=TASK_QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )

    resource_user_handles: list[WorkflowHandle[Any, Any]] = []
    for i in range(0, 8):
        input = ResourceUserWorkflowInput(
            resource_pool_workflow_id=RESOURCE_POOL_WORKFLOW_ID,
            iteration_to_fail_after=None,
            should_continue_as_new=False,
        )
        if i == 0:
            input.should_continue_as_new = True
        if i == 1:
            input.iteration_to_fail_after = "first"

        handle = await client.start_workflow(
            workflow=ResourceUserWorkflow.run,
            arg=input,
            id=f"resource-user-workflow-{i}",
            task_queue=TASK_QUEUE,
        )
        resource_user_handles.append(handle)

    for handle in resource_user_handles:
        try:
            await handle.result()
        except WorkflowFailureError:
            pass

    await resource_pool_handle.terminate()


# -- ours: every user got a resource; the one that continued as new kept it for its second run --


async def test_every_user_gets_a_resource_and_keeps_it_across_continue_as_new(client: Client):
    used: list[tuple[str, str, str]] = []

    @activity.defn(name="use_resource")
    async def use_resource_mock(input: UseResourceActivityInput) -> None:
        used.append((activity.info().workflow_id, input.resource, input.iteration))

    async with Worker(
        client, task_queue=TASK_QUEUE, workflows=[ResourcePoolWorkflow, ResourceUserWorkflow], activities=[use_resource_mock]
    ):
        await run_all_workflows(client)
        failed = client.get_workflow_handle("resource-user-workflow-1")
        try:
            await failed.result()
            raise AssertionError("resource-user-workflow-1 fails after its first iteration")
        except WorkflowFailureError:
            pass
    users = {workflow_id for workflow_id, _, _ in used}
    assert users == {f"resource-user-workflow-{i}" for i in range(8)}
    first = [(resource, iteration) for workflow_id, resource, iteration in used if workflow_id == "resource-user-workflow-0"]
    assert [iteration for _, iteration in first] == ["first", "second", "first", "second"]
    assert len({resource for resource, _ in first}) == 1  # the same resource in both runs
    assert [iteration for workflow_id, _, iteration in used if workflow_id == "resource-user-workflow-1"] == ["first"]
