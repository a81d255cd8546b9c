"""Search attributes and memo: set at start, read in the workflow, upserted, described.

Listing by them (client.list_workflows) is not here: the time-skipping test server does
not implement ListWorkflowExecutions (UNIMPLEMENTED); see
tests/workflows/test_visibility_listing.py and test_search_attribute_listing.py.
The attribute names are ones the test server pre-registers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from .sdk import WorkflowHistory, common, new_replayer, new_worker, workflow

KEYWORD = common.SearchAttributeKey.for_keyword("CustomKeywordField")
INT = common.SearchAttributeKey.for_int("CustomIntField")
WHEN = common.SearchAttributeKey.for_datetime("CustomDatetimeField")
FLAG = common.SearchAttributeKey.for_bool("CustomBoolField")


@dataclass
class Customer:
    name: str
    tier: int


@workflow.defn
class Tagged:
    @workflow.run
    async def run(self) -> dict:
        info = workflow.info()
        seen = {
            "keyword_at_start": info.typed_search_attributes.get(KEYWORD),
            "int_at_start": info.typed_search_attributes.get(INT),
            "untyped_at_start": dict(info.search_attributes),
            "memo": dict(workflow.memo()),
            "customer": workflow.memo_value("customer", type_hint=Customer),
            "missing_with_default": workflow.memo_value("nope", "fallback"),
        }
        try:
            workflow.memo_value("nope")
        except KeyError:
            seen["missing_raises"] = True
        workflow.upsert_search_attributes([KEYWORD.value_set("upserted"), INT.value_unset(), FLAG.value_set(True)])
        seen["keyword_after"] = workflow.info().typed_search_attributes.get(KEYWORD)
        seen["int_after"] = workflow.info().typed_search_attributes.get(INT)
        seen["flag_after"] = workflow.info().typed_search_attributes.get(FLAG)
        seen["names_after"] = sorted(pair.key.name for pair in workflow.info().typed_search_attributes)
        return seen


async def test_start_read_upsert_and_describe(client, task_queue):
    when = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
    async with new_worker(client, task_queue=task_queue, workflows=[Tagged]):
        handle = await client.start_workflow(
            Tagged.run,
            id="wf-tagged",
            task_queue=task_queue,
            memo={"customer": Customer("ada", 3), "note": "hello"},
            search_attributes=common.TypedSearchAttributes(
                [
                    common.SearchAttributePair(KEYWORD, "initial"),
                    common.SearchAttributePair(INT, 7),
                    common.SearchAttributePair(WHEN, when),
                ]
            ),
        )
        seen = await handle.result()
        described = await handle.describe()
        history = await handle.fetch_history()

    assert seen["keyword_at_start"] == "initial"
    assert seen["int_at_start"] == 7
    assert seen["untyped_at_start"]["CustomKeywordField"] == ["initial"]
    assert seen["memo"] == {"customer": {"name": "ada", "tier": 3}, "note": "hello"}
    assert seen["customer"] == {"name": "ada", "tier": 3}  # the result has no type hint: a dict
    assert seen["missing_with_default"] == "fallback"
    assert seen["missing_raises"] is True
    assert seen["keyword_after"] == "upserted"
    assert seen["int_after"] is None
    assert seen["flag_after"] is True
    assert seen["names_after"] == ["CustomBoolField", "CustomDatetimeField", "CustomKeywordField"]

    attrs = described.typed_search_attributes
    assert attrs.get(KEYWORD) == "upserted"
    assert attrs.get(INT) is None
    assert attrs.get(FLAG) is True
    assert attrs.get(WHEN) == when
    assert described.search_attributes["CustomKeywordField"] == ["upserted"]
    assert await described.memo() == {"customer": {"name": "ada", "tier": 3}, "note": "hello"}
    assert await described.memo_value("customer", type_hint=Customer) == Customer("ada", 3)
    assert await described.memo_value("nope", None) is None
    with pytest.raises(KeyError):
        await described.memo_value("nope")

    # The upsert is an event of its own in the history, and the history replays.
    events = re.sub(r"[^a-z]", "", history.to_json().lower())
    assert events.count("upsertworkflowsearchattributes") >= 1
    await new_replayer([Tagged]).replay_workflow(WorkflowHistory.from_json("wf-tagged", history.to_json()))


@workflow.defn
class Untagged:
    @workflow.run
    async def run(self) -> list[str]:
        return sorted(pair.key.name for pair in workflow.info().typed_search_attributes)


async def test_without_search_attributes_or_memo_everything_is_empty(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Untagged]):
        handle = await client.start_workflow(Untagged.run, id="wf-untagged", task_queue=task_queue)
        assert await handle.result() == []
        described = await handle.describe()
    # Besides the reserved BuildIds, which the engine keeps (a Temporal server does too; its
    # time-skipping test server does not), nothing: the workflow saw none either.
    assert [pair.key.name for pair in described.typed_search_attributes if pair.key.name != "BuildIds"] == []
    assert await described.memo() == {}
