"""The SDK client against a strict dev server (the one `durable dev` runs), with dynamic code.

A strict server refuses workflow types and signals its registry does not know. A type the
task queue's dynamic workflow takes is known; a signal the run's code registers at run time
(or a dynamic handler takes) cannot be known in advance, so the client asks for it to be
delivered anyway, as temporalio's server takes any signal name: plain signals and the
start's signal of signal-with-start alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest_asyncio

from durable import workflow
from durable._client.client import Client
from durable._http.devserver import DevServer
from durable.common import RawValue
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

TASK_QUEUE = "strict-dynamic"


@workflow.defn(dynamic=True)
class Greeter:
    def __init__(self) -> None:
        self.greetings: list[str] = []

    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> dict:
        workflow.set_signal_handler("greet", self.greetings.append)
        await workflow.wait_condition(lambda: len(self.greetings) >= 2)
        return {"type": workflow.info().workflow_type, "greetings": self.greetings, "args": len(args)}


@pytest_asyncio.fixture(loop_scope="function")
async def strict() -> AsyncIterator[tuple[WorkflowEnvironment, Client]]:
    local = await WorkflowEnvironment.start_local(backend="memory")
    server = DevServer(local.runtime, port=0, strict=True).start()
    try:
        yield local, await Client.connect(server.url)
    finally:
        server.stop()
        await local.shutdown()


async def test_signal_with_start_and_signals_reach_handlers_set_at_run_time(strict):
    local, client = strict
    async with Worker(local.client, task_queue=TASK_QUEUE, workflows=[Greeter]):
        handle = await client.start_workflow(
            "AnyTypeAtAll",
            "x",
            id="strict-greeter",
            task_queue=TASK_QUEUE,
            start_signal="greet",
            start_signal_args=["hello"],
        )
        await handle.signal("greet", "again")
        assert await handle.result() == {"type": "AnyTypeAtAll", "greetings": ["hello", "again"], "args": 1}
