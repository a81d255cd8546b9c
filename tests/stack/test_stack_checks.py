"""cdk-nag and cfn-lint on the template; namespaces; what a new task queue takes; the bundlers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App, Validations
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from stacks.bundling import PROJECT_ROOT, _FunctionBundler, layer_requirements
from stacks.durable_stack import DurableStack
from stacks.naming import Names

from .conftest import NAMESPACE, SKIP_BUNDLING

# -- cdk-nag -----------------------------------------------------------------------------------


def test_cdk_nag_finds_nothing_left_unaddressed(synthesized):
    # The fixture's synth ran the AwsSolutions pack (it raises on an error); nothing was reported.
    report = json.loads(Path(synthesized.outdir, "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_cdk_nag_runs_on_every_synth_and_fails_it_on_a_finding(tmp_path):
    from stacks.app import build_app

    app, stack = build_app(context={**SKIP_BUNDLING, "namespace": "nagged"}, outdir=str(tmp_path))
    sqs.Queue(stack, "Careless")  # no DLQ, TLS not enforced: AwsSolutions-SQS3 and SQS4
    with pytest.raises(RuntimeError, match="ValidationFailed") as failed:
        app.synth()
    assert "AwsSolutions-SQS3" in str(failed.value) and "AwsSolutions-SQS4" in str(failed.value)


# -- cfn-lint ----------------------------------------------------------------------------------


def test_cfn_lint_passes_on_the_template(synthesized, tmp_path):
    template = tmp_path / "template.json"
    template.write_text(json.dumps(synthesized.template))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    # W3005: CDK's own DependsOn on the functions' role policies, redundant with their Refs.
    result = subprocess.run(
        [str(cfn_lint), "--ignore-checks", "W3005", "--", str(template)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- namespaces --------------------------------------------------------------------------------


def _physical_names(template: dict) -> dict[str, str]:
    keys = ("TableName", "QueueName", "FunctionName", "LogGroupName", "Name")
    names = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Alias":
            continue  # an alias's name is its function's own (live, build-<id>), not the account's
        for key in keys:
            value = resource.get("Properties", {}).get(key)
            if isinstance(value, str):
                names[logical_id] = value
    return names


def test_two_namespaces_are_two_stacks_that_share_no_resource_name(synthesized, synthesize):
    other = synthesize(namespace="staging")
    assert synthesized.stack.stack_name == f"durable-{NAMESPACE}"
    assert other.stack.stack_name == "durable-staging"
    mine, theirs = _physical_names(synthesized.template), _physical_names(other.template)
    assert mine.keys() == theirs.keys() and len(mine) >= 15
    assert not set(mine.values()) & set(theirs.values())
    assert all(f"durable-{NAMESPACE}-" in name for name in mine.values())
    assert all("durable-staging-" in name for name in theirs.values())


@pytest.mark.parametrize("bad", ["Prod", "1st", "a" * 21, "dev_1", ""])
def test_a_namespace_that_cannot_name_resources_is_refused(bad):
    with pytest.raises(ValueError, match="namespace"):
        Names(bad)


# -- task queues -------------------------------------------------------------------------------


def _project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "functions", root / "functions", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "requirements.txt", root / "requirements.txt")
    return root


def test_a_new_task_queue_needs_a_handler_file_and_no_cdk_edit(tmp_path):
    root = _project_copy(tmp_path)
    billing = root / "functions" / "activities" / "billing"
    billing.mkdir()
    (billing / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    app = App(context=SKIP_BUNDLING, outdir=str(tmp_path / "out"))
    stack = DurableStack(app, "S", names=Names("tq"), task_queues=["orders", "billing"], project_root=root)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = app.synth().get_stack_by_name(stack.stack_name).template
    names = set(_physical_names(template).values())
    assert {"durable-tq-activities-billing", "durable-tq-activities-billing-dlq"} <= names
    handlers = {
        r["Properties"]["Handler"] for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
    }
    assert "functions.activities.billing.handler.handler" in handlers


def test_a_task_queue_without_its_handler_file_fails_the_synth_with_the_missing_path(tmp_path):
    app = App(context=SKIP_BUNDLING, outdir=str(tmp_path / "out"))
    with pytest.raises(FileNotFoundError, match="functions/activities/payroll/handler.py"):
        DurableStack(app, "S", names=Names("tq"), task_queues=["payroll"], project_root=_project_copy(tmp_path))


@pytest.mark.parametrize("bad", ["Orders", "order-processing", "9lives"])
def test_a_task_queue_that_cannot_name_a_package_is_refused(bad):
    with pytest.raises(ValueError, match="task queue"):
        Names("dev").activity_queue(bad)


# -- bundlers (the real bundling runs in `make synth` and the deployed-wiring test) --------------


def test_the_layer_installs_requirements_less_what_the_lambda_runtime_provides():
    kept = layer_requirements(PROJECT_ROOT)
    assert kept and not [r for r in kept if r.lower().startswith(("boto3", "botocore", "s3transfer"))]
    assert any(r.startswith("aws-lambda-powertools") for r in kept)
    # the ADOT layer brings OpenTelemetry; the X-Ray SDK is needed no more
    assert not [r for r in kept if r.lower().startswith(("opentelemetry", "aws-xray-sdk"))]


def test_the_function_asset_holds_every_handler_module_and_no_caches(synthesized, tmp_path):
    _FunctionBundler(PROJECT_ROOT).try_bundle(str(tmp_path), image=None)
    assert not list(tmp_path.rglob("__pycache__"))
    for f in synthesized.resources("AWS::Lambda::Function").values():
        module = f["Properties"]["Handler"].rpartition(".")[0]
        assert (tmp_path / Path(*module.split("."))).with_suffix(".py").is_file(), module
    assert (tmp_path / "statemachines" / "registry.py").is_file()
