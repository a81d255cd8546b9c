"""What one activity step costs on AWS: requests counted on moto, priced at us-east-1 list prices.

A workflow runs N sequential activities (and, separately, N sequential local activities) under
time skipping on moto, through the code a deployment runs. Every botocore call is counted,
the ones Lambda's event source mappings make included (the dispatcher's ReceiveMessage and
DeleteMessageBatch: the same calls, billed the same way). Lambda requests are the
invocations: each activity attempt (its queue's mapping, batch size 1), each inbox batch the
orchestrator's mapping hands it, and each asynchronous Invoke of the orchestrator (an
activity's outcome delivered straight to its run). The run's start and close are included,
spread over its steps.

Prices (us-east-1, on demand, request charges only; compute is stated apart):
DynamoDB $0.625 per million write request units and $0.125 per million read request units
(one unit per request: a step's items are under 1 KB), SQS standard $0.40 and FIFO $0.50 per
million requests, Lambda $0.20 per million requests.

    .venv/bin/python benchmarks/step_cost.py [--steps 200]

The last line is one JSON object: requests and dollars per million steps, remote and local.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for var, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(var, value)

from durable import activity, workflow  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402

PRICE = {
    "dynamodb.write": 0.625e-6,
    "dynamodb.read": 0.125e-6,
    "sqs.standard": 0.40e-6,
    "sqs.fifo": 0.50e-6,
    "lambda.request": 0.20e-6,
}
_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
_READS = {"GetItem", "Query", "Scan", "BatchGetItem"}
_SETUP = {"CreateQueue", "GetQueueAttributes", "GetQueueUrl", "CreateTable", "CreateFunction", "CreateRole"}
COMPUTE_NOTE = (
    "Lambda compute is apart: arm64 is $0.0000133334 per GB-s, so an invocation of 50 ms at 512 MB "
    "is $0.33 per million (a remote step makes two)"
)


@activity.defn
async def step(i: int) -> int:
    return i + 1


@workflow.defn
class Steps:
    @workflow.run
    async def run(self, steps: int) -> int:
        total = 0
        for _ in range(steps):
            total = await workflow.execute_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
        return total


@workflow.defn
class LocalSteps:
    @workflow.run
    async def run(self, steps: int) -> int:
        total = 0
        for _ in range(steps):
            total = await workflow.execute_local_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
        return total


class Meter:
    """Counts botocore calls (by service and operation, SQS by queue kind) and Lambda invocations."""

    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.dollars: collections.Counter[str] = collections.Counter()
        self.invocations = 0

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        client.meta.events.register("before-call.*.*", lambda model, params, **_: self._before(service, model, params))
        client.meta.events.register("after-call.sqs.ReceiveMessage", self._received)

    def _before(self, service: str, model: Any, params: dict[str, Any]) -> None:
        name = model.name
        if name in _SETUP:
            return
        self.calls[f"{service}.{name}"] += 1
        if service == "dynamodb":
            self.dollars["dynamodb.write" if name in _WRITES else "dynamodb.read"] += 1
        elif service == "sqs":
            self.dollars["sqs.fifo" if str(params.get("QueueUrl", "")).endswith(".fifo") else "sqs.standard"] += 1
        elif service == "lambda" and name == "Invoke":
            self.dollars["lambda.request"] += 1  # an invocation of the orchestrator

    def _received(self, parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("Messages"):
            # A mapping's receive that found work hands it to one invocation (a batch).
            self.invocations += 1
            self.dollars["lambda.request"] += 1

    def per_step(self, steps: int) -> tuple[float, float]:
        requests = sum(self.calls.values()) / steps
        usd = sum(PRICE[k] * n for k, n in self.dollars.items()) / steps
        return requests, usd * 1e6


async def measure(workflow_cls: Any, steps: int) -> Meter:
    meter = Meter()
    async with await WorkflowEnvironment.start_time_skipping(backend="moto") as env:
        for client in env.runtime.backend.boto_clients:
            meter.attach(client)
        async with Worker(env.client, task_queue="bench", workflows=[workflow_cls], activities=[step]):
            result = await env.client.execute_workflow(workflow_cls.run, steps, id="bench", task_queue="bench")
    assert result == steps
    return meter


def report(label: str, meter: Meter, steps: int) -> dict[str, float]:
    requests, usd = meter.per_step(steps)
    print(f"{label}: {steps} steps on moto, {requests:.2f} AWS requests and ${usd:.2f} per million steps")
    for call, n in meter.calls.most_common():
        print(f"    {call:<32} {n / steps:6.2f}/step")
    print(f"    {'Lambda invocations by mappings':<32} {meter.invocations / steps:6.2f}/step")
    for kind, n in sorted(meter.dollars.items()):
        print(f"    ${PRICE[kind] * n / steps * 1e6:5.2f} per million steps: {kind} ({n / steps:.2f}/step)")
    return {"requests_per_step": round(requests, 2), "usd_per_million_steps": round(usd, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    remote = report("remote activities", asyncio.run(measure(Steps, args.steps)), args.steps)
    local = report("local activities", asyncio.run(measure(LocalSteps, args.steps)), args.steps)
    print(COMPUTE_NOTE)
    print(json.dumps({"remote": remote, "local": local}))


if __name__ == "__main__":
    main()
