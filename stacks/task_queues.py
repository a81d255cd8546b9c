"""Each task queue's activity function, scaled as ``TASK_QUEUES`` in statemachines/registry.py says.

``durable.deployment.TaskQueueConfig`` per task queue: the function's timeout and memory, its
SQS event source's maximum concurrency (``max_concurrent_activities``), its reserved concurrency,
and, for a queue with ``max_task_queue_activities_per_second``, the one grant the rate needs:
UpdateItem of the queue's admission slots item in the executions table (``rate#...`` keys only).
A queue without a rate gets no such grant, as it makes no such request.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from durable._workers.config import TaskQueueConfig
from durable._workers.rate_limit import RATE_KEY_PREFIX

__all__ = [
    "activity_timeout",
    "configs_for",
    "registered_task_queue_configs",
    "scale_activity_function",
    "visibility_timeout",
]


def registered_task_queue_configs() -> dict[str, TaskQueueConfig]:
    """``statemachines.registry.TASK_QUEUES`` (none declared: every queue gets the defaults)."""
    from statemachines import registry

    return dict(getattr(registry, "TASK_QUEUES", {}))


def activity_timeout(config: TaskQueueConfig) -> Duration:
    """The activity function's timeout."""
    return Duration.seconds(config.timeout_seconds)


def visibility_timeout(config: TaskQueueConfig) -> Duration:
    """The task queue's visibility timeout: six times its function's, as AWS advises for queues
    that feed Lambda, so a slow attempt is never delivered twice at once."""
    return Duration.seconds(6 * config.timeout_seconds)


def scale_activity_function(
    function: lambda_.Function, config: TaskQueueConfig, *, executions: dynamodb.ITable
) -> None:
    """What the config sets beyond the function's timeout and memory (given when it was made)."""
    if config.reserved_concurrent_executions is not None:
        cfn = function.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        cfn.reserved_concurrent_executions = config.reserved_concurrent_executions
    if config.max_task_queue_activities_per_second is not None:
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"],
                resources=[executions.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{RATE_KEY_PREFIX}*"]}},
            )
        )


def configs_for(task_queues: list[str], declared: Mapping[str, TaskQueueConfig]) -> dict[str, TaskQueueConfig]:
    """Every deployed task queue's config: its declared one, or the defaults."""
    return {tq: declared.get(tq) or TaskQueueConfig() for tq in task_queues}
