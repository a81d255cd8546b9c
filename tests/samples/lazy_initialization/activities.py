# Ported from Temporal's samples (temporalio/samples-python):
# message_passing/update_with_start/lazy_initialization/activities.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's package -> tests.samples).
import asyncio
from dataclasses import dataclass
from typing import Optional

from durable import activity


@dataclass
class ShoppingCartItem:
    sku: str
    quantity: int


@activity.defn
async def get_price(item: ShoppingCartItem) -> Optional[int]:
    await asyncio.sleep(0.1)
    price = None if item.sku == "sku-456" else 599
    if price is None:
        return None
    return price * item.quantity
