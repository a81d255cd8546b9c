"""`make demo`: the order workflow end to end on the embedded engine (moto, real time).

Starts an order whose first payment attempt times out, follows the workflow's history as
it grows, confirms the order when it waits for confirmation, then prints the result and
the whole history.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime
from decimal import Decimal

for var, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(var, value)

from durable.client import WorkflowHandle  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402
from functions.activities.orders.activities import ACTIVITIES, Order, OrderItem  # noqa: E402
from statemachines.order import OrderWorkflow  # noqa: E402


def describe_event(e: dict) -> str:
    a = e["attributes"]
    kind = e["event_type"]
    if kind == "ActivityTaskScheduled":
        return f"{kind:<34} {a['activity_type']} (activity {a['activity_id']})"
    if kind == "ActivityTaskAttemptFailed":
        retry_in = a["next_attempt_time"] - e["event_time"]
        return f"{kind:<34} attempt {a['attempt']}: {a['failure']['message']} (retry in {retry_in:.0f}s)"
    if kind in ("ActivityTaskCompleted", "WorkflowExecutionCompleted"):
        return f"{kind:<34} {a['result'][:70]}"
    if kind == "TimerStarted":
        return f"{kind:<34} {a['duration']:.0f}s"
    if kind == "WorkflowExecutionSignaled":
        return f"{kind:<34} {a['signal_name']}"
    return kind


async def follow(handle: WorkflowHandle, seen: int) -> int:
    events = (await handle.fetch_history()).events
    for e in events[seen:]:
        if e["event_type"] != "WorkflowTaskCompleted":
            stamp = datetime.fromtimestamp(e["event_time"], tz=UTC).strftime("%H:%M:%S.%f")[:-3]
            print(f"  {e['event_id']:>3}  {stamp}  {describe_event(e)}", flush=True)
    return len(events)


async def main() -> None:
    order = Order(
        order_id=f"order-{int(time.time())}",
        customer_id="customer-7",
        email="ada@example.com",
        items=[OrderItem(sku="keyboard", quantity=1), OrderItem(sku="mouse", quantity=2)],
        total=Decimal("129.90"),
        payment_method="card_flaky",
    )
    print("Starting the embedded engine (moto: DynamoDB, SQS) ...", flush=True)
    async with await WorkflowEnvironment.start_local() as env:
        async with Worker(env.client, task_queue="orders", workflows=[OrderWorkflow], activities=ACTIVITIES):
            handle = await env.client.start_workflow(OrderWorkflow.run, order, id=order.order_id, task_queue="orders")
            print(f"Started {order.order_id} (run {handle.result_run_id})\nHistory as it happens:", flush=True)
            seen, confirmed = 0, False
            result_task = asyncio.ensure_future(handle.result())
            while not result_task.done():
                seen = await follow(handle, seen)
                status = await handle.query(OrderWorkflow.get_status)
                if status == "awaiting confirmation" and not confirmed:
                    print("  ---  the customer confirms: signal confirm_order", flush=True)
                    await handle.signal(OrderWorkflow.confirm_order)
                    confirmed = True
                await asyncio.sleep(0.2)
            result = await result_task
            await follow(handle, seen)
            description = await handle.describe()
            print(f"\nResult: {result}")
            print(
                f"Status: {description.status.name}, {description.history_length} events, "
                f"{(description.close_time - description.start_time).total_seconds():.1f}s"
            )


if __name__ == "__main__":
    asyncio.run(main())
