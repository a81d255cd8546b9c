"""Eager start, updates, update-with-start, memo and search attributes through the HTTP API,
with the exceptions temporalio's client raises."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import (
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from durable.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy
from durable.exceptions import ApplicationError, WorkflowAlreadyStartedError
from durable.service import RPCError, RPCStatusCode
from durable.worker import Worker

TIER = SearchAttributeKey.for_keyword("CustomerTier")


@activity.defn
async def wave(name: str) -> str:
    return f"bye, {name}"


@workflow.defn
class Waver:
    def __init__(self) -> None:
        self.name = ""
        self.done = False

    @workflow.run
    async def run(self, name: str) -> str:
        self.name = name
        await workflow.wait_condition(lambda: self.done)
        return await workflow.execute_activity(wave, self.name, start_to_close_timeout=timedelta(seconds=10))

    @workflow.update
    def rename(self, name: str) -> str:
        previous, self.name = self.name, name
        return previous

    @rename.validator
    def check_rename(self, name: str) -> None:
        if not name:
            raise ValueError("a name is needed")

    @workflow.update
    async def wave_when_done(self) -> str:
        await workflow.wait_condition(lambda: self.done)
        return self.name

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def memo_note(self) -> str:
        return str(workflow.memo_value("note", ""))


async def test_an_eager_start_over_http_returns_with_the_first_task_decided(client, task_queue):
    async with Worker(client, task_queue=task_queue, workflows=[Waver], activities=[wave]):
        handle = await client.start_workflow(
            Waver.run, "ann", id="http-eager", task_queue=task_queue, request_eager_start=True
        )
        assert getattr(handle, "__temporal_eagerly_started") is True
        types = [e["event_type"] for e in (await handle.fetch_history()).events]
        assert types[:2] == ["WorkflowExecutionStarted", "WorkflowTaskCompleted"]
        await handle.signal(Waver.finish)
        assert await handle.result() == "bye, ann"


async def test_updates_over_http_complete_reject_and_wait(client, task_queue):
    async with Worker(client, task_queue=task_queue, workflows=[Waver], activities=[wave]):
        handle = await client.start_workflow(Waver.run, "ann", id="http-update", task_queue=task_queue)
        assert await handle.execute_update(Waver.rename, "bob") == "ann"
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(Waver.rename, "")
        assert isinstance(rejected.value.cause, ApplicationError)
        assert (rejected.value.cause.type, rejected.value.cause.message) == ("ValueError", "a name is needed")
        waiting = await handle.start_update(
            Waver.wave_when_done, id="when-done", wait_for_stage=WorkflowUpdateStage.ACCEPTED
        )
        with pytest.raises(WorkflowUpdateRPCTimeoutOrCancelledError):
            await handle.get_update_handle("when-done").result(rpc_timeout=timedelta(milliseconds=300))
        await handle.signal(Waver.finish)
        assert await waiting.result() == "bob"
        assert await handle.get_update_handle("when-done").result() == "bob"
        assert await handle.result() == "bye, bob"
        with pytest.raises(RPCError) as closed:
            await handle.execute_update(Waver.rename, "cid")
        assert closed.value.status == RPCStatusCode.NOT_FOUND


async def test_update_with_start_over_http_starts_once_and_follows_its_policy(client, task_queue):
    async with Worker(client, task_queue=task_queue, workflows=[Waver], activities=[wave]):

        def operation(policy: WorkflowIDConflictPolicy) -> WithStartWorkflowOperation:
            return WithStartWorkflowOperation(
                Waver.run, "ann", id="http-uws", task_queue=task_queue, id_conflict_policy=policy
            )

        first = operation(WorkflowIDConflictPolicy.USE_EXISTING)
        assert (
            await client.execute_update_with_start_workflow(Waver.rename, "bob", start_workflow_operation=first)
            == ""  # its handler ran before the run method (as temporalio runs it)
        )
        second = operation(WorkflowIDConflictPolicy.USE_EXISTING)
        assert (
            await client.execute_update_with_start_workflow(Waver.rename, "cid", start_workflow_operation=second)
            == "ann"
        )
        handle = await first.workflow_handle()
        assert (await second.workflow_handle()).result_run_id == handle.result_run_id
        refused = operation(WorkflowIDConflictPolicy.FAIL)
        with pytest.raises(WorkflowAlreadyStartedError):
            await client.execute_update_with_start_workflow(Waver.rename, "dan", start_workflow_operation=refused)
        with pytest.raises(WorkflowAlreadyStartedError):
            await refused.workflow_handle()
        await handle.signal(Waver.finish)
        assert await handle.result() == "bye, cid"
        assert (await client.count_workflows("WorkflowId = 'http-uws'")).count == 1


async def test_memo_and_search_attributes_reach_the_run_over_http(client, task_queue):
    async with Worker(client, task_queue=task_queue, workflows=[Waver], activities=[wave]):
        handle = await client.start_workflow(
            Waver.run,
            "ann",
            id="http-memo",
            task_queue=task_queue,
            memo={"note": "fragile"},
            search_attributes=TypedSearchAttributes([SearchAttributePair(TIER, "gold")]),
        )
        description = await handle.describe()
        assert await description.memo() == {"note": "fragile"}
        assert description.typed_search_attributes[TIER] == "gold"
        assert await handle.query(Waver.memo_note) == "fragile"
        found = [w.id async for w in client.list_workflows("CustomerTier = 'gold'")]
        assert found == ["http-memo"]
        await handle.signal(Waver.finish)
        await asyncio.wait_for(handle.result(), 10)
