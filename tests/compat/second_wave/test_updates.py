"""Workflow updates: handler result, call by name, validator rejection."""

from __future__ import annotations

import pytest

from .. import sdk
from ..sdk import exceptions, new_worker, workflow


@workflow.defn
class Counter:
    def __init__(self) -> None:
        self.value = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.value

    @workflow.update
    def add(self, amount: int) -> int:
        self.value += amount
        return self.value

    @add.validator
    def check_add(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")

    @workflow.signal
    def finish(self) -> None:
        self.done = True


async def test_update_and_validator(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Counter]):
        handle = await client.start_workflow(Counter.run, id="wf-upd", task_queue=task_queue)
        assert await handle.execute_update(Counter.add, 5) == 5
        assert await handle.execute_update("add", 2) == 7
        with pytest.raises(sdk.WorkflowUpdateFailedError) as exc_info:
            await handle.execute_update(Counter.add, -1)
        err = exc_info.value
        assert str(err) == "Workflow update failed"
        # the validator's ValueError arrives as an ApplicationError typed "ValueError"
        assert isinstance(err.cause, exceptions.ApplicationError)
        assert err.cause.type == "ValueError"
        assert err.cause.message == "amount must be positive"
        await handle.signal(Counter.finish)
        assert await handle.result() == 7  # the rejected update changed nothing
