"""Activities of the ``orders`` task queue: inventory, payments, shipping, email.

The external services are small in-process fakes (an inventory, a payment gateway, a
carrier, a mailer) so the samples run anywhere; each call is recorded so tests can
check that every side effect happened once per attempt. Replace them with real clients.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from durable import activity
from durable.exceptions import ApplicationError

TASK_QUEUE = "orders"


@dataclass
class OrderItem:
    sku: str
    quantity: int


@dataclass
class Order:
    order_id: str
    customer_id: str
    email: str
    items: list[OrderItem]
    total: Decimal
    payment_method: str = "card_ok"
    """Test cards: ``card_declined`` is refused every time, ``card_flaky`` times out once."""


@dataclass
class Reservation:
    reservation_id: str
    order_id: str


@dataclass
class Payment:
    payment_id: str
    amount: Decimal


@dataclass
class Shipment:
    shipment_id: str
    tracking_number: str


@dataclass
class ServiceCalls:
    """What the fake services were asked to do, in order (for tests and the demo)."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, key: str) -> None:
        with self.lock:
            self.calls.append((what, key))

    def count(self, what: str) -> int:
        with self.lock:
            return sum(1 for w, _ in self.calls if w == what)


SERVICES = ServiceCalls()


@activity.defn
async def reserve_inventory(order: Order) -> Reservation:
    SERVICES.record("reserve", order.order_id)
    activity.logger.info("reserved %d items for %s", len(order.items), order.order_id)
    return Reservation(reservation_id=f"res-{order.order_id}", order_id=order.order_id)


@activity.defn
async def release_inventory(reservation: Reservation) -> None:
    SERVICES.record("release", reservation.reservation_id)


@activity.defn
async def charge_payment(order: Order) -> Payment:
    SERVICES.record("charge", order.order_id)
    if order.payment_method == "card_declined":
        raise ApplicationError(f"card declined for {order.customer_id}", type="PaymentDeclined")
    if order.payment_method == "card_flaky" and activity.info().attempt == 1:
        raise ConnectionError("payment gateway timed out")
    return Payment(payment_id=f"pay-{order.order_id}-{activity.info().attempt}", amount=order.total)


@activity.defn
async def refund_payment(payment: Payment) -> None:
    SERVICES.record("refund", payment.payment_id)


@activity.defn
async def ship_order(order: Order) -> Shipment:
    SERVICES.record("ship", order.order_id)
    return Shipment(shipment_id=f"shp-{order.order_id}", tracking_number=uuid.uuid4().hex[:12].upper())


@activity.defn
async def cancel_shipment(shipment: Shipment) -> None:
    SERVICES.record("cancel_shipment", shipment.shipment_id)


@activity.defn
async def send_email(to: str, template: str, tracking_number: str) -> None:
    SERVICES.record("email", f"{to}:{template}")


ACTIVITIES = [
    reserve_inventory,
    release_inventory,
    charge_payment,
    refund_payment,
    ship_order,
    cancel_shipment,
    send_email,
]
