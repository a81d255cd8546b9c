"""Each task queue's activity function as ``TASK_QUEUES`` declares it: timeout, memory, event
source concurrency, reserved concurrency, and the rate's one grant; cdk-nag and cfn-lint clean."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from durable._batch.job import BATCH_TASK_QUEUE
from durable._workers.rate_limit import rate_key
from durable.deployment import TaskQueueConfig
from stacks.durable_stack import DurableStack
from stacks.naming import Names
from statemachines.registry import TASK_QUEUES

from .conftest import NAMESPACE, SKIP_BUNDLING

# orders declared (its handler exists), batch jobs' queue not: it gets the defaults.
SCALED = {
    "orders": TaskQueueConfig(
        max_concurrent_activities=20,
        max_task_queue_activities_per_second=5,
        reserved_concurrent_executions=25,
        function_timeout=timedelta(minutes=15),
        memory_size=2048,
    ),
}


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> tuple[DurableStack, dict[str, Any]]:
    app = App(context=SKIP_BUNDLING, outdir=str(tmp_path_factory.mktemp("cdk.out")))
    stack = DurableStack(app, "Durable", names=Names("scaled"), task_queues=["orders"], task_queue_configs=SCALED)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = app.synth().get_stack_by_name(stack.stack_name).template  # raises on a cdk-nag finding
    return stack, template


def _function(stack: DurableStack, template: dict[str, Any], task_queue: str) -> dict[str, Any]:
    logical = stack.get_logical_id(stack.activity_workers[task_queue].function.node.default_child)  # type: ignore[arg-type]
    return {"logical": logical, **template["Resources"][logical]["Properties"]}


def _mapping(template: dict[str, Any], logical: str) -> dict[str, Any]:
    (esm,) = [
        r["Properties"] for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping" and r["Properties"]["FunctionName"] == {"Ref": logical}
    ]  # fmt: skip
    return esm


def _queue(stack: DurableStack, template: dict[str, Any], task_queue: str) -> dict[str, Any]:
    logical = stack.get_logical_id(stack.task_queues.queues[task_queue].queue.node.default_child)  # type: ignore[arg-type]
    props: dict[str, Any] = template["Resources"][logical]["Properties"]
    return props


def _policy_statements(template: dict[str, Any], function: dict[str, Any]) -> list[dict[str, Any]]:
    role = function["Role"]["Fn::GetAtt"][0]
    return [
        s for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]  # fmt: skip


def test_a_declared_task_queue_gets_its_timeout_memory_concurrency_and_reserved_concurrency(scaled):
    stack, template = scaled
    orders = _function(stack, template, "orders")
    assert (orders["Timeout"], orders["MemorySize"], orders["ReservedConcurrentExecutions"]) == (900, 2048, 25)
    assert _mapping(template, orders["logical"])["ScalingConfig"] == {"MaximumConcurrency": 20}
    assert _queue(stack, template, "orders")["VisibilityTimeout"] == 6 * 900


def test_an_undeclared_task_queue_gets_the_defaults_and_no_limits(scaled):
    stack, template = scaled
    batcher = _function(stack, template, BATCH_TASK_QUEUE)
    assert (batcher["Timeout"], batcher["MemorySize"], "ReservedConcurrentExecutions" in batcher) == (300, 512, False)
    assert "ScalingConfig" not in _mapping(template, batcher["logical"])
    assert _queue(stack, template, BATCH_TASK_QUEUE)["VisibilityTimeout"] == 6 * 300


def test_only_a_task_queue_with_a_rate_may_update_its_slots_item(scaled):
    stack, template = scaled

    def rate_grants(task_queue: str) -> list[dict[str, Any]]:
        return [
            s for s in _policy_statements(template, _function(stack, template, task_queue))
            if "rate#*" in json.dumps(s.get("Condition", {}))
        ]  # fmt: skip

    (grant,) = rate_grants("orders")
    assert grant["Action"] == "dynamodb:UpdateItem"
    assert grant["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["rate#*"]}}
    assert rate_grants(BATCH_TASK_QUEUE) == []


def test_cfn_lint_passes_on_a_scaled_template(scaled, tmp_path):
    _, template = scaled
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), "--ignore-checks", "W3005", "--", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployed_orders_queue_is_scaled_as_the_registry_says(synthesized):
    stack, template = synthesized.stack, synthesized.template
    declared = TASK_QUEUES["orders"]
    orders = _function(stack, template, "orders")
    assert (orders["Timeout"], orders["MemorySize"]) == (declared.timeout_seconds, declared.memory_size)
    scaling = _mapping(template, orders["logical"])["ScalingConfig"]
    assert scaling == {"MaximumConcurrency": declared.max_concurrent_activities}
    assert stack.stack_name == f"durable-{NAMESPACE}"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"max_concurrent_activities": 1}, r"maximum concurrency is 2 to 1000 \(AWS's limit"),
        ({"max_concurrent_activities": 1001}, r"maximum concurrency is 2 to 1000 \(AWS's limit"),
        ({"function_timeout": timedelta(minutes=16)}, "1 second to 15 minutes"),
        ({"memory_size": 64}, "128 to 10240 MB"),
        ({"max_task_queue_activities_per_second": 0}, "a rate must be above 0"),
        ({"max_concurrent_activities": 10, "reserved_concurrent_executions": 5}, "below max_concurrent_activities"),
    ],
)
def test_a_config_aws_would_refuse_is_refused_with_the_limit(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TaskQueueConfig(**config)


@pytest.mark.parametrize("task_queue", ["orders", "q" * 5000, "files/é 7"])
def test_the_rate_grant_admits_the_key_of_any_task_queue(task_queue: str) -> None:
    # IAM's StringLike on dynamodb:LeadingKeys, as the grant writes it.
    assert fnmatch.fnmatchcase(rate_key(task_queue), "rate#*")
