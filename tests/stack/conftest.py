"""One synth of the CDK app for the whole test session (bundling skipped: ~0.1 s per asset).

The app is the one ``cdk synth`` builds (``stacks.app.build_app``), cdk-nag included: the
fixture's synth raising is the cdk-nag test failing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import pytest

# jsii prints a long end-of-life banner on Node 20 to every test's stderr otherwise.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

NAMESPACE = "test"
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


@dataclass
class Synth:
    """A synthesized stack: the construct tree, the template and the cloud assembly's folder."""

    stack: Any
    template: dict[str, Any]
    outdir: str

    def logical_id(self, construct: Any) -> str:
        return self.stack.get_logical_id(construct.node.default_child)

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.template["Resources"].items() if r["Type"] == type_}

    def mapped_function(self, mapping: dict[str, Any]) -> str:
        """The logical id of the function an event source mapping invokes, itself or by an alias
        (CDK names an alias's target as ``<function name>:<alias>``, from the alias's ARN)."""
        target = mapping["Properties"]["FunctionName"]
        if "Ref" in target:
            return str(target["Ref"])
        (alias,) = [k for k in self.resources("AWS::Lambda::Alias") if k in json.dumps(target)]
        return str(self.template["Resources"][alias]["Properties"]["FunctionName"]["Ref"])

    def mapped_alias(self, mapping: dict[str, Any]) -> str | None:
        """The logical id of the alias an event source mapping invokes (None: the function itself)."""
        target = json.dumps(mapping["Properties"]["FunctionName"])
        return next((k for k in self.resources("AWS::Lambda::Alias") if k in target), None)


def synth(tmp_path_factory: pytest.TempPathFactory, **context: Any) -> Synth:
    from stacks.app import build_app

    outdir = str(tmp_path_factory.mktemp("cdk.out"))
    app, stack = build_app(context={**SKIP_BUNDLING, **context}, outdir=outdir)
    assembly = app.synth()
    return Synth(stack=stack, template=assembly.get_stack_by_name(stack.stack_name).template, outdir=outdir)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The app as ``cdk synth -c namespace=test`` builds it."""
    return synth(tmp_path_factory, namespace=NAMESPACE)


@pytest.fixture(scope="session")
def synthesize(tmp_path_factory: pytest.TempPathFactory):
    """Synthesize the app with more context (another namespace, ...): ~0.5 s each."""
    return lambda **context: synth(tmp_path_factory, **context)
