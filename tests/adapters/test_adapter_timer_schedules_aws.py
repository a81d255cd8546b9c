"""The requests EventBridgeTimerSchedules makes, as moto's Scheduler stores them, and the
deployed app's timer service choosing between the timer queue and Scheduler.

AWS-only (what a schedule looks like to Scheduler), so not parametrized over backends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from durable._aws.provision import create_queue
from durable._aws.sqs import SqsQueue
from durable._aws.timer_schedules import EventBridgeTimerSchedules, queue_arn_beside
from durable._aws.timers import SqsTimerService
from durable._runtime.services import INBOX
from durable._runtime.timer_schedules import RoutedTimers, TimerSchedule, timer_schedule_name

T0 = 1_699_999_990.0
GROUP = "durable-dev-schedules"
ROLE = "arn:aws:iam::123456789012:role/durable-dev-scheduler"
SCHEDULE_DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:durable-dev-schedule-dlq"


class Clock:
    def __init__(self, now: float) -> None:
        self.t = now

    def now(self) -> float:
        return self.t


class World:
    def __init__(self) -> None:
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.scheduler = boto3.client("scheduler", region_name="us-east-1")
        self.scheduler.create_schedule_group(Name=GROUP)
        self.calls: list[str] = []
        self.sent: list[dict[str, Any]] = []  # SendMessage requests, as sent
        self.sqs.meta.events.register(
            "provide-client-params.sqs.SendMessage", lambda params, **_: self.sent.append(dict(params))
        )
        for client in (self.sqs, self.scheduler):
            client.meta.events.register("before-call.*.*", lambda model, **_: self.calls.append(model.name))
        self.queues = {
            name: SqsQueue(name, create_queue(self.sqs, name, fifo=name.endswith(".fifo")), self.sqs)
            for name in ("timers", INBOX, "activities-q")
        }
        self.clock = Clock(T0)
        inbox_arn = self.sqs.get_queue_attributes(QueueUrl=self.queues[INBOX].url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.schedules = EventBridgeTimerSchedules(
            group_name=GROUP,
            role_arn=ROLE,
            target_arn=lambda q: inbox_arn if q == INBOX else queue_arn_beside(inbox_arn, self.queues[q].url),
            clock=self.clock,
            client=self.scheduler,
            dead_letter_arn=SCHEDULE_DLQ_ARN,
        )
        relay = SqsTimerService(
            self.queues["timers"], {INBOX: self.queues[INBOX], "activities-q": self.queues["activities-q"]}, self.clock
        )
        self.timers = RoutedTimers(relay, self.schedules, self.clock)
        self.calls.clear()

    def stored(self, queue: str, dedup_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.scheduler.get_schedule(Name=timer_schedule_name(queue, dedup_id), GroupName=GROUP)
        return found


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield World()


def test_a_long_inbox_timer_is_a_self_deleting_one_time_schedule_to_the_inbox(world):
    world.timers.schedule(T0 + 24 * 3600, INBOX, '{"kind":"timer"}', group_id="wf-1", dedup_id="run:timer:1")
    assert world.calls == ["CreateSchedule"]  # one request; nothing on the timer queue

    stored = world.stored(INBOX, "run:timer:1")
    assert stored["ScheduleExpression"] == "at(2023-11-15T22:14:00)"  # T0 + 24 h, rounded up to the minute
    assert stored["ScheduleExpressionTimezone"] == "UTC"
    assert stored["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert stored["ActionAfterCompletion"] == "DELETE"
    assert stored["Target"]["Arn"] == "arn:aws:sqs:us-east-1:123456789012:inbox.fifo"
    assert stored["Target"]["RoleArn"] == ROLE
    assert stored["Target"]["Input"] == '{"kind":"timer"}'
    assert stored["Target"]["SqsParameters"] == {"MessageGroupId": "wf-1"}
    # What Scheduler cannot deliver goes to the schedule DLQ, not nowhere.
    assert stored["Target"]["DeadLetterConfig"] == {"Arn": SCHEDULE_DLQ_ARN}


def test_an_activity_queue_target_has_its_own_arn_and_no_group(world):
    world.timers.schedule(T0 + 2 * 3600, "activities-q", "retry", dedup_id="run:act:1:2")

    target = world.stored("activities-q", "run:act:1:2")["Target"]
    assert target["Arn"] == "arn:aws:sqs:us-east-1:123456789012:activities-q"
    assert "SqsParameters" not in target
    assert target["DeadLetterConfig"] == {"Arn": SCHEDULE_DLQ_ARN}


def test_a_redispatch_is_a_conflict_that_changes_nothing(world):
    world.timers.schedule(T0 + 2 * 3600, INBOX, "first", group_id="wf-1", dedup_id="run:timer:1")
    world.timers.schedule(T0 + 2 * 3600, INBOX, "again", group_id="wf-1", dedup_id="run:timer:1")

    assert world.stored(INBOX, "run:timer:1")["Target"]["Input"] == "first"
    assert len(world.scheduler.list_schedules(GroupName=GROUP)["Schedules"]) == 1


def test_a_short_timer_rides_the_timer_queue_and_a_cancel_deletes_the_schedule(world):
    world.timers.schedule(T0 + 600, INBOX, "soon", group_id="wf-1", dedup_id="run:timer:1")
    assert world.calls == ["SendMessage"]
    assert [(json.loads(r["MessageBody"])["body"], r["DelaySeconds"]) for r in world.sent] == [("soon", 600)]

    world.timers.schedule(T0 + 7200, INBOX, "later", group_id="wf-1", dedup_id="run:timer:2")
    world.timers.cancel(INBOX, dedup_id="run:timer:2")
    with pytest.raises(world.scheduler.exceptions.ResourceNotFoundException):
        world.stored(INBOX, "run:timer:2")


def test_a_schedule_scheduler_would_refuse_is_refused_before_any_request(world):
    # moto takes a past time and any name; AWS's checks are made by the adapter.
    with pytest.raises(ValueError, match="not in the future"):
        world.schedules.create(TimerSchedule("timer.past", T0 - 3600, INBOX, "x", "wf-1"))
    with pytest.raises(ValueError, match="Scheduler takes"):
        world.schedules.create(TimerSchedule("has space", T0 + 3600, INBOX, "x", "wf-1"))
    assert world.calls == []


def test_queue_arn_beside_takes_account_and_region_from_the_inbox():
    arn = "arn:aws-cn:sqs:cn-north-1:111122223333:durable-dev-inbox.fifo"
    url = "https://sqs.cn-north-1.amazonaws.com.cn/111122223333/durable-dev-activities-orders"
    assert queue_arn_beside(arn, url) == "arn:aws-cn:sqs:cn-north-1:111122223333:durable-dev-activities-orders"


@pytest.mark.parametrize("code", ["ServiceQuotaExceededException", "ThrottlingException"])
def test_scheduler_s_quota_refusal_sends_the_timer_through_the_timer_queue(world, code):
    # moto never refuses for a quota: botocore's stubber answers as Scheduler would.
    with Stubber(world.scheduler) as stub:
        stub.add_client_error(
            "create_schedule", service_error_code=code, http_status_code=402 if "Quota" in code else 429
        )
        world.timers.schedule(T0 + 7200, INBOX, "later", group_id="wf-1", dedup_id="run:timer:1")

    [hop] = world.sent
    assert (json.loads(hop["MessageBody"])["body"], hop["DelaySeconds"]) == ("later", 900)
