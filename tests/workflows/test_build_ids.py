"""Build ids: each workflow task names the code that completed it, and a run's ``BuildIds``
search attribute lists every build that ran it (Temporal's values, for unversioned workers),
so that a list filter finds the runs still on a build before it is retired.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from durable._build_ids import workflow_code_build_id
from durable._replay import events as ev
from durable._replay.ledger import Ledger
from durable._runtime.orchestrator import Orchestrator
from durable.client import WorkflowHistory
from durable.common import SearchAttributeKey
from durable.worker import Replayer, Worker
from statemachines.order import OrderWorkflow
from tests.helpers.build_workflows import BrokenOnFirstTask, Greeter, Waiter

HISTORIES = Path(__file__).parent.parent / "histories"
BUILD_IDS = SearchAttributeKey.for_keyword_list("BuildIds")


def task_build_ids(history) -> list[str | None]:
    """The build id on each WorkflowTaskCompleted of a fetched history."""
    return [e["attributes"].get("build_id") for e in history.events if e["event_type"] == ev.TASK_COMPLETED]


async def listed(client, query: str) -> list[str]:
    return sorted([w.id async for w in client.list_workflows(query)])


async def test_runs_of_two_builds_carry_their_own_build_id(env):
    client = env.client
    async with (
        Worker(client, task_queue="blue", workflows=[Greeter], build_id="build-a"),
        Worker(client, task_queue="green", workflows=[Greeter], build_id="build-b"),
    ):
        on_a = await client.execute_workflow(Greeter.run, "a", id="on-a", task_queue="blue")
        on_b = await client.execute_workflow(Greeter.run, "b", id="on-b", task_queue="green")
    assert (on_a, on_b) == ("hello a", "hello b")

    desc_a = await client.get_workflow_handle("on-a").describe()
    desc_b = await client.get_workflow_handle("on-b").describe()
    assert desc_a.typed_search_attributes.get(BUILD_IDS) == ["unversioned", "unversioned:build-a"]
    assert desc_b.search_attributes["BuildIds"] == ["unversioned", "unversioned:build-b"]
    assert task_build_ids(await client.get_workflow_handle("on-a").fetch_history()) == ["build-a"]

    assert await listed(client, "BuildIds = 'unversioned:build-a'") == ["on-a"]
    assert await listed(client, "BuildIds = 'unversioned:build-b'") == ["on-b"]
    assert await listed(client, "BuildIds = 'unversioned'") == ["on-a", "on-b"]
    assert await listed(client, "BuildIds IN ('unversioned:build-a', 'unversioned:build-b')") == ["on-a", "on-b"]
    assert (await client.count_workflows("BuildIds = 'unversioned:build-b'")).count == 1
    assert (await client.count_workflows("BuildIds = 'unversioned:build-c'")).count == 0


async def test_a_run_started_on_one_build_and_continued_on_the_next_shows_both(env):
    client = env.client
    async with Worker(client, task_queue="deploy", workflows=[Waiter], build_id="build-a"):
        handle = await client.start_workflow(Waiter.run, id="long-lived", task_queue="deploy")
        while not await handle.query(Waiter.is_waiting):
            await asyncio.sleep(0.005)
        assert (await handle.describe()).search_attributes["BuildIds"] == ["unversioned", "unversioned:build-a"]
        assert await listed(client, "BuildIds = 'unversioned:build-a'") == ["long-lived"]

    # The deploy: new code in a new container.
    runtime = env.runtime
    runtime.orchestrator = Orchestrator(runtime.backend.services, runtime.registry)
    async with Worker(client, task_queue="deploy", workflows=[Waiter], build_id="build-b"):
        await handle.signal(Waiter.proceed)
        assert await handle.result() == "done"

    desc = await handle.describe()
    assert desc.search_attributes["BuildIds"] == ["unversioned", "unversioned:build-a", "unversioned:build-b"]
    assert desc.raw_info.most_recent_worker_version_stamp.build_id == "build-b"  # temporalio's field
    tasks = task_build_ids(await handle.fetch_history())
    assert tasks[0] == "build-a" and tasks[-1] == "build-b"
    assert await listed(client, "BuildIds = 'unversioned:build-a'") == ["long-lived"]
    assert await listed(client, "BuildIds = 'unversioned:build-b' AND ExecutionStatus = 'Completed'") == ["long-lived"]


async def test_a_worker_without_a_build_id_is_named_by_its_workflows_code(env):
    client = env.client
    async with Worker(client, task_queue="default-build", workflows=[Greeter]):
        await client.execute_workflow(Greeter.run, "x", id="default-build", task_queue="default-build")
    expected = workflow_code_build_id([Greeter])
    handle = client.get_workflow_handle("default-build")
    assert task_build_ids(await handle.fetch_history()) == [expected]
    assert await listed(client, f"BuildIds = 'unversioned:{expected}'") == ["default-build"]


async def test_the_history_json_keeps_the_build_id_where_temporal_does_and_reads_it_back(env):
    client = env.client
    async with Worker(client, task_queue="json", workflows=[Greeter], build_id="build-j"):
        await client.execute_workflow(Greeter.run, "j", id="json-build", task_queue="json")
    history = await client.get_workflow_handle("json-build").fetch_history()
    exported = history.to_json_dict()["events"]
    [completed] = [e for e in exported if e["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED"]
    attributes = completed["workflowTaskCompletedEventAttributes"]
    assert (attributes["workerVersion"], attributes["binaryChecksum"]) == ({"buildId": "build-j"}, "build-j")
    assert task_build_ids(WorkflowHistory.from_json("json-build", history.to_json())) == ["build-j"]


async def test_a_history_recorded_before_build_ids_still_replays_and_shows_none():
    old = [
        {**e, "attributes": {k: v for k, v in e["attributes"].items() if k != "build_id"}}
        for e in (WorkflowHistory.from_json("old", (HISTORIES / "order_payment_declined.json").read_text())).events
    ]
    assert Ledger.of(old).build_ids == {}
    result = await Replayer(workflows=[OrderWorkflow]).replay_workflow(WorkflowHistory("old", old))
    assert result.replay_failure is None


async def test_a_failed_workflow_task_names_the_build_that_failed_it_but_adds_none_to_build_ids(env):
    client = env.client
    async with Worker(client, task_queue="broken", workflows=[BrokenOnFirstTask], build_id="build-bad"):
        handle = await client.start_workflow(BrokenOnFirstTask.run, id="broken-build", task_queue="broken")
        while (await handle.describe()).workflow_task_failure is None:
            await asyncio.sleep(0.005)
    history = await handle.fetch_history()
    failed = [e["attributes"].get("build_id") for e in history.events if e["event_type"] == ev.TASK_FAILED]
    assert failed and set(failed) == {"build-bad"}
    exported = [e for e in history.to_json_dict()["events"] if e["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_FAILED"]
    assert exported[0]["workflowTaskFailedEventAttributes"]["binaryChecksum"] == "build-bad"
    read_back = WorkflowHistory.from_json("broken-build", history.to_json()).events
    assert [e["attributes"].get("build_id") for e in read_back if e["event_type"] == ev.TASK_FAILED] == failed
    desc = await handle.describe()
    assert "BuildIds" not in desc.search_attributes  # no task of the run completed
    assert desc.raw_info.most_recent_worker_version_stamp.build_id == ""
    await handle.terminate("done looking")
