# The samples polling/frequent and polling/infrequent of Temporal's samples
# (temporalio/samples-python): a service that answers on the fifth call, polled from inside a
# heartbeating activity every second, or by the activity's retries every 60 seconds.
# test_infrequent_polling_workflow is the sample's own (tests/polling/infrequent/workflow_test.py,
# MIT License, Copyright (c) 2022 Temporal Technologies Inc., see tests/samples/LICENSE), imports
# changed; the other two are ours, on what the READMEs say.
import uuid
from datetime import timedelta

import pytest
from durable.client import Client
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

from tests.samples.polling import test_service
from tests.samples.polling.infrequent.activities import compose_greeting
from tests.samples.polling.infrequent.workflows import GreetingWorkflow


async def test_infrequent_polling_workflow(client: Client, env: WorkflowEnvironment):
    if not env.supports_time_skipping:
        pytest.skip("Too slow to test with time-skipping disabled")

    # Start a worker that hosts the workflow and activity implementations.
    task_queue = f"tq-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[GreetingWorkflow],
        activities=[compose_greeting],
    ):
        handle = await client.start_workflow(
            GreetingWorkflow.run,
            "Temporal",
            id=f"infrequent-polling-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        result = await handle.result()
        assert result == "Hello, Temporal!"


# -- ours -----------------------------------------------------------------------------------


async def test_infrequent_polling_retries_every_60_seconds(client: Client, env: WorkflowEnvironment):
    task_queue = f"tq-{uuid.uuid4()}"
    workflow_id = f"infrequent-polling-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[GreetingWorkflow], activities=[compose_greeting]):
        started = await env.get_current_time()
        handle = await client.start_workflow(GreetingWorkflow.run, "Temporal", id=workflow_id, task_queue=task_queue)
        assert await handle.result() == "Hello, Temporal!"
        elapsed = await env.get_current_time() - started
    assert test_service.attempts[workflow_id] == test_service.ERROR_ATTEMPTS
    # four failed attempts, each retried after the 60 s interval (backoff coefficient 1)
    assert timedelta(minutes=4) <= elapsed < timedelta(minutes=5)


async def test_frequent_polling_heartbeats_until_the_service_answers(client: Client):
    from tests.samples.polling.frequent.activities import compose_greeting as polling_activity
    from tests.samples.polling.frequent.workflows import GreetingWorkflow as FrequentWorkflow

    task_queue = f"tq-{uuid.uuid4()}"
    workflow_id = f"frequent-polling-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[FrequentWorkflow], activities=[polling_activity]):
        handle = await client.start_workflow(FrequentWorkflow.run, "Temporal", id=workflow_id, task_queue=task_queue)
        assert await handle.result() == "Hello, Temporal!"
    # one activity attempt polled five times (the service answers the fifth call)
    assert test_service.attempts[workflow_id] == test_service.ERROR_ATTEMPTS
