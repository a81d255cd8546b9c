# The sample message_passing/safe_message_handlers of Temporal's samples
# (temporalio/samples-python): an entity workflow whose async update handlers share state under
# an asyncio.Lock, wait for all handlers before finishing or continuing as new, and fail updates
# with ApplicationError. The first three tests are the sample's own
# (tests/message_passing/safe_message_handlers/workflow_test.py, MIT License, Copyright (c) 2022
# Temporal Technologies Inc., see tests/samples/LICENSE), imports changed; the last is ours, on
# the sample's continue-as-new mode (its starter's --test-continue-as-new).
import asyncio
import uuid
from datetime import timedelta

import pytest
from durable.client import Client, WorkflowUpdateFailedError
from durable.exceptions import ApplicationError
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

from tests.samples.safe_message_handlers.activities import (
    assign_nodes_to_job,
    find_bad_nodes,
    unassign_nodes_for_job,
)
from tests.samples.safe_message_handlers.workflow import (
    ClusterManagerAssignNodesToJobInput,
    ClusterManagerDeleteJobInput,
    ClusterManagerInput,
    ClusterManagerWorkflow,
)


async def test_safe_message_handlers(client: Client):
    task_queue = f"tq-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ClusterManagerWorkflow],
        activities=[assign_nodes_to_job, unassign_nodes_for_job, find_bad_nodes],
    ):
        cluster_manager_handle = await client.start_workflow(
            ClusterManagerWorkflow.run,
            ClusterManagerInput(),
            id=f"ClusterManagerWorkflow-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        await cluster_manager_handle.signal(ClusterManagerWorkflow.start_cluster)

        allocation_updates = []
        for i in range(6):
            allocation_updates.append(
                cluster_manager_handle.execute_update(
                    ClusterManagerWorkflow.assign_nodes_to_job,
                    ClusterManagerAssignNodesToJobInput(
                        total_num_nodes=2, job_name=f"task-{i}"
                    ),
                )
            )
        results = await asyncio.gather(*allocation_updates)
        for result in results:
            assert len(result.nodes_assigned) == 2

        await asyncio.sleep(1)

        deletion_updates = []
        for i in range(6):
            deletion_updates.append(
                cluster_manager_handle.execute_update(
                    ClusterManagerWorkflow.delete_job,
                    ClusterManagerDeleteJobInput(job_name=f"task-{i}"),
                )
            )
        await asyncio.gather(*deletion_updates)

        await cluster_manager_handle.signal(ClusterManagerWorkflow.shutdown_cluster)

        result = await cluster_manager_handle.result()
        assert result.num_currently_assigned_nodes == 0


async def test_update_idempotency(client: Client):
    task_queue = f"tq-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ClusterManagerWorkflow],
        activities=[assign_nodes_to_job, unassign_nodes_for_job, find_bad_nodes],
    ):
        cluster_manager_handle = await client.start_workflow(
            ClusterManagerWorkflow.run,
            ClusterManagerInput(),
            id=f"ClusterManagerWorkflow-{uuid.uuid4()}",
            task_queue=task_queue,
        )

        await cluster_manager_handle.signal(ClusterManagerWorkflow.start_cluster)

        result_1 = await cluster_manager_handle.execute_update(
            ClusterManagerWorkflow.assign_nodes_to_job,
            ClusterManagerAssignNodesToJobInput(
                total_num_nodes=5, job_name="jobby-job"
            ),
        )
        # simulate that in calling it twice, the operation is idempotent
        result_2 = await cluster_manager_handle.execute_update(
            ClusterManagerWorkflow.assign_nodes_to_job,
            ClusterManagerAssignNodesToJobInput(
                total_num_nodes=5, job_name="jobby-job"
            ),
        )
        # the second call should not assign more nodes (it may return fewer if the health check finds bad nodes
        # in between the two signals.)
        assert result_1.nodes_assigned >= result_2.nodes_assigned


async def test_update_failure(client: Client):
    task_queue = f"tq-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ClusterManagerWorkflow],
        activities=[assign_nodes_to_job, unassign_nodes_for_job, find_bad_nodes],
    ):
        cluster_manager_handle = await client.start_workflow(
            ClusterManagerWorkflow.run,
            ClusterManagerInput(),
            id=f"ClusterManagerWorkflow-{uuid.uuid4()}",
            task_queue=task_queue,
        )

        await cluster_manager_handle.signal(ClusterManagerWorkflow.start_cluster)

        await cluster_manager_handle.execute_update(
            ClusterManagerWorkflow.assign_nodes_to_job,
            ClusterManagerAssignNodesToJobInput(
                total_num_nodes=24, job_name="big-task"
            ),
        )
        try:
            # Try to assign too many nodes
            await cluster_manager_handle.execute_update(
                ClusterManagerWorkflow.assign_nodes_to_job,
                ClusterManagerAssignNodesToJobInput(
                    total_num_nodes=3, job_name="little-task"
                ),
            )
        except WorkflowUpdateFailedError as e:
            assert isinstance(e.cause, ApplicationError)
            assert e.cause.message == "Cannot assign 3 nodes; have only 1 available"
        finally:
            await cluster_manager_handle.signal(ClusterManagerWorkflow.shutdown_cluster)
            result = await cluster_manager_handle.result()
            assert result.num_currently_assigned_nodes + result.num_bad_nodes == 24


# -- ours -----------------------------------------------------------------------------------


async def test_state_survives_continue_as_new(env: WorkflowEnvironment):
    """test_continue_as_new: health checks every second, a new run past 120 history events,
    the nodes and jobs carried in the input; the update failures stay ApplicationErrors."""
    client = env.client
    task_queue = f"tq-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ClusterManagerWorkflow],
        activities=[assign_nodes_to_job, unassign_nodes_for_job, find_bad_nodes],
    ):
        handle = await client.start_workflow(
            ClusterManagerWorkflow.run,
            ClusterManagerInput(test_continue_as_new=True),
            id=f"ClusterManagerWorkflow-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        first_run = handle.first_execution_run_id or (await handle.describe()).run_id
        await handle.signal(ClusterManagerWorkflow.start_cluster)
        assigned = await handle.execute_update(
            ClusterManagerWorkflow.assign_nodes_to_job,
            ClusterManagerAssignNodesToJobInput(total_num_nodes=3, job_name="kept"),
        )
        await env.sleep(timedelta(minutes=2))
        assert (await handle.describe()).run_id != first_run
        again = await handle.execute_update(
            ClusterManagerWorkflow.assign_nodes_to_job,
            ClusterManagerAssignNodesToJobInput(total_num_nodes=3, job_name="kept"),
        )
        assert again.nodes_assigned <= assigned.nodes_assigned  # the idempotency guard read the carried state
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update(
                ClusterManagerWorkflow.assign_nodes_to_job,
                ClusterManagerAssignNodesToJobInput(total_num_nodes=30, job_name="too-big"),
            )
        assert isinstance(failed.value.cause, ApplicationError)
        await handle.signal(ClusterManagerWorkflow.shutdown_cluster)
        result = await handle.result()
        assert result.num_currently_assigned_nodes + result.num_bad_nodes == 3
