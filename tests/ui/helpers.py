"""What the UI tests share: how long to wait for the engine, a running Counter to look at, a client."""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from durable.client import Client

from .conftest import api
from .workflows import TASK_QUEUE

WAIT_MS = 30_000
"""Long enough for the engine on the embedded emulation; playwright's expect() retries until then."""
T = TypeVar("T")


def start_counter(base: str, start: int) -> str:
    """Start a Counter workflow through the API; its workflow id."""
    workflow_id = f"counter-{uuid.uuid4().hex[:6]}"
    api(base, "POST", "/api/v1/workflows", {
        "workflow_type": "Counter", "workflow_id": workflow_id, "task_queue": TASK_QUEUE, "input": [start],
    })  # fmt: skip
    return workflow_id


def run_client(base: str, work: Callable[[Client], Awaitable[T]]) -> T:
    """Run ``work`` with a client of the dev server (``Client.connect``, over HTTP), on a
    thread of its own: playwright's sync API keeps an event loop on the test's thread."""

    async def connected() -> T:
        return await work(await Client.connect(base))

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, connected()).result(timeout=60)
