"""A signal one workflow sends another by workflow id reaches the run the target continued as.

The engine looks up the target's current run, then sends the signal to that run's inbox;
the target may continue as new before the message is applied. A signal sent without a run
id must then go on to the next run, as a client's does (Temporal's continue-as-new is
atomic): a window of child workflows reporting back to a parent that pages by
continue-as-new otherwise waited forever for a report the closed run had dropped.

The interleaving is forced: the inbox holds the workflow's signal back until the target
has continued as new, then lets it through.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import replace
from typing import Any

from durable import workflow
from durable._runtime.orchestrator import Orchestrator
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

QUEUE = "external-signal-continue"


@workflow.defn
class Pager:
    def __init__(self) -> None:
        self.got: list[str] = []

    @workflow.run
    async def run(self, page: int) -> list[str]:
        # Set at run time, as a handler that must see the run's carried state would be.
        workflow.set_signal_handler("add", self.got.append)
        if page == 0:
            await workflow.wait_condition(lambda: "roll" in self.got)
            workflow.continue_as_new(1)
        await workflow.wait_condition(lambda: "report" in self.got)
        return self.got


@workflow.defn
class Reporter:
    @workflow.run
    async def run(self, target: str) -> None:
        # A timer first: the signal then goes out from the inbox's decision, not from an
        # eager first task decided outside the orchestrator under test.
        await workflow.sleep(1)
        await workflow.get_external_workflow_handle(target).signal("add", "report")


class HeldWorkflowSignals:
    """The inbox, except that signals sent by workflows wait until :meth:`let_through`."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.held: list[tuple[str, dict[str, Any]]] = []
        self.holding = True

    def send(self, body: str, **kwargs: Any) -> None:
        message = json.loads(body)
        with self._lock:
            if self.holding and message["kind"] == "signal" and message["dedup"].startswith("ext:"):
                self.held.append((body, kwargs))
                return
        self._inner.send(body, **kwargs)

    def let_through(self) -> None:
        with self._lock:
            held, self.held, self.holding = self.held, [], False
        for body, kwargs in held:
            self._inner.send(body, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def test_a_workflows_signal_to_a_run_that_continued_as_new_reaches_the_next_run() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        inbox = HeldWorkflowSignals(runtime.backend.services.inbox)
        runtime.orchestrator = Orchestrator(replace(runtime.backend.services, inbox=inbox), runtime.registry)
        async with Worker(env.client, task_queue=QUEUE, workflows=[Pager, Reporter]):
            pager = await env.client.start_workflow(Pager.run, 0, id="pager", task_queue=QUEUE)
            first_run = pager.result_run_id
            await env.client.execute_workflow(Reporter.run, "pager", id="reporter", task_queue=QUEUE)
            [(held_body, _)] = inbox.held
            assert json.loads(held_body)["run_id"] == first_run  # sent to the run that was current

            await pager.signal("add", "roll")
            target = env.client.get_workflow_handle("pager")
            while (await target.describe()).run_id == first_run:
                await asyncio.sleep(0.01)  # until the first run has continued as new
            inbox.let_through()
            got = await asyncio.wait_for(target.result(), timeout=30)  # a guard: hangs without the fix
    assert got == ["report"]
