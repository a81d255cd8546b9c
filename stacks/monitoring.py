"""Alarms and a dashboard: failed workflows, failing workflow tasks, dead letters, orchestrator health.

The engine's own metrics come from powertools Metrics (CloudWatch embedded metric format) in
the namespace the stack gives every function (``POWERTOOLS_METRICS_NAMESPACE``), with the
dimension ``service`` (``POWERTOOLS_SERVICE_NAME``): the orchestrator's is ``orchestrator``.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

__all__ = ["Monitoring"]

_PERIOD = Duration.minutes(5)


def _engine_metric(namespace: str, name: str, *, service: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=name,
        dimensions_map={"service": service},
        statistic="Sum",
        period=_PERIOD,
    )


class Monitoring(Construct):
    """One alarm per thing an operator must look at, and a dashboard of the rest."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_name: str,
        metrics_namespace: str,
        orchestrator: lambda_.IFunction,
        orchestrator_service: str,
        functions: Mapping[str, lambda_.IFunction],
        dead_letter_queues: Mapping[str, sqs.IQueue],
    ) -> None:
        super().__init__(scope, construct_id)
        ns = metrics_namespace
        engine = {
            name: _engine_metric(ns, name, service=orchestrator_service)
            for name in (
                "WorkflowsStarted", "WorkflowsCompleted", "WorkflowsFailed", "WorkflowTaskFailures",
                "WorkflowTasks", "ActivitiesScheduled", "ActivityAttemptFailures", "InboxMessagesFailed",
            )
        }  # fmt: skip
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        def alarm(key: str, metric: cloudwatch.IMetric, description: str) -> None:
            self.alarms[key] = cloudwatch.Alarm(
                self,
                key,
                metric=metric,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )

        alarm("WorkflowsFailed", engine["WorkflowsFailed"], "A workflow failed (its result is an error)")
        alarm(
            "WorkflowTaskFailures",
            engine["WorkflowTaskFailures"],
            "A workflow task failed (non-determinism or a bug in workflow code): the run is stuck until fixed",
        )
        alarm(
            "OrchestratorErrors",
            orchestrator.metric_errors(period=_PERIOD, statistic="Sum"),
            "The orchestrator function failed an invocation",
        )
        alarm(
            "OrchestratorThrottles",
            orchestrator.metric_throttles(period=_PERIOD, statistic="Sum"),
            "The orchestrator function was throttled: raise its concurrency or the account's",
        )
        for name, dlq in dead_letter_queues.items():
            alarm(
                f"DeadLetters-{name}",
                dlq.metric_approximate_number_of_messages_visible(period=_PERIOD, statistic="Maximum"),
                f"Messages of {name} were dead-lettered after repeated failures: inspect, fix, redrive",
            )

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=dashboard_name)
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Workflows",
                left=[engine[n] for n in ("WorkflowsStarted", "WorkflowsCompleted", "WorkflowsFailed")],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Workflow tasks",
                left=[engine["WorkflowTasks"]],
                right=[engine["WorkflowTaskFailures"], engine["InboxMessagesFailed"]],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Activities",
                left=[engine["ActivitiesScheduled"]],
                right=[engine["ActivityAttemptFailures"]],
                width=8,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Invocations",
                left=[fn.metric_invocations(period=_PERIOD, label=name) for name, fn in functions.items()],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Errors and throttles",
                left=[fn.metric_errors(period=_PERIOD, label=f"{name} errors") for name, fn in functions.items()],
                right=[
                    fn.metric_throttles(period=_PERIOD, label=f"{name} throttles") for name, fn in functions.items()
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Duration (p99)",
                left=[
                    fn.metric_duration(period=_PERIOD, statistic="p99", label=name) for name, fn in functions.items()
                ],
                width=8,
            ),
        )
