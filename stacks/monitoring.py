"""Alarms and a dashboard: failed workflows, failing workflow tasks, dead letters, orchestrator health.

Every alarm notifies the namespace's SNS topic (``durable-<namespace>-alarms``); with
``-c alarm_email=ADDRESS`` that address is subscribed (AWS mails it a confirmation link first).

The engine's own metrics come as CloudWatch embedded metric format lines (durable._aws.emf) in
the namespace the stack gives every function (``POWERTOOLS_METRICS_NAMESPACE``), with the
dimension ``service`` (``POWERTOOLS_SERVICE_NAME``): the orchestrator's is ``orchestrator``, an
activity function's ``activities-<task queue>``. Temporal's metrics keep Temporal's names
(``temporal_workflow_failed``, ``temporal_activity_execution_latency``...); latencies are
distributions of milliseconds, graphed as p50 and p99.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

__all__ = ["AlarmTopic", "Monitoring", "check_alarm_email"]

_PERIOD = Duration.minutes(5)
# Deliberately loose: one @, no spaces; SNS's confirmation mail is the real check.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_alarm_email(value: object) -> str:
    address = str(value).strip()
    if not _EMAIL.match(address):
        raise ValueError(f"alarm_email {value!r}: give one e-mail address, e.g. -c alarm_email=ops@example.com")
    return address


class AlarmTopic(Construct):
    """The SNS topic the namespace's alarms notify: encrypted, TLS only, CloudWatch may publish.

    Encrypted with a key of its own, not SNS's AWS managed key: CloudWatch must be allowed to
    use the key to publish an alarm to an encrypted topic, and the AWS managed key's policy
    cannot be changed to allow it (alarms would fail to notify, silently).
    """

    def __init__(self, scope: Construct, construct_id: str, *, topic_name: str, email: str | None) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{topic_name}: encrypts alarm notifications at rest",
            enable_key_rotation=True,
            # It guards notifications in flight only: nothing outlives the topic.
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        self.topic = sns.Topic(self, "Topic", topic_name=topic_name, master_key=self.key, enforce_ssl=True)
        # The topic's policy replaces SNS's default one: say who may publish, only this
        # account's alarms (no confused deputy through another account's alarm).
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )
        self.email = email
        if email is not None:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))


def _engine_metric(namespace: str, name: str, *, service: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=name,
        dimensions_map={"service": service},
        statistic="Sum",
        period=_PERIOD,
    )


def _latencies(namespace: str, name: str, *, service: str, label: str) -> list[cloudwatch.IMetric]:
    """A latency's median and 99th percentile (CloudWatch computes them over the EMF samples)."""
    return [
        cloudwatch.Metric(
            namespace=namespace,
            metric_name=name,
            dimensions_map={"service": service},
            statistic=statistic,
            period=_PERIOD,
            label=f"{label} {statistic}",
            unit=cloudwatch.Unit.MILLISECONDS,
        )
        for statistic in ("p50", "p99")
    ]


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
        alarm_topic_name: str,
        alarm_email: str | None = None,
        activity_services: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarm_topic = AlarmTopic(self, "AlarmTopic", topic_name=alarm_topic_name, email=alarm_email)
        notify = cw_actions.SnsAction(self.alarm_topic.topic)
        ns = metrics_namespace
        engine = {
            name: _engine_metric(ns, name, service=orchestrator_service)
            for name in (
                "WorkflowsStarted", "temporal_workflow_completed", "temporal_workflow_failed", "WorkflowTaskFailures",
                "WorkflowTasks", "ActivitiesScheduled", "ActivityAttemptFailures", "InboxMessagesFailed",
            )
        }  # fmt: skip
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        def alarm(key: str, metric: cloudwatch.IMetric, description: str, *, ok_action: bool = True) -> None:
            self.alarms[key] = created = cloudwatch.Alarm(
                self,
                key,
                metric=metric,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
            created.add_alarm_action(notify)
            if ok_action:
                # "It is over": the dead letters were redriven, the failing task passes again.
                created.add_ok_action(notify)

        # Each failure is final and alarms on its own: an OK five minutes later would say nothing.
        alarm(
            "WorkflowsFailed",  # the construct keeps its id (and the alarm its name) across the rename
            engine["temporal_workflow_failed"],
            "A workflow failed (its result is an error)",
            ok_action=False,
        )
        alarm(
            "WorkflowTaskFailures",
            engine["WorkflowTaskFailures"],
            "A workflow task failed (non-determinism or a bug in workflow code): the run is stuck until fixed",
        )
        alarm(
            "InboxMessagesFailed",
            engine["InboxMessagesFailed"],
            "Inbox messages failed to be processed and will be retried: a run's workflow task keeps failing "
            "(see describe() for its error) or an AWS call fails",
        )
        alarm(
            "ReconcilerItemFailures",
            _engine_metric(ns, "ReconcilerItemFailures", service="reconciler"),
            "The reconciler could not check a run or a schedule (its pass went on): see its log for the id and error",
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
                left=[
                    engine[n] for n in ("WorkflowsStarted", "temporal_workflow_completed", "temporal_workflow_failed")
                ],
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
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Waits and hand-offs",
                left=[
                    _engine_metric(ns, name, service=orchestrator_service)
                    for name in ("ClosesDeferredForSignals", "InboxBatchesForwarded", "UnpinnedDecisions")
                ],
                right=[
                    _engine_metric(ns, name, service="reconciler")
                    for name in ("FailedDeliveriesForwarded", "ScheduleDeliveriesForwarded")
                ],
                width=24,
            ),
        )
        self.dashboard.add_widgets(*self._latency_widgets(ns, orchestrator_service, activity_services))

    @staticmethod
    def _latency_widgets(
        ns: str, orchestrator_service: str, activity_services: Sequence[str]
    ) -> list[cloudwatch.IWidget]:
        """Temporal's latencies, p50 and p99: workflow tasks, whole runs, activity attempts."""
        workflow_tasks = cloudwatch.GraphWidget(
            title="Workflow task latency (ms)",
            left=_latencies(
                ns, "temporal_workflow_task_execution_latency", service=orchestrator_service, label="execution"
            ),
            right=_latencies(
                ns,
                "temporal_workflow_task_schedule_to_start_latency",
                service=orchestrator_service,
                label="schedule-to-start",
            ),
            width=8,
        )
        runs = cloudwatch.GraphWidget(
            title="Workflow end-to-end latency (ms)",
            left=_latencies(ns, "temporal_workflow_endtoend_latency", service=orchestrator_service, label="run"),
            width=8,
        )
        activities = cloudwatch.GraphWidget(
            title="Activity latency (ms)",
            left=[
                m
                for service in activity_services
                for m in _latencies(ns, "temporal_activity_execution_latency", service=service, label=service)
            ],
            right=[
                m
                for service in activity_services
                for m in _latencies(
                    ns, "temporal_activity_schedule_to_start_latency", service=service, label=f"{service} to start"
                )
            ],
            width=8,
        )
        return [workflow_tasks, runs, activities]
