"""A signal sent to a workflow id while its run continues as new reaches the chain, once.

Temporal makes a continue-as-new atomic: a signal to the workflow id lands in the old
run (whose completion is then retried) or in the new one, never nowhere. Here the switch
is several AWS calls (the old run's close event, its record, the new run's start), so the
test sends a signal before every one of them and checks that each accepted signal is
seen by the chain exactly once and that none is refused.
"""

from __future__ import annotations

import asyncio
import json
import threading

from durable import workflow
from durable._runtime.control import NotRunning
from durable._runtime.orchestrator import Orchestrator
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, faulty_services


@workflow.defn
class Collector:
    def __init__(self) -> None:
        self.got: list[str] = []

    @workflow.run
    async def run(self, n: int, got: list[str]) -> list[str]:
        self.got[:0] = got  # signals handled before run() began come after the carried ones
        await asyncio.sleep(5)
        if n > 0:
            workflow.continue_as_new(args=[n - 1, self.got])
        await workflow.wait_condition(lambda: "done" in self.got)
        return self.got

    @workflow.signal
    def add(self, value: str) -> None:
        self.got.append(value)


class SignalBeforeEachCall(Injector):
    """Sends a signal to the workflow id (no run id) before each AWS call of the engine."""

    def __init__(self, runtime, workflow_id: str) -> None:
        super().__init__(None)
        self.runtime, self.workflow_id = runtime, workflow_id
        self.active = True
        self.accepted: list[str] = []
        self.refused: list[tuple[str, str]] = []
        self.senders: list[threading.Thread] = []

    def before(self, name: str) -> None:
        super().before(name)
        # Not right before the close's fence: a signal there makes the close wait for it
        # (tests/invariants/test_signals_at_close.py), and one there at every retry would
        # keep the run open for as long as they come.
        if not self.active or name == "executions.fence_close":
            return
        value = f"s{len(self.calls)}"
        # From another thread, as a client's request comes: a signal that meets the run
        # closing waits to learn how it closed, which the engine's thread, held here, decides.
        sender = threading.Thread(target=self._send, args=(name, value))
        sender.start()
        self.senders.append(sender)

    def _send(self, name: str, value: str) -> None:
        try:
            self.runtime.control.signal(self.workflow_id, None, "add", [json.dumps(value)])
        except NotRunning as err:
            self.refused.append((name, str(err)))
        else:
            self.accepted.append(value)


async def test_signals_sent_during_each_step_of_a_continue_as_new_reach_the_chain_once() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        injector = SignalBeforeEachCall(runtime, "collector")
        runtime.orchestrator = Orchestrator(faulty_services(runtime.backend.services, injector), runtime.registry)
        async with Worker(env.client, task_queue="collect", workflows=[Collector]):
            handle = await env.client.start_workflow(Collector.run, args=[2, []], id="collector", task_queue="collect")
            while (await handle.describe()).run_id == handle.result_run_id or len(injector.accepted) < 30:
                await asyncio.sleep(1)  # until the chain has moved on and many signals are in
            final = env.client.get_workflow_handle("collector")
            while (
                "CONTINUED" in (await final.describe()).status.name
                or (await final.describe()).run_id == handle.result_run_id
            ):
                await asyncio.sleep(1)
            injector.active = False
            for sender in injector.senders:
                await asyncio.to_thread(sender.join)
            await final.signal(Collector.add, "done")
            got = await asyncio.wait_for(final.result(), timeout=60)
    assert injector.refused == []
    assert any(c == "history.append" for c in injector.calls)
    seen = [v for v in got if v != "done"]
    assert len(seen) == len(set(seen)), "a signal was applied twice"
    assert sorted(seen) == sorted(injector.accepted), "an accepted signal was lost"
