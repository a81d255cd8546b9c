"""Record the golden histories: `.venv/bin/python -m tests.histories.record`.

Run it only to add a history. The files it writes are the compatibility contract: every
test run replays them against the current code (test_golden_histories.py), so a change
to the engine or to the sample workflows that would break running executions fails.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

from durable._replay.events import FORMAT_VERSION
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from functions.activities.orders.activities import ACTIVITIES, Order, OrderItem
from statemachines.order import OrderWorkflow
from statemachines.saga import OrderSagaWorkflow

HERE = Path(__file__).parent


def order(order_id: str, payment_method: str = "card_ok") -> Order:
    return Order(
        order_id=order_id,
        customer_id="c-1",
        email="ada@example.com",
        items=[OrderItem("book", 2)],
        total=Decimal("42.50"),
        payment_method=payment_method,
    )


async def main() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(
            env.client, task_queue="orders", workflows=[OrderWorkflow, OrderSagaWorkflow], activities=ACTIVITIES
        ):
            runs = {}
            h = await env.client.start_workflow(
                OrderWorkflow.run, order("golden-happy", "card_flaky"), id="golden-happy", task_queue="orders"
            )
            await h.signal(OrderWorkflow.confirm_order)
            runs["order_confirmed_after_a_payment_retry"] = h
            runs["order_not_confirmed_in_24h"] = await env.client.start_workflow(
                OrderWorkflow.run, order("golden-timeout"), id="golden-timeout", task_queue="orders"
            )
            runs["order_payment_declined"] = await env.client.start_workflow(
                OrderWorkflow.run, order("golden-declined", "card_declined"), id="golden-declined", task_queue="orders"
            )
            runs["saga_compensated"] = await env.client.start_workflow(
                OrderSagaWorkflow.run, order("golden-saga", "card_declined"), id="golden-saga", task_queue="orders"
            )
            for name, handle in runs.items():
                try:
                    await handle.result()
                except Exception:
                    pass
                history = await handle.fetch_history()
                _strip_stack_traces(history.events)  # they name files of the machine that recorded them
                # durable's own event log form (to_json() writes Temporal's JSON: temporal/ has those)
                data = {"format_version": FORMAT_VERSION, "workflow_id": history.workflow_id, "events": history.events}
                (HERE / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
                print(f"wrote {name}.json ({len(history.events)} events)")


def _strip_stack_traces(value: object) -> None:
    if isinstance(value, dict):
        if "stack_trace" in value:
            value["stack_trace"] = ""
        for v in value.values():
            _strip_stack_traces(v)
    elif isinstance(value, list):
        for v in value:
            _strip_stack_traces(v)


if __name__ == "__main__":
    asyncio.run(main())
