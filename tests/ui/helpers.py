"""What the UI tests share: how long to wait for the engine, and a running Counter to look at."""

from __future__ import annotations

import uuid

from .conftest import api
from .workflows import TASK_QUEUE

WAIT_MS = 30_000
"""Long enough for the engine on the embedded emulation; playwright's expect() retries until then."""


def start_counter(base: str, start: int) -> str:
    """Start a Counter workflow through the API; its workflow id."""
    workflow_id = f"counter-{uuid.uuid4().hex[:6]}"
    api(base, "POST", "/api/v1/workflows", {
        "workflow_type": "Counter", "workflow_id": workflow_id, "task_queue": TASK_QUEUE, "input": [start],
    })  # fmt: skip
    return workflow_id
