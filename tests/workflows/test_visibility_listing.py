"""client.list_workflows / count_workflows, written against temporalio's API.

Not in tests/compat: temporalio's time-skipping test server does not implement
ListWorkflowExecutions nor CountWorkflowExecutions (both answer UNIMPLEMENTED, checked
with temporalio 1.35 and temporal-test-server 1.40), so these run on durable only, on
both local backends.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from durable import workflow
from durable._build_ids import workflow_code_build_id
from durable.client import WorkflowExecution, WorkflowExecutionStatus
from durable.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from durable.service import RPCError, RPCStatusCode
from durable.worker import Worker


@workflow.defn
class Quick:
    @workflow.run
    async def run(self, value: str) -> str:
        return value


@workflow.defn
class Waits:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.signal
    def finish(self) -> None:
        self.done = True


@workflow.defn
class Twice:
    @workflow.run
    async def run(self, round: int) -> int:
        if round == 0:
            workflow.continue_as_new(1)
        return round


async def ids(listing) -> list[str]:
    return [e.id async for e in listing]


async def test_list_and_count_by_type_status_and_id(env):
    client = env.client
    async with Worker(client, task_queue="tq", workflows=[Quick, Waits, Twice]):
        for i in range(3):
            assert await client.execute_workflow(Quick.run, f"v{i}", id=f"quick-{i}", task_queue="tq") == f"v{i}"
        waiting = await client.start_workflow(Waits.run, id="waits-1", task_queue="tq")
        assert await client.execute_workflow(Twice.run, 0, id="twice", task_queue="tq") == 1

        assert await ids(client.list_workflows("WorkflowType = 'Quick'")) == ["quick-2", "quick-1", "quick-0"]
        assert await ids(client.list_workflows("WorkflowType = 'Quick' ORDER BY StartTime ASC")) == [
            "quick-0",
            "quick-1",
            "quick-2",
        ]
        assert await ids(client.list_workflows("ExecutionStatus = 'Running'")) == ["waits-1"]
        assert await ids(client.list_workflows("WorkflowId IN ('quick-1', 'waits-1')")) == ["waits-1", "quick-1"]
        assert await ids(client.list_workflows("WorkflowId STARTS_WITH 'quick-' AND WorkflowId != 'quick-0'")) == [
            "quick-2",
            "quick-1",
        ]
        assert len(await ids(client.list_workflows())) == 6
        assert await ids(client.list_workflows(limit=2)) == ["twice", "twice"]

        # Both runs of the continue-as-new chain are listed, as in Temporal.
        runs = [e async for e in client.list_workflows("WorkflowId = 'twice'")]
        assert [e.status for e in runs] == [WorkflowExecutionStatus.COMPLETED, WorkflowExecutionStatus.CONTINUED_AS_NEW]
        assert runs[0].run_id != runs[1].run_id
        assert runs[1].close_time is not None and runs[1].close_time <= runs[0].start_time

        count = await client.count_workflows("TaskQueue = 'tq'")
        assert (count.count, count.groups) == (6, [])
        grouped = await client.count_workflows("GROUP BY ExecutionStatus")
        assert sorted((g.group_values[0], g.count) for g in grouped.groups) == [
            ("COMPLETED", 4),
            ("CONTINUED_AS_NEW", 1),
            ("RUNNING", 1),
        ]
        await waiting.signal(Waits.finish)
        await waiting.result()
        assert await ids(client.list_workflows("ExecutionStatus = 'Running'")) == []


async def test_an_execution_has_temporalios_fields(env):
    client = env.client
    async with Worker(client, task_queue="tq", workflows=[Quick]):
        handle = await client.start_workflow(Quick.run, "x", id="quick-fields", task_queue="tq")
        await handle.result()
        # The result is in the log before the execution record closes: listings, as Temporal's
        # visibility, show the close a moment later.
        for _ in range(500):
            [execution] = [e async for e in client.list_workflows("WorkflowId = 'quick-fields'")]
            if execution.status != WorkflowExecutionStatus.RUNNING:
                break
            await asyncio.sleep(0.01)
        described = await handle.describe()

    assert isinstance(execution, WorkflowExecution)
    assert (execution.id, execution.run_id, execution.workflow_type, execution.task_queue) == (
        "quick-fields",
        described.run_id,
        "Quick",
        "tq",
    )
    assert execution.status == WorkflowExecutionStatus.COMPLETED
    assert execution.start_time == described.start_time
    assert execution.close_time == described.close_time
    assert execution.history_length == described.history_length
    assert execution.namespace == "default"
    # Only the reserved BuildIds: the build that ran its one workflow task (a hash of Quick's module).
    assert execution.search_attributes == {
        "BuildIds": ["unversioned", f"unversioned:{workflow_code_build_id([Quick])}"]
    }
    assert len(execution.typed_search_attributes) == 1
    assert await execution.memo() == {}


async def test_pages_and_tokens(env):
    client = env.client
    async with Worker(client, task_queue="tq", workflows=[Quick]):
        for i in range(5):
            await client.execute_workflow(Quick.run, "x", id=f"page-{i}", task_queue="tq")

    listing = client.list_workflows("WorkflowType = 'Quick'", page_size=2)
    await listing.fetch_next_page()
    assert [e.id for e in listing.current_page or []] == ["page-4", "page-3"]
    assert listing.next_page_token is not None
    rest = client.list_workflows("WorkflowType = 'Quick'", page_size=2, next_page_token=listing.next_page_token)
    assert await ids(rest) == ["page-2", "page-1", "page-0"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("WorkflowType = ", "expected a value"),
        ("ExecutionStatus = 'Done'", "ExecutionStatus 'Done' is not one of"),
        ("StartTime > 'last week'", "StartTime value 'last week' is not an RFC 3339 time"),
        ("ORDER BY CloseTime", "ORDER BY CloseTime is not supported"),
    ],
)
async def test_a_bad_query_raises_invalid_argument_naming_the_problem(env, query, names):
    with pytest.raises(RPCError) as raised:
        await ids(env.client.list_workflows(query))
    assert raised.value.status == RPCStatusCode.INVALID_ARGUMENT
    assert names in raised.value.message
    with pytest.raises(RPCError) as raised:
        await env.client.count_workflows(query)
    assert raised.value.status == RPCStatusCode.INVALID_ARGUMENT


TIER = SearchAttributeKey.for_keyword("Tier")
SCORE = SearchAttributeKey.for_int("Score")
PLACED = SearchAttributeKey.for_datetime("Placed")


@workflow.defn
class Scored:
    def __init__(self) -> None:
        self.score: int | None = None

    @workflow.run
    async def run(self, rounds: int) -> int:
        await workflow.wait_condition(lambda: self.score is not None)
        assert self.score is not None
        workflow.upsert_search_attributes([SCORE.value_set(self.score)])
        if rounds > 1:
            workflow.continue_as_new(rounds - 1)
        return self.score

    @workflow.signal
    def set_score(self, score: int) -> None:
        self.score = score


async def test_listing_by_custom_search_attributes_set_at_start_and_upserted(env):
    client = env.client
    placed = datetime(2024, 1, 31, 12, tzinfo=UTC)
    async with Worker(client, task_queue="tq", workflows=[Scored]):
        handles = {}
        for name, tier in (("gold-1", "gold"), ("gold-2", "gold"), ("silver-1", "silver")):
            handles[name] = await client.start_workflow(
                Scored.run,
                1,
                id=name,
                task_queue="tq",
                memo={"owner": name},
                search_attributes=TypedSearchAttributes(
                    [SearchAttributePair(TIER, tier), SearchAttributePair(PLACED, placed)]
                ),
            )
        assert await ids(client.list_workflows("Tier = 'gold'")) == ["gold-2", "gold-1"]
        assert await ids(client.list_workflows("Score IS NULL AND Tier != 'gold'")) == ["silver-1"]

        for score, name in enumerate(handles, start=10):
            await handles[name].signal(Scored.set_score, score)
            await handles[name].result()

        assert await ids(client.list_workflows("Score >= 11")) == ["silver-1", "gold-2"]
        assert await ids(client.list_workflows("Tier = 'gold' AND Score BETWEEN 10 AND 10")) == ["gold-1"]
        assert await ids(client.list_workflows("Placed = '2024-01-31T12:00:00Z' AND Tier IN ('silver')")) == [
            "silver-1"
        ]
        [listed] = [e async for e in client.list_workflows("WorkflowId = 'gold-2'")]
        assert listed.typed_search_attributes.get(SCORE) == 11
        assert listed.typed_search_attributes.get(PLACED) == placed
        assert listed.search_attributes["Tier"] == ["gold"]
        assert await listed.memo() == {"owner": "gold-2"}
        assert (await client.count_workflows("Tier = 'gold' AND ExecutionStatus = 'Completed'")).count == 2


async def test_continue_as_new_keeps_memo_and_search_attributes(env):
    client = env.client
    async with Worker(client, task_queue="tq", workflows=[Scored]):
        handle = await client.start_workflow(
            Scored.run,
            2,
            id="chain",
            task_queue="tq",
            memo={"owner": "ada"},
            search_attributes=TypedSearchAttributes([SearchAttributePair(TIER, "gold")]),
        )
        await handle.signal(Scored.set_score, 5)
        first = (await handle.describe()).run_id
        for _ in range(500):  # the second run starts with no score: signal it once it is there
            described = await client.get_workflow_handle("chain").describe()
            if described.run_id != first:
                break
            await asyncio.sleep(0.01)
        await client.get_workflow_handle("chain").signal(Scored.set_score, 6)
        assert await handle.result() == 6

    runs = [e async for e in client.list_workflows("WorkflowId = 'chain'")]
    assert [r.status for r in runs] == [WorkflowExecutionStatus.COMPLETED, WorkflowExecutionStatus.CONTINUED_AS_NEW]
    assert [r.typed_search_attributes.get(SCORE) for r in runs] == [6, 5]
    assert [r.typed_search_attributes.get(TIER) for r in runs] == ["gold", "gold"]
    assert [await r.memo() for r in runs] == [{"owner": "ada"}, {"owner": "ada"}]
    described = await client.get_workflow_handle("chain", run_id=runs[1].run_id).describe()
    assert described.typed_search_attributes.get(SCORE) == 5


async def test_a_search_attribute_of_the_wrong_type_is_refused_at_start(env):
    with pytest.raises(TypeError, match="'Score' is Int"):
        await env.client.start_workflow(
            Scored.run,
            1,
            id="bad",
            task_queue="tq",
            search_attributes=TypedSearchAttributes([SearchAttributePair(SCORE, "eleven")]),  # type: ignore[arg-type]
        )
