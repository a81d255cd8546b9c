"""A task queue's rate as deployed: LambdaApp's activity function on moto, fed by hand.

Three attempts of a queue limited to one a minute arrive together: the first runs, the other
two go to the timer queue delayed to their slots (SQS DelaySeconds), unclaimed and uncounted;
the slots live in the queue's item of the executions table.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta

import boto3
from moto import mock_aws

from durable import activity, workflow
from durable._aws.app import LambdaApp
from durable._aws.provision import create_queue, create_tables
from durable._converter import encode_args
from durable._local.dispatcher import sqs_event
from durable.deployment import TaskQueueConfig

RAN: list[int] = []


@activity.defn
async def report(i: int) -> int:
    RAN.append(i)
    return i


@workflow.defn
class Reports:
    @workflow.run
    async def run(self, n: int) -> list[int]:
        calls = [workflow.execute_activity(report, i, start_to_close_timeout=timedelta(seconds=30)) for i in range(n)]
        return list(await asyncio.gather(*calls))


def test_attempts_over_the_rate_wait_on_the_timer_queue_unclaimed_and_a_redelivery_is_not_admitted_again():
    RAN.clear()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        create_tables(ddb, history_table="history", executions_table="executions", idempotency_table="idempotency")
        timer_url = create_queue(sqs, "timers", fifo=False)
        environ = {
            "DURABLE_HISTORY_TABLE": "history",
            "DURABLE_EXECUTIONS_TABLE": "executions",
            "DURABLE_IDEMPOTENCY_TABLE": "idempotency",
            "DURABLE_INBOX_QUEUE_URL": create_queue(sqs, "inbox.fifo", fifo=True),
            "DURABLE_TIMER_QUEUE_URL": timer_url,
            "DURABLE_ACTIVITY_QUEUE_URLS": json.dumps({"reports": create_queue(sqs, "activities-reports", fifo=False)}),
        }
        app = LambdaApp(
            workflows={"reports": [Reports]},
            activities={"reports": [report]},
            task_queues={"reports": TaskQueueConfig(max_task_queue_activities_per_second=1 / 60)},
            environ=environ,
        )
        app.control.start(workflow_type="Reports", workflow_id="r", task_queue="reports", input=encode_args([3]))
        inbox, tasks = app.services.inbox, app.services.activity_queue("reports")
        while messages := inbox.receive(10):  # the start's decision: three activity tasks
            app.handle_inbox(sqs_event(inbox, messages))
            inbox.delete([m.receipt for m in messages])
        received = tasks.receive(10)
        assert len(received) == 3
        for message in received:
            response = app.handle_activities(sqs_event(tasks, [message]))
            assert response["batchItemFailures"] == []  # a deferred task is done with, not failed
            tasks.delete([message.receipt])  # as the event source mapping does after a success
        assert len(RAN) == 1
        claims = ddb.scan(TableName="idempotency")["Items"]
        assert len(claims) == 1  # the other two attempts were not claimed: no attempt spent
        attributes = sqs.get_queue_attributes(QueueUrl=timer_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
        assert attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "2"  # to their slots
        assert "Item" in ddb.get_item(TableName="executions", Key={"pk": {"S": "rate#reports"}, "sk": {"S": "slots"}})
        assert tasks.receive(10) == []  # nothing left on the task queue: the two wait on timers
        # A redelivery of the attempt that ran (its worker died before the delete) is not admitted
        # again: the claim check sees it (and reports the attempt, a report the inbox deduplicates
        # with its result), instead of putting it back or running it again.
        redelivered = dataclasses.replace(received[0], receive_count=2)
        assert app.handle_activities(sqs_event(tasks, [redelivered]))["batchItemFailures"] == []
        attributes = sqs.get_queue_attributes(QueueUrl=timer_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
        assert attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "2"
        assert len(RAN) == 1
