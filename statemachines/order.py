"""The order workflow of the seed guide: reserve, charge, wait for confirmation, ship, email.

If nobody confirms within 24 hours, the payment is refunded and the inventory released.
A payment that keeps failing releases the inventory and fails the order. Until the order
ships, the ``change_email`` update changes where the shipping email goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from durable import workflow
from durable.common import RetryPolicy
from durable.exceptions import ActivityError, ApplicationError
from functions.activities.orders.activities import (
    Order,
    Payment,
    Reservation,
    Shipment,
    charge_payment,
    refund_payment,
    release_inventory,
    reserve_inventory,
    send_email,
    ship_order,
)

CONFIRMATION_WINDOW = timedelta(hours=24)
PAYMENT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1), maximum_attempts=5
)
STEP = {"start_to_close_timeout": timedelta(minutes=1)}


@dataclass
class OrderResult:
    status: str  # completed | cancelled
    reason: str = ""
    shipment: Shipment | None = None


@workflow.defn
class OrderWorkflow:
    # With the order in __init__, an update taken in the first workflow task (update-with-start)
    # already finds the order's email.
    @workflow.init
    def __init__(self, order: Order) -> None:
        self._status = "received"
        self._confirmed = False
        self._email = order.email

    @workflow.run
    async def run(self, order: Order) -> OrderResult:
        workflow.logger.info("order %s: %d items", order.order_id, len(order.items))
        self._status = "reserving inventory"
        reservation: Reservation = await workflow.execute_activity(reserve_inventory, order, **STEP)

        self._status = "charging payment"
        try:
            payment: Payment = await workflow.execute_activity(
                charge_payment, order, retry_policy=PAYMENT_RETRY, **STEP
            )
        except ActivityError as err:
            self._status = "payment failed"
            await workflow.execute_activity(release_inventory, reservation, **STEP)
            raise ApplicationError(f"payment for order {order.order_id} failed", type="PaymentFailed") from err

        self._status = "awaiting confirmation"
        try:
            await workflow.wait_condition(lambda: self._confirmed, timeout=CONFIRMATION_WINDOW)
        except TimeoutError:
            self._status = "cancelled: not confirmed in time"
            await workflow.execute_activity(refund_payment, payment, **STEP)
            await workflow.execute_activity(release_inventory, reservation, **STEP)
            return OrderResult(status="cancelled", reason="timeout")

        self._status = "shipping"
        shipment: Shipment = await workflow.execute_activity(ship_order, order, **STEP)
        await workflow.execute_activity(
            send_email, args=[self._email, "order-shipped", shipment.tracking_number], **STEP
        )
        self._status = "completed"
        return OrderResult(status="completed", shipment=shipment)

    @workflow.signal
    def confirm_order(self) -> None:
        self._confirmed = True

    @workflow.query
    def get_status(self) -> str:
        return self._status

    @workflow.update
    def change_email(self, email: str) -> str:
        """Send the shipping email to ``email`` instead; returns the address it replaces."""
        previous, self._email = self._email, email
        return previous

    @change_email.validator
    def _check_email(self, email: str) -> None:
        if "@" not in email:
            raise ValueError(f"{email!r} is not an email address")
