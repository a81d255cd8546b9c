"""OpenTelemetry tracing with ``contrib.opentelemetry.TracingInterceptor``: one trace, with
temporalio's span names, parents, links and attributes.

A workflow with a signal, a query, an update, an activity, a local activity and a child
(with its own activity) is traced into the SDK's in-memory exporter; the span tree must be
the same on both backends. Workflow-side spans are made only by code that is not replaying:
a query after the run closed replays it from scratch (temporalio's worker evicted it; durable
replays every query from the log), and a ``Replayer`` replays the history again, and neither
adds a workflow span.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from . import sdk
from .sdk import activity, workflow


@activity.defn
async def traced_step(name: str) -> str:
    return f"step {name}"


@workflow.defn
class TracedChild:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(traced_step, "child", start_to_close_timeout=timedelta(seconds=10))


@workflow.defn
class Traced:
    def __init__(self) -> None:
        self.go = False
        self.count = 0

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: self.go)
        step = await workflow.execute_activity(traced_step, "parent", start_to_close_timeout=timedelta(seconds=10))
        local = await workflow.execute_local_activity(
            traced_step, "local", start_to_close_timeout=timedelta(seconds=10)
        )
        child = await workflow.execute_child_workflow(TracedChild.run, id=f"{workflow.info().workflow_id}-child")
        return [step, local, child]

    @workflow.signal
    def start(self) -> None:
        self.go = True

    @workflow.query
    def counted(self) -> int:
        return self.count

    @workflow.update
    def bump(self, by: int) -> int:
        self.count += by
        return self.count

    @bump.validator
    def check_bump(self, by: int) -> None:
        if by <= 0:
            raise ValueError("by must be positive")


def _tracer() -> tuple[Any, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer(__name__), exporter


def _tree(spans: tuple[ReadableSpan, ...]) -> list[str]:
    """The spans as an indented tree of names, children sorted by name (their order in time
    differs between backends; their parents do not)."""
    children: dict[int | None, list[ReadableSpan]] = defaultdict(list)
    for span in spans:
        children[span.parent.span_id if span.parent else None].append(span)
    lines: list[str] = []

    def walk(parent: int | None, depth: int) -> None:
        for span in sorted(children[parent], key=lambda s: s.name):
            lines.append("  " * depth + span.name)
            walk(span.context.span_id, depth + 1)

    walk(None, 0)
    return lines


EXPECTED = [
    "test",
    "  QueryWorkflow:counted",
    "    HandleQuery:counted",
    "  QueryWorkflow:counted",
    "    HandleQuery:counted",
    "  SignalWorkflow:start",
    "  StartWorkflow:Traced",
    "    CompleteWorkflow:Traced",
    "    HandleSignal:start",
    "    HandleUpdate:bump",
    "    RunWorkflow:Traced",
    "    StartActivity:traced_step",
    "      RunActivity:traced_step",
    "    StartActivity:traced_step",
    "      RunActivity:traced_step",
    "    StartChildWorkflow:TracedChild",
    "      CompleteWorkflow:TracedChild",
    "      RunWorkflow:TracedChild",
    "      StartActivity:traced_step",
    "        RunActivity:traced_step",
    "    ValidateUpdate:bump",
    "  StartWorkflowUpdate:bump",
]


async def test_a_workflow_and_everything_it_does_is_one_trace_with_temporalios_spans(client, task_queue):
    tracer, exporter = _tracer()
    interceptor = sdk.tracing_module().TracingInterceptor(tracer)
    config = client.config()
    config["interceptors"] = [interceptor]
    client = type(client)(**config)
    workflow_id = f"traced-{uuid.uuid4()}"
    async with sdk.new_worker(client, task_queue=task_queue, workflows=[Traced, TracedChild], activities=[traced_step]):
        with tracer.start_as_current_span("test"):
            handle = await client.start_workflow(Traced.run, id=workflow_id, task_queue=task_queue)
            assert await handle.execute_update(Traced.bump, 2) == 2
            assert await handle.query(Traced.counted) == 2
            await handle.signal(Traced.start)
            assert await handle.result() == ["step parent", "step local", "step child"]
            # The run is closed: answering replays it from scratch, which makes no workflow span.
            assert await handle.query(Traced.counted) == 2
        history = await handle.fetch_history()
    spans = exporter.get_finished_spans()
    assert _tree(spans) == EXPECTED
    assert len({span.context.trace_id for span in spans}) == 1

    by_name: dict[str, list[ReadableSpan]] = defaultdict(list)
    for span in spans:
        by_name[span.name].append(span)
    (run,) = by_name["RunWorkflow:Traced"]
    assert run.attributes is not None and run.attributes["temporalWorkflowID"] == workflow_id
    assert run.attributes["temporalRunID"] == handle.result_run_id
    activity_ids = {s.attributes["temporalActivityID"] for s in by_name["RunActivity:traced_step"] if s.attributes}
    assert len(activity_ids) >= 1
    (update,) = by_name["StartWorkflowUpdate:bump"]
    assert update.attributes is not None and update.attributes["temporalWorkflowID"] == workflow_id
    (signal,) = by_name["SignalWorkflow:start"]
    (handled,) = by_name["HandleSignal:start"]
    assert [link.context.span_id for link in handled.links] == [signal.context.span_id]

    # Replayed again from its history, the run makes no span at all.
    exporter.clear()
    await sdk.new_replayer([Traced, TracedChild], interceptors=[interceptor]).replay_workflow(history)
    assert exporter.get_finished_spans() == ()
