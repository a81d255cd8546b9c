"""Queries: read-only handlers run on the instance's current state."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable._replay import events as ev
from durable._replay.instance import QueryNotFound

from .conftest import Driver


@activity.defn
async def noop() -> None:
    return None


@workflow.defn
class Counter:
    def __init__(self) -> None:
        self.count = 0

    @workflow.run
    async def run(self) -> int:
        await asyncio.sleep(10)
        await workflow.execute_activity(noop, start_to_close_timeout=timedelta(seconds=5))
        return self.count

    @workflow.signal
    def add(self, n: int) -> None:
        self.count += n

    @workflow.query
    def current(self) -> int:
        return self.count

    @workflow.query(name="scaled")
    def times(self, factor: int) -> dict[str, int]:
        return {"value": self.count * factor}

    @workflow.query
    def sneaky(self) -> str:
        workflow.start_activity(noop, start_to_close_timeout=timedelta(seconds=5))
        return "issued"


def test_query_returns_the_handler_result_on_current_state() -> None:
    d = Driver(Counter)
    d.start()
    assert d.query("current") == 0
    d.signal("add", 5)
    d.signal("add", 2)
    assert d.query("current") == 7
    assert d.query("scaled", 3) == {"value": 21}


def test_query_issues_no_command_and_changes_no_state() -> None:
    d = Driver(Counter)
    d.start()
    d.query("current")
    d.fire_timer(1)
    assert [e["attributes"]["activity_id"] for e in d.commands()] == ["1"]


def test_unknown_query_raises_query_not_found_listing_known_names() -> None:
    d = Driver(Counter)
    d.start()
    assert d.machine.instance is not None
    with pytest.raises(QueryNotFound) as info:
        d.machine.instance.query("missing", [])
    assert str(info.value) == (
        "Query handler for 'missing' expected but not found, known queries: [current scaled sneaky]"
    )


def test_query_that_issues_a_command_raises() -> None:
    d = Driver(Counter)
    d.start()
    assert d.machine.instance is not None
    with pytest.raises(Exception, match="read-only"):
        d.machine.instance.query("sneaky", [])


def test_a_rejected_command_in_a_query_leaves_no_trace_in_the_run() -> None:
    """temporalio checks read-only mode before anything else; the run must not notice the query."""
    d = Driver(Counter)
    d.start()
    assert d.machine.instance is not None
    with pytest.raises(Exception, match="read-only"):
        d.machine.instance.query("sneaky", [])
    d.fire_timer(1)
    assert [(e["event_type"], e["attributes"]["seq"], e["attributes"]["activity_id"]) for e in d.commands()] == [
        (ev.ACTIVITY_SCHEDULED, 1, "1")
    ]
    # A cold replay (which never ran the query) must agree with the warm machine.
    assert d.cold().replay_error is None
