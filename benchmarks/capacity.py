"""What one namespace sustains, from AWS's published quotas and the requests the engine makes.

The engine is run on moto (the AWS adapters, as a deployment runs them): workflows with no
activity give the AWS requests of one start (start, first decision, completion), and one
workflow of many sequential activities the requests of one activity step. Every botocore
call is counted by resource (inbox, activity queue, each table), by operation, and by which
function makes it (the API's client, the orchestrator, the activity function, or Lambda's
event source mapping polling a queue), read from the call stack. Nothing is hard-coded:
when the engine makes fewer requests, the figures rise.

Each stage of the path is then a linear budget: ``per_step * steps/s + per_start * starts/s
<= quota``. The script prints, for the stack's default options and for the capacity options
the README documents, what each stage takes alone (steps/s with no starts, starts/s with no
steps), how busy it is at both targets at once (5,000 steps/s and 1,000 starts/s), and which
quota binds first. The last line is one JSON object.

Two figures are assumptions, not quotas, and are printed with the results: how long one AWS
request takes from inside Lambda (DynamoDB promises single-digit milliseconds; 10 ms is used
for every request) and a fixed cost per invocation (runtime, replay, JSON: 20 ms). They turn
requests into function durations, and durations into concurrency (Little's law). Pass
``--request-ms`` / ``--invoke-ms`` / ``--activity-ms`` (the user's own code) to see others.

    .venv/bin/python benchmarks/capacity.py [--steps 40] [--starts 20]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import math
import os
import sys
import traceback
from dataclasses import dataclass, field
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
from durable._aws.index_shards import SHARDS  # noqa: E402
from durable._limits import dynamodb_item_size  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402
from stacks.capacity_options import CapacityOptions  # noqa: E402

TARGET_STEPS = 5_000
TARGET_STARTS = 1_000


# -- AWS's published quotas (us-east-1 defaults), each with where it is written ---------------


@dataclass(frozen=True)
class Quota:
    value: float
    what: str
    url: str
    quote: str


QUOTAS = {
    "fifo_ht_tps": Quota(
        70_000,
        "SQS FIFO high-throughput: transactions/s per API action (SendMessage, ReceiveMessage, DeleteMessage)",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html",
        "US East (N. Virginia), US West (Oregon), and Europe (Ireland): Up to 70,000 transactions per second (TPS)",
    ),
    "fifo_group_tps": Quota(
        300,
        "SQS FIFO: transactions/s per API action per partition (one workflow id's group at most)",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html",
        "Each partition in a FIFO queue is limited to 300 transactions per second, per API action",
    ),
    "standard_tps": Quota(
        math.inf,
        "SQS standard queue: API calls/s per action",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html",
        "Standard queues support a very high, nearly unlimited number of API calls per second, per action",
    ),
    "lambda_account_concurrency": Quota(
        1_000,
        "Lambda: concurrent executions per account and Region (adjustable)",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html",
        "By default, Lambda provides your account with a total concurrency limit of 1,000 concurrent executions",
    ),
    "lambda_scaling_rate": Quota(
        1_000,
        "Lambda: new execution environments per function every 10 s (a ramp, not a ceiling)",
        "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html",
        "for each function, your concurrency scaling rate is 1,000 execution environment instances every 10 seconds",
    ),
    "esm_max_concurrency": Quota(
        1_000,
        "Lambda SQS event source: MaximumConcurrency range 2-1,000",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
        "aws-properties-lambda-eventsourcemapping-scalingconfig.html",
        "MaximumConcurrency ... Minimum: 2 Maximum: 1000",
    ),
    "esm_standard_batches": Quota(
        1_000,
        "Lambda SQS event source (standard queue): batches processed at once (+300 instances a minute)",
        "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html",
        "The maximum number of batches that an event source mapping can process simultaneously is 1,000",
    ),
    "ddb_partition_wcu": Quota(
        1_000,
        "DynamoDB: write units/s per partition (tables and GSIs)",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
        "every partition ... a maximum capacity of 3,000 read units per second and 1,000 write units per second",
    ),
    "ddb_partition_rcu": Quota(
        3_000,
        "DynamoDB: read units/s per partition",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
        "every partition ... a maximum capacity of 3,000 read units per second and 1,000 write units per second",
    ),
    "ddb_table_wru": Quota(
        40_000,
        "DynamoDB on-demand: write request units/s per table (adjustable)",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html",
        "your on-demand throughput rate is bounded by 40,000 table-level read and write throughput AWS service quota",
    ),
    "ddb_table_rru": Quota(
        40_000,
        "DynamoDB on-demand: read request units/s per table (adjustable)",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Limits.html",
        "Per table: 40,000 read request units and 40,000 write request units",
    ),
    "apigw_account_rps": Quota(
        10_000,
        "API Gateway: requests/s per account and Region, all APIs (burst 5,000)",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        "10,000 requests per second (RPS) with an additional burst capacity ... maximum bucket capacity of 5,000",
    ),
    "scheduler_create_tps": Quota(
        5_000,
        "EventBridge Scheduler: CreateSchedule requests/s (timers over 15 min, schedules)",
        "https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html",
        "CreateSchedule request rate (default 5,000 TPS in primary Regions ...)",
    ),
    "scheduler_invocations_tps": Quota(
        1_000,
        "EventBridge Scheduler: invocations/s (schedules firing)",
        "https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html",
        "Invocations throttle limit (default 1,000 TPS in primary Regions ...)",
    ),
}

# The stack's default options, and the ones the README documents for these targets.
DEFAULT_OPTIONS = CapacityOptions()
CAPACITY_OPTIONS = CapacityOptions(orchestrator_max_concurrency=1000, api_rate_limit=2000, api_burst_limit=4000)


# -- counting the engine's requests on moto --------------------------------------------------


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


_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
_READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
_ROLES = (
    # Before the orchestrator's own: an activity's outcome invokes the orchestrator directly
    # (Lambda's asynchronous invoke), outside the inbox's event source mapping and its cap.
    ("handle_deliveries", "orchestrator (invoked)"),
    ("orchestrator_handler", "orchestrator"),
    ("activity_handler", "activity fn"),
    ("timer_relay_handler", "timer relay"),
)


def _role() -> str:
    """Which function makes the call now: read from the stack (the dispatcher plays Lambda's pollers)."""
    stack = traceback.extract_stack()
    names = {frame.name for frame in stack}
    for function, role in _ROLES:
        if function in names:
            return role
    if any(frame.filename.endswith("dispatcher.py") for frame in stack):
        return "event source"
    return "api (client)"


def _resource(service: str, params: dict[str, Any]) -> str:
    if service == "sqs":
        name = str(params.get("QueueUrl", "")).rsplit("/", 1)[-1]
        if "dlq" in name:
            return "dead letters"
        if name.endswith(".fifo"):
            return "inbox (FIFO)"
        return "activity queue" if name.startswith("activities") else f"queue {name}"
    if service == "dynamodb":
        table = str(params.get("TableName", ""))
        for kind in ("history", "executions", "idempotency"):
            if f"-{kind}-" in table or table.endswith(kind):
                return f"{kind} table"
        return "transaction" if "TransactItems" in params else "table"
    return service


@dataclass
class Tally:
    """Requests, and DynamoDB units, counted by (role, resource, operation)."""

    requests: collections.Counter[tuple[str, str, str]] = field(default_factory=collections.Counter)
    wru: collections.Counter[str] = field(default_factory=collections.Counter)  # per table
    rru: collections.Counter[str] = field(default_factory=collections.Counter)
    gsi_wru: float = 0.0  # write units landing in each listing index (every execution item is in all three)

    def minus(self, other: Tally, times: float = 1.0) -> Tally:
        out = Tally()
        for k in self.requests.keys() | other.requests.keys():
            out.requests[k] = self.requests[k] - times * other.requests[k]  # type: ignore[assignment]
        for k in self.wru.keys() | other.wru.keys():
            out.wru[k] = self.wru[k] - times * other.wru[k]  # type: ignore[assignment]
        for k in self.rru.keys() | other.rru.keys():
            out.rru[k] = self.rru[k] - times * other.rru[k]  # type: ignore[assignment]
        out.gsi_wru = self.gsi_wru - times * other.gsi_wru
        return out

    def scaled(self, factor: float) -> Tally:
        out = Tally()
        out.requests.update({k: v * factor for k, v in self.requests.items()})  # type: ignore[misc]
        out.wru.update({k: v * factor for k, v in self.wru.items()})  # type: ignore[misc]
        out.rru.update({k: v * factor for k, v in self.rru.items()})  # type: ignore[misc]
        out.gsi_wru = self.gsi_wru * factor
        return out

    def count(self, **match: str) -> float:
        """Requests whose role, resource and op match (a value ending in ``*`` matches a prefix)."""

        def matches(key: tuple[str, str, str]) -> bool:
            named = dict(zip(("role", "resource", "op"), key, strict=True))
            return all(named[m].startswith(v[:-1]) if v.endswith("*") else named[m] == v for m, v in match.items())

        return float(sum(n for k, n in self.requests.items() if matches(k)))

    def total(self) -> float:
        return float(sum(self.requests.values()))


def _write_units(item: dict[str, Any] | None) -> int:
    """Write units of one item write: 1 per KB started (an update's item is taken as under 1 KB)."""
    return 1 if item is None else max(1, math.ceil(dynamodb_item_size(item) / 1024))


def _is_execution(key_or_item: dict[str, Any]) -> bool:
    return str(key_or_item.get("pk", {}).get("S", "")).startswith("wf#")


def _record_dynamodb_write(tally: Tally, op: str, params: dict[str, Any], table: str) -> None:
    writes: list[tuple[str, dict[str, Any], bool]] = []  # (table, item or key, whole item?)
    if op == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            (kind, body), *_ = entry.items()
            name = _resource("dynamodb", body)
            writes.extend([(name, body.get("Item") or body.get("Key", {}), "Item" in body)] * 2)  # 2 units a write
    elif op == "BatchWriteItem":
        for name, requests in params.get("RequestItems", {}).items():
            for r in requests:
                writes.append(
                    (_resource("dynamodb", {"TableName": name}), r.get("PutRequest", {}).get("Item", {}), True)
                )
    else:
        item = params.get("Item")
        writes.append((table, item or params.get("Key", {}), item is not None))
    for name, item, whole in writes:
        units = _write_units(item if whole else None)
        tally.wru[name] += units
        if _is_execution(item):
            # Each listing index holds every execution item (ALL projected): a write there is a
            # write to the index too; a status change writes by_status_shard twice (out, in).
            tally.gsi_wru += units


def _record_dynamodb_read(tally: Tally, params: dict[str, Any], response: dict[str, Any], table: str) -> None:
    items = response.get("Items") or ([response["Item"]] if "Item" in response else [])
    size = sum(dynamodb_item_size(i) for i in items)
    units = max(1, math.ceil(size / 4096))
    tally.rru[table] += units if params.get("ConsistentRead") else units / 2


async def count(workflows: int, steps: int) -> Tally:
    """The AWS requests of ``workflows`` runs of ``steps`` sequential activities each, on moto.

    A first run warms up (the worker's queue is created then) and is not counted; the
    client's requests count while it starts a run (what the API function does), not while
    this script waits for the result (a caller's polling, not the run's cost).
    """
    tally = Tally()
    pending: dict[int, tuple[str, str, dict[str, Any], str]] = {}
    counting = {"on": False, "client": False}

    def before(model: Any, params: dict[str, Any], context: dict[str, Any], _service: str, **_: Any) -> None:
        role = _role()
        if not counting["on"] or (role == "api (client)" and not counting["client"]):
            return
        resource = _resource(_service, params)
        tally.requests[(role, resource, model.name)] += 1
        pending[id(context)] = (_service, model.name, params, resource)

    def after(model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        service, op, params, resource = pending.pop(id(context), ("", "", {}, ""))
        if service != "dynamodb":
            return
        if op in _WRITES:
            _record_dynamodb_write(tally, op, params, resource)
        elif op in _READS:
            _record_dynamodb_read(tally, params, parsed, resource)

    async with await WorkflowEnvironment.start_time_skipping(backend="moto") as env:
        for client in env.runtime.backend.boto_clients:
            service = client.meta.service_model.service_name
            client.meta.events.register(
                "before-parameter-build.*.*", lambda _s=service, **kw: before(_service=_s, **kw)
            )
            client.meta.events.register("after-call.*.*", after)
        async with Worker(env.client, task_queue="bench", workflows=[Steps], activities=[step]):
            assert await env.client.execute_workflow(Steps.run, 1, id="warm-up", task_queue="bench") == 1
            counting["on"] = True
            for i in range(workflows):
                counting["client"] = True
                handle = await env.client.start_workflow(Steps.run, steps, id=f"cap-{steps}-{i}", task_queue="bench")
                counting["client"] = False
                assert await handle.result() == steps
    return tally


# -- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    name: str
    per_step: float  # load of one step, in the quota's unit
    per_start: float
    capacity: float
    quota: str  # what binds (a QUOTAS key or an option)
    function: bool = False  # the concurrency of one Lambda function (which scales at Lambda's rate)

    def alone(self, per: float) -> float:
        return math.inf if per <= 0 else self.capacity / per

    def busy_at_targets(self) -> float:
        return (self.per_step * TARGET_STEPS + self.per_start * TARGET_STARTS) / self.capacity


def _duration(tally: Tally, role: str, request_s: float, invoke_s: float, extra_s: float = 0.0) -> float:
    """Seconds of ``role``'s function per unit: its requests, one invocation's fixed cost, its own work."""
    requests = tally.count(role=role)
    return 0.0 if requests == 0 and extra_s == 0 else requests * request_s + invoke_s + extra_s


def stages(step: Tally, start: Tally, options: CapacityOptions, args: argparse.Namespace) -> list[Stage]:
    q = {k: v.value for k, v in QUOTAS.items()}
    request_s, invoke_s, activity_s = args.request_ms / 1000, args.invoke_ms / 1000, args.activity_ms / 1000
    orch_step = _duration(step, "orchestrator", request_s, invoke_s)
    orch_start = _duration(start, "orchestrator", request_s, invoke_s)
    invoked_step = _duration(step, "orchestrator (invoked)", request_s, invoke_s)
    invoked_start = _duration(start, "orchestrator (invoked)", request_s, invoke_s)
    act_step = _duration(step, "activity fn", request_s, invoke_s, activity_s)
    api_start = _duration(start, "api (client)", request_s, invoke_s)
    out = [
        Stage("API stage throttle", 0, 1, min(options.api_rate_limit, q["apigw_account_rps"]), "api_rate_limit"),
    ]
    for op in ("SendMessage*", "ReceiveMessage", "DeleteMessage*"):
        out.append(
            Stage(
                f"inbox {op.rstrip('*')}",
                step.count(resource="inbox (FIFO)", op=op),
                start.count(resource="inbox (FIFO)", op=op),
                q["fifo_ht_tps"],
                "fifo_ht_tps",
            )
        )
    out += [
        Stage(
            "orchestrator concurrency (inbox mapping)",
            orch_step,
            orch_start,
            options.orchestrator_max_concurrency,
            "orchestrator_max_concurrency",
            function=True,
        ),
        # Invoked with activities' outcomes: no mapping caps these, only a reserve or the account.
        Stage(
            "orchestrator concurrency (invoked)",
            invoked_step,
            invoked_start,
            options.orchestrator_reserved_concurrency or q["lambda_account_concurrency"],
            "orchestrator_reserved_concurrency"
            if options.orchestrator_reserved_concurrency
            else "lambda_account_concurrency",
            function=True,
        ),
        Stage(
            "activity fn concurrency (a task queue)",
            act_step,
            0,
            q["esm_standard_batches"],
            "esm_standard_batches",
            function=True,
        ),
        Stage(
            "Lambda concurrency (account)",
            orch_step + invoked_step + act_step,
            orch_start + invoked_start + api_start,
            q["lambda_account_concurrency"],
            "lambda_account_concurrency",
        ),
        Stage(
            "activity queue",
            step.count(resource="activity queue"),
            start.count(resource="activity queue"),
            q["standard_tps"],
            "standard_tps",
        ),
    ]
    for table in ("history table", "executions table", "idempotency table"):
        out.append(Stage(f"{table} writes", step.wru[table], start.wru[table], q["ddb_table_wru"], "ddb_table_wru"))
        out.append(Stage(f"{table} reads", step.rru[table], start.rru[table], q["ddb_table_rru"], "ddb_table_rru"))
    # A listing index's partition key is sharded by workflow id: its writes spread over SHARDS partitions.
    out.append(
        Stage(
            f"listing index shard ({SHARDS} shards)",
            step.gsi_wru / SHARDS,
            start.gsi_wru / SHARDS,
            q["ddb_partition_wcu"],
            "ddb_partition_wcu",
        )
    )
    scheduler_step = step.count(resource="scheduler")
    scheduler_start = start.count(resource="scheduler")
    out.append(
        Stage(
            "EventBridge Scheduler", scheduler_step, scheduler_start, q["scheduler_create_tps"], "scheduler_create_tps"
        )
    )
    return out


def _fmt(x: float) -> str:
    return "unbounded" if math.isinf(x) else f"{x:,.0f}"


def report(title: str, rows: list[Stage]) -> dict[str, Any]:
    print(f"\n{title}")
    print(
        f"  {'stage':<40} {'/step':>8} {'/start':>8} {'quota':>10} {'steps/s':>11} {'starts/s':>11} {'at targets':>10}"
    )
    for s in rows:
        print(
            f"  {s.name:<40} {s.per_step:8.3f} {s.per_start:8.3f} {_fmt(s.capacity):>10} "
            f"{_fmt(s.alone(s.per_step)):>11} {_fmt(s.alone(s.per_start)):>11} {s.busy_at_targets():>9.0%}"
        )
    by_steps = min(rows, key=lambda s: s.alone(s.per_step))
    by_starts = min(rows, key=lambda s: s.alone(s.per_start))
    busiest = max(rows, key=Stage.busy_at_targets)
    result: dict[str, Any] = {
        "steps_per_s": round(by_steps.alone(by_steps.per_step)),
        "starts_per_s": round(by_starts.alone(by_starts.per_start)),
        "binding_steps": f"{by_steps.name} ({by_steps.quota})",
        "binding_starts": f"{by_starts.name} ({by_starts.quota})",
        "busiest_at_targets": f"{busiest.name}: {busiest.busy_at_targets():.0%}",
    }
    # Lambda adds at most 1,000 environments a function every 10 s: how long the busiest
    # function takes to reach the concurrency both targets need from nothing.
    needed = {s.name: s.busy_at_targets() * s.capacity for s in rows if s.function}
    ramp = max(needed.values()) / QUOTAS["lambda_scaling_rate"].value * 10
    result["ramp_s"] = round(ramp)
    print(
        "  concurrency the targets need: "
        + ", ".join(f"{name} {n:,.0f}" for name, n in needed.items())
        + f" (reached from cold in about {ramp:.0f} s at Lambda's scaling rate)"
    )
    print(
        f"  => {result['steps_per_s']:,} steps/s (bound by {result['binding_steps']}), "
        f"{result['starts_per_s']:,} starts/s (bound by {result['binding_starts']}); "
        f"at {TARGET_STEPS:,} steps/s + {TARGET_STARTS:,} starts/s the busiest stage is {result['busiest_at_targets']}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--steps", type=int, default=40, help="sequential activities of the step run")
    parser.add_argument("--starts", type=int, default=20, help="runs with no activity, for a start's requests")
    parser.add_argument("--request-ms", type=float, default=10.0, help="assumed time of one AWS request")
    parser.add_argument("--invoke-ms", type=float, default=20.0, help="assumed fixed time of one invocation")
    parser.add_argument("--activity-ms", type=float, default=0.0, help="the activity's own work")
    args = parser.parse_args()

    starts = asyncio.run(count(args.starts, 0))
    stepped = asyncio.run(count(1, args.steps))
    start = starts.scaled(1 / args.starts)
    step = stepped.minus(start).scaled(1 / args.steps)

    print("AWS quotas used (us-east-1 defaults):")
    for key, quota in QUOTAS.items():
        print(f"  {key:<28} {_fmt(quota.value):>10}  {quota.what}\n  {'':<28} {'':>10}  {quota.url}")
    print(
        f"\nassumed: {args.request_ms:g} ms per AWS request, {args.invoke_ms:g} ms per invocation, "
        f"{args.activity_ms:g} ms of activity code"
    )
    print(f"\nAWS requests counted on moto: {step.total():.2f} per activity step, {start.total():.2f} per start")
    for title, tally in (("per step", step), ("per start", start)):
        print(f"  {title}:")
        for (role, resource, op), n in sorted(tally.requests.items(), key=lambda kv: (-kv[1], kv[0])):
            if abs(n) >= 0.005:
                print(f"    {role:<14} {resource:<18} {op:<22} {n:6.2f}")

    defaults = report(
        f"stack defaults (orchestrator_max_concurrency={DEFAULT_OPTIONS.orchestrator_max_concurrency}, "
        f"api_rate_limit={DEFAULT_OPTIONS.api_rate_limit:g})",
        stages(step, start, DEFAULT_OPTIONS, args),
    )
    options = (
        f"-c orchestrator_max_concurrency={CAPACITY_OPTIONS.orchestrator_max_concurrency} "
        f"-c api_rate_limit={CAPACITY_OPTIONS.api_rate_limit:g} -c api_burst_limit={CAPACITY_OPTIONS.api_burst_limit}"
    )
    documented = report(f"capacity options ({options})", stages(step, start, CAPACITY_OPTIONS, args))
    print(
        json.dumps(
            {
                **documented,
                "options": options,
                "requests_per_step": round(step.total(), 2),
                "requests_per_start": round(start.total(), 2),
                "defaults": defaults,
            }
        )
    )


if __name__ == "__main__":
    main()
