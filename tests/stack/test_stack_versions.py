"""The orchestrator's versions: one per deploy, kept, reachable as ``live`` and by build id
(``stacks.versions``), and the grants that pinning and retiring need, no wider."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from durable import _settings as settings
from stacks.versions import RETAINED_VERSIONS, PublishedVersions

from .conftest import NAMESPACE, Synth

ORCHESTRATOR = f"durable-{NAMESPACE}-orchestrator"


def _text(value: Any) -> str:
    """A template value as text: pseudo parameters as <AWS::...>, other references as <logical id>."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(_text(p) for p in parts)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
    return str(value)


def _lambda_grants(s: Synth) -> dict[str, list[tuple[str, str]]]:
    """Role logical id -> its (action, resource) pairs of Lambda actions."""
    grants: dict[str, list[tuple[str, str]]] = {}
    for policy in s.resources("AWS::IAM::Policy").values():
        (role,) = policy["Properties"]["Roles"]
        for st in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            for action in actions:
                if action.startswith("lambda:"):
                    grants.setdefault(role["Ref"], []).extend((action, _text(r)) for r in resources)
    return grants


def test_each_deploy_publishes_a_kept_version_under_live_and_under_its_build_id(synthesized):
    s, stack = synthesized, synthesized.stack
    resources = s.template["Resources"]
    (version_id,) = s.resources("AWS::Lambda::Version")
    version = resources[version_id]
    assert version["Properties"]["FunctionName"] == {"Ref": s.logical_id(stack.orchestrator.function)}
    # Kept when the next deploy replaces it: the runs that started on it still need it.
    assert version["DeletionPolicy"] == version["UpdateReplacePolicy"] == "Retain"
    aliases = {r["Properties"]["Name"]: r for r in s.resources("AWS::Lambda::Alias").values()}
    assert set(aliases) == {"live", f"build-{stack.runtime.build_id}"}
    for alias in aliases.values():
        assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    build = aliases[f"build-{stack.runtime.build_id}"]
    assert build["DeletionPolicy"] == build["UpdateReplacePolicy"] == "Retain"
    assert "DeletionPolicy" not in aliases["live"]  # moved by each deploy


def test_the_inbox_and_the_asynchronous_invocations_go_to_the_live_alias(synthesized):
    s, stack = synthesized, synthesized.stack
    live = s.logical_id(stack.orchestrator_versions.live)
    inbox_mappings = [
        m for m in s.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [s.logical_id(stack.inbox.queue), "Arn"]}
    ]  # fmt: skip
    assert [s.mapped_alias(m) for m in inbox_mappings] == [live]
    (invoke_config,) = [
        c for c in s.resources("AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": s.logical_id(stack.orchestrator.function)}
    ]  # fmt: skip
    # The qualifier CDK takes from the alias's ARN (its eighth part: the alias name).
    qualifier = invoke_config["Properties"]["Qualifier"]["Fn::Select"]
    assert qualifier == [7, {"Fn::Split": [":", {"Ref": live}]}]
    for function in s.resources("AWS::Lambda::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables[settings.ORCHESTRATOR_FUNCTION] == f"{ORCHESTRATOR}:live"


def test_the_orchestrator_invokes_its_build_aliases_only_and_the_reconciler_deletes_versions_only(synthesized):
    s, stack = synthesized, synthesized.stack
    grants = _lambda_grants(s)
    role = {name: s.stack.get_logical_id(f.role.node.default_child) for name, f in _functions(stack).items()}
    prefix = f"arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:{ORCHESTRATOR}"
    assert sorted(grants.pop(role["orchestrator"])) == [("lambda:InvokeFunction", f"{prefix}:build-*")]
    assert sorted(grants.pop(role["reconciler"])) == [
        ("lambda:DeleteAlias", f"{prefix}:build-*"),
        ("lambda:DeleteFunction", f"{prefix}:*"),  # never the unqualified function
        ("lambda:ListAliases", prefix),
    ]
    live = s.logical_id(stack.orchestrator_versions.live)
    for worker in stack.activity_workers.values():
        worker_role = s.stack.get_logical_id(worker.role.node.default_child)
        assert grants.pop(worker_role) == [("lambda:InvokeFunction", f"<{live}>")]
    assert grants == {}, "no other role may call Lambda"


def _functions(stack: Any) -> dict[str, Any]:
    return {"orchestrator": stack.orchestrator, "reconciler": stack.reconciler}


def test_a_new_build_is_a_new_alias_resource_so_the_old_one_is_kept_not_renamed():
    ids = []
    for build_id in ("aaaa", "bbbb"):
        stack = Stack(App(), "Deploy")
        function = lambda_.Function(
            stack,
            "Orchestrator",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context): ..."),
            current_version_options=RETAINED_VERSIONS,
        )
        versions = PublishedVersions(stack, "Versions", function=function, function_name="fn", build_id=build_id)
        ids.append(stack.get_logical_id(versions.build.node.default_child))
    assert ids[0] != ids[1]
