"""The event of an orchestrator invocation that delivers messages straight to their runs.

Its own module: the adapters that invoke the orchestrator build it, and the orchestrator's
handler tells it from an inbox batch (see :mod:`durable._runtime.delivery`).
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

__all__ = ["DELIVERIES", "DeliveryEvent", "delivery_event", "is_delivery_event"]

DELIVERIES = "durable_deliveries"
"""The key of a delivery event (an inbox batch from SQS has ``Records`` instead)."""


class DeliveryEvent(TypedDict):
    """The event of an orchestrator invocation that carries messages to runs."""

    durable_deliveries: list[str]
    """Inbox message bodies (sealed: a large one is a claim check), applied one by one."""


def delivery_event(bodies: list[str]) -> str:
    """The JSON of a delivery event carrying ``bodies``."""
    event: DeliveryEvent = {"durable_deliveries": bodies}
    return json.dumps(event, separators=(",", ":"))


def is_delivery_event(event: dict[str, Any]) -> bool:
    """Whether an orchestrator invocation's event is a delivery (else an inbox batch)."""
    return DELIVERIES in event
