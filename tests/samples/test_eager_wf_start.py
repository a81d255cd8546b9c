# The sample eager_wf_start of Temporal's samples (temporalio/samples-python): a start that asks to
# run the first workflow task within the call (request_eager_start=True), here a local activity,
# and a handle that says it did. The test is the sample's own (tests/eager_wf_start/workflow_test.py,
# MIT License, Copyright (c) 2022 Temporal Technologies Inc., see tests/samples/LICENSE), imports
# changed.
import uuid

from durable.client import Client
from durable.worker import Worker

from tests.samples.eager_wf_start.activities import greeting
from tests.samples.eager_wf_start.workflows import EagerWorkflow


async def test_eager_wf_start(client: Client):
    task_queue_name = str(uuid.uuid4())

    async with Worker(
        client,
        task_queue=task_queue_name,
        workflows=[EagerWorkflow],
        activities=[greeting],
    ):
        handle = await client.start_workflow(
            EagerWorkflow.run,
            "Temporal",
            id=f"workflow-{uuid.uuid4()}",
            task_queue=task_queue_name,
            request_eager_start=True,
        )
        print("HANDLE", handle.__temporal_eagerly_started)
        assert handle.__temporal_eagerly_started
        result = await handle.result()
        assert result == "Hello Temporal!"
