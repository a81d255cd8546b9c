"""The CDK app: the namespace's stack, checked by cdk-nag's AwsSolutions pack on every synth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from stacks.archive import check_archive_retention_days
from stacks.capacity_options import CapacityOptions
from stacks.durable_stack import DurableStack
from stacks.naming import DEFAULT_NAMESPACE, Names
from stacks.payloads import DEFAULT_RETENTION_DAYS, check_retention_days
from stacks.tracing import check_tracing

__all__ = ["build_app"]


def build_app(*, context: Mapping[str, Any] | None = None, outdir: str | None = None) -> tuple[App, DurableStack]:
    """The app and its one stack, from context: ``-c namespace=NAME`` picks the namespace,
    ``-c retention_days=N`` how long closed runs are kept (30),
    ``-c archive_retention_days=N`` how long archived runs are kept (for good when absent),
    ``-c alarm_email=ADDRESS`` who the alarms mail (none: the topic has no subscriber),
    ``-c tracing=xray|otlp|off`` where the functions' OpenTelemetry spans go (xray; see
    stacks/tracing.py), ``-c otlp_endpoint=URL`` the OTLP collector's URL for ``otlp``,
    ``-c adot_layer_arn=ARN`` another ADOT layer than AWS's Python one in the stack's region,
    ``-c orchestrator_max_concurrency=N``, ``-c orchestrator_reserved_concurrency=N``,
    ``-c api_rate_limit=N`` and ``-c api_burst_limit=N`` the namespace's throughput
    (stacks/capacity_options.py), ``-c executions_index_upgrade=1|2|3`` a step of the upgrade of a
    stack deployed before the sharded listing indexes (stacks/tables.py).

    cdk-nag's findings fail ``app.synth()`` (and so ``cdk synth``) unless acknowledged
    with a reason next to the construct they concern.
    """
    app = App(context=dict(context) if context is not None else None, outdir=outdir)
    names = Names(str(app.node.try_get_context("namespace") or DEFAULT_NAMESPACE))
    retention_days = app.node.try_get_context("retention_days")
    capacity = CapacityOptions.from_context(app.node.try_get_context)
    stack = DurableStack(
        app,
        "Durable",
        names=names,
        orchestrator_max_concurrency=capacity.orchestrator_max_concurrency,
        orchestrator_reserved_concurrency=capacity.orchestrator_reserved_concurrency,
        api_rate_limit=capacity.api_rate_limit,
        api_burst_limit=capacity.api_burst_limit,
        executions_index_upgrade=app.node.try_get_context("executions_index_upgrade"),
        retention_days=check_retention_days(DEFAULT_RETENTION_DAYS if retention_days is None else retention_days),
        alarm_email=app.node.try_get_context("alarm_email") or None,
        archive_retention_days=check_archive_retention_days(app.node.try_get_context("archive_retention_days")),
        tracing=check_tracing(
            app.node.try_get_context("tracing"),
            app.node.try_get_context("otlp_endpoint"),
            app.node.try_get_context("adot_layer_arn"),
        ),
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
