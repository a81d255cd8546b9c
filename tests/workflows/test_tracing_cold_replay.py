"""Tracing never makes a workflow span twice, however often a run is replayed (both backends).

With an orchestrator that keeps nothing warm, every workflow task of a run replays it from
its log first, as a new Lambda container would. The trace must be what a warm orchestrator
makes: one ``RunWorkflow``, one ``StartActivity`` per activity, one ``HandleSignal`` per
signal, one ``CompleteWorkflow``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from durable import activity, workflow
from durable._runtime.orchestrator import Orchestrator
from durable.client import Client
from durable.contrib.opentelemetry import TracingInterceptor
from durable.worker import Worker


@activity.defn
async def count_step(n: int) -> int:
    return n + 1


@workflow.defn
class Stepper:
    def __init__(self) -> None:
        self.extra = 0

    @workflow.run
    async def run(self) -> int:
        total = 0
        for i in range(3):
            total += await workflow.execute_activity(count_step, i, start_to_close_timeout=timedelta(seconds=10))
            await asyncio.sleep(1)
        await workflow.wait_condition(lambda: self.extra > 0)
        return total + self.extra

    @workflow.signal
    def add(self, n: int) -> None:
        self.extra += n


async def _traced_names(env, *, cold: bool) -> Counter[str]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer(__name__)
    runtime = env.runtime
    if cold:
        runtime.orchestrator = Orchestrator(runtime.backend.services, runtime.registry, cache_size=0)
    config = env.client.config()
    config["interceptors"] = [TracingInterceptor(tracer)]
    client = Client(**config)
    task_queue = f"stepper-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[Stepper], activities=[count_step]):
        with tracer.start_as_current_span("test"):
            handle = await client.start_workflow(Stepper.run, id=f"stepper-{uuid.uuid4()}", task_queue=task_queue)
            await env.sleep(5)
            await handle.signal(Stepper.add, 10)
            assert await handle.result() == 16
    spans = exporter.get_finished_spans()
    assert len({s.context.trace_id for s in spans}) == 1
    return Counter(s.name for s in spans)


async def test_a_run_replayed_for_every_workflow_task_makes_each_span_once(env) -> None:
    cold = await _traced_names(env, cold=True)
    assert cold == Counter(
        {
            "test": 1,
            "StartWorkflow:Stepper": 1,
            "RunWorkflow:Stepper": 1,
            "StartActivity:count_step": 3,
            "RunActivity:count_step": 3,
            "SignalWorkflow:add": 1,
            "HandleSignal:add": 1,
            "CompleteWorkflow:Stepper": 1,
        }
    )
