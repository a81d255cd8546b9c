"""upsert_search_attributes in the pure core: its event, the ledger's view, replay checks."""

from __future__ import annotations

import asyncio
import warnings
from datetime import UTC, datetime

import pytest

from durable import workflow
from durable._replay import events as ev
from durable._replay.definition import WorkflowDefinition
from durable._replay.machine import HistoryMachine, NondeterminismError
from durable.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from tests.unit.conftest import Driver

TIER = SearchAttributeKey.for_keyword("Tier")
SCORE = SearchAttributeKey.for_int("Score")
TAGS = SearchAttributeKey.for_keyword_list("Tags")
WHEN = SearchAttributeKey.for_datetime("When")


@workflow.defn(name="Upserting")
class Upserting:
    @workflow.run
    async def run(self) -> list:
        workflow.upsert_search_attributes([TIER.value_set("gold"), TAGS.value_set(["a", "b"])])
        await asyncio.sleep(5)
        workflow.upsert_search_attributes(
            [TIER.value_unset(), SCORE.value_set(3), WHEN.value_set(datetime(2024, 1, 1, tzinfo=UTC))]
        )
        workflow.upsert_search_attributes([])  # nothing to change: no command
        attrs = workflow.info().typed_search_attributes
        return [attrs.get(TIER), attrs.get(SCORE), list(attrs.get(TAGS)), attrs.get(WHEN).isoformat()]


@workflow.defn(name="Upserting")
class ForgetsTheUpsert:
    @workflow.run
    async def run(self) -> list:
        await asyncio.sleep(5)
        return []


@workflow.defn(name="Upserting")
class UntypedForm:
    @workflow.run
    async def run(self) -> dict:
        workflow.upsert_search_attributes({"Tier": ["gold"], "Score": [3], "Tags": ["a", "b"]})
        workflow.upsert_search_attributes({"Score": []})  # an empty list unsets
        return dict(workflow.info().search_attributes)


@workflow.defn(name="Upserting")
class WrongType:
    @workflow.run
    async def run(self) -> None:
        workflow.upsert_search_attributes([SCORE.value_set("three")])  # type: ignore[arg-type]


def run_to_end(cls: type) -> Driver:
    d = Driver(cls)
    d.start()
    if not any(e["event_type"] in ev.TERMINAL_EVENTS for e in d.log):
        d.fire_timer(1)
    return d


def test_each_upsert_is_one_event_holding_its_changes_and_the_ledger_merges_them() -> None:
    d = run_to_end(Upserting)
    upserts = [e["attributes"]["search_attributes"] for e in d.log if e["event_type"] == ev.UPSERT_SEARCH_ATTRIBUTES]
    assert upserts == [
        {"Tier": {"type": "Keyword", "value": "gold"}, "Tags": {"type": "KeywordList", "value": ["a", "b"]}},
        {
            "Tier": None,
            "Score": {"type": "Int", "value": 3},
            "When": {"type": "Datetime", "value": "2024-01-01T00:00:00+00:00"},
        },
    ]
    assert d.result() == [None, 3, ["a", "b"], "2024-01-01T00:00:00+00:00"]
    assert d.machine.ledger.search_attributes == {
        "Tags": {"type": "KeywordList", "value": ["a", "b"]},
        "Score": {"type": "Int", "value": 3},
        "When": {"type": "Datetime", "value": "2024-01-01T00:00:00+00:00"},
    }


def test_a_cold_replay_rebuilds_the_same_attributes() -> None:
    d = run_to_end(Upserting)
    cold = d.cold()
    assert cold.replay_error is None
    assert cold.ledger.search_attributes == d.machine.ledger.search_attributes
    assert cold.instance is not None
    assert cold.instance.info.typed_search_attributes == d.machine.instance.info.typed_search_attributes


def test_code_that_no_longer_upserts_does_not_replay() -> None:
    d = run_to_end(Upserting)
    machine = HistoryMachine(lambda _t, _q: WorkflowDefinition.of(ForgetsTheUpsert))
    machine.replay(d.log)
    assert isinstance(machine.replay_error, NondeterminismError)
    assert "UpsertWorkflowSearchAttributes" in str(machine.replay_error)


def test_the_untyped_dict_form_warns_and_sets_typed_attributes_too() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = run_to_end(UntypedForm)
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert d.result() == {"Tier": ["gold"], "Tags": ["a", "b"]}
    assert d.machine.instance.info.typed_search_attributes == TypedSearchAttributes(
        [
            SearchAttributePair(TIER, "gold"),
            SearchAttributePair(TAGS, ["a", "b"]),
        ]
    )


def test_a_value_of_the_wrong_type_fails_the_workflow_task_not_the_workflow() -> None:
    d = Driver(WrongType)
    d.start()
    failed = [e for e in d.log if e["event_type"] == ev.TASK_FAILED]
    assert failed and "'Score' is Int" in failed[0]["attributes"]["failure"]["message"]
    assert d.machine.ledger.status.name == "RUNNING"


def test_typed_search_attributes_reject_duplicate_names() -> None:
    with pytest.raises(ValueError, match="Duplicate search attribute entries found for key Tier"):
        TypedSearchAttributes([SearchAttributePair(TIER, "a"), SearchAttributePair(TIER, "b")])
