"""workflow.wait and workflow.as_completed: asyncio's, deterministic (lists, not sets).

``workflow.wait`` returns ``(done, pending)`` as lists in the order the tasks were given;
``workflow.as_completed`` yields in completion order. Durable timers decide which task
ends first, so the answers are the same on every run and on replay.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from . import sdk
from .sdk import WorkflowUpdateStage, activity, new_worker, workflow


async def _after(seconds: float, label: str) -> str:
    await workflow.sleep(seconds)
    return label


@activity.defn
async def shout(word: str) -> str:
    return word.upper()


@workflow.defn
class Waiter:
    @workflow.run
    async def run(self) -> dict:
        slow = asyncio.create_task(_after(30, "slow"))
        fast = asyncio.create_task(_after(10, "fast"))
        mid = asyncio.create_task(_after(20, "mid"))
        tasks = [slow, fast, mid]
        done, pending = await workflow.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        first = {"done": [t.result() for t in done], "pending": [tasks.index(t) for t in pending]}
        timed_done, timed_pending = await workflow.wait(tasks, timeout=5)
        timed = {"done": [t.result() for t in timed_done], "pending": [tasks.index(t) for t in timed_pending]}
        done, pending = await workflow.wait(tasks)
        return {
            "first": first,
            "timed": timed,
            "all": [t.result() for t in done],  # the order given, not the order they ended
            "pending": list(pending),
            "done_is_list": isinstance(done, list) and isinstance(pending, list),
        }


@workflow.defn
class FirstFailure:
    @workflow.run
    async def run(self) -> list:
        async def boom() -> str:
            await workflow.sleep(5)
            raise ValueError("boom")

        tasks = [asyncio.create_task(_after(50, "late")), asyncio.create_task(boom())]
        done, pending = await workflow.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        out = [str(t.exception()) for t in done] + [str(len(pending))]
        for t in pending:
            t.cancel()
        return out


@workflow.defn
class Completer:
    @workflow.run
    async def run(self) -> list:
        order = []
        for next_done in workflow.as_completed([_after(3, "c"), _after(1, "a"), _after(2, "b")]):
            order.append(await next_done)
        try:
            for next_done in workflow.as_completed([_after(100, "never")], timeout=1):
                await next_done
        except TimeoutError:
            order.append("timed out")
        return order


@workflow.defn
class BadWaits:
    @workflow.run
    async def run(self) -> list:
        errors = []
        coro = _after(1, "x")
        for call in (
            lambda: workflow.wait([]),
            lambda: workflow.wait([coro]),
            lambda: workflow.wait([asyncio.create_task(_after(1, "y"))], return_when="SOMETIMES"),
        ):
            try:
                await call()
            except (TypeError, ValueError) as err:
                errors.append(f"{type(err).__name__}: {err}")
        coro.close()
        try:
            next(iter(workflow.as_completed(asyncio.create_task(_after(1, "z")))))  # type: ignore[arg-type]
        except TypeError as err:
            errors.append(f"TypeError: {err}")
        await workflow.sleep(2)  # let the tasks above end before the run does
        return errors


@workflow.defn
class UpdateThatWaits:
    """An update handler that waits on activities with workflow.wait (temporalio's samples idiom)."""

    def __init__(self) -> None:
        self.finished = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.finished)
        return "done"

    @workflow.update
    async def shout_all(self, words: list[str]) -> list[str]:
        tasks = [
            asyncio.ensure_future(workflow.execute_activity(shout, w, start_to_close_timeout=timedelta(seconds=10)))
            for w in words
        ]
        done, _ = await workflow.wait(tasks)
        self.finished = True
        return [t.result() for t in done]


async def test_wait_returns_lists_in_the_order_given(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Waiter]):
        result = await client.execute_workflow(Waiter.run, id=f"wait-{task_queue}", task_queue=task_queue)
    assert result == {
        "first": {"done": ["fast"], "pending": [0, 2]},
        "timed": {"done": ["fast"], "pending": [0, 2]},
        "all": ["slow", "fast", "mid"],
        "pending": [],
        "done_is_list": True,
    }


async def test_wait_first_exception(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[FirstFailure]):
        result = await client.execute_workflow(FirstFailure.run, id=f"wait-exc-{task_queue}", task_queue=task_queue)
    assert result == ["boom", "1"]


async def test_as_completed_yields_in_completion_order_and_times_out(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Completer]):
        result = await client.execute_workflow(Completer.run, id=f"as-completed-{task_queue}", task_queue=task_queue)
    assert result == ["a", "b", "c", "timed out"]


async def test_bad_arguments_raise_asyncios_errors(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[BadWaits]):
        result = await client.execute_workflow(BadWaits.run, id=f"wait-bad-{task_queue}", task_queue=task_queue)
    assert result == [
        "ValueError: Sequence of Tasks/Futures must not be empty.",
        "TypeError: Passing coroutines is forbidden, use tasks explicitly.",
        "ValueError: Invalid return_when value: SOMETIMES",
        "TypeError: expect an iterable of futures, not Task",
    ]


async def test_an_update_handler_using_wait_is_accepted_and_completes(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[UpdateThatWaits], activities=[shout]):
        handle = await client.start_workflow(UpdateThatWaits.run, id=f"wait-update-{task_queue}", task_queue=task_queue)
        update = await handle.start_update(
            UpdateThatWaits.shout_all, ["a", "b", "c"], wait_for_stage=WorkflowUpdateStage.ACCEPTED
        )
        assert await update.result() == ["A", "B", "C"]
        assert await handle.result() == "done"
    history = await handle.fetch_history()
    replayed = await sdk.new_replayer([UpdateThatWaits]).replay_workflow(history)
    assert replayed.replay_failure is None


async def test_runs_using_wait_and_as_completed_replay(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Waiter, Completer]):
        await client.execute_workflow(Waiter.run, id=f"wait-replay-{task_queue}", task_queue=task_queue)
        await client.execute_workflow(Completer.run, id=f"as-completed-replay-{task_queue}", task_queue=task_queue)
    replayer = sdk.new_replayer([Waiter, Completer])
    for workflow_id in (f"wait-replay-{task_queue}", f"as-completed-replay-{task_queue}"):
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        assert (await replayer.replay_workflow(history)).replay_failure is None


@pytest.mark.parametrize("call", ["wait", "as_completed"])
async def test_outside_a_workflow_they_are_plain_asyncio(call):
    async def value(v: int) -> int:
        await asyncio.sleep(0)
        return v

    tasks = [asyncio.ensure_future(value(1)), asyncio.ensure_future(value(2))]
    if call == "wait":
        done, pending = await workflow.wait(tasks)
        assert done == tasks and pending == []
    else:
        assert sorted([await f for f in workflow.as_completed(tasks)]) == [1, 2]
