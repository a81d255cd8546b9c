"""The runtime layer, the function code, and the Lambda functions built from them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.bundling import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, PROJECT_ROOT, build_id, function_code, layer_code
from stacks.tracing import Tracing, TracingOptions

__all__ = ["DurableFunction", "Runtime"]


class Runtime(Construct):
    """The layer (``durable`` and its dependencies), the code asset and the tracing every function shares."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        project_root: Path = PROJECT_ROOT,
        tracing: TracingOptions | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.project_root = project_root
        self.tracing = Tracing(self, "Tracing", options=tracing or TracingOptions())
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=layer_code(project_root),
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            description="durable and its dependencies (boto3 excluded: the runtime provides it)",
        )
        self.code = function_code(project_root)
        self.build_id = build_id(project_root)
        """Every function's ``DURABLE_BUILD_ID``: which code decided each workflow task."""

    def handler_module(self, module: str) -> str:
        """``functions.orchestrator.handler`` -> its Lambda handler string; the module must exist."""
        path = self.project_root.joinpath(*module.split(".")).with_suffix(".py")
        if not path.is_file():
            raise FileNotFoundError(f"no handler module {module} ({path.relative_to(self.project_root)} is missing)")
        return f"{module}.handler"


class DurableFunction(Construct):
    """A Lambda function of the runtime (fed by a queue through :meth:`consume`, or by a rule).

    Python on arm64 with the runtime layer, OpenTelemetry tracing through the ADOT layer (as
    the runtime's tracing options say: to X-Ray, to an OTLP collector, or none), JSON logs into its own log group
    (one month), and a role of its own that starts with nothing but writing that log group:
    every other permission is a grant made by the stack.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: Runtime,
        function_name: str,
        handler_module: str,
        environment: Mapping[str, str],
        timeout: Duration,
        memory_size: int,
        description: str,
        current_version_options: lambda_.VersionOptions | None = None,
    ) -> None:
        """``current_version_options``: how the function's versions are published (none by default)."""
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{function_name}: logs, tracing and the stack's grants only",
        )
        tracing = runtime.tracing
        service = environment.get("POWERTOOLS_SERVICE_NAME", function_name)
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=description,
            runtime=LAMBDA_RUNTIME,
            architecture=LAMBDA_ARCHITECTURE,
            code=runtime.code,
            handler=runtime.handler_module(handler_module),
            # durable's layer first: the ADOT layer's files are its own (no file of it is in ours).
            layers=[runtime.layer, *([tracing.layer] if tracing.layer is not None else [])],
            environment={**environment, **tracing.environment(service=service)},
            timeout=timeout,
            memory_size=memory_size,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=tracing.function_tracing,
            current_version_options=current_version_options,
        )

    def consume(
        self,
        queue: sqs.IQueue,
        *,
        batch_size: int,
        max_concurrency: int | None = None,
        alias: lambda_.Alias | None = None,
    ) -> None:
        """Feed the function (or its ``alias``) from ``queue`` (an event source mapping) with partial batch failures."""
        (alias or self.function).add_event_source(
            sources.SqsEventSource(
                queue,
                batch_size=batch_size,
                report_batch_item_failures=True,
                max_concurrency=max_concurrency,
            )
        )
