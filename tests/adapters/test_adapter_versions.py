"""The AWS adapter of the orchestrator's published versions (``durable._aws.versions``).

moto runs no function, so the synchronous Invoke of a build's alias is checked with
botocore's Stubber: the request it makes, and how it reads Lambda's three answers (the
handler's response, a FunctionError, no such alias). Listing and retiring run on moto's
Lambda in tests/invariants/test_pinning.py.
"""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from durable._aws.versions import LambdaVersions, unqualified_function
from durable._runtime.pinning import BuildRetired, ForwardedEvent, PinnedInvocationFailed

EVENT: ForwardedEvent = {"Records": [{"messageId": "m1", "body": "{}"}], "durable_pinned_build": "abc"}


def _stubbed() -> tuple[LambdaVersions, Stubber]:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return LambdaVersions("durable-test-orchestrator:live", client=client), Stubber(client)


def _body(value: object) -> StreamingBody:
    raw = json.dumps(value).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def test_a_build_is_invoked_by_its_alias_synchronously_and_its_failure_items_are_returned() -> None:
    versions, stub = _stubbed()
    expected = {
        "FunctionName": "durable-test-orchestrator",  # the live qualifier is dropped: the build's alias names it
        "Qualifier": "build-abc",
        "InvocationType": "RequestResponse",
        "Payload": json.dumps(EVENT, separators=(",", ":")),
    }
    stub.add_response(
        "invoke", {"StatusCode": 200, "Payload": _body({"batchItemFailures": [{"itemIdentifier": "m1"}]})}, expected
    )
    with stub:
        assert versions.invoke_build("abc", EVENT) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    stub.assert_no_pending_responses()


def test_a_handler_that_raised_fails_the_invocation_as_a_whole() -> None:
    versions, stub = _stubbed()
    stub.add_response(
        "invoke", {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": _body({"errorMessage": "boom"})}
    )
    with stub, pytest.raises(PinnedInvocationFailed, match="boom"):
        versions.invoke_build("abc", EVENT)


def test_a_build_without_its_alias_is_retired() -> None:
    versions, stub = _stubbed()
    stub.add_client_error("invoke", service_error_code="ResourceNotFoundException", http_status_code=404)
    with stub, pytest.raises(BuildRetired):
        versions.invoke_build("abc", EVENT)


def test_a_throttled_invocation_fails_it_and_is_not_taken_for_a_retired_build() -> None:
    versions, stub = _stubbed()
    stub.add_client_error("invoke", service_error_code="TooManyRequestsException", http_status_code=429)
    with stub, pytest.raises(PinnedInvocationFailed):
        versions.invoke_build("abc", EVENT)


@pytest.mark.parametrize(
    ("function", "unqualified"),
    [
        ("durable-test-orchestrator:live", "durable-test-orchestrator"),
        ("durable-test-orchestrator", "durable-test-orchestrator"),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:durable-test-orchestrator:live",
            "arn:aws:lambda:us-east-1:123456789012:function:durable-test-orchestrator",
        ),
    ],
)
def test_the_function_is_named_without_its_qualifier(function: str, unqualified: str) -> None:
    assert unqualified_function(function) == unqualified


def test_an_answer_that_is_no_partial_batch_response_fails_the_invocation() -> None:
    versions, stub = _stubbed()
    stub.add_response("invoke", {"StatusCode": 200, "Payload": _body(None)})
    with stub, pytest.raises(PinnedInvocationFailed, match="answered"):
        versions.invoke_build("abc", EVENT)
