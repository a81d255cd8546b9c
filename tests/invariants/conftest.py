"""A workflow that exercises every kind of step, and an engine whose handlers can crash."""

from __future__ import annotations

import asyncio
import collections
import threading
from datetime import timedelta

from durable import activity, workflow
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.orchestrator import Orchestrator
from durable.common import RetryPolicy, SearchAttributeKey
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, faulty_services

EFFECTS: collections.Counter[tuple[str, str, int]] = collections.Counter()
LISTED: dict[str, dict] = {}  # workflow id -> search attributes its listing shows at the end
STAGE = SearchAttributeKey.for_keyword("Stage")
_lock = threading.Lock()


@activity.defn
async def effect(key: str) -> str:
    info = activity.info()
    with _lock:
        EFFECTS[(info.workflow_id, key, info.attempt)] += 1
    if key == "flaky" and info.attempt == 1:
        raise RuntimeError("first attempt fails")
    return key


@workflow.defn
class Mixed:
    def __init__(self) -> None:
        self.signals: list[str] = []
        self.waiting = False

    @workflow.run
    async def run(self) -> str:
        a = await workflow.execute_activity(effect, "a", start_to_close_timeout=timedelta(seconds=30))
        workflow.upsert_search_attributes([STAGE.value_set(a)])
        await asyncio.sleep(60)
        b = await workflow.execute_activity(
            effect, "flaky", start_to_close_timeout=timedelta(seconds=30), retry_policy=RetryPolicy(maximum_attempts=3)
        )
        self.waiting = True
        await workflow.wait_condition(lambda: bool(self.signals))
        return f"{a}-{b}-{','.join(self.signals)}"

    @workflow.signal
    def add(self, value: str) -> None:
        self.signals.append(value)

    @workflow.query
    def is_waiting(self) -> bool:
        return self.waiting


async def signal_when_waiting(handle) -> str:
    """Signal once the run waits for it, so every run makes the same calls in the same order.

    The result is awaited meanwhile: time skips over the workflow's timer only then.
    """
    result = asyncio.ensure_future(handle.result())
    while not await handle.query(Mixed.is_waiting):
        await asyncio.sleep(0.001)
    await handle.signal(Mixed.add, "x")
    return await asyncio.wait_for(result, timeout=60)


EXPECTED = "a-flaky-x"


async def run_mixed(
    crash_at: int | None, workflow_id: str, *, backend: str = "memory"
) -> tuple[str, Injector, list[dict]]:
    """Run Mixed on an engine whose handlers crash before the ``crash_at``-th AWS call."""
    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        runtime = env.runtime
        services = faulty_services(runtime.backend.services, injector)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        runtime.activity_worker = ActivityWorker(services, runtime.registry, heartbeat_throttle=1.0)
        async with Worker(env.client, task_queue="mixed", workflows=[Mixed], activities=[effect]):
            handle = await env.client.start_workflow(Mixed.run, id=workflow_id, task_queue="mixed")
            result = await signal_when_waiting(handle)
            history = (await handle.fetch_history()).events
            async for listed in env.client.list_workflows(f"WorkflowId = '{workflow_id}'"):
                LISTED[workflow_id] = {pair.key.name: pair.value for pair in listed.typed_search_attributes}
    return result, injector, history


def effects_of(workflow_id: str) -> dict[tuple[str, int], int]:
    with _lock:
        return {(k, a): n for (w, k, a), n in EFFECTS.items() if w == workflow_id}
