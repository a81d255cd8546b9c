# The sample updatable_timer of Temporal's samples (temporalio/samples-python): a timer whose
# wake-up time a signal moves (workflow.init, wait_condition with a timeout, workflow.now).
# test_updatable_timer_workflow is the sample's own (tests/updatable_timer/updatable_timer_test.py,
# MIT License, Copyright (c) 2022 Temporal Technologies Inc., see tests/samples/LICENSE), imports
# changed; the last test is ours.
import datetime
import logging
import math
import uuid

from durable.client import Client, WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

from tests.samples.updatable_timer.workflow import Workflow


async def test_updatable_timer_workflow():
    logging.basicConfig(level=logging.DEBUG)

    task_queue_name = str(uuid.uuid4())
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue=task_queue_name, workflows=[Workflow]):
            in_a_day = float(
                (datetime.datetime.now() + datetime.timedelta(days=1)).timestamp()
            )
            in_an_hour = float(
                (datetime.datetime.now() + datetime.timedelta(hours=1)).timestamp()
            )
            handle = await env.client.start_workflow(
                Workflow.run, in_a_day, id=str(uuid.uuid4()), task_queue=task_queue_name
            )
            wake_up_time1 = await handle.query(Workflow.get_wake_up_time)
            assert math.isclose(wake_up_time1, in_a_day)
            await handle.signal(Workflow.update_wake_up_time, in_an_hour)
            wake_up_time2 = await handle.query(Workflow.get_wake_up_time)
            assert math.isclose(wake_up_time2, in_an_hour)
            await handle.result()


# -- ours -----------------------------------------------------------------------------------


async def test_the_timer_fires_at_the_moved_time_not_the_first(env: WorkflowEnvironment):
    async with Worker(env.client, task_queue="updatable-timer", workflows=[Workflow]):
        start = await env.get_current_time()
        in_a_day = (start + datetime.timedelta(days=1)).timestamp()
        in_two_hours = (start + datetime.timedelta(hours=2)).timestamp()
        handle = await env.client.start_workflow(Workflow.run, in_a_day, id=str(uuid.uuid4()), task_queue="updatable-timer")
        await handle.signal(Workflow.update_wake_up_time, in_two_hours)
        await handle.result()
        described = await handle.describe()
    assert described.status == WorkflowExecutionStatus.COMPLETED
    assert described.close_time is not None
    assert datetime.timedelta(hours=2) <= described.close_time - start < datetime.timedelta(hours=3)
