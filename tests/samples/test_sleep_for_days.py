# The sample sleep_for_days of Temporal's samples (temporalio/samples-python): an activity every
# 30 days until a signal, with workflow.wait(FIRST_COMPLETED) over a sleep and a wait_condition.
# The test is the sample's own (tests/sleep_for_days/workflow_test.py, MIT License, Copyright (c)
# 2022 Temporal Technologies Inc., see tests/samples/LICENSE), imports changed.
import uuid
from datetime import timedelta

from durable import activity
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

from tests.samples.sleep_for_days.starter import TASK_QUEUE
from tests.samples.sleep_for_days.workflows import SendEmailInput, SleepForDaysWorkflow


async def test_sleep_for_days_workflow():
    num_activity_executions = 0

    # Mock out the activity to count executions
    @activity.defn(name="send_email")
    async def send_email_mock(input: SendEmailInput) -> str:
        nonlocal num_activity_executions
        num_activity_executions += 1
        return input.email_msg

    async with await WorkflowEnvironment.start_time_skipping() as env:
        # if env.supports_time_skipping:
        #     pytest.skip(
        #         "Java test server: https://github.com/temporalio/sdk-java/issues/1903"
        #     )
        async with Worker(
            env.client,
            task_queue=TASK_QUEUE,
            workflows=[SleepForDaysWorkflow],
            activities=[send_email_mock],
        ):
            handle = await env.client.start_workflow(
                SleepForDaysWorkflow.run,
                id=str(uuid.uuid4()),
                task_queue=TASK_QUEUE,
            )

            start_time = await env.get_current_time()
            # Time-skip 5 minutes.
            await env.sleep(timedelta(minutes=5))
            # Check that the activity has been called, we're now waiting for the sleep to finish.
            assert num_activity_executions == 1
            # Time-skip 3 days.
            await env.sleep(timedelta(days=90))
            # Expect 3 more activity calls.
            assert num_activity_executions == 4
            # Send the signal to complete the workflow.
            await handle.signal(SleepForDaysWorkflow.complete)
            # Expect no more activity calls to have been made - workflow is complete.
            assert num_activity_executions == 4
            # Expect more than 90 days to have passed.
            assert (await env.get_current_time() - start_time) > timedelta(days=90)


# -- ours: the outcome the README documents, "done!" once the complete signal arrives ----------


async def test_the_workflow_returns_done_after_the_complete_signal(env: WorkflowEnvironment):
    sent: list[str] = []

    @activity.defn(name="send_email")
    async def send_email(input: SendEmailInput) -> str:
        sent.append(input.email_msg)
        return input.email_msg

    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[SleepForDaysWorkflow], activities=[send_email]):
        handle = await env.client.start_workflow(SleepForDaysWorkflow.run, id=str(uuid.uuid4()), task_queue=TASK_QUEUE)
        await env.sleep(timedelta(days=31))
        await handle.signal(SleepForDaysWorkflow.complete)
        assert await handle.result() == "done!"
    assert sent == ["30 days until the next email"] * 2  # at the start and 30 days later
