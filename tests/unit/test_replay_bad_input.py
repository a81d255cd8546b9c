"""Input from outside that does not fit its handler never wedges a run (temporalio's rules).

A signal whose arguments do not decode is dropped with a log line naming it; an update's
is rejected to its caller; a query's fails that query. The run's next workflow task is
untouched, and replay decides the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel, field_validator

from durable import _converter, activity, workflow
from durable._replay import events as ev
from durable._replay.instance import QueryArgumentsError, QueryFailed
from durable.common import RawValue
from durable.exceptions import ApplicationError

from .conftest import Driver

VALIDATED: list[Any] = []


@workflow.defn
class Tally:
    def __init__(self) -> None:
        self.total = 0
        self.seen: list[Any] = []

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.total >= 10)
        return self.total

    @workflow.signal
    def add(self, n: int) -> None:
        self.total += n

    @workflow.signal(dynamic=True)
    def anything(self, name: str, args: Sequence[RawValue]) -> None:
        self.seen.append([name, [workflow.payload_converter().from_payload(a.payload) for a in args]])

    @workflow.update
    def bump(self, n: int) -> int:
        self.total += n
        return self.total

    @bump.validator
    def check_bump(self, n: int) -> None:
        VALIDATED.append(n)

    @workflow.update
    def bump_unchecked(self, n: int) -> int:
        self.total += n
        return self.total

    @workflow.query
    def scaled(self, factor: int) -> int:
        return self.total * factor

    @workflow.query
    def broken(self) -> int:
        raise ValueError("no answer today")

    @workflow.query
    def seen_signals(self) -> list[Any]:
        return self.seen


DROPPED = "Failed deserializing signal input for add on workflow Tally with ID wf-1 and run ID "


def _update(d: Driver, name: str, *args: Any) -> list[dict[str, Any]]:
    """One decision on an update request; the record (the marker alone when it was rejected)."""
    d.now += 1.0
    request = {"update_id": "u-1", "name": name, "input": _converter.encode_args(args), "dedup": "update:u-1"}
    record = d.machine.decide([], d.now, updates=[request])
    return record


def test_a_signal_whose_argument_does_not_decode_is_dropped_and_the_run_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    d = Driver(Tally)
    d.start()
    with caplog.at_level(logging.WARNING):
        record = d.signal("add", "not a number")
    assert [e["event_type"] for e in record] == [ev.SIGNALED, ev.TASK_COMPLETED]
    assert d.query("scaled", 1) == 0
    assert any(DROPPED in r.getMessage() and r.levelno >= logging.WARNING for r in caplog.records)
    assert "dropping the signal" in caplog.text and "int_parsing" in caplog.text
    d.signal("add", 10)
    assert d.result() == 10


def test_a_dropped_signal_is_dropped_again_on_replay_without_a_second_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    d = Driver(Tally)
    d.start(signals=[("add", ["x"]), ("add", [4])])
    d.signal("add", {"n": 1})
    d.signal("add", 6)
    assert d.result() == 10
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        cold = d.cold()
    assert cold.replay_error is None
    assert cold.ledger.close_event is not None and cold.ledger.close_event["event_type"] == ev.WORKFLOW_COMPLETED
    assert "dropping the signal" not in caplog.text


def test_a_signal_with_too_many_or_too_few_arguments_is_dropped_too(caplog: pytest.LogCaptureFixture) -> None:
    """temporalio still fails the task here (sdk-python#355 asks to drop them): a run must not wedge on it."""
    d = Driver(Tally)
    d.start()
    with caplog.at_level(logging.WARNING):
        too_many = d.signal("add", 1, 2)
        too_few = d.signal("add")
    assert [e["event_type"] for e in too_many + too_few] == [ev.SIGNALED, ev.TASK_COMPLETED] * 2
    assert "signal 'add' cannot take 2 argument(s)" in caplog.text
    assert "signal 'add' cannot take 0 argument(s)" in caplog.text
    assert d.query("scaled", 1) == 0


def test_a_dynamic_signal_handler_gets_raw_values_whatever_their_types() -> None:
    d = Driver(Tally)
    d.start()
    d.signal("note", "text", 3, {"k": [1]})
    assert d.marker()["event_type"] == ev.TASK_COMPLETED
    assert d.query("seen_signals") == [["note", ["text", 3, {"k": [1]}]]]


def test_an_update_whose_argument_does_not_decode_is_rejected_before_its_validator() -> None:
    VALIDATED.clear()
    d = Driver(Tally)
    d.start()
    record = _update(d, "bump", "not a number")
    assert [e["event_type"] for e in record] == [ev.TASK_COMPLETED]
    assert VALIDATED == []
    [rejected] = d.machine.rejected_updates
    failure = rejected["failure"]
    assert failure["message"] == "Failed decoding arguments"
    assert failure["application"]["type"] == "RuntimeError"
    assert failure["cause"]["application"]["type"] == "ValidationError"


def test_an_update_with_the_wrong_number_of_arguments_is_rejected_not_a_task_failure() -> None:
    d = Driver(Tally)
    d.start()
    record = _update(d, "bump_unchecked", 1, 2)
    assert [e["event_type"] for e in record] == [ev.TASK_COMPLETED]
    [rejected] = d.machine.rejected_updates
    assert "update 'bump_unchecked' cannot take 2 argument(s)" in rejected["failure"]["message"]
    assert rejected["failure"]["application"]["type"] == "TypeError"
    assert not d.machine.poisoned


def test_a_query_with_arguments_that_do_not_decode_fails_that_query_only() -> None:
    d = Driver(Tally)
    d.start()
    d.signal("add", 3)
    assert d.machine.instance is not None
    with pytest.raises(QueryArgumentsError, match="Failed decoding arguments: 1 validation error") as info:
        d.machine.instance.query("scaled", _converter.encode_args(["x"]))
    assert isinstance(info.value, TypeError)
    with pytest.raises(QueryArgumentsError, match="query 'scaled' cannot take 2 argument"):
        d.machine.instance.query("scaled", _converter.encode_args([1, 2]))
    assert d.query("scaled", 2) == 6
    d.signal("add", 7)
    assert d.result() == 10


def test_a_query_handler_that_raises_fails_that_query_with_its_message() -> None:
    d = Driver(Tally)
    d.start()
    assert d.machine.instance is not None
    with pytest.raises(QueryFailed) as info:
        d.machine.instance.query("broken", [])
    assert info.value.message == "no answer today"
    assert str(info.value) == "ValueError: no answer today"
    assert isinstance(info.value.__cause__, ValueError)
    d.signal("add", 10)
    assert d.result() == 10


class Order(BaseModel):
    qty: int

    @field_validator("qty")
    @classmethod
    def positive(cls, v: int) -> int:
        if v <= 0:  # an ApplicationError passes through pydantic unwrapped, as through temporalio's converter
            raise ApplicationError("qty must be positive", type="BadOrder")
        return v


@workflow.defn
class Orders:
    def __init__(self) -> None:
        self.orders: list[int] = []

    @workflow.run
    async def run(self) -> list[int]:
        await workflow.wait_condition(lambda: bool(self.orders))
        return self.orders

    @workflow.signal
    def order(self, o: Order) -> None:
        self.orders.append(o.qty)

    @workflow.update
    def amend(self, o: Order) -> int:
        return o.qty


def test_a_failure_error_raised_while_decoding_drops_a_signal_and_rejects_an_update_with_it() -> None:
    """temporalio's converter lets a FailureError through unwrapped: its signal path drops the
    signal all the same, and an update is rejected with that very error."""
    d = Driver(Orders)
    d.start()
    d.signal("order", {"qty": 0})
    assert d.marker()["event_type"] == ev.TASK_COMPLETED
    assert d.command_types() == []
    record = _update(d, "amend", {"qty": 0})
    assert [e["event_type"] for e in record] == [ev.TASK_COMPLETED]
    [rejected] = d.machine.rejected_updates
    assert rejected["failure"]["message"] == "qty must be positive"
    assert rejected["failure"]["application"]["type"] == "BadOrder"
    d.signal("order", {"qty": 2})
    assert d.result() == [2]


# -- input the run cannot do without: the workflow task fails, visibly, and names what did not decode --


@activity.defn
async def count_items() -> int:
    return 3


@workflow.defn
class Counts:
    @workflow.run
    async def run(self, start: int) -> int:
        return start + await workflow.execute_activity(count_items, start_to_close_timeout=timedelta(seconds=5))


def _task_failure(d: Driver) -> dict[str, Any]:
    marker = d.marker()
    assert marker["event_type"] == ev.TASK_FAILED, marker
    return marker["attributes"]["failure"]


def test_a_start_input_that_does_not_decode_fails_the_task_naming_the_workflow() -> None:
    d = Driver(Counts)
    d.start("seven")
    failure = _task_failure(d)
    assert failure["message"] == "Failed decoding arguments of workflow Counts"
    assert failure["application"]["type"] == "RuntimeError"
    assert failure["cause"]["application"]["type"] == "ValidationError"


def test_an_activity_result_that_does_not_match_its_return_hint_fails_the_task_naming_the_activity() -> None:
    """temporalio fails the workflow task too: the task is retried (and shown) until the code is fixed."""
    d = Driver(Counts)
    d.start(4)
    d.complete_activity(1, "three")
    failure = _task_failure(d)
    assert failure["message"] == "Failed decoding the result of activity 'count_items' (#1) as int"
    assert failure["cause"]["application"]["type"] == "ValidationError"
    assert d.machine.ledger.closed is False
