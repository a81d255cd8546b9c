"""The synthesized template: resources, their wiring, and who may do what."""

from __future__ import annotations

import fnmatch
import importlib
import json
import re
from typing import Any

import pytest

from durable import _settings as settings
from durable._aws.app import LambdaApp
from durable._batch.job import BATCH_TASK_QUEUE
from durable._statuses import WorkflowExecutionStatus
from statemachines.registry import ACTIVITIES

from .conftest import NAMESPACE, Synth

DEPLOYED_TASK_QUEUES = sorted({*ACTIVITIES, BATCH_TASK_QUEUE})
"""The registry's task queues and batch jobs' own: each has its queue, DLQ and function."""

WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


# -- helpers over the template ---------------------------------------------------------------


def refs(value: Any) -> set[str]:
    """Logical ids a template value refers to (Ref and Fn::GetAtt, anywhere inside)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value:
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])
        for v in value.values():
            found |= refs(v)
    elif isinstance(value, list):
        for v in value:
            found |= refs(v)
    return found


def statements(s: Synth, function_id: str) -> list[dict[str, Any]]:
    """Every policy statement of a function's role."""
    role_id = s.template["Resources"][function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    found = []
    for policy in s.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    role = s.template["Resources"][role_id]["Properties"]
    assert not role.get("ManagedPolicyArns"), "roles start empty: every permission is a grant"
    return found


def actions_on(s: Synth, function_id: str, resource_id: str) -> set[str]:
    actions: set[str] = set()
    for st in statements(s, function_id):
        if st["Effect"] == "Allow" and resource_id in refs(st["Resource"]):
            actions |= set(st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
    return actions


def fn(s: Synth, durable_function: Any) -> str:
    return s.logical_id(durable_function.function)


def resolve(s: Synth, value: Any) -> str:
    """An environment value as CloudFormation would give it: names and URLs of this template."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        resource = s.template["Resources"][value["Ref"]]
        if resource["Type"] == "AWS::DynamoDB::Table":
            return resource["Properties"]["TableName"]
        if resource["Type"] == "AWS::SQS::Queue":
            return f"https://sqs.us-east-1.amazonaws.com/123456789012/{resource['Properties']['QueueName']}"
        if resource["Type"] == "AWS::S3::Bucket":  # a name CloudFormation generates
            return f"durable-stack-{value['Ref'].lower()}-1a2b3c"
    if "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
        resource = s.template["Resources"][value["Fn::GetAtt"][0]]
        if resource["Type"] == "AWS::SQS::Queue":
            return f"arn:aws:sqs:us-east-1:123456789012:{resource['Properties']['QueueName']}"
        if resource["Type"] == "AWS::IAM::Role":
            return f"arn:aws:iam::123456789012:role/{resource['Properties']['RoleName']}"
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(resolve(s, p) for p in parts)
    raise AssertionError(f"unexpected template value {value}")


# -- tables ------------------------------------------------------------------------------------


def _table(s: Synth, table: Any) -> dict[str, Any]:
    return s.template["Resources"][s.logical_id(table)]


@pytest.mark.parametrize(
    ("role", "keys", "ttl"),
    [
        ("history", [("pk", "S", "HASH"), ("sk", "N", "RANGE")], "expires_at"),  # set once a run is archived
        ("executions", [("pk", "S", "HASH"), ("sk", "S", "RANGE")], "expires_at"),
        ("idempotency", [("id", "S", "HASH")], "expiration"),
    ],
)
def test_tables_have_the_engines_keys_on_demand_pitr_encryption_and_ttl(synthesized, role, keys, ttl):
    table = _table(synthesized, getattr(synthesized.stack.tables, role))
    props = table["Properties"]
    assert props["TableName"] == f"durable-{NAMESPACE}-{role}"
    assert props["KeySchema"] == [{"AttributeName": a, "KeyType": k} for a, _, k in keys]
    definitions = [{"AttributeName": a, "AttributeType": t} for a, t, _ in keys]
    assert props["AttributeDefinitions"][: len(keys)] == definitions
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    if ttl:
        assert props["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props
    assert table["DeletionPolicy"] == "Retain"  # workflow state outlives the stack


def test_table_keys_match_what_the_local_provisioning_creates(synthesized):
    import boto3
    from moto import mock_aws

    from durable._aws.provision import create_tables

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client, history_table="h", executions_table="e", idempotency_table="i")
        for role, local in (("history", "h"), ("executions", "e"), ("idempotency", "i")):
            described = client.describe_table(TableName=local)["Table"]
            props = _table(synthesized, getattr(synthesized.stack.tables, role))["Properties"]
            assert described["KeySchema"] == props["KeySchema"]
            assert sorted(described["AttributeDefinitions"], key=str) == sorted(props["AttributeDefinitions"], key=str)
            local_indexes = {
                i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in described.get("GlobalSecondaryIndexes", [])
            }
            stack_indexes = {
                i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in props.get("GlobalSecondaryIndexes", [])
            }
            assert local_indexes == stack_indexes


def test_executions_are_listed_through_gsis_sorted_by_start(synthesized):
    props = _table(synthesized, synthesized.stack.tables.executions)["Properties"]
    indexes = {i["IndexName"]: i for i in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"by_start", "by_status_shard", "by_type_shard"}
    # write-sharded partition keys (durable._aws.index_shards): none shared by the whole namespace
    for name, partition in (("by_start", "vis"), ("by_status_shard", "status_shard"), ("by_type_shard", "type_shard")):
        assert indexes[name]["KeySchema"] == [
            {"AttributeName": partition, "KeyType": "HASH"},
            {"AttributeName": "start_key", "KeyType": "RANGE"},
        ]
        assert indexes[name]["Projection"] == {"ProjectionType": "ALL"}


# -- queues ------------------------------------------------------------------------------------


def test_inbox_is_a_fifo_queue_with_an_explicit_fifo_name_and_a_fifo_dlq(synthesized):
    queues = synthesized.resources("AWS::SQS::Queue")
    inbox = queues[synthesized.logical_id(synthesized.stack.inbox.queue)]["Properties"]
    assert inbox["QueueName"] == f"durable-{NAMESPACE}-inbox.fifo"
    assert inbox["FifoQueue"] is True
    # the engine sends explicit dedup ids; EventBridge Scheduler (schedules' fires) cannot, and
    # a FIFO target of Scheduler must deduplicate by content
    assert inbox["ContentBasedDeduplication"] is True
    # high-throughput FIFO: the quota is per message group (workflow id), not 300 sends/s a queue
    assert inbox["DeduplicationScope"] == "messageGroup"
    assert inbox["FifoThroughputLimit"] == "perMessageGroupId"
    dlq = queues[inbox["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]]["Properties"]
    assert dlq["QueueName"] == f"durable-{NAMESPACE}-inbox-dlq.fifo"
    assert dlq["FifoQueue"] is True


def _async_dead_letter_queues(synthesized) -> set[str]:
    """The queues functions' asynchronous invocations fail into (their on-failure destinations)."""
    return {
        c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        for c in synthesized.resources("AWS::Lambda::EventInvokeConfig").values()
    }


def _schedule_dead_letter_queues(synthesized) -> set[str]:
    """The queue every Scheduler schedule's DeadLetterConfig names (the runtime makes the
    schedules: the functions' environment names it)."""
    return {
        f["Properties"]["Environment"]["Variables"]["DURABLE_SCHEDULE_DLQ_URL"]["Ref"]
        for f in synthesized.resources("AWS::Lambda::Function").values()
        if "DURABLE_SCHEDULE_DLQ_URL" in f["Properties"].get("Environment", {}).get("Variables", {})
    }


def test_every_queue_has_a_dead_letter_queue_with_redrive(synthesized):
    queues = synthesized.resources("AWS::SQS::Queue")
    dlqs = {q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            for q in queues.values() if "RedrivePolicy" in q["Properties"]}  # fmt: skip
    sources = {k for k, q in queues.items() if "RedrivePolicy" in q["Properties"]}
    invocations = _async_dead_letter_queues(synthesized)
    schedules = _schedule_dead_letter_queues(synthesized)
    assert len(schedules) == 1
    assert sources | dlqs | invocations | schedules == set(queues), "every queue is a source with a DLQ, or a DLQ"
    for k in invocations | schedules:
        assert queues[k]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert len(dlqs) == len(sources), "one DLQ per queue"
    for k in sources:
        props = queues[k]["Properties"]
        # Accepted inbox messages are retried (the run shows why), not dead-lettered after five tries.
        expected = 1000 if props["QueueName"].endswith("inbox.fifo") else 5
        assert props["RedrivePolicy"]["maxReceiveCount"] == expected, props["QueueName"]
        assert queues[props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]]["Properties"][
            "QueueName"
        ] == props["QueueName"].replace(".fifo", "") + ("-dlq.fifo" if props["QueueName"].endswith(".fifo") else "-dlq")
    for k in dlqs:
        assert queues[k]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_every_queue_is_encrypted_and_refuses_requests_without_tls(synthesized):
    queues = synthesized.resources("AWS::SQS::Queue")
    denied = set()
    for policy in synthesized.resources("AWS::SQS::QueuePolicy").values():
        for st in policy["Properties"]["PolicyDocument"]["Statement"]:
            if st["Effect"] == "Deny" and st.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}:
                denied |= refs(policy["Properties"]["Queues"])
    assert denied == set(queues)
    assert all(q["Properties"]["SqsManagedSseEnabled"] is True for q in queues.values())


def test_visibility_timeouts_outlast_their_consumers(synthesized):
    resources = synthesized.template["Resources"]
    for esm in synthesized.resources("AWS::Lambda::EventSourceMapping").values():
        queue = resources[esm["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
        function = resources[synthesized.mapped_function(esm)]["Properties"]  # an alias's: its function's
        assert queue["VisibilityTimeout"] >= 6 * function["Timeout"], queue["QueueName"]


# -- payload bucket ----------------------------------------------------------------------------


def _bucket(s: Synth) -> dict[str, Any]:
    return s.resources("AWS::S3::Bucket")[s.logical_id(s.stack.payloads.bucket)]


def test_the_payload_bucket_is_encrypted_private_tls_only_retained_and_never_expires_what_a_run_may_replay(synthesized):
    bucket = _bucket(synthesized)
    props = bucket["Properties"]
    assert "BucketName" not in props, "S3 names are global: CloudFormation generates one"
    (sse,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }  # fmt: skip
    assert "VersioningConfiguration" not in props
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    # A run may wait longer than the retention and then replay from its first payloads:
    # nothing expires by age (S3 counts age from the write, not from the run's close).
    assert rule["Status"] == "Enabled" and "ExpirationInDays" not in rule
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert bucket["DeletionPolicy"] == "Retain"  # retained histories still point at it
    bucket_id = synthesized.logical_id(synthesized.stack.payloads.bucket)
    (policy,) = [
        p
        for p in synthesized.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    denied = [
        st for st in policy["Properties"]["PolicyDocument"]["Statement"]
        if st["Effect"] == "Deny" and st.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]  # fmt: skip
    assert denied and denied[0]["Principal"] == {"AWS": "*"} and denied[0]["Action"] == "s3:*"
    assert not [st for st in policy["Properties"]["PolicyDocument"]["Statement"] if st["Effect"] == "Allow"]


def test_retention_days_set_the_closed_runs_ttl(synthesize):
    s = synthesize(namespace="short", retention_days="7")  # as `cdk synth -c retention_days=7` passes it
    for props in (f["Properties"] for f in s.resources("AWS::Lambda::Function").values()):
        env = {k: resolve(s, v) for k, v in props["Environment"]["Variables"].items()}
        assert env[settings.RETENTION_DAYS] == "7"
        assert LambdaApp(environ=env).services.executions.retention_seconds == 7 * 24 * 3600


@pytest.mark.parametrize("bad", ["0", "-3", "thirty", "2.5", "99999"])
def test_a_retention_that_is_not_a_whole_number_of_days_is_refused(synthesize, bad):
    with pytest.raises(ValueError, match="retention_days"):
        synthesize(namespace="bad", retention_days=bad)


S3_OBJECT_ACTIONS = {"s3:GetObject", "s3:PutObject"}


def _s3_actions(s: Synth, function_id: str, bucket: Any = None) -> dict[str, set[str]]:
    """S3 actions of a function's role on a bucket (the payload bucket by default), by resource:
    "objects" (the bucket's /*) or "bucket"."""
    bucket_id = s.logical_id(s.stack.payloads.bucket if bucket is None else bucket)
    buckets = {s.logical_id(s.stack.payloads.bucket), s.logical_id(s.stack.archive.bucket)}
    found: dict[str, set[str]] = {}
    for st in statements(s, function_id):
        acts = set(st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
        if not any(a.startswith("s3:") for a in acts):
            continue
        assert st["Effect"] == "Allow" and len(refs(st["Resource"])) == 1 and refs(st["Resource"]) <= buckets, st
        if refs(st["Resource"]) != {bucket_id}:
            continue
        where = "objects" if "Fn::Join" in st["Resource"] else "bucket"
        found.setdefault(where, set()).update(acts)
    return found


def test_every_function_that_handles_workflow_data_reads_and_writes_payloads_and_deletes_none(synthesized):
    stack, s = synthesized.stack, synthesized
    handlers = [stack.orchestrator, *stack.activity_workers.values(), stack.reconciler, stack.api_function]
    for worker in handlers:
        f = fn(s, worker)
        assert _s3_actions(s, f) == {"objects": S3_OBJECT_ACTIONS, "bucket": {"s3:ListBucket"}}, f
    # the relay forwards messages as they are, references included
    assert _s3_actions(s, fn(s, stack.timer_relay)) == {}


# -- functions ---------------------------------------------------------------------------------


def test_functions_run_python_3_12_on_arm64_with_the_layer_tracing_and_json_logs(synthesized):
    functions = synthesized.resources("AWS::Lambda::Function")
    layer_id = synthesized.logical_id(synthesized.stack.runtime.layer)
    assert len(functions) == len(synthesized.stack.functions())
    for props in (f["Properties"] for f in functions.values()):
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["Layers"] == [{"Ref": layer_id}, ADOT_LAYER]  # tracing=xray, the default
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert props["FunctionName"].startswith(f"durable-{NAMESPACE}-")
    layer = synthesized.template["Resources"][layer_id]["Properties"]
    assert layer["CompatibleRuntimes"] == ["python3.12"]
    assert layer["CompatibleArchitectures"] == ["arm64"]


# AWS's ADOT Lambda layer for Python, in the stack's region (stacks/tracing.py)
ADOT_LAYER = {
    "Fn::Join": [
        "",
        ["arn:aws:lambda:", {"Ref": "AWS::Region"}, ":901920570463:layer:aws-otel-python-arm64-ver-1-29-0:1"],
    ]
}


def test_every_function_gets_exactly_the_wiring_lambda_app_reads(synthesized):
    expected = set(settings.NAMES) - {settings.DEAD_LETTER_QUEUE_URLS}  # the API function's only
    services_names = set()
    for props in (f["Properties"] for f in synthesized.resources("AWS::Lambda::Function").values()):
        variables = props["Environment"]["Variables"]
        assert expected <= set(variables), props["FunctionName"]
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == synthesized.stack.metrics_namespace
        services_names.add(variables["POWERTOOLS_SERVICE_NAME"])
        env = {k: resolve(synthesized, v) for k, v in variables.items()}
        services = LambdaApp(environ=env).services  # raises on a missing or malformed variable
        assert services.history.table_name == f"durable-{NAMESPACE}-history"
        assert services.inbox.url.endswith(f"durable-{NAMESPACE}-inbox.fifo")
        assert json.loads(env[settings.ACTIVITY_QUEUE_URLS]).keys() == {*ACTIVITIES, BATCH_TASK_QUEUE}
        firing = services.schedule_firing
        assert firing.group_name == f"durable-{NAMESPACE}-schedules"
        assert firing.inbox_arn.endswith(f":durable-{NAMESPACE}-inbox.fifo")
        assert firing.role_arn.endswith(f":role/durable-{NAMESPACE}-scheduler")
        # every schedule names the schedule DLQ, and the reconciler finds where each dead letter goes
        assert firing.dead_letter_arn == firing.inbox_arn.replace("-inbox.fifo", "-schedule-dlq")
        assert services.timers.inner.schedules.dead_letter_arn == firing.dead_letter_arn
        dead_letters = services.schedule_dead_letters
        assert dead_letters is not None and dead_letters.url.endswith(f"/durable-{NAMESPACE}-schedule-dlq")
        assert dead_letters.queue_of(firing.inbox_arn) == "inbox.fifo"
        for tq in ACTIVITIES:
            arn = firing.inbox_arn.replace("-inbox.fifo", f"-activities-{tq}")
            assert dead_letters.queue_of(arn) == f"activities-{tq}"
        assert services.schedules.table_name == f"durable-{NAMESPACE}-executions"
        assert services.executions.retention_seconds == 30 * 24 * 3600
        assert variables[settings.PAYLOAD_BUCKET] == {"Ref": synthesized.logical_id(synthesized.stack.payloads.bucket)}
        for task_queue in ACTIVITIES:
            assert services.activity_queue(task_queue).url.endswith(f"durable-{NAMESPACE}-activities-{task_queue}")
    assert len(services_names) == len(synthesized.stack.functions()), "one powertools service per function"


def test_the_orchestrator_consumes_the_inbox_in_batches_of_ten_with_partial_failures_and_a_cap(synthesized):
    stack = synthesized.stack
    live = synthesized.logical_id(stack.orchestrator_versions.live)  # the deploy's version (stacks.versions)
    (esm,) = [
        m["Properties"] for m in synthesized.resources("AWS::Lambda::EventSourceMapping").values()
        if synthesized.mapped_alias(m) == live
    ]  # fmt: skip
    assert esm["EventSourceArn"] == {"Fn::GetAtt": [synthesized.logical_id(stack.inbox.queue), "Arn"]}
    assert esm["BatchSize"] == 10
    assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 2 <= esm["ScalingConfig"]["MaximumConcurrency"] <= 1000


def test_every_queue_fed_function_reports_partial_batch_failures(synthesized):
    mappings = synthesized.resources("AWS::Lambda::EventSourceMapping")
    # inbox, timers and one per task queue: every source queue has a consumer
    sources = [k for k, q in synthesized.resources("AWS::SQS::Queue").items() if "RedrivePolicy" in q["Properties"]]
    assert sorted(m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0] for m in mappings.values()) == sorted(sources)
    for m in mappings.values():
        assert m["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_each_registered_task_queue_has_its_queue_dlq_and_function(synthesized):
    stack = synthesized.stack
    # the registry's task queues, and batch jobs' own (durable batch ...)
    assert sorted(stack.activity_workers) == sorted({*ACTIVITIES, BATCH_TASK_QUEUE}) == sorted(stack.task_queues.queues)
    resources = synthesized.template["Resources"]
    for task_queue, worker in stack.activity_workers.items():
        props = resources[fn(synthesized, worker)]["Properties"]
        assert props["FunctionName"] == f"durable-{NAMESPACE}-activities-{task_queue}"
        module, _, attr = props["Handler"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr))
        queue = resources[synthesized.logical_id(stack.task_queues.queues[task_queue].queue)]["Properties"]
        assert queue["QueueName"] == f"durable-{NAMESPACE}-activities-{task_queue}"
        assert "FifoQueue" not in queue


def test_every_handler_the_template_names_exists(synthesized):
    for props in (f["Properties"] for f in synthesized.resources("AWS::Lambda::Function").values()):
        module, _, attr = props["Handler"].rpartition(".")
        assert module.startswith("functions.")
        assert callable(getattr(importlib.import_module(module), attr)), props["Handler"]


def test_the_reconciler_runs_on_a_schedule(synthesized):
    stack = synthesized.stack
    (rule,) = synthesized.resources("AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    assert rule["Properties"]["State"] == "ENABLED"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [fn(synthesized, stack.reconciler), "Arn"]}


# -- least privilege ---------------------------------------------------------------------------


HISTORY_APPEND_AND_READ = {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}
"""Append and read; UpdateItem sets a closed, archived run's records' expiry (durable._runtime.retention)."""


def statements_on(s: Synth, function_id: str, resource_id: str) -> list[dict[str, Any]]:
    return [st for st in statements(s, function_id) if st["Effect"] == "Allow" and resource_id in refs(st["Resource"])]


def test_the_history_is_append_and_read_only_for_every_role(synthesized):
    stack, s = synthesized.stack, synthesized
    history = s.logical_id(stack.tables.history)
    expected = {
        fn(s, stack.orchestrator): HISTORY_APPEND_AND_READ,
        fn(s, stack.api_function): HISTORY_APPEND_AND_READ,  # start and terminate append
        fn(s, stack.reconciler): {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"},  # a close's expiry
        fn(s, stack.activity_workers[BATCH_TASK_QUEUE]): HISTORY_APPEND_AND_READ,  # a batch terminate appends
    }
    for f in s.resources("AWS::Lambda::Function"):
        assert actions_on(s, f, history) == expected.get(f, set()), f
    # what the store does (put_item and query, nothing else) is all that is granted
    import inspect

    from durable._aws import history as history_store

    calls = set(re.findall(r"self\.client\.(\w+)\(", inspect.getsource(history_store)))
    assert calls <= {"put_item", "query", "get_item", "update_item"}, (
        f"the history store now calls {calls}: grant it in stacks/"
    )
    # and the update only sets the expiry of records that exist
    assert 'UpdateExpression="SET expires_at = :at"' in inspect.getsource(history_store.DynamoHistoryStore.expire)


def test_the_orchestrator_reads_and_writes_history_and_executions_and_sends_to_every_queue(synthesized):
    stack, s = synthesized.stack, synthesized
    orchestrator = fn(s, stack.orchestrator)
    assert actions_on(s, orchestrator, s.logical_id(stack.tables.history)) == HISTORY_APPEND_AND_READ
    acts = actions_on(s, orchestrator, s.logical_id(stack.tables.executions))
    assert {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem"} <= acts
    assert not acts & {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    assert not actions_on(s, orchestrator, s.logical_id(stack.tables.idempotency))
    queues = [stack.inbox.queue, stack.timer_queue.queue, *(q.queue for q in stack.task_queues.queues.values())]
    for queue in queues:
        assert "sqs:SendMessage" in actions_on(s, orchestrator, s.logical_id(queue))


def test_an_activity_function_never_touches_history_and_only_heartbeats_on_executions(synthesized):
    stack, s = synthesized.stack, synthesized
    for task_queue, worker in stack.activity_workers.items():
        if task_queue == BATCH_TASK_QUEUE:
            continue  # the batch jobs' function: the next test
        f = fn(s, worker)
        assert not actions_on(s, f, s.logical_id(stack.tables.history))
        # UpdateItem (a heartbeat) and GetItem (a retry's look for a pause) on heartbeat items only: never an
        # execution record
        (heartbeat,) = statements_on(s, f, s.logical_id(stack.tables.executions))
        assert heartbeat["Action"] == ["dynamodb:GetItem", "dynamodb:UpdateItem"]
        assert heartbeat["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["hb#*"]}}
        assert {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= actions_on(
            s, f, s.logical_id(stack.tables.idempotency)
        )
        assert "sqs:SendMessage" in actions_on(s, f, s.logical_id(stack.inbox.queue))
        # Timers: an async completion's start-to-close timeout, a task put back for its rate slot.
        assert "sqs:SendMessage" in actions_on(s, f, s.logical_id(stack.timer_queue.queue))
        for other in (q.queue for q in stack.task_queues.queues.values()):
            assert "sqs:SendMessage" not in actions_on(s, f, s.logical_id(other))


def test_the_batch_jobs_function_terminates_and_signals_as_the_api_does_and_deletes_nothing(synthesized):
    stack, s = synthesized.stack, synthesized
    f = fn(s, stack.activity_workers[BATCH_TASK_QUEUE])
    assert actions_on(s, f, s.logical_id(stack.tables.history)) == HISTORY_APPEND_AND_READ
    acts = actions_on(s, f, s.logical_id(stack.tables.executions))
    assert {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem"} <= acts
    assert not acts & {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    assert "sqs:SendMessage" in actions_on(s, f, s.logical_id(stack.inbox.queue))
    assert "sqs:SendMessage" in actions_on(s, f, s.logical_id(stack.timer_queue.queue))  # as every activity function
    for other in (q.queue for q in stack.task_queues.queues.values()):
        assert "sqs:SendMessage" not in actions_on(s, f, s.logical_id(other))


def _like(pattern: str, value: str) -> bool:
    """IAM's StringLike: * any run of characters, ? one."""
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def test_the_heartbeat_condition_admits_the_keys_heartbeats_write_and_no_other_item(synthesized):
    import boto3
    from moto import mock_aws

    from durable._aws.executions import DynamoExecutionStore
    from durable._aws.provision import create_tables
    from durable._aws.schedules import DynamoScheduleStore
    from durable._runtime.ports import ExecutionRecord

    (worker, *_) = (w for tq, w in synthesized.stack.activity_workers.items() if tq != BATCH_TASK_QUEUE)
    executions = synthesized.logical_id(synthesized.stack.tables.executions)
    (heartbeat,) = statements_on(synthesized, fn(synthesized, worker), executions)
    (pattern,) = heartbeat["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client, history_table="h", executions_table="e", idempotency_table="i")
        store = DynamoExecutionStore("e", client)
        execution = "order#1/run-1"
        store.record_heartbeat(execution, "activity-1", 1, ["half way"], 1.0)
        heartbeat_keys = {i["pk"]["S"] for i in client.scan(TableName="e")["Items"]}
        store.create(ExecutionRecord(workflow_id="order#1", run_id="run-1", workflow_type="W", task_queue="q",
                                     status=WorkflowExecutionStatus.RUNNING, start_time=1.0))  # fmt: skip
        store.reject_update(execution, "update-1", {"message": "no"})
        DynamoScheduleStore("e", client).create("daily", {"spec": {}})
        other_keys = {i["pk"]["S"] for i in client.scan(TableName="e")["Items"]} - heartbeat_keys
    assert heartbeat_keys and all(_like(pattern, k) for k in heartbeat_keys), heartbeat_keys
    assert len(other_keys) == 3 and not any(_like(pattern, k) for k in other_keys), other_keys


def test_the_timer_relay_touches_no_table(synthesized):
    stack, s = synthesized.stack, synthesized
    relay = fn(s, stack.timer_relay)
    for table in (stack.tables.history, stack.tables.executions, stack.tables.idempotency):
        assert not actions_on(s, relay, s.logical_id(table))
    for queue in (stack.inbox.queue, stack.timer_queue.queue, *(q.queue for q in stack.task_queues.queues.values())):
        assert "sqs:SendMessage" in actions_on(s, relay, s.logical_id(queue))


def test_the_reconciler_only_reads_tables_but_to_finish_a_close_and_its_archiving(synthesized):
    stack, s = synthesized.stack, synthesized
    reconciler = fn(s, stack.reconciler)
    assert not actions_on(s, reconciler, s.logical_id(stack.tables.idempotency)) & WRITE_ACTIONS
    # the record's close: an update, never a put or a delete
    assert actions_on(s, reconciler, s.logical_id(stack.tables.executions)) & WRITE_ACTIONS == {"dynamodb:UpdateItem"}
    history = actions_on(s, reconciler, s.logical_id(stack.tables.history))
    assert history == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}
    assert "sqs:SendMessage" in actions_on(s, reconciler, s.logical_id(stack.inbox.queue))


DEAD_LETTER_ACTIONS = {
    "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
}  # fmt: skip


def test_the_api_reads_every_dead_letter_queue_and_may_send_its_letters_back_to_their_queue(synthesized):
    from durable._runtime.services import INBOX, activity_queue_name

    stack, s = synthesized.stack, synthesized
    api = fn(s, stack.api_function)
    variables = s.template["Resources"][api]["Properties"]["Environment"]["Variables"]
    urls = json.loads(resolve(s, variables[settings.DEAD_LETTER_QUEUE_URLS]))
    expected_names = {INBOX, "timers", *(activity_queue_name(tq) for tq in DEPLOYED_TASK_QUEUES)}
    assert set(urls) == expected_names
    queues = s.resources("AWS::SQS::Queue")
    for name, pair in stack.dead_lettered_queues().items():
        dlq, source = s.logical_id(pair.dlq), s.logical_id(pair.queue)
        # the URL is the DLQ's, and the DLQ is the one its source queue redrives to
        assert urls[name].endswith("/" + queues[dlq]["Properties"]["QueueName"]), (name, urls[name])
        assert queues[source]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq, "Arn"]}
        assert actions_on(s, api, dlq) == DEAD_LETTER_ACTIONS, name
        assert "sqs:SendMessage" not in actions_on(s, api, dlq)
        assert "sqs:SendMessage" in actions_on(s, api, source)
        assert "sqs:ReceiveMessage" not in actions_on(s, api, source)
    assert set(stack.dead_lettered_queues()) == expected_names
    # The runtime the API function builds from this wiring finds every DLQ.
    env = {k: resolve(s, v) for k, v in variables.items()}
    services = LambdaApp(environ=env).services
    assert services.inbox.dlq_url == urls[INBOX]
    # long timers go to Scheduler (RoutedTimers), short ones to the timer queue
    assert services.timers.inner.short.timer_queue.dlq_url == urls["timers"]
    for tq in DEPLOYED_TASK_QUEUES:
        assert services.activity_queue(tq).dlq_url == urls[activity_queue_name(tq)]
    # no other function touches a dead letter, nor learns where they are
    dlqs = {s.logical_id(pair.dlq) for pair in stack.dead_lettered_queues().values()}
    for f, props in s.resources("AWS::Lambda::Function").items():
        if f != api:
            assert not any(actions_on(s, f, dlq) for dlq in dlqs), f
            assert settings.DEAD_LETTER_QUEUE_URLS not in props["Properties"]["Environment"]["Variables"]


def test_no_function_may_write_a_table_it_does_not_own_by_wildcard(synthesized):
    for f in synthesized.resources("AWS::Lambda::Function"):
        for st in statements(synthesized, f):
            if st["Resource"] == "*":
                assert set(st["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


# -- alarms and dashboard ----------------------------------------------------------------------


def _alarms(s: Synth) -> list[dict[str, Any]]:
    return [a["Properties"] for a in s.resources("AWS::CloudWatch::Alarm").values()]


def test_every_dead_letter_queue_has_an_alarm_on_its_depth(synthesized):
    queues = synthesized.resources("AWS::SQS::Queue")
    dlqs = {q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            for q in queues.values() if "RedrivePolicy" in q["Properties"]}  # fmt: skip
    dlqs |= _async_dead_letter_queues(synthesized)  # the orchestrator's failed invocations
    dlqs |= _schedule_dead_letter_queues(synthesized)  # Scheduler's undelivered timers and fires
    watched = {
        a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in _alarms(synthesized)
        if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    assert watched == dlqs


def test_failed_workflows_and_failing_workflow_tasks_alarm_on_the_metrics_the_engine_emits(synthesized):
    import inspect

    from durable._metrics import engine
    from durable._replay import events as ev
    from durable._runtime import lambda_handlers
    from durable._runtime.orchestrator import _METRICS
    from durable._runtime.run_metrics import _CLOSES

    orchestrator = synthesized.template["Resources"][fn(synthesized, synthesized.stack.orchestrator)]
    service = orchestrator["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    by_name = {a.get("MetricName"): a for a in _alarms(synthesized)}
    # the inbox handler counts the messages it hands back for a retry
    assert 'metrics.count("InboxMessagesFailed"' in inspect.getsource(lambda_handlers.orchestrator_handler)
    assert "WorkflowTaskFailures" in set(_METRICS.values())
    # a failed run is counted under Temporal's name, with the prefix the Lambda runtime uses
    assert engine.EngineMetrics().prefix + _CLOSES[ev.WORKFLOW_FAILED] == "temporal_workflow_failed"
    for name in ("temporal_workflow_failed", "WorkflowTaskFailures", "InboxMessagesFailed"):
        alarm = by_name[name]
        assert alarm["Namespace"] == synthesized.stack.metrics_namespace
        assert alarm["Dimensions"] == [{"Name": "service", "Value": service}]
        assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_orchestrator_errors_and_throttles_alarm(synthesized):
    orchestrator = fn(synthesized, synthesized.stack.orchestrator)
    dimensions = [{"Name": "FunctionName", "Value": {"Ref": orchestrator}}]
    lambda_alarms = {
        a["MetricName"]
        for a in _alarms(synthesized)
        if a.get("Namespace") == "AWS/Lambda" and a["Dimensions"] == dimensions
    }
    assert lambda_alarms == {"Errors", "Throttles"}


def _topic(s: Synth) -> str:
    (topic_id,) = s.resources("AWS::SNS::Topic")
    return topic_id


def test_every_alarm_notifies_the_namespaces_topic_and_says_when_it_is_over(synthesized):
    topic = {"Ref": _topic(synthesized)}
    alarms = _alarms(synthesized)
    # engine 3, reconciler 1, orchestrator 2, a DLQ per queue (inbox, timers, each task queue), the
    # orchestrator's failed invocations, the schedule DLQ
    assert len(alarms) == 6 + len(DEPLOYED_TASK_QUEUES) + 2 + 1 + 1
    for alarm in alarms:
        assert alarm["AlarmActions"] == [topic], alarm
        # a failed workflow is final: no "OK" mail five minutes later
        final = alarm.get("MetricName") == "temporal_workflow_failed"
        assert alarm.get("OKActions") == (None if final else [topic]), alarm


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use_and_refuses_publishing_without_tls(synthesized):
    s = synthesized
    topic_id = _topic(s)
    topic = s.template["Resources"][topic_id]["Properties"]
    assert topic["TopicName"] == f"durable-{NAMESPACE}-alarms"
    key = s.template["Resources"][topic["KmsMasterKeyId"]["Fn::GetAtt"][0]]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    # SNS's AWS managed key cannot let CloudWatch in: alarms would not reach an encrypted topic
    cloudwatch_may = [
        st for st in key["Properties"]["KeyPolicy"]["Statement"]
        if st["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]  # fmt: skip
    assert [set(st["Action"]) for st in cloudwatch_may] == [{"kms:Decrypt", "kms:GenerateDataKey*"}]
    (policy,) = s.resources("AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    by_effect = {st["Effect"]: st for st in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert by_effect["Deny"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert by_effect["Deny"]["Principal"] == "*" and by_effect["Deny"]["Action"] == "sns:Publish"
    allow = by_effect["Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and allow["Action"] == "sns:Publish"
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert allow["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1][-1] == ":alarm:*"


def test_the_alarm_topic_has_no_subscriber_unless_an_alarm_email_is_given(synthesized, synthesize):
    assert not synthesized.resources("AWS::SNS::Subscription")
    s = synthesize(namespace="mailed", alarm_email="ops@example.com")
    (subscription,) = s.resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"
    assert subscription["Properties"]["TopicArn"] == {"Ref": _topic(s)}


@pytest.mark.parametrize("bad", ["ops", "ops@", "a b@example.com", "ops@example"])
def test_an_alarm_email_that_is_not_an_address_is_refused(synthesize, bad):
    with pytest.raises(ValueError, match="alarm_email"):
        synthesize(namespace="bad", alarm_email=bad)


def test_a_dashboard_per_namespace(synthesized):
    (dashboard,) = synthesized.resources("AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == f"durable-{NAMESPACE}-overview"


def _dashboard_widgets(s: Synth) -> list[dict[str, Any]]:
    (dashboard,) = s.resources("AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    # CDK joins the body from text and references (a function's name): the references are
    # placeholders here, the JSON around them is what the dashboard shows.
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    text = "".join(p if isinstance(p, str) else "REF" for p in parts)
    return json.loads(text)["widgets"]


def test_the_dashboard_graphs_the_p50_and_p99_of_temporals_latencies(synthesized):
    graphed: dict[tuple[str, str], set[str]] = {}
    for widget in _dashboard_widgets(synthesized):
        for metric in widget["properties"].get("metrics", []):
            # [namespace, name, dimension name, dimension value, ..., {options}]
            options = metric[-1] if isinstance(metric[-1], dict) else {}
            if metric[0] == synthesized.stack.metrics_namespace and "stat" in options:
                graphed.setdefault((metric[1], metric[3]), set()).add(options["stat"])
    for name in (
        "temporal_workflow_task_execution_latency",
        "temporal_workflow_task_schedule_to_start_latency",
        "temporal_workflow_endtoend_latency",
    ):
        assert graphed[(name, "orchestrator")] == {"p50", "p99"}, name
    for task_queue in DEPLOYED_TASK_QUEUES:
        for name in ("temporal_activity_execution_latency", "temporal_activity_schedule_to_start_latency"):
            assert graphed[(name, f"activities-{task_queue}")] == {"p50", "p99"}, name


def test_the_namespace_has_a_schedule_group_and_a_scheduler_role_that_may_only_send_to_its_queues(synthesized):
    s = synthesized
    groups = s.resources("AWS::Scheduler::ScheduleGroup")
    assert [g["Properties"]["Name"] for g in groups.values()] == [f"durable-{NAMESPACE}-schedules"]
    role_id = s.stack.get_logical_id(s.stack.scheduler_role.node.default_child)
    role = s.template["Resources"][role_id]["Properties"]
    principals = [st["Principal"]["Service"] for st in role["AssumeRolePolicyDocument"]["Statement"]]
    assert principals == ["scheduler.amazonaws.com"]
    allowed = [
        st
        for policy in s.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for st in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    # the inbox (schedules' fires, long timers), the activity queues (long retry back-offs) and
    # the schedule DLQ (what it could not deliver to them)
    targets = {
        s.logical_id(s.stack.inbox.queue),
        *(s.logical_id(q.queue) for q in s.stack.task_queues.queues.values()),
        s.logical_id(s.stack.schedule_dead_letters.queue),
    }
    sent_to = {r for st in allowed if "sqs:SendMessage" in st["Action"] for r in refs(st["Resource"])}
    assert allowed and sent_to == targets
    assert {a for st in allowed for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])} <= {
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
    }


def test_the_api_function_may_do_what_the_schedule_routes_do_and_nothing_more_of_schedules(synthesized):
    # create, update, pause, unpause, trigger, backfill, delete, describe, list: the schedule's
    # item in the executions table, the first events (history) and start message (inbox) of a
    # run a trigger or backfill starts, the Scheduler entry armed for the next action and the
    # role Scheduler delivers it with (the deployed-wiring test runs the routes as this role).
    s, stack = synthesized, synthesized.stack
    api_fn = fn(s, stack.api_function)
    executions = actions_on(s, api_fn, s.logical_id(stack.tables.executions))
    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= executions
    assert "dynamodb:DeleteItem" in executions  # conditioned on the schedules' partition (test_stack_api)
    assert "dynamodb:PutItem" in actions_on(s, api_fn, s.logical_id(stack.tables.history))
    assert "sqs:SendMessage" in actions_on(s, api_fn, s.logical_id(stack.inbox.queue))
    scheduling = [st for st in statements(s, api_fn) if "scheduler:" in json.dumps(st["Action"])]
    assert {a for st in scheduling for a in st["Action"]} == {
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
    }
    assert all(f":schedule/durable-{NAMESPACE}-schedules/*" in json.dumps(st["Resource"]) for st in scheduling)
    passing = [st for st in statements(s, api_fn) if "iam:PassRole" in json.dumps(st["Action"])]
    assert [refs(st["Resource"]) for st in passing] == [{s.logical_id(stack.scheduler_role)}]
