"""The orchestrator's versions: one published per deploy and kept, so runs stay on their code.

Each deploy publishes the orchestrator's ``current_version`` (a new one whenever its code
or configuration changes: its ``DURABLE_BUILD_ID`` changes with the code) under two
aliases: ``live``, which the inbox's event source mapping, the asynchronous invocations
(activity outcomes) and the failed-invocations destination use, and ``build-<build id>``,
by which the live orchestrator forwards a run's messages to the build the run started on
(``durable._runtime.pinning``). Both the version and its build alias are retained when the
next deploy replaces them in the template (RemovalPolicy.RETAIN): CloudFormation forgets
them, and the reconciler deletes them once no running run needs them
(``durable._runtime.build_retirement``).

Why an alias per build rather than a table of build id -> version: the orchestrator needs
nothing but the run's first build id to name its target (``Qualifier=build-<id>``), no
read and no write happens per deploy or per run, and Lambda's own ``ResourceNotFound``
says that a build was retired.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, ArnFormat, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from durable._runtime.pinning import ALIAS_PREFIX, build_alias

__all__ = ["LIVE_ALIAS", "RETAINED_VERSIONS", "PublishedVersions"]

LIVE_ALIAS = "live"
"""The alias of the deploy's own version: what everything but a forwarded batch invokes."""

RETAINED_VERSIONS = lambda_.VersionOptions(removal_policy=RemovalPolicy.RETAIN)
"""The orchestrator's ``current_version_options``: an old version outlives the deploy that replaced it."""


class PublishedVersions(Construct):
    """The orchestrator's version of this deploy, its ``live`` alias and its build's alias."""

    def __init__(
        self, scope: Construct, construct_id: str, *, function: lambda_.Function, function_name: str, build_id: str
    ) -> None:
        """``function_name``: the orchestrator's name as the stack gives it (a string: ARN patterns name it)."""
        super().__init__(scope, construct_id)
        self.function_name = function_name
        self.version = function.current_version
        self.live = lambda_.Alias(self, "Live", alias_name=LIVE_ALIAS, version=self.version)
        # Named by the build: a new logical id per deploy, so the old one is retained, not renamed.
        self.build = lambda_.Alias(self, f"Build{build_id}", alias_name=build_alias(build_id), version=self.version)
        self.build.apply_removal_policy(RemovalPolicy.RETAIN)

    def builds_arn(self, qualifier: str) -> str:
        """The ARN pattern of the function qualified by ``qualifier`` (``build-*``, ``*``)."""
        return Stack.of(self).format_arn(
            service="lambda",
            resource="function",
            resource_name=f"{self.function_name}:{qualifier}",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def grant_invoke_builds(self, grantee: lambda_.IFunction, role: iam.IRole) -> None:
        """Invoke the orchestrator's build aliases (forwarding a run's messages), nothing else."""
        pattern = self.builds_arn(f"{ALIAS_PREFIX}*")
        grantee.add_to_role_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[pattern]))
        self._acknowledge(
            role,
            f"{ALIAS_PREFIX}*",
            "The live orchestrator forwards a run's messages to the version of the build the run started "
            "on, by its alias build-<build id>: builds come with deploys, so the grant is the orchestrator's "
            "build aliases, not its other aliases nor other functions",
        )

    def grant_retire(self, grantee: lambda_.IFunction, role: iam.IRole) -> None:
        """List the build aliases, delete one and its version; the function itself is not deletable."""
        grantee.add_to_role_policy(
            iam.PolicyStatement(actions=["lambda:ListAliases"], resources=[self.builds_arn("*").removesuffix(":*")])
        )
        grantee.add_to_role_policy(
            iam.PolicyStatement(actions=["lambda:DeleteAlias"], resources=[self.builds_arn(f"{ALIAS_PREFIX}*")])
        )
        # A version's ARN is the function's qualified by its number: ":*" never matches the
        # unqualified function, so only versions can be deleted.
        grantee.add_to_role_policy(
            iam.PolicyStatement(actions=["lambda:DeleteFunction"], resources=[self.builds_arn("*")])
        )
        self._acknowledge(
            role,
            f"{ALIAS_PREFIX}*",
            "The reconciler deletes the build aliases of older deploys that no running run needs",
        )
        self._acknowledge(
            role,
            "*",
            "The reconciler deletes the orchestrator's old versions (numbered by Lambda at each deploy); a "
            "qualified ARN never names the unqualified function, so the function itself cannot be deleted",
        )

    def _acknowledge(self, role: iam.IRole, qualifier: str, reason: str) -> None:
        arn = f"arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:{self.function_name}:{qualifier}"
        Validations.of(role).acknowledge(Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{arn}]", reason=reason))
