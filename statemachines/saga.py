"""A saga: each step registers its compensation; on failure they run in reverse order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from durable import workflow
from durable.common import RetryPolicy
from functions.activities.orders.activities import (
    Order,
    cancel_shipment,
    charge_payment,
    refund_payment,
    release_inventory,
    reserve_inventory,
    ship_order,
)

STEP = {"start_to_close_timeout": timedelta(minutes=1), "retry_policy": RetryPolicy(maximum_attempts=3)}


@workflow.defn
class OrderSagaWorkflow:
    def __init__(self) -> None:
        self.compensated: list[str] = []

    @workflow.run
    async def run(self, order: Order) -> str:
        compensations: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        try:
            reservation = await workflow.execute_activity(reserve_inventory, order, **STEP)
            compensations.append(
                ("release_inventory", lambda: workflow.execute_activity(release_inventory, reservation, **STEP))
            )
            shipment = await workflow.execute_activity(ship_order, order, **STEP)
            compensations.append(
                ("cancel_shipment", lambda: workflow.execute_activity(cancel_shipment, shipment, **STEP))
            )
            payment = await workflow.execute_activity(charge_payment, order, **STEP)
            compensations.append(("refund_payment", lambda: workflow.execute_activity(refund_payment, payment, **STEP)))
            return "success"
        except Exception:
            for name, compensate in reversed(compensations):
                try:
                    await compensate()
                    self.compensated.append(name)
                except Exception as comp_err:  # log and go on with the other compensations
                    workflow.logger.error("compensation %s failed: %s", name, comp_err)
            raise

    @workflow.query
    def compensations_run(self) -> list[str]:
        return self.compensated
