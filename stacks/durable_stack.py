"""One namespace's deployment: tables, queues, the runtime and its functions, least privilege.

What runs is read from the project, not restated here: one activity queue, DLQ and Lambda per
task queue in ``statemachines.registry.ACTIVITIES`` (handler ``functions/activities/<task
queue>/handler.py``), so a new task queue needs one registry line and one handler file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from aws_cdk import Acknowledgment, Duration, Stack, Tags, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from durable._aws.schedules import SCHEDULES_PARTITION
from durable._batch.job import BATCH_TASK_QUEUE
from durable._runtime.services import INBOX, activity_queue_name
from durable._settings import DeploymentSettings
from durable._workers.config import TaskQueueConfig
from stacks.api import RestApi
from stacks.archive import ArchiveBucket
from stacks.bundling import PROJECT_ROOT
from stacks.capacity_options import CapacityOptions
from stacks.functions import DurableFunction, Runtime
from stacks.monitoring import Monitoring, check_alarm_email
from stacks.naming import Names
from stacks.payloads import DEFAULT_RETENTION_DAYS, PayloadBucket, check_retention_days
from stacks.queues import DeadLetteredQueue, FailedDeliveries, Inbox, ScheduleDeadLetters, TaskQueues, TimerQueue
from stacks.tables import EventLogTables
from stacks.task_queues import (
    activity_timeout,
    configs_for,
    registered_task_queue_configs,
    scale_activity_function,
    visibility_timeout,
)
from stacks.tracing import TracingOptions
from stacks.versions import LIVE_ALIAS, RETAINED_VERSIONS, PublishedVersions

__all__ = ["DurableStack", "registered_task_queues"]

# SQS redelivers a message after its visibility timeout: six times the function's timeout,
# as AWS advises for queues that feed Lambda, so a slow batch is never delivered twice at once.
_ORCHESTRATOR_TIMEOUT = Duration.seconds(30)
_ACTIVITY_TIMEOUT = Duration.minutes(5)
_TIMER_RELAY_TIMEOUT = Duration.seconds(30)
_RECONCILER_TIMEOUT = Duration.minutes(2)
_RECONCILER_EVERY = Duration.minutes(5)
# API Gateway gives up on an integration after 29 s; the result long poll waits at most 20 s.
_API_TIMEOUT = Duration.seconds(28)


# The history is an append-only log (durable._aws.history): records are added with a
# conditional PutItem (attribute_not_exists: two writers of one position, one wins) and read
# with Query; nothing updates or deletes one. IAM has no condition key that requires a
# ConditionExpression, so PutItem is as narrow as an append can be made.
HISTORY_APPEND = ("dynamodb:PutItem",)
HISTORY_READ = ("dynamodb:GetItem", "dynamodb:Query")
# Archiving a closed run sets the TTL attribute on each of its records (durable._runtime.retention):
# whoever closes runs (orchestrator, API's terminate, reconciler) updates history items for that.
HISTORY_EXPIRE = ("dynamodb:UpdateItem",)
# Heartbeat items of the executions table (durable._aws.executions): partition "hb#<run>".
HEARTBEAT_PARTITION_PREFIX = "hb#"


def _visibility(timeout: Duration) -> Duration:
    return Duration.seconds(6 * timeout.to_seconds())


def registered_task_queues() -> list[str]:
    """The activity task queues the deployment runs: ``statemachines.registry.ACTIVITIES``."""
    from statemachines.registry import ACTIVITIES

    return sorted(ACTIVITIES)


class DurableStack(Stack):
    """Every resource of one namespace (``durable-<namespace>``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: Names,
        task_queues: Iterable[str] | None = None,
        task_queue_configs: Mapping[str, TaskQueueConfig] | None = None,
        orchestrator_max_concurrency: int = 50,
        api_rate_limit: float = 50,
        api_burst_limit: int = 100,
        orchestrator_reserved_concurrency: int | None = None,
        executions_index_upgrade: int | str | None = None,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        alarm_email: str | None = None,
        archive_retention_days: int | None = None,
        tracing: TracingOptions | None = None,
        project_root: Path = PROJECT_ROOT,
        **stack_props: object,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=names.stack,
            description=f"durable workflows on Lambda, DynamoDB and SQS: namespace {names.namespace}",
            **stack_props,  # type: ignore[arg-type]
        )
        Tags.of(self).add("durable:namespace", names.namespace)
        # Batch jobs' activities (durable batch ...) run on a task queue of their own in every deployment.
        task_queues = sorted({*(registered_task_queues() if task_queues is None else task_queues), BATCH_TASK_QUEUE})
        # Each task queue's function: timeout, memory, concurrency, rate (TASK_QUEUES; defaults otherwise).
        self.task_queue_configs = configs_for(
            task_queues, registered_task_queue_configs() if task_queue_configs is None else task_queue_configs
        )

        self.retention_days = check_retention_days(retention_days)
        capacity = CapacityOptions(
            orchestrator_max_concurrency=orchestrator_max_concurrency,
            orchestrator_reserved_concurrency=orchestrator_reserved_concurrency,
            api_rate_limit=api_rate_limit,
            api_burst_limit=api_burst_limit,
        )
        self.tables = EventLogTables(self, "EventLog", names=names, index_upgrade_step=executions_index_upgrade)
        self.payloads = PayloadBucket(self, "Payloads", retention_days=self.retention_days)
        self.archive = ArchiveBucket(self, "Archive", retention_days=archive_retention_days)
        self.inbox = Inbox(self, "Inbox", names=names, visibility_timeout=_visibility(_ORCHESTRATOR_TIMEOUT))
        self.task_queues = TaskQueues(
            self,
            "TaskQueues",
            names=names,
            task_queues=task_queues,
            visibility_timeout=_visibility(_ACTIVITY_TIMEOUT),
            visibility_timeouts={tq: visibility_timeout(c) for tq, c in self.task_queue_configs.items()},
        )
        self.timer_queue = TimerQueue(self, "Timers", names=names, visibility_timeout=_visibility(_TIMER_RELAY_TIMEOUT))
        self.runtime = Runtime(self, "Runtime", project_root=project_root, tracing=tracing)
        self.names = names

        inbox = self.inbox.queue
        timer_queue = self.timer_queue.queue
        activity_queues = [q.queue for q in self.task_queues.queues.values()]

        # EventBridge Scheduler: the group the namespace's one-time timers and cron/interval
        # schedules live in, and the role Scheduler assumes to deliver them to the inbox.
        self.schedule_group = scheduler.CfnScheduleGroup(self, "ScheduleGroup", name=names.function("schedules"))
        self.scheduler_role = iam.Role(
            self,
            "SchedulerRole",
            role_name=names.function("scheduler"),
            description="EventBridge Scheduler delivers this namespace's schedules to its inbox",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self.account}}
            ),
        )
        inbox.grant_send_messages(self.scheduler_role)
        # Long timers are one-time schedules too (durable._aws.timer_schedules): an activity
        # retry's back-off is delivered to its task queue's queue.
        for queue in activity_queues:
            queue.grant_send_messages(self.scheduler_role)
        # What Scheduler cannot deliver (its retries for a day ran out) goes to the schedule DLQ,
        # named by every schedule's DeadLetterConfig; the reconciler forwards it.
        self.schedule_dead_letters = ScheduleDeadLetters(self, "ScheduleDeadLetters", names=names)
        self.schedule_dead_letters.queue.grant_send_messages(self.scheduler_role)
        # Who arms schedules: the orchestrator (after each action) and the API (create, pause,
        # unpause, update, delete). Only schedules of this namespace's group, only this role.
        self.schedule_arn_pattern = self.format_arn(
            service="scheduler", resource="schedule", resource_name=f"{names.function('schedules')}/*"
        )

        # Activity outcomes invoke the orchestrator directly (durable._runtime.delivery); the
        # invocations Lambda gave up on wait here for the reconciler, which forwards them to the inbox.
        self.failed_deliveries = FailedDeliveries(self, "FailedDeliveries", names=names)
        self.orchestrator = DurableFunction(
            self,
            "Orchestrator",
            runtime=self.runtime,
            function_name=names.function("orchestrator"),
            handler_module="functions.orchestrator.handler",
            description="Inbox batches in: replays each run, commits its decision, dispatches its commands",
            environment=self.environment(service="orchestrator"),
            timeout=_ORCHESTRATOR_TIMEOUT,
            memory_size=512,
            current_version_options=RETAINED_VERSIONS,
        )
        # A version per deploy, kept while runs need it: each run's messages go to its own (stacks.versions).
        self.orchestrator_versions = PublishedVersions(
            self,
            "OrchestratorVersions",
            function=self.orchestrator.function,
            function_name=names.function("orchestrator"),
            build_id=self.runtime.build_id,
        )
        self.orchestrator_versions.grant_invoke_builds(self.orchestrator.function, self.orchestrator.role)
        # An invocation that crashed is retried twice (Lambda's most), then dead-lettered; an
        # outcome waits at most six hours (Lambda's longest event age) before it is.
        self.orchestrator_versions.live.configure_async_invoke(
            retry_attempts=2,
            max_event_age=Duration.hours(6),
            on_failure=destinations.SqsDestination(self.failed_deliveries.queue),
        )
        # FIFO's largest batch: a run's consecutive messages make one decision.
        self.orchestrator.consume(
            inbox,
            batch_size=10,
            max_concurrency=capacity.orchestrator_max_concurrency,
            alias=self.orchestrator_versions.live,
        )
        if capacity.orchestrator_reserved_concurrency is not None:
            # Set on the function's resource: a reserve keeps the orchestrator running when
            # activities take the account's concurrency, and caps it there too.
            orchestrator_resource = self.orchestrator.function.node.default_child
            assert isinstance(orchestrator_resource, lambda_.CfnFunction)
            orchestrator_resource.reserved_concurrent_executions = capacity.orchestrator_reserved_concurrency
        self.tables.history.grant(self.orchestrator.function, *HISTORY_APPEND, *HISTORY_READ, *HISTORY_EXPIRE)
        self.archive.grant_archiving(self.orchestrator.function)
        # Not narrowed by key: it creates, replaces (a transaction of two Puts) and closes
        # execution records, flags activity cancels on heartbeat items and rejects updates,
        # which are three partition layouts of one table; it deletes nothing (schedules are
        # deleted by the API only).
        self.tables.executions.grant_read_data(self.orchestrator.function)
        self.tables.executions.grant(self.orchestrator.function, "dynamodb:PutItem", "dynamodb:UpdateItem")
        for queue in (inbox, timer_queue, *activity_queues):
            queue.grant_send_messages(self.orchestrator.function)
        self._grant_scheduling(self.orchestrator)
        self.payloads.grant_read_write(self.orchestrator.function)

        self.activity_workers: dict[str, DurableFunction] = {}
        for task_queue, queues in self.task_queues.queues.items():
            worker = DurableFunction(
                self,
                f"Activities-{task_queue}",
                runtime=self.runtime,
                function_name=names.function(f"activities-{task_queue}"),
                handler_module=f"functions.activities.{task_queue}.handler",
                description=f"Activity attempts of task queue {task_queue}: runs each once, result to the inbox",
                environment=self.environment(service=f"activities-{task_queue}"),
                timeout=activity_timeout(self.task_queue_configs[task_queue]),
                memory_size=self.task_queue_configs[task_queue].memory_size,
            )
            # One attempt per invocation: attempts run side by side, each with the whole timeout;
            # at most max_concurrent_activities of them (the event source's maximum concurrency).
            worker.consume(
                queues.queue,
                batch_size=1,
                max_concurrency=self.task_queue_configs[task_queue].max_concurrent_activities,
            )
            scale_activity_function(
                worker.function, self.task_queue_configs[task_queue], executions=self.tables.executions
            )
            # The attempt's claim (powertools idempotency), its heartbeats, its result: never history.
            self.tables.idempotency.grant_read_write_data(worker.function)
            # Heartbeats are UpdateItems of the run's heartbeat items (which also return the
            # cancel and pause flags), in the executions table, and a retry reads its item for a
            # pause (GetItem): only keys under the heartbeat prefix, so an activity cannot touch
            # or read an execution record (wf#...), a schedule or an update's answer.
            worker.function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["dynamodb:GetItem", "dynamodb:UpdateItem"],
                    resources=[self.tables.executions.table_arn],
                    conditions={
                        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{HEARTBEAT_PARTITION_PREFIX}*"]}
                    },
                )
            )
            inbox.grant_send_messages(worker.function)  # an outcome the orchestrator could not take
            # Outcomes go straight to their run: the orchestrator's live alias, no other version (grant_invoke's ":*").
            worker.function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"], resources=[self.orchestrator_versions.live.function_arn]
                )
            )
            # Timers: an async completion's start-to-close timeout, and a task put back for its rate slot.
            timer_queue.grant_send_messages(worker.function)
            self._grant_timer_schedules(worker)
            # Large arguments arrive as references; large results and heartbeat details leave as ones.
            self.payloads.grant_read_write(worker.function)
            self.activity_workers[task_queue] = worker
        self._grant_batch_operations(self.activity_workers[BATCH_TASK_QUEUE])

        self.timer_relay = DurableFunction(
            self,
            "TimerRelay",
            runtime=self.runtime,
            function_name=names.function("timers"),
            handler_module="functions.timers.handler",
            description="Timer queue in: delivers due timers to their queue, sends the others on another hop",
            environment=self.environment(service="timers"),
            timeout=_TIMER_RELAY_TIMEOUT,
            memory_size=256,
        )
        self.timer_relay.consume(timer_queue, batch_size=10)
        for queue in (inbox, timer_queue, *activity_queues):
            queue.grant_send_messages(self.timer_relay.function)
        # No payload grant: the relay forwards a timer's message as it is, and a large payload
        # already travels in it as a reference (every queue body stays under SQS's 256 KB).

        self.reconciler = DurableFunction(
            self,
            "Reconciler",
            runtime=self.runtime,
            function_name=names.function("reconciler"),
            handler_module="functions.reconciler.handler",
            description="Every few minutes: sends runs that never got their first decision their start again",
            environment=self.environment(service="reconciler"),
            timeout=_RECONCILER_TIMEOUT,
            memory_size=512,
        )
        self.reconciler_rule = events.Rule(
            self,
            "ReconcilerSchedule",
            rule_name=names.function("reconciler"),
            description="Runs the reconciler: a crash between two AWS calls delays work, never loses it",
            schedule=events.Schedule.rate(_RECONCILER_EVERY),
            targets=[targets.LambdaFunction(self.reconciler.function, retry_attempts=2)],
        )
        self.tables.executions.grant_read_data(self.reconciler.function)
        # Finishing a close a crash cut short (or whose archive could not be written) closes the record.
        self.tables.executions.grant(self.reconciler.function, "dynamodb:UpdateItem")
        self.tables.history.grant(self.reconciler.function, *HISTORY_READ, *HISTORY_EXPIRE)
        self.archive.grant_archiving(self.reconciler.function)  # a close it finishes archives the run
        inbox.grant_send_messages(self.reconciler.function)  # starts, and schedules' overdue fires
        self.failed_deliveries.queue.grant_consume_messages(self.reconciler.function)  # forwarded to the inbox
        # Forwarded to the queues they were for: the inbox (above) and the activity queues.
        self.schedule_dead_letters.queue.grant_consume_messages(self.reconciler.function)
        for queue in activity_queues:
            queue.grant_send_messages(self.reconciler.function)
        # A start it resends sets the run's deadline timer; a close it finishes deletes timers.
        self._grant_timer_schedules(self.reconciler)
        # It replays runs' histories (whose large payloads are references) and resends starts.
        self.payloads.grant_read_write(self.reconciler.function)
        # It deletes the orchestrator versions of older builds that no running run needs.
        self.orchestrator_versions.grant_retire(self.reconciler.function, self.reconciler.role)

        self.api_function = DurableFunction(
            self,
            "ApiFunction",
            runtime=self.runtime,
            function_name=names.function("api"),
            handler_module="functions.api.handler",
            description="The HTTP API and web UI behind API Gateway: start, list, describe, signal, query, ...",
            # With the dead-letter routes (logical queue name -> its DLQ's URL), for `durable dlq`.
            environment=self.environment(
                service="api",
                dead_letter_queue_urls={name: q.dlq.queue_url for name, q in self.dead_lettered_queues().items()},
            ),
            timeout=_API_TIMEOUT,
            memory_size=512,
        )
        # What the API's Control does: a start appends the first events and creates the record;
        # terminate appends its event and closes the record; heartbeats and cancel requests of
        # async activities update it; signals, cancels and activity results go to the inbox.
        # History is append-only (PutItem), never updated or deleted.
        api_fn = self.api_function.function
        self.tables.history.grant(api_fn, *HISTORY_APPEND, *HISTORY_READ, *HISTORY_EXPIRE)
        # terminate archives the run it closes; describe, history and list read archived runs.
        self.archive.grant_archiving(api_fn)
        self.tables.executions.grant_read_data(api_fn)
        self.tables.executions.grant(api_fn, "dynamodb:PutItem", "dynamodb:UpdateItem")
        # delete_schedule removes a schedule's item; executions are never deleted (TTL expires
        # them): DeleteItem only in the schedules' partition.
        api_fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:DeleteItem"],
                resources=[self.tables.executions.table_arn],
                conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [SCHEDULES_PARTITION]}},
            )
        )
        inbox.grant_send_messages(api_fn)
        self._grant_scheduling(self.api_function)
        # Dead letters (durable dlq list|redrive): read and delete them from every DLQ, send
        # each back to the queue it came from, nothing else of those queues.
        for queues in self.dead_lettered_queues().values():
            queues.dlq.grant(
                api_fn,
                "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
            )  # fmt: skip
            queues.queue.grant(api_fn, "sqs:SendMessage")
        # The schedule DLQ's redrive forwards to the inbox and the activity queues (granted above).
        self.schedule_dead_letters.queue.grant(
            api_fn, "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"
        )
        # Inputs, signals and queries in; results, histories and query answers out.
        self.payloads.grant_read_write(api_fn)
        self.api = RestApi(
            self,
            "Api",
            api_name=names.function("api"),
            stage_name=names.namespace,
            handler=api_fn,
            rate_limit=capacity.api_rate_limit,
            burst_limit=capacity.api_burst_limit,
            tracing_enabled=self.runtime.tracing.api_tracing,
        )

        for fn in self.functions():
            _acknowledge_runtime_findings(fn)
        executions = self.get_logical_id(self.tables.executions.node.default_child)  # type: ignore[arg-type]
        payloads = self.get_logical_id(self.payloads.bucket.node.default_child)  # type: ignore[arg-type]
        archive = self.get_logical_id(self.archive.bucket.node.default_child)  # type: ignore[arg-type]
        Validations.of(self).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{executions}.Arn>/index/*]",
                reason="Table grants cover the executions table's listing GSIs "
                "(by_start, by_status_shard, by_type_shard), which exist to be queried; the wildcard is limited to "
                "that one table's indexes",
            ),
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{payloads}.Arn>/*]",
                reason="Payload objects are created at run time under content-addressed keys (a hash of the "
                "payload), unknown at deploy time: the grant is Get and Put on this namespace's payload bucket's "
                "objects, no wider",
            ),
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{archive}.Arn>/*]",
                reason="Archived runs are written at run time under keys made of their close date, workflow id and "
                "run id, unknown at deploy time: the grant is Get and Put on this namespace's archive bucket's "
                "objects, no wider (no delete)",
            ),
        )

        self.monitoring = Monitoring(
            self,
            "Monitoring",
            dashboard_name=f"{names.prefix}-overview",
            metrics_namespace=self.metrics_namespace,
            orchestrator=self.orchestrator.function,
            orchestrator_service="orchestrator",
            functions={
                "orchestrator": self.orchestrator.function,
                **{f"activities-{tq}": w.function for tq, w in self.activity_workers.items()},
                "timers": self.timer_relay.function,
                "reconciler": self.reconciler.function,
                "api": self.api_function.function,
            },
            dead_letter_queues={
                "inbox": self.inbox.dlq,
                "timers": self.timer_queue.dlq,
                "orchestrator": self.failed_deliveries.queue,
                "schedules": self.schedule_dead_letters.queue,
                **{f"activities-{tq}": q.dlq for tq, q in self.task_queues.queues.items()},
            },
            alarm_topic_name=names.function("alarms"),
            alarm_email=None if alarm_email is None else check_alarm_email(alarm_email),
            activity_services=[f"activities-{tq}" for tq in self.activity_workers],
        )

    def _grant_batch_operations(self, worker: DurableFunction) -> None:
        """What a batch job's pages do through the engine's Control, as the API's terminate,
        cancel and signal do: list and count runs, append a termination and close the record,
        send signals and cancellations to the inbox (granted to every activity function). A
        terminate closes the run, so it archives it, as the API's terminate does."""
        self.tables.history.grant(worker.function, *HISTORY_APPEND, *HISTORY_READ, *HISTORY_EXPIRE)
        self.archive.grant_archiving(worker.function)
        self.tables.executions.grant_read_data(worker.function)
        self.tables.executions.grant(worker.function, "dynamodb:PutItem", "dynamodb:UpdateItem")

    def _grant_scheduling(self, fn: DurableFunction) -> None:
        fn.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "scheduler:CreateSchedule",
                    "scheduler:UpdateSchedule",
                    "scheduler:DeleteSchedule",
                    "scheduler:GetSchedule",
                ],
                resources=[self.schedule_arn_pattern],
            )
        )
        self.scheduler_role.grant_pass_role(fn.function)
        Validations.of(fn.role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{self._iam5_schedule_resource()}]",
                reason="Durable schedules come and go at run time (create_schedule): each is an EventBridge "
                "Scheduler schedule in this namespace's group, so the grant is the group's schedules, no wider",
            ),
        )

    def _grant_timer_schedules(self, fn: DurableFunction) -> None:
        """Create and delete long timers' one-time schedules (named ``timer.<digest>``), nothing else."""
        group = self.names.function("schedules")
        fn.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
                resources=[self.format_arn(service="scheduler", resource="schedule", resource_name=f"{group}/timer.*")],
            )
        )
        self.scheduler_role.grant_pass_role(fn.function)
        Validations.of(fn.role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{self._iam5_schedule_resource()[:-1]}timer.*]",
                reason="Long timers are one-time schedules made at run time, named by a digest of the timer: "
                "the grant is create and delete of this namespace's group's timer schedules, no wider",
            ),
        )

    def _iam5_schedule_resource(self) -> str:
        group = self.names.function("schedules")
        return f"arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/{group}/*"

    def environment(
        self, *, service: str, dead_letter_queue_urls: Mapping[str, str] | None = None
    ) -> Mapping[str, str]:
        """What ``durable._aws.app.LambdaApp`` reads: the same wiring for every function
        (``durable._settings``), and powertools' service name (a dimension of every metric, a
        field of every log line)."""
        settings = DeploymentSettings(
            history_table=self.tables.history.table_name,
            executions_table=self.tables.executions.table_name,
            idempotency_table=self.tables.idempotency.table_name,
            inbox_queue_url=self.inbox.queue.queue_url,
            timer_queue_url=self.timer_queue.queue.queue_url,
            activity_queue_urls={tq: q.queue.queue_url for tq, q in self.task_queues.queues.items()},
            inbox_queue_arn=self.inbox.queue.queue_arn,
            schedule_group=self.names.function("schedules"),
            scheduler_role_arn=self.scheduler_role.role_arn,
            payload_bucket=self.payloads.bucket.bucket_name,
            # Closed runs are archived here before their items expire.
            archive_bucket=self.archive.bucket.bucket_name,
            namespace=self.names.namespace,
            # Closed runs' records expire after it (the table's TTL), as their payloads do (lifecycle).
            retention_days=self.retention_days,
            dead_letter_queue_urls=dead_letter_queue_urls or {},
            build_id=self.runtime.build_id,
            # The name, not the function's token: the orchestrator's own environment names it. Its
            # live alias: asynchronous invocations go to the deploy's version (stacks.versions).
            orchestrator_function=f"{self.names.function('orchestrator')}:{LIVE_ALIAS}",
            failed_deliveries_queue_url=self.failed_deliveries.queue.queue_url,
            schedule_dlq_url=self.schedule_dead_letters.queue.queue_url,
        )
        return {
            "POWERTOOLS_SERVICE_NAME": service,
            "POWERTOOLS_METRICS_NAMESPACE": self.metrics_namespace,
            **settings.to_environ(to_json=self.to_json_string),
        }

    @property
    def metrics_namespace(self) -> str:
        """The CloudWatch namespace of the engine's metrics (EMF lines, durable._aws.emf)."""
        return self.names.prefix

    def dead_lettered_queues(self) -> dict[str, DeadLetteredQueue]:
        """Every queue with its DLQ, by the engine's logical queue name (``durable._runtime.services``)."""
        return {
            INBOX: self.inbox,
            "timers": self.timer_queue,
            **{activity_queue_name(tq): q for tq, q in self.task_queues.queues.items()},
        }

    def functions(self) -> list[DurableFunction]:
        return [
            self.orchestrator,
            *self.activity_workers.values(),
            self.timer_relay,
            self.reconciler,
            self.api_function,
        ]


def _acknowledge_runtime_findings(fn: DurableFunction) -> None:
    Validations.of(fn.role).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason="X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no "
            "resource-level permissions (Service Authorization Reference), so '*' is the only resource",
        ),
    )
    Validations.of(fn.function).acknowledge(
        Acknowledgment(
            id="AwsSolutions-L1",
            reason="Python 3.12 on purpose: the layer's binary wheels are built for cp312 (stacks/bundling.py), "
            "so the runtime moves together with the bundler's --python-version in one reviewed change, not "
            "whenever aws-cdk-lib learns a newer runtime; 3.12 is a supported Lambda runtime",
        ),
    )
