"""The seed's order workflow and the saga, end to end on the embedded engine."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from durable.client import WorkflowExecutionStatus, WorkflowFailureError, WorkflowUpdateFailedError
from durable.exceptions import ActivityError, ApplicationError
from durable.worker import Worker
from functions.activities.orders.activities import ACTIVITIES, SERVICES, Order, OrderItem
from statemachines.order import OrderResult, OrderWorkflow
from statemachines.saga import OrderSagaWorkflow


def new_order(payment_method: str = "card_ok") -> Order:
    oid = f"o-{uuid.uuid4().hex[:8]}"
    return Order(
        order_id=oid,
        customer_id="c-1",
        email="ada@example.com",
        items=[OrderItem(sku="book", quantity=2)],
        total=Decimal("42.50"),
        payment_method=payment_method,
    )


def calls_for(order_id: str) -> list[str]:
    return [what for what, key in SERVICES.calls if order_id in key]


async def test_happy_path_ships_after_confirmation(env):
    order = new_order()
    async with Worker(env.client, task_queue="orders", workflows=[OrderWorkflow], activities=ACTIVITIES):
        handle = await env.client.start_workflow(OrderWorkflow.run, order, id=order.order_id, task_queue="orders")
        await handle.signal(OrderWorkflow.confirm_order)
        result = await handle.result()
        assert isinstance(result, OrderResult)
        assert result.status == "completed" and result.shipment is not None
        assert await handle.query(OrderWorkflow.get_status) == "completed"
        assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    assert calls_for(order.order_id) == ["reserve", "charge", "ship"]
    assert SERVICES.count("email") >= 1


async def test_the_shipping_email_goes_where_the_change_email_update_said(env):
    order = new_order()
    async with Worker(env.client, task_queue="orders", workflows=[OrderWorkflow], activities=ACTIVITIES):
        handle = await env.client.start_workflow(OrderWorkflow.run, order, id=order.order_id, task_queue="orders")
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(OrderWorkflow.change_email, "not-an-address")
        assert await handle.execute_update(OrderWorkflow.change_email, "grace@example.com") == "ada@example.com"
        await handle.signal(OrderWorkflow.confirm_order)
        assert (await handle.result()).status == "completed"
    assert isinstance(rejected.value.cause, ApplicationError)
    assert rejected.value.cause.message == "'not-an-address' is not an email address"
    assert ("email", "grace@example.com:order-shipped") in SERVICES.calls


async def test_unconfirmed_order_is_refunded_and_released_after_24_hours(env):
    order = new_order()
    async with Worker(env.client, task_queue="orders", workflows=[OrderWorkflow], activities=ACTIVITIES):
        before = await env.get_current_time()
        result = await env.client.execute_workflow(OrderWorkflow.run, order, id=order.order_id, task_queue="orders")
        waited = (await env.get_current_time()) - before
    assert result == OrderResult(status="cancelled", reason="timeout")
    assert calls_for(order.order_id) == ["reserve", "charge", "refund", "release"]
    assert waited.total_seconds() >= 24 * 3600


async def test_payment_that_keeps_failing_releases_inventory_and_fails_the_order(env):
    order = new_order("card_declined")
    async with Worker(env.client, task_queue="orders", workflows=[OrderWorkflow], activities=ACTIVITIES):
        handle = await env.client.start_workflow(OrderWorkflow.run, order, id=order.order_id, task_queue="orders")
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    failure = info.value.cause
    assert isinstance(failure, ApplicationError) and failure.type == "PaymentFailed"
    activity_error = failure.cause
    assert isinstance(activity_error, ActivityError)
    assert isinstance(activity_error.cause, ApplicationError) and activity_error.cause.type == "PaymentDeclined"
    assert calls_for(order.order_id) == ["reserve"] + ["charge"] * 5 + ["release"]
    assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED


async def test_flaky_payment_is_retried_with_backoff(env):
    order = new_order("card_flaky")
    async with Worker(env.client, task_queue="orders", workflows=[OrderWorkflow], activities=ACTIVITIES):
        handle = await env.client.start_workflow(OrderWorkflow.run, order, id=order.order_id, task_queue="orders")
        await handle.signal(OrderWorkflow.confirm_order)
        assert (await handle.result()).status == "completed"
        history = await handle.fetch_history()
    retried = [e for e in history.events if e["event_type"] == "ActivityTaskAttemptFailed"]
    assert len(retried) == 1
    assert retried[0]["attributes"]["failure"]["application"]["type"] == "ConnectionError"
    assert calls_for(order.order_id).count("charge") == 2


async def test_saga_compensates_in_reverse_order(env):
    order = new_order("card_declined")
    async with Worker(env.client, task_queue="orders", workflows=[OrderSagaWorkflow], activities=ACTIVITIES):
        handle = await env.client.start_workflow(OrderSagaWorkflow.run, order, id=order.order_id, task_queue="orders")
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        assert await handle.query(OrderSagaWorkflow.compensations_run) == ["cancel_shipment", "release_inventory"]
    assert isinstance(info.value.cause, ActivityError)
    assert calls_for(order.order_id) == ["reserve", "ship", "charge", "charge", "charge", "cancel_shipment", "release"]


async def test_saga_succeeds_without_compensation(env):
    order = new_order()
    async with Worker(env.client, task_queue="orders", workflows=[OrderSagaWorkflow], activities=ACTIVITIES):
        assert (
            await env.client.execute_workflow(OrderSagaWorkflow.run, order, id=order.order_id, task_queue="orders")
            == "success"
        )
    assert calls_for(order.order_id) == ["reserve", "ship", "charge"]
