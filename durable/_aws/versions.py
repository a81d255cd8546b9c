"""The orchestrator's published versions, for AWS: a build's version invoked by its alias."""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from botocore.exceptions import ClientError

from durable._aws.lazy_client import LazyClient
from durable._runtime.pinning import ALIAS_PREFIX, BuildRetired, ForwardedEvent, PinnedInvocationFailed, build_alias

__all__ = ["LambdaVersions", "unqualified_function"]


def unqualified_function(function: str) -> str:
    """A function's name or ARN without its qualifier (``name:live`` -> ``name``)."""
    if function.startswith("arn:"):
        return ":".join(function.split(":")[:7])  # arn:aws:lambda:region:account:function:name
    return function.split(":", 1)[0]


class LambdaVersions(LazyClient):
    """:class:`~durable._runtime.pinning.VersionInvoker` over Lambda's Invoke API (RequestResponse)."""

    _service = "lambda"

    def __init__(self, function_name: str, *, client: object | None = None) -> None:
        """``function_name``: the orchestrator function's name or ARN (a qualifier on it is dropped)."""
        super().__init__(client)
        self.function_name = unqualified_function(function_name)

    def invoke_build(self, build_id: str, event: ForwardedEvent) -> PartialItemFailureResponse:
        """Invoke the build's alias with the forwarded records and wait for its answer."""
        try:
            response = self.client.invoke(
                FunctionName=self.function_name,
                Qualifier=build_alias(build_id),
                InvocationType="RequestResponse",
                Payload=json.dumps(event, separators=(",", ":")),
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise BuildRetired(build_id) from err
            raise PinnedInvocationFailed(f"invoking build {build_id} of {self.function_name} failed: {err}") from err
        payload = response["Payload"].read()
        if response.get("FunctionError"):
            raise PinnedInvocationFailed(f"build {build_id} of {self.function_name} failed: {payload[:1000]!r}")
        answer = json.loads(payload)
        if not isinstance(answer, dict) or not isinstance(answer.get("batchItemFailures"), list):
            raise PinnedInvocationFailed(f"build {build_id} of {self.function_name} answered {payload[:1000]!r}")
        failures: PartialItemFailureResponse = {"batchItemFailures": answer["batchItemFailures"]}
        return failures

    def has(self, build_id: str) -> bool:
        """Whether the build still has its alias (one GetAlias)."""
        try:
            self.client.get_alias(FunctionName=self.function_name, Name=build_alias(build_id))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        return True

    def published(self) -> dict[str, str]:
        """Every build that has a version: build id -> the version its alias points at."""
        builds: dict[str, str] = {}
        for page in self.client.get_paginator("list_aliases").paginate(FunctionName=self.function_name):
            for alias in page["Aliases"]:
                if alias["Name"].startswith(ALIAS_PREFIX):
                    builds[alias["Name"].removeprefix(ALIAS_PREFIX)] = alias["FunctionVersion"]
        return builds

    def retire(self, build_id: str, version: str) -> None:
        """Delete the build's alias, then its version (Lambda keeps a version an alias points at)."""
        try:
            self.client.delete_alias(FunctionName=self.function_name, Name=build_alias(build_id))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
        try:
            self.client.delete_function(FunctionName=self.function_name, Qualifier=version)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
