"""Input that does not fit its handler never wedges a run.

temporalio drops a signal whose arguments do not decode (an error log line names it),
rejects such an update before its validator with "Failed decoding arguments", and fails
only the query whose arguments do not decode or whose handler raises.
"""

from __future__ import annotations

import logging

import pytest

from .sdk import WorkflowQueryFailedError, WorkflowUpdateFailedError, event_types, exceptions, new_worker, workflow

VALIDATED: list[object] = []


@workflow.defn
class Tally:
    def __init__(self) -> None:
        self.total = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.total >= 10)
        return self.total

    @workflow.signal
    def add(self, n: int) -> None:
        self.total += n

    @workflow.update
    def bump(self, n: int) -> int:
        self.total += n
        return self.total

    @bump.validator
    def check_bump(self, n: int) -> None:
        VALIDATED.append(n)

    @workflow.query
    def scaled(self, factor: int) -> int:
        return self.total * factor

    @workflow.query
    def broken(self) -> int:
        raise ValueError("no answer today")


async def test_a_signal_whose_argument_does_not_decode_is_dropped_and_the_run_goes_on(client, task_queue, caplog):
    caplog.set_level(logging.WARNING)
    async with new_worker(client, task_queue=task_queue, workflows=[Tally]):
        handle = await client.start_workflow(Tally.run, id=f"bad-signal-{task_queue}", task_queue=task_queue)
        await handle.signal(Tally.add, "three")
        await handle.signal(Tally.add, 4)
        assert await handle.query(Tally.scaled, 1) == 4
        await handle.signal(Tally.add, 6)
        assert await handle.result() == 10
        run_id = (await handle.describe()).run_id
    dropped = [r for r in caplog.records if "Failed deserializing signal input" in r.getMessage()]
    assert [(r.levelno, r.getMessage()) for r in dropped] == [
        (
            logging.ERROR,
            f"Failed deserializing signal input for add on workflow Tally with ID {handle.id} and run ID {run_id}, "
            "dropping the signal",
        )
    ]
    events = event_types(await handle.fetch_history())
    assert events.count("WorkflowExecutionSignaled") == 3  # the dropped one stays in the history


async def test_an_update_whose_argument_does_not_decode_is_rejected_before_its_validator(client, task_queue):
    VALIDATED.clear()
    async with new_worker(client, task_queue=task_queue, workflows=[Tally]):
        handle = await client.start_workflow(Tally.run, id=f"bad-update-{task_queue}", task_queue=task_queue)
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await handle.execute_update(Tally.bump, "three")
        cause = info.value.cause
        assert isinstance(cause, exceptions.ApplicationError)
        assert (cause.type, cause.message) == ("RuntimeError", "Failed decoding arguments")
        assert VALIDATED == []
        assert await handle.execute_update(Tally.bump, 10) == 10
        assert await handle.result() == 10


async def test_a_failing_query_fails_that_query_only(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Tally]):
        handle = await client.start_workflow(Tally.run, id=f"bad-query-{task_queue}", task_queue=task_queue)
        await handle.signal(Tally.add, 3)
        with pytest.raises(WorkflowQueryFailedError, match="Failed decoding arguments"):
            await handle.query(Tally.scaled, "twice")
        with pytest.raises(WorkflowQueryFailedError, match="no answer today"):
            await handle.query(Tally.broken)
        assert await handle.query(Tally.scaled, 2) == 6
        await handle.signal(Tally.add, 7)
        assert await handle.result() == 10
