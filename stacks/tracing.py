"""Tracing of the functions: OpenTelemetry through AWS's ADOT Lambda layer, to X-Ray or to an OTLP collector.

``-c tracing=`` chooses (default ``xray``):

- ``xray``: the ADOT layer's instrumentation (``AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-instrument``)
  exports every span through the layer's collector to X-Ray; the functions' active tracing
  gives them Lambda's own segments and trace header, and their roles X-Ray's write actions.
- ``otlp``: the same layer, whose collector sends the spans over OTLP/HTTP to
  ``-c otlp_endpoint=URL`` (its configuration: ``functions/otel/collector-otlp.yaml``);
  no X-Ray, no X-Ray permissions.
- ``off``: no layer, no tracing, no permissions.

The layer is AWS's ADOT Python layer in the stack's region unless ``-c adot_layer_arn=ARN``
names another (a newer version, the AWSOpenTelemetryDistroPython layer, a region where CDK
does not know it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.bundling import LAMBDA_ARCHITECTURE

__all__ = ["TRACING_MODES", "Tracing", "TracingOptions", "check_tracing"]

_LAYER_ARN = re.compile(r"^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")

TRACING_MODES = ("xray", "otlp", "off")

# AWS's ADOT Lambda layer for Python: OpenTelemetry Python 1.29 and a reduced ADOT Collector as
# a Lambda extension, published in every region ADOT supports as
# arn:aws:lambda:<region>:901920570463:layer:aws-otel-python-<amd64|arm64>-ver-1-29-0:1
# (https://aws-otel.github.io/docs/getting-started/lambda/lambda-python). aws-cdk-lib knows it
# as AdotLambdaLayerPythonSdkVersion.V1_29_0 and builds that ARN in the stack's region.
ADOT_PYTHON_LAYER = lambda_.AdotLambdaLayerPythonSdkVersion.V1_29_0
ADOT_EXEC_WRAPPER = "/opt/otel-instrument"
# Where the function asset puts functions/otel/collector-otlp.yaml (Lambda's task root is /var/task).
OTLP_COLLECTOR_CONFIG = "/var/task/functions/otel/collector-otlp.yaml"


@dataclass(frozen=True)
class TracingOptions:
    """Where the functions' spans go."""

    mode: str = "xray"
    """``xray``, ``otlp`` or ``off``."""
    otlp_endpoint: str | None = None
    """The OTLP/HTTP collector's URL (``otlp`` only)."""
    adot_layer_arn: str | None = None
    """Another ADOT layer than AWS's Python one of :data:`ADOT_PYTHON_LAYER` in the stack's region."""


def check_tracing(mode: object, otlp_endpoint: object = None, adot_layer_arn: object = None) -> TracingOptions:
    """The options of ``-c tracing=``, ``-c otlp_endpoint=`` and ``-c adot_layer_arn=``, checked."""
    chosen = "xray" if mode is None or mode == "" else str(mode).strip().lower()
    if chosen not in TRACING_MODES:
        raise ValueError(f"tracing {mode!r}: choose one of {', '.join(TRACING_MODES)} (-c tracing=xray)")
    endpoint = None if otlp_endpoint in (None, "") else str(otlp_endpoint).strip()
    if chosen == "otlp" and not endpoint:
        raise ValueError("tracing=otlp needs the collector's URL: -c otlp_endpoint=https://collector.example.com:4318")
    if chosen != "otlp" and endpoint:
        raise ValueError(f"otlp_endpoint is only used with -c tracing=otlp (tracing is {chosen})")
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"otlp_endpoint {endpoint!r}: give the collector's OTLP/HTTP URL, https://host:4318")
    layer = None if adot_layer_arn in (None, "") else str(adot_layer_arn).strip()
    if layer is not None and not _LAYER_ARN.match(layer):
        raise ValueError(
            f"adot_layer_arn {layer!r}: give a layer version's ARN, arn:aws:lambda:REGION:ACCOUNT:layer:NAME:N"
        )
    if layer is not None and chosen == "off":
        raise ValueError("adot_layer_arn is not used with -c tracing=off")
    return TracingOptions(chosen, endpoint, layer)


class Tracing(Construct):
    """The ADOT layer (unless tracing is off) and what each function needs to use it."""

    def __init__(self, scope: Construct, construct_id: str, *, options: TracingOptions) -> None:
        super().__init__(scope, construct_id)
        self.options = options
        self.layer: lambda_.ILayerVersion | None = None
        if options.mode == "off":
            return
        layer_arn = options.adot_layer_arn or ADOT_PYTHON_LAYER.layer_arn(Stack.of(self), LAMBDA_ARCHITECTURE)
        self.layer = lambda_.LayerVersion.from_layer_version_arn(self, "AdotLayer", layer_arn)

    @property
    def function_tracing(self) -> lambda_.Tracing:
        """Lambda's own X-Ray tracing: active for X-Ray, off otherwise (no X-Ray permissions then)."""
        return lambda_.Tracing.ACTIVE if self.options.mode == "xray" else lambda_.Tracing.DISABLED

    @property
    def api_tracing(self) -> bool:
        """Whether API Gateway's stage traces with X-Ray."""
        return self.options.mode == "xray"

    def environment(self, *, service: str) -> dict[str, str]:
        """The environment of a function whose service name is ``service``."""
        if self.options.mode == "off":
            return {}
        env = {
            # The layer's wrapper starts OpenTelemetry's SDK and Lambda instrumentation before the handler.
            "AWS_LAMBDA_EXEC_WRAPPER": ADOT_EXEC_WRAPPER,
            "OTEL_SERVICE_NAME": service,
        }
        if self.options.mode == "xray":
            # X-Ray's trace header joins Lambda's segments and API Gateway's to the spans.
            env["OTEL_PROPAGATORS"] = "tracecontext,baggage,xray"
        else:
            assert self.options.otlp_endpoint is not None  # check_tracing made sure
            env["OTEL_PROPAGATORS"] = "tracecontext,baggage"
            env["OPENTELEMETRY_COLLECTOR_CONFIG_URI"] = OTLP_COLLECTOR_CONFIG
            env["DURABLE_OTLP_ENDPOINT"] = self.options.otlp_endpoint
        return env
