"""Nothing accepted is lost, nothing wedges, at the limits AWS enforces (400 KB items,
256 KB messages, FIFO id rules): each scenario as a user met it, on both backends.

The in-memory twin refuses what AWS refuses, so a run that passes here on memory would
pass on moto and on AWS; every test also checks no message went to a dead-letter queue.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import WorkflowExecutionStatus
from durable.service import RPCError, RPCStatusCode
from durable.worker import Worker


@activity.defn
async def make_list(size: int) -> list[str]:
    return [f"item-{i:06d}-" + "x" * 90 for i in range(size // 100)]


@activity.defn
async def count_list(items: list[str]) -> int:
    return len(items)


@activity.defn
async def shout(text: str) -> str:
    return text.upper()


@workflow.defn
class Chain:
    @workflow.run
    async def run(self, size: int) -> int:
        items = await workflow.execute_activity(make_list, size, start_to_close_timeout=timedelta(seconds=30))
        return await workflow.execute_activity(count_list, items, start_to_close_timeout=timedelta(seconds=30))


@workflow.defn
class ManyLocal:
    @workflow.run
    async def run(self, n: int) -> int:
        total = 0
        for i in range(n):
            total += len(
                await workflow.execute_local_activity(shout, f"step {i}", start_to_close_timeout=timedelta(seconds=5))
            )
        return total


@workflow.defn
class Collector:
    def __init__(self) -> None:
        self.notes: list[int] = []
        self.confirmed = False

    @workflow.run
    async def run(self) -> dict[str, object]:
        await workflow.wait_condition(lambda: self.confirmed)
        return {"notes": self.notes, "confirmed": self.confirmed}

    @workflow.signal
    def note(self, text: str) -> None:
        self.notes.append(len(text))

    @workflow.signal
    def confirm(self) -> None:
        self.confirmed = True


@workflow.defn
class Echo:
    @workflow.run
    async def run(self, text: str) -> str:
        return await workflow.execute_activity(shout, text, start_to_close_timeout=timedelta(seconds=30))


def _dead_letters(env) -> list[str]:
    return [body for queue in env.runtime.backend.queues.values() for body in queue.dead_letters()]


async def test_a_200_kb_list_passed_between_two_activities_completes(env):
    async with Worker(env.client, task_queue="limits", workflows=[Chain], activities=[make_list, count_list]):
        assert await env.client.execute_workflow(Chain.run, 200_000, id="chain-200k", task_queue="limits") == 2_000
    assert _dead_letters(env) == []


async def test_a_1_mb_result_and_a_1_mb_input_travel_by_reference(env):
    async with Worker(env.client, task_queue="limits", workflows=[Chain], activities=[make_list, count_list]):
        assert await env.client.execute_workflow(Chain.run, 1_000_000, id="chain-1m", task_queue="limits") == 10_000
        history = await env.client.get_workflow_handle("chain-1m").fetch_history()
    assert len(history.events) > 5
    assert _dead_letters(env) == []


async def test_1500_local_activities_in_one_run_complete(env):
    async with Worker(env.client, task_queue="limits", workflows=[ManyLocal], activities=[shout]):
        total = await env.client.execute_workflow(ManyLocal.run, 1_500, id="many-local", task_queue="limits")
    assert total == sum(len(f"step {i}") for i in range(1_500))
    assert _dead_letters(env) == []


async def test_large_signals_folded_into_one_decision_are_all_applied_with_the_confirmation(env):
    handle = await env.client.start_workflow(Collector.run, id="collector", task_queue="limits")
    # Sent before any worker runs: they reach the run together, in one decision.
    quotes = '"' * 131_000  # escaped twice on its way into an item: about four times larger
    await handle.signal(Collector.note, quotes)
    for _ in range(4):
        await handle.signal(Collector.note, "y" * 150_000)
    await handle.signal(Collector.confirm)
    async with Worker(env.client, task_queue="limits", workflows=[Collector]):
        result = await handle.result()
    assert result == {"notes": [131_000] + [150_000] * 4, "confirmed": True}
    assert _dead_letters(env) == []


async def test_a_2_mb_signal_and_a_2_mb_memo_are_accepted(env):
    big = "z" * (2 * 1024 * 1024 - 100)
    handle = await env.client.start_workflow(Collector.run, id="memo-2mb", task_queue="limits", memo={"blob": big})
    await handle.signal(Collector.note, big)
    await handle.signal(Collector.confirm)
    async with Worker(env.client, task_queue="limits", workflows=[Collector]):
        assert await handle.result() == {"notes": [len(big)], "confirmed": True}
    description = await handle.describe()
    assert await description.memo_value("blob") == big
    assert _dead_letters(env) == []


@pytest.mark.parametrize(
    "workflow_id",
    ["a b", "é-ü-中文", "tab\tand newline\n", "x" * 129, "ß" * 500],  # 500 x 2 bytes = 1,000 bytes of UTF-8
    ids=["space", "non-ascii", "control", "over-128", "1000-bytes"],
)
async def test_any_id_temporal_accepts_works(env, workflow_id):
    async with Worker(env.client, task_queue="limits", workflows=[Echo, Collector], activities=[shout]):
        assert await env.client.execute_workflow(Echo.run, "hi", id=workflow_id, task_queue="limits") == "HI"
        handle = await env.client.start_workflow(Collector.run, id="c/" + workflow_id[1:], task_queue="limits")
        await handle.signal(Collector.confirm)
        await handle.result()
        description = await env.client.get_workflow_handle(workflow_id).describe()
    assert description.status == WorkflowExecutionStatus.COMPLETED
    assert description.id == workflow_id
    listed = (
        [w.id async for w in env.client.list_workflows(f"WorkflowId = '{workflow_id}'")]
        if "'" not in workflow_id
        else []
    )
    assert listed == [workflow_id]
    assert _dead_letters(env) == []


async def test_an_id_over_1000_bytes_is_refused_before_anything_is_written(env):
    too_long = "é" * 501  # 1,002 bytes
    with pytest.raises(RPCError) as info:
        await env.client.start_workflow(Echo.run, "x", id=too_long, task_queue="limits")
    assert info.value.status == RPCStatusCode.INVALID_ARGUMENT
    assert "1000 bytes" in str(info.value)
    with pytest.raises(RPCError) as missing:
        await env.client.get_workflow_handle(too_long).describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND
    await asyncio.sleep(0)


@workflow.defn
class Parent:
    @workflow.run
    async def run(self, child_id: str) -> str:
        return await workflow.execute_child_workflow(Echo.run, "child", id=child_id)


async def test_a_child_id_of_1000_bytes_works_and_a_longer_one_fails_the_task_visibly(env):
    async with Worker(env.client, task_queue="limits", workflows=[Parent, Echo], activities=[shout]):
        assert await env.client.execute_workflow(Parent.run, "ч" * 500, id="parent-ok", task_queue="limits") == "CHILD"
        handle = await env.client.start_workflow(Parent.run, "ч" * 501, id="parent-bad", task_queue="limits")
        failure = None
        for _ in range(200):  # bounded: the first workflow task fails within a few dispatches
            failure = (await handle.describe()).workflow_task_failure
            if failure is not None:
                break
            await asyncio.sleep(0.02)
    assert failure is not None and "1000 bytes" in str(failure)
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    assert _dead_letters(env) == []
