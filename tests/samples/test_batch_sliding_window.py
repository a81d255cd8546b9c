# The sample batch_sliding_window of Temporal's samples (temporalio/samples-python): a batch split
# into partitions, each a sliding window of child workflows that continues as new every page and
# learns of its children's completion by a signal handler set at run time. The sample has no test;
# this one is ours, with the sample's worker setup and starter input, on the README's outcome
# ("process 90 records using a sliding window of 10 parallel workers across 3 partitions, with a
# page size of 5 records per continue-as-new iteration").
import uuid

from durable.client import Client
from durable.worker import Worker

from tests.samples.batch_sliding_window.batch_workflow import ProcessBatchWorkflow, ProcessBatchWorkflowInput
from tests.samples.batch_sliding_window.record_loader_activity import RecordLoader
from tests.samples.batch_sliding_window.record_processor_workflow import RecordProcessorWorkflow
from tests.samples.batch_sliding_window.sliding_window_workflow import SlidingWindowWorkflow


async def test_ninety_records_in_three_sliding_windows(client: Client):
    record_loader = RecordLoader(record_count=90)
    async with Worker(
        client,
        task_queue="batch_sliding_window_task_queue",
        workflows=[ProcessBatchWorkflow, SlidingWindowWorkflow, RecordProcessorWorkflow],
        activities=[record_loader.get_record_count, record_loader.get_records],
    ):
        workflow_id = f"batch_sliding_window_example_{uuid.uuid4()}"
        handle = await client.start_workflow(
            ProcessBatchWorkflow.run,
            ProcessBatchWorkflowInput(page_size=5, sliding_window_size=10, partitions=3),
            id=workflow_id,
            task_queue="batch_sliding_window_task_queue",
        )
        assert await handle.result() == 90
        # each record was processed by its own child, started by the partition's window
        for record in (0, 29, 30, 59, 60, 89):
            partition = record // 30
            child = client.get_workflow_handle(f"{workflow_id}/{partition}/{record}")
            assert (await child.describe()).status.name == "COMPLETED"
        # a window of 30 records with pages of 5 ran as 6 runs (continued as new 5 times)
        window = client.get_workflow_handle(f"{workflow_id}/0")
        assert await window.result() == 30
        runs = [w async for w in client.list_workflows(f"WorkflowId = '{workflow_id}/0'")]
        assert sorted(w.status.name for w in runs) == ["COMPLETED"] + ["CONTINUED_AS_NEW"] * 5
