"""A signal accepted while its run closes is applied; one the run can no longer take is
refused to its caller. Never accepted and lost (docs/design/signals-at-close.md).

The orchestrator that completes the run sends, through the control a client's request
reaches, a signal before each AWS call it makes: before its read of the log, its fence,
its closing record, its record's close. Each is either in the run's result (and its history)
or answered NotRunning. On memory, moto and the SQLite file.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
from typing import Any

import pytest

from durable import workflow
from durable._replay import events as ev
from durable._runtime.control import Control, NotRunning
from durable._runtime.orchestrator import Orchestrator
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, faulty_services


@workflow.defn
class FirstWord:
    """Ends at its first signal, with every signal it has by then."""

    def __init__(self) -> None:
        self.got: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: bool(self.got))
        return self.got

    @workflow.signal
    def add(self, value: str) -> None:
        self.got.append(value)


class CountingMetrics:
    """The engine's metrics, with the counts kept for the test."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.counts: collections.Counter[str] = collections.Counter()

    def count(self, name: str, value: float = 1) -> None:
        self.counts[name] += value
        self.inner.count(name, value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class SignalBeforeEachCall(Injector):
    """Sends a signal to the workflow id before each AWS call the orchestrator makes, once per call."""

    def __init__(self, control: Control, workflow_id: str) -> None:
        super().__init__(None)
        self.control, self.workflow_id = control, workflow_id
        self.armed = False
        self.accepted: list[str] = []
        self.refused: list[str] = []
        self.sent_before: set[str] = set()

    def before(self, name: str) -> None:
        super().before(name)
        # Once per call name: a signal before every fence would keep the run open forever
        # (each makes the fence fail, rightly), a livelock of the test's own making.
        if not self.armed or name in self.sent_before or name.startswith(("executions.accept", "inbox")):
            return
        self.sent_before.add(name)
        value = f"before-{name}"
        try:
            self.control.signal(self.workflow_id, None, "add", [json.dumps(value)])
        except NotRunning:
            self.refused.append(value)
        else:
            self.accepted.append(value)


@pytest.mark.parametrize("backend", ["memory", "moto", "sqlite"])
async def test_every_signal_sent_while_the_run_closes_is_applied_or_refused(backend: str) -> None:
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        runtime = env.runtime
        workflow_id = f"closing-{backend}"
        injector = SignalBeforeEachCall(runtime.control, workflow_id)
        metrics = CountingMetrics(runtime.backend.services.metrics)
        services = dataclasses.replace(faulty_services(runtime.backend.services, injector), metrics=metrics)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        async with Worker(env.client, task_queue="closing", workflows=[FirstWord]):
            handle = await env.client.start_workflow(FirstWord.run, id=workflow_id, task_queue="closing")
            await asyncio.sleep(0.1)
            injector.armed = True
            await handle.signal(FirstWord.add, "first")
            result = await asyncio.wait_for(handle.result(), timeout=60)
            injector.armed = False
            history = (await handle.fetch_history()).events

    signalled = [json.loads(e["attributes"]["input"][0]) for e in history if e["event_type"] == ev.SIGNALED]
    assert injector.accepted, injector.calls  # the race was run: some signal came while it closed
    assert injector.refused, injector.calls  # ...and some after it could take no more
    assert sorted(result) == sorted(["first", *injector.accepted]), (result, injector.accepted, injector.calls)
    assert sorted(signalled) == sorted(result)
    assert not set(injector.refused) & set(result)
    assert "executions.fence_close" in injector.calls
    # A close that waits for its signals is no failure: it is counted apart, and no alarm's
    # metric (InboxMessagesFailed) sees it.
    assert metrics.counts["ClosesDeferredForSignals"] >= 1
    assert metrics.counts["InboxMessagesFailed"] == 0
