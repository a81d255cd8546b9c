"""Pinning through the deployed entry points (``LambdaApp``), on moto.

Two deploys of the orchestrator in one process: build A's app and build B's, each wired
from the environment a deploy sets (``DURABLE_BUILD_ID``, the orchestrator function by its
``live`` alias), over one set of moto tables and queues, and one orchestrator function in
moto's Lambda with both builds' aliases. moto runs no function: the synchronous Invoke of
a build's alias is answered by calling that build's handler (a botocore hook on the
adapter's client), or by ResourceNotFound where moto's Lambda has no such alias. The
reconciler function then retires A through Lambda's API once A's last run closed.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody
from moto import mock_aws

from durable._aws.app import LambdaApp
from durable._aws.provision import create_function, create_queue, create_tables
from durable._converter import decode, encode_args
from durable._local.dispatcher import sqs_event
from durable._replay import events as ev
from durable._runtime.control import Control
from durable._runtime.pinning import build_alias
from durable._runtime.services import execution_key
from tests.helpers.pinned_workflows import DeployOnA, DeployOnB

QUEUE = "deploy"


@pytest.fixture
def deploys() -> Iterator[Deploys]:
    """Build A's and build B's apps (A deployed first), their synchronous invocations played."""
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        lam = boto3.client("lambda", region_name="us-east-1")
        iam = boto3.client("iam", region_name="us-east-1")
        create_tables(ddb, history_table="history", executions_table="executions", idempotency_table="idempotency")
        function = create_function(lam, iam, "durable-test-orchestrator")
        env = {
            **os.environ,
            "DURABLE_HISTORY_TABLE": "history",
            "DURABLE_EXECUTIONS_TABLE": "executions",
            "DURABLE_IDEMPOTENCY_TABLE": "idempotency",
            "DURABLE_INBOX_QUEUE_URL": create_queue(sqs, "inbox.fifo", fifo=True),
            "DURABLE_TIMER_QUEUE_URL": create_queue(sqs, "timers", fifo=False),
            "DURABLE_ACTIVITY_QUEUE_URLS": json.dumps({}),
            "DURABLE_ORCHESTRATOR_FUNCTION": f"{function}:live",
        }
        deploys = Deploys({}, [])
        for build_id, workflow in (("a", DeployOnA), ("b", DeployOnB)):
            app = LambdaApp(workflows={QUEUE: [workflow]}, environ={**env, "DURABLE_BUILD_ID": build_id})
            lam.update_function_configuration(FunctionName=function, Description=f"deploy of {build_id}")
            version = lam.publish_version(FunctionName=function)["Version"]
            lam.create_alias(FunctionName=function, Name=build_alias(build_id), FunctionVersion=version)
            assert app.pinning is not None
            app.pinning.versions.client.meta.events.register("before-call.lambda.Invoke", deploys.run_version)
            deploys.apps[build_id] = app
        yield deploys


@dataclass
class Deploys:
    """The apps by build id, and the builds their synchronous invocations ran."""

    apps: dict[str, LambdaApp]
    invoked: list[str]

    def run_version(self, params: dict[str, Any], **kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        """Lambda's answer to an Invoke of a build's alias: ResourceNotFound without it (moto's
        GetAlias says), else what the build's handler returns (moto runs no function)."""
        function = params["url_path"].split("/")[3]
        qualifier = params["query_string"]["Qualifier"]
        boto3.client("lambda", region_name="us-east-1").get_alias(FunctionName=function, Name=qualifier)
        build_id = qualifier.removeprefix("build-")
        self.invoked.append(build_id)
        raw = json.dumps(self.apps[build_id].handle_inbox(json.loads(params["body"]))).encode()
        payload = StreamingBody(io.BytesIO(raw), len(raw))
        return AWSResponse("", 200, {}, None), {"StatusCode": 200, "Payload": payload}


def pump(app: LambdaApp) -> None:
    """Play the inbox's event source mapping (which invokes live) until the inbox is empty."""
    inbox = app.services.inbox
    while messages := inbox.receive(10):
        response = app.handle_inbox(sqs_event(inbox, messages))
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        inbox.delete([m.receipt for m in messages if m.message_id not in failed])


def test_a_run_keeps_deciding_on_its_build_through_lambda_and_its_build_is_retired_after(deploys) -> None:
    a, b = deploys.apps["a"], deploys.apps["b"]
    wf = f"pinned-{uuid.uuid4().hex[:6]}"
    run = Control(a.services, a.orchestrator).start(
        workflow_type="Deploy", workflow_id=wf, task_queue=QUEUE, input=encode_args([])
    )
    pump(a)  # A was live
    assert b.reconcile()["builds_retired"] == []  # B is live now; A's run still needs A

    Control(b.services, b.orchestrator).signal(wf, run, "proceed", encode_args([]))
    pump(b)
    history = b.services.history.load(execution_key(wf, run))
    (closed,) = [e for e in history if e["event_type"] == ev.WORKFLOW_COMPLETED]
    assert decode(closed["attributes"]["result"]) == "decided by A"
    assert [e["attributes"]["build_id"] for e in history if e["event_type"] == ev.TASK_COMPLETED] == ["a", "a"]
    assert deploys.invoked == ["a"]  # one synchronous invocation of build-a

    assert b.reconcile()["builds_retired"] == ["a"]
    lam = boto3.client("lambda", region_name="us-east-1")
    aliases = {x["Name"] for x in lam.list_aliases(FunctionName="durable-test-orchestrator")["Aliases"]}
    assert aliases == {"build-b"}
    versions = {
        v["Version"] for v in lam.list_versions_by_function(FunctionName="durable-test-orchestrator")["Versions"]
    }
    assert "1" not in versions and "2" in versions  # A's version deleted, B's kept
