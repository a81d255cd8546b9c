"""ScheduleStore contract (DynamoScheduleStore on moto, MemoryScheduleStore), and the
EventBridge Scheduler firing adapter against moto's scheduler API."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from durable._aws.schedules import EventBridgeScheduleFiring, scheduler_name
from durable._limits import FIFO_ID_CHARS
from durable._runtime.ports import ExecutionRecord, ScheduleAlreadyExists, ScheduleConflict, ScheduleNotFound
from durable._runtime.services import schedule_group
from durable._statuses import WorkflowExecutionStatus

DOC = {
    "schedule": {"spec": {"cron_expressions": ["0 * * * *"]}, "state": {"note": "é ünïcode", "paused": False}},
    "info": {"armed": 1.5},
}


def test_create_get_round_trips_the_document_at_version_1(backend):
    store = backend.schedules()
    store.create("s1", DOC)
    got = store.get("s1")
    assert (got.schedule_id, got.doc, got.version) == ("s1", DOC, 1)


def test_a_taken_id_is_refused(backend):
    store = backend.schedules()
    store.create("s1", DOC)
    with pytest.raises(ScheduleAlreadyExists):
        store.create("s1", {"other": True})
    assert store.get("s1").doc == DOC


def test_put_needs_the_version_it_read(backend):
    store = backend.schedules()
    store.create("s1", DOC)
    store.put("s1", {**DOC, "info": {"armed": 2.5}}, version=1)
    assert store.get("s1").version == 2 and store.get("s1").doc["info"]["armed"] == 2.5
    with pytest.raises(ScheduleConflict):  # a writer that read version 1 lost the race
        store.put("s1", DOC, version=1)
    with pytest.raises(ScheduleConflict):
        store.put("missing", DOC, version=1)


def test_missing_and_deleted(backend):
    store = backend.schedules()
    with pytest.raises(ScheduleNotFound):
        store.get("nope")
    store.create("s1", DOC)
    store.delete("s1")
    store.delete("s1")
    with pytest.raises(ScheduleNotFound):
        store.get("s1")


def test_list_is_every_schedule_by_id_and_nothing_else(backend):
    store = backend.schedules()
    executions = backend.executions()
    executions.create(
        ExecutionRecord(
            workflow_id="wf",
            run_id="r",
            workflow_type="T",
            task_queue="q",
            status=WorkflowExecutionStatus.RUNNING,
            start_time=1.0,
        )
    )
    for sid in ("b", "a", "c"):
        store.create(sid, {"id": sid})
    assert [(s.schedule_id, s.doc) for s in store.list()] == [
        ("a", {"id": "a"}),
        ("b", {"id": "b"}),
        ("c", {"id": "c"}),
    ]
    # they share the executions table on AWS: workflow listings must not see them
    assert [r.workflow_id for r in executions.list()] == ["wf"]


# -- EventBridge Scheduler -------------------------------------------------------------------

GROUP = "durable-dev-schedules"
INBOX_ARN = "arn:aws:sqs:us-east-1:123456789012:durable-dev-inbox.fifo"
ROLE_ARN = "arn:aws:iam::123456789012:role/durable-dev-scheduler"


@pytest.fixture
def scheduler():
    with mock_aws():
        client = boto3.client("scheduler", region_name="us-east-1")
        client.create_schedule_group(Name=GROUP)
        yield client


def test_arm_creates_a_one_time_schedule_to_the_inbox_then_updates_it(scheduler):
    firing = EventBridgeScheduleFiring(group_name=GROUP, inbox_arn=INBOX_ARN, role_arn=ROLE_ARN, client=scheduler)
    body = json.dumps({"kind": "schedule_fire", "schedule_id": "nightly report", "nominal": 1.0, "dedup": "x"})
    firing.arm("nightly report", 1_796_226_000.2, body)
    got = scheduler.get_schedule(Name=scheduler_name("nightly report"), GroupName=GROUP)
    assert got["ScheduleExpression"] == "at(2026-12-02T15:40:01)"  # rounded up: never early
    assert got["ScheduleExpressionTimezone"] == "UTC"
    assert got["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = got["Target"]
    assert (target["Arn"], target["RoleArn"], target["Input"]) == (INBOX_ARN, ROLE_ARN, body)
    # "schedule:nightly report" has a space, which SQS refuses in a group id: a digest stands in.
    assert target["SqsParameters"] == {"MessageGroupId": schedule_group("nightly report")}
    assert FIFO_ID_CHARS.fullmatch(target["SqsParameters"]["MessageGroupId"])

    firing.arm("nightly report", 1_796_229_600.0, body)
    got = scheduler.get_schedule(Name=scheduler_name("nightly report"), GroupName=GROUP)
    assert got["ScheduleExpression"] == "at(2026-12-02T16:40:00)"
    listed = scheduler.list_schedules(GroupName=GROUP)["Schedules"]
    assert [s["Name"] for s in listed] == [scheduler_name("nightly report")]


def test_disarm_deletes_it_and_tolerates_its_absence(scheduler):
    firing = EventBridgeScheduleFiring(group_name=GROUP, inbox_arn=INBOX_ARN, role_arn=ROLE_ARN, client=scheduler)
    firing.arm("s", 1_796_226_000.0, "{}")
    firing.disarm("s")
    firing.disarm("s")
    assert scheduler.list_schedules(GroupName=GROUP)["Schedules"] == []


def test_scheduler_names_fit_its_rules_and_keep_ids_apart():
    names = {scheduler_name(i) for i in ("a/b", "a_b", "a b", "x" * 300, "x" * 301)}
    assert len(names) == 5
    assert all(len(n) <= 64 and all(c.isalnum() or c in "-_." for c in n) for n in names)


SCHEDULE_DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:durable-dev-schedule-dlq"


def test_arm_names_the_schedule_dlq_on_create_and_on_update(scheduler):
    firing = EventBridgeScheduleFiring(
        group_name=GROUP, inbox_arn=INBOX_ARN, role_arn=ROLE_ARN, client=scheduler, dead_letter_arn=SCHEDULE_DLQ_ARN
    )
    requests: list[str] = []
    scheduler.meta.events.register("before-call.scheduler.*", lambda model, **_: requests.append(model.name))
    body = json.dumps({"kind": "schedule_fire", "schedule_id": "s", "nominal": 1.0, "dedup": "x"})

    firing.arm("s", 1_796_226_000.0, body)  # made: the update finds none, the create makes it
    created = scheduler.get_schedule(Name=scheduler_name("s"), GroupName=GROUP)["Target"]
    firing.arm("s", 1_796_229_600.0, body)  # re-armed: an update, which replaces the whole target
    updated = scheduler.get_schedule(Name=scheduler_name("s"), GroupName=GROUP)["Target"]

    assert requests.count("CreateSchedule") == 1 and requests.count("UpdateSchedule") == 2
    assert created["DeadLetterConfig"] == updated["DeadLetterConfig"] == {"Arn": SCHEDULE_DLQ_ARN}
