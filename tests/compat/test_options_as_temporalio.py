"""temporalio's options that durable implements: what they record and what the next run sees.

Summaries and static details land where temporalio's do (the events' ``userMetadata``,
``describe()``); a child's memo and search attributes and a continue-as-new's memo, search
attributes and timeouts reach the run they are for.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from .sdk import activity, common, new_worker, workflow

KEYWORD = common.SearchAttributeKey.for_keyword("CustomKeywordField")
T5 = timedelta(seconds=5)


@activity.defn
async def charge(amount: int) -> int:
    return amount


@workflow.defn
class SummarizedSteps:
    @workflow.run
    async def run(self) -> str:
        await workflow.execute_activity(charge, 3, start_to_close_timeout=T5, summary="charge the card")
        await workflow.sleep(3, summary="cool down")
        return "done"


@workflow.defn
class Child:
    @workflow.run
    async def run(self) -> dict:
        return {
            "memo": dict(workflow.memo()),
            "keyword": workflow.info().typed_search_attributes.get(KEYWORD),
        }


@workflow.defn
class ParentWithChildOptions:
    @workflow.run
    async def run(self) -> dict:
        return await workflow.execute_child_workflow(
            Child.run,
            id=f"{workflow.info().workflow_id}-child",
            memo={"tier": "gold", "n": 1},
            search_attributes=common.TypedSearchAttributes([common.SearchAttributePair(KEYWORD, "kid")]),
            static_summary="the child",
            static_details="details of the child",
        )


@workflow.defn
class ContinuesWithOptions:
    @workflow.run
    async def run(self, continued: bool) -> dict:
        if not continued:
            workflow.continue_as_new(
                True,
                memo={"page": 2},
                search_attributes=common.TypedSearchAttributes([common.SearchAttributePair(KEYWORD, "next")]),
                run_timeout=timedelta(hours=2),
                task_timeout=timedelta(seconds=20),
            )
        info = workflow.info()
        return {
            "memo": dict(workflow.memo()),
            "keyword": info.typed_search_attributes.get(KEYWORD),
            "run_timeout": info.run_timeout.total_seconds() if info.run_timeout else None,
            "task_timeout": info.task_timeout.total_seconds(),
        }


def _text(payload: dict) -> str:
    return json.loads(base64.b64decode(payload["data"]))


async def test_activity_and_timer_summaries_are_in_the_history(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[SummarizedSteps], activities=[charge]):
        handle = await client.start_workflow(
            SummarizedSteps.run,
            id="wf-summaries",
            task_queue=task_queue,
            static_summary="a run with summaries",
            static_details="it charges, then waits",
        )
        assert await handle.result() == "done"
    events = json.loads((await handle.fetch_history()).to_json())["events"]
    metadata = {e["eventType"]: e.get("userMetadata") for e in events}
    assert _text(metadata["EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"]["summary"]) == "charge the card"
    assert _text(metadata["EVENT_TYPE_TIMER_STARTED"]["summary"]) == "cool down"
    started = metadata["EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"]
    assert (_text(started["summary"]), _text(started["details"])) == ("a run with summaries", "it charges, then waits")
    described = await handle.describe()
    assert await described.static_summary() == "a run with summaries"
    assert await described.static_details() == "it charges, then waits"


async def test_a_run_without_summaries_has_none(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Child]):
        handle = await client.start_workflow(Child.run, id="wf-plain", task_queue=task_queue)
        await handle.result()
    described = await handle.describe()
    assert await described.static_summary() is None
    assert await described.static_details() is None


async def test_a_childs_memo_search_attributes_and_static_summary_reach_it(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[ParentWithChildOptions, Child]):
        seen = await client.execute_workflow(ParentWithChildOptions.run, id="wf-parent-opts", task_queue=task_queue)
        child = await client.get_workflow_handle("wf-parent-opts-child").describe()
    assert seen == {"memo": {"tier": "gold", "n": 1}, "keyword": "kid"}
    assert await child.memo() == {"tier": "gold", "n": 1}
    assert child.typed_search_attributes.get(KEYWORD) == "kid"
    assert await child.static_summary() == "the child"
    assert await child.static_details() == "details of the child"


async def test_continue_as_new_hands_on_memo_search_attributes_and_timeouts(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[ContinuesWithOptions]):
        seen = await client.execute_workflow(
            ContinuesWithOptions.run,
            False,
            id="wf-continues-opts",
            task_queue=task_queue,
            memo={"page": 1},
            search_attributes=common.TypedSearchAttributes([common.SearchAttributePair(KEYWORD, "first")]),
        )
    assert seen == {"memo": {"page": 2}, "keyword": "next", "run_timeout": 7200.0, "task_timeout": 20.0}
