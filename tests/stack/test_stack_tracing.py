"""Tracing options of the stack: OpenTelemetry through the ADOT layer, to X-Ray (default), OTLP, or none.

Each mode's template passes cdk-nag (the synth raises otherwise) and cfn-lint.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stacks.bundling import PROJECT_ROOT
from stacks.tracing import OTLP_COLLECTOR_CONFIG

from .conftest import Synth

ENDPOINT = "https://collector.example.com:4318"


@pytest.fixture(scope="module")
def modes(synthesized, synthesize) -> dict[str, Synth]:
    return {
        "xray": synthesized,
        "otlp": synthesize(namespace="otlp", tracing="otlp", otlp_endpoint=ENDPOINT),
        "off": synthesize(namespace="off", tracing="off"),
    }


def functions(s: Synth) -> list[dict[str, Any]]:
    return [f["Properties"] for f in s.resources("AWS::Lambda::Function").values()]


def x_ray_statements(s: Synth) -> list[dict[str, Any]]:
    return [
        st
        for policy in s.resources("AWS::IAM::Policy").values()
        for st in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(str(a).startswith("xray:") for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]]))
    ]


def adot_layers(props: dict[str, Any]) -> list[Any]:
    return [layer for layer in props.get("Layers", []) if "Ref" not in layer]


def test_by_default_every_function_exports_its_spans_to_x_ray_through_the_adot_layer(modes):
    s = modes["xray"]
    for props in functions(s):
        variables = props["Environment"]["Variables"]
        assert len(adot_layers(props)) == 1
        assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/otel-instrument"
        assert variables["OTEL_SERVICE_NAME"] == variables["POWERTOOLS_SERVICE_NAME"]
        assert "xray" in variables["OTEL_PROPAGATORS"].split(",")
        assert props["TracingConfig"] == {"Mode": "Active"}
    assert len(x_ray_statements(s)) == len(functions(s))  # each role may put its segments, nothing more
    (stage,) = s.resources("AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["TracingEnabled"] is True


def test_otlp_sends_the_spans_to_the_given_collector_and_needs_no_x_ray(modes):
    s = modes["otlp"]
    for props in functions(s):
        variables = props["Environment"]["Variables"]
        assert len(adot_layers(props)) == 1
        assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/otel-instrument"
        assert variables["OPENTELEMETRY_COLLECTOR_CONFIG_URI"] == OTLP_COLLECTOR_CONFIG
        assert variables["DURABLE_OTLP_ENDPOINT"] == ENDPOINT
        assert "xray" not in variables["OTEL_PROPAGATORS"]
        assert "TracingConfig" not in props
    assert x_ray_statements(s) == []
    (stage,) = s.resources("AWS::ApiGateway::Stage").values()
    assert not stage["Properties"].get("TracingEnabled")
    # the collector's configuration ships with the function code, where the variable points
    shipped = PROJECT_ROOT / OTLP_COLLECTOR_CONFIG.removeprefix("/var/task/")
    config = shipped.read_text()
    assert "otlphttp" in config and "${env:DURABLE_OTLP_ENDPOINT}" in config


def test_off_adds_no_layer_no_variable_and_no_permission(modes):
    s = modes["off"]
    for props in functions(s):
        assert adot_layers(props) == []
        assert not any(k.startswith(("OTEL_", "AWS_LAMBDA_EXEC_WRAPPER")) for k in props["Environment"]["Variables"])
        assert "TracingConfig" not in props
    assert x_ray_statements(s) == []


def test_another_adot_layer_can_be_named(synthesize):
    arn = "arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroPython:11"
    s = synthesize(namespace="layered", adot_layer_arn=arn)
    assert all(adot_layers(props) == [arn] for props in functions(s))


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"tracing": "jaeger"}, "choose one of xray, otlp, off"),
        ({"tracing": "otlp"}, "-c otlp_endpoint="),
        ({"tracing": "otlp", "otlp_endpoint": "collector:4318"}, "OTLP/HTTP URL"),
        ({"otlp_endpoint": ENDPOINT}, "only used with -c tracing=otlp"),
        ({"adot_layer_arn": "my-layer"}, "layer version's ARN"),
    ],
)
def test_tracing_options_that_cannot_work_are_refused(synthesize, context, message):
    with pytest.raises(ValueError, match=message):
        synthesize(namespace="bad", **context)


@pytest.mark.parametrize("mode", ["otlp", "off"])
def test_cfn_lint_passes_on_each_modes_template(modes, mode, tmp_path):
    template = tmp_path / "template.json"
    template.write_text(json.dumps(modes[mode].template))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), "--ignore-checks", "W3005", "--", str(template)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(Path(modes[mode].outdir, "validation-report.json").read_text())
    assert report["pluginReports"] == []  # cdk-nag found nothing
