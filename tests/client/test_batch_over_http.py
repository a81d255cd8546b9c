"""durable.batch over Client.connect: a batch job started, followed and listed through the HTTP API."""

from __future__ import annotations

from durable import workflow
from durable.batch import list_batch_jobs, start_batch_operation
from durable.client import WorkflowExecutionStatus
from durable.worker import Worker


@workflow.defn
class Idle:
    def __init__(self) -> None:
        self.notes: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: len(self.notes) >= 1)
        return self.notes

    @workflow.signal
    def note(self, text: str) -> None:
        self.notes.append(text)


async def test_a_batch_signal_started_over_http_completes_the_matching_runs_and_is_described(env):
    client = env.client
    async with Worker(client, task_queue="batch-http", workflows=[Idle]):
        handles = [await client.start_workflow(Idle.run, id=f"idle-{i}", task_queue="batch-http") for i in range(3)]
        job = await start_batch_operation(
            client, "signal", query="WorkflowType = 'Idle'", signal="note", args=["over http"], job_id="http-job"
        )
        counts = await job.result()
        assert (counts.total_operation_count, counts.complete_operation_count) == (3, 3)
        assert [await h.result() for h in handles] == [["over http"]] * 3
        described = await job.describe()
        assert (described.state, described.operation_type, described.query) == (
            "Completed",
            "signal",
            "WorkflowType = 'Idle'",
        )
        assert [j.job_id for j in await list_batch_jobs(client)] == ["http-job"]
        assert (await client.get_workflow_handle("http-job").describe()).status is WorkflowExecutionStatus.COMPLETED
