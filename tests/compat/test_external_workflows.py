"""get_external_workflow_handle: signal and cancel another workflow from workflow code."""

from __future__ import annotations

import asyncio

import pytest

from .sdk import WorkflowExecutionStatus, WorkflowFailureError, exceptions, new_worker, workflow


@workflow.defn
class Listener:
    def __init__(self) -> None:
        self.heard: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: len(self.heard) >= 2)
        return self.heard

    @workflow.signal
    def hear(self, value: str) -> None:
        self.heard.append(value)


@workflow.defn
class Sleeper:
    @workflow.run
    async def run(self) -> str:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            return "woken by cancel"
        return "slept"


@workflow.defn
class Caller:
    @workflow.run
    async def run(self, listener_id: str, sleeper_id: str) -> str:
        listener = workflow.get_external_workflow_handle(listener_id)
        await listener.signal(Listener.hear, "one")
        await listener.signal("hear", "two")
        await workflow.get_external_workflow_handle(sleeper_id).cancel()
        try:
            await workflow.get_external_workflow_handle("nobody-home").signal("hear", "x")
        except exceptions.ApplicationError as err:
            return f"missing: {'not found' in err.message}"
        return "no error"


async def test_signal_and_cancel_other_workflows(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Listener, Sleeper, Caller]):
        listener = await client.start_workflow(Listener.run, id="wf-listener", task_queue=task_queue)
        sleeper = await client.start_workflow(Sleeper.run, id="wf-sleeper", task_queue=task_queue)
        assert (
            await client.execute_workflow(
                Caller.run, args=["wf-listener", "wf-sleeper"], id="wf-caller", task_queue=task_queue
            )
            == "missing: True"
        )
        assert await listener.result() == ["one", "two"]
        assert await sleeper.result() == "woken by cancel"
        assert (await sleeper.describe()).status == WorkflowExecutionStatus.COMPLETED


@workflow.defn
class Canceller:
    @workflow.run
    async def run(self, target: str) -> None:
        await workflow.get_external_workflow_handle(target).cancel()


async def test_a_cancel_that_is_not_caught_cancels_the_target(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Listener, Canceller]):
        listener = await client.start_workflow(Listener.run, id="wf-listener-2", task_queue=task_queue)
        await client.execute_workflow(Canceller.run, "wf-listener-2", id="wf-canceller", task_queue=task_queue)
        with pytest.raises(WorkflowFailureError) as info:
            await listener.result()
        assert isinstance(info.value.cause, exceptions.CancelledError)
        assert (await listener.describe()).status == WorkflowExecutionStatus.CANCELED
