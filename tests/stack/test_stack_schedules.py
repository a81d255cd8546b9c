"""Schedules in the template: who may arm EventBridge Scheduler schedules, and on what."""

from __future__ import annotations

import json

from .conftest import NAMESPACE
from .test_stack_template import fn, refs, statements

SCHEDULER_ACTIONS = {
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
}


def _scheduler_statements(s, function_id):
    return [st for st in statements(s, function_id) if "scheduler:" in json.dumps(st["Action"])]


def _pass_role_statements(s, function_id):
    return [st for st in statements(s, function_id) if "iam:PassRole" in json.dumps(st["Action"])]


def test_the_orchestrator_and_the_api_arm_schedules_of_the_namespace_group_only(synthesized):
    s, stack = synthesized, synthesized.stack
    for durable_function in (stack.orchestrator, stack.api_function):
        function_id = fn(s, durable_function)
        (st,) = _scheduler_statements(s, function_id)
        assert set(st["Action"]) == SCHEDULER_ACTIONS
        resource = json.dumps(st["Resource"])
        assert f":schedule/durable-{NAMESPACE}-schedules/*" in resource
        (passing,) = _pass_role_statements(s, function_id)
        assert refs(passing["Resource"]) == {s.logical_id(stack.scheduler_role)}


def test_activity_functions_and_the_reconciler_only_create_and_delete_timer_schedules(synthesized):
    s, stack = synthesized, synthesized.stack
    for durable_function in (stack.reconciler, *stack.activity_workers.values()):
        function_id = fn(s, durable_function)
        (st,) = _scheduler_statements(s, function_id)
        assert set(st["Action"]) == {"scheduler:CreateSchedule", "scheduler:DeleteSchedule"}
        assert f":schedule/durable-{NAMESPACE}-schedules/timer.*" in json.dumps(st["Resource"])
        (passing,) = _pass_role_statements(s, function_id)
        assert refs(passing["Resource"]) == {s.logical_id(stack.scheduler_role)}


def test_the_timer_relay_touches_no_schedule(synthesized):
    # It only forwards the timer queue's messages (timers within 15 minutes, and hops made before
    # long timers became schedules): nothing it does creates or deletes one.
    s, stack = synthesized, synthesized.stack
    function_id = fn(s, stack.timer_relay)
    assert _scheduler_statements(s, function_id) == [] and _pass_role_statements(s, function_id) == []


def test_scheduler_delivers_to_the_inbox_the_activity_queues_and_its_dead_letter_queue_and_nothing_else(synthesized):
    s, stack = synthesized, synthesized.stack
    role_id = s.logical_id(stack.scheduler_role)
    role = s.template["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    granted = [
        st
        for p in s.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for st in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    activity_queues = {s.logical_id(q.queue) for q in stack.task_queues.queues.values()}
    schedule_dlq = s.logical_id(stack.schedule_dead_letters.queue)
    assert {r for st in granted for r in refs(st["Resource"])} == {
        s.logical_id(stack.inbox.queue),
        *activity_queues,
        schedule_dlq,
    }
    assert {a for st in granted for a in st["Action"]} == {
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }


def test_the_schedule_dlq_is_a_standard_encrypted_tls_only_queue_the_reconciler_drains(synthesized):
    s, stack = synthesized, synthesized.stack
    dlq_id = s.logical_id(stack.schedule_dead_letters.queue)
    queue = s.template["Resources"][dlq_id]["Properties"]
    # Scheduler refuses a FIFO dead-letter queue; dead letters wait as long as SQS keeps them.
    assert "FifoQueue" not in queue and queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in s.resources("AWS::SQS::QueuePolicy").values()
        if {"Ref": dlq_id} in p["Properties"]["Queues"]
    ]
    assert any(
        st["Effect"] == "Deny" and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for statements in policies
        for st in statements
    )
    reconciler_role = s.logical_id(stack.reconciler.function.role)
    reconciler = [
        st
        for p in s.resources("AWS::IAM::Policy").values()
        if {"Ref": reconciler_role} in p["Properties"]["Roles"]
        for st in p["Properties"]["PolicyDocument"]["Statement"]
        if dlq_id in refs(st["Resource"])
    ]
    actions = {a for st in reconciler for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= actions
    variables = s.template["Resources"][s.logical_id(stack.reconciler.function)]["Properties"]["Environment"]
    assert variables["Variables"]["DURABLE_SCHEDULE_DLQ_URL"] == {"Ref": dlq_id}
