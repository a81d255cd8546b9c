"""What a workflow knows about itself, and typed activity results."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from durable import activity, workflow

from .conftest import T0, TASK_QUEUE, Driver


@workflow.defn(name="InfoWorkflow")
class InfoWorkflow:
    def __init__(self) -> None:
        self.lengths: list[int] = []

    @workflow.run
    async def run(self) -> dict[str, object]:
        info = workflow.info()
        self.lengths.append(info.get_current_history_length())
        await asyncio.sleep(3)
        self.lengths.append(workflow.info().get_current_history_length())
        return {
            "workflow_id": info.workflow_id,
            "run_id": info.run_id,
            "workflow_type": info.workflow_type,
            "task_queue": info.task_queue,
            "attempt": info.attempt,
            "start_time": info.start_time.timestamp(),
            "in_workflow": workflow.in_workflow(),
            "instance_is_self": workflow.instance() is self,
            "time": workflow.time(),
            "time_ns": workflow.time_ns(),
        }

    @workflow.query
    def history_lengths(self) -> list[int]:
        return self.lengths


def test_workflow_info_describes_the_run() -> None:
    d = Driver(InfoWorkflow)
    d.start()
    d.fire_timer(1)
    assert d.result() == {
        "workflow_id": "wf-1",
        "run_id": d.run_id,
        "workflow_type": "InfoWorkflow",
        "task_queue": TASK_QUEUE,
        "attempt": 1,
        "start_time": T0,
        "in_workflow": True,
        "instance_is_self": True,
        "time": T0 + 3,
        "time_ns": int((T0 + 3) * 1e9),
    }
    assert not workflow.in_workflow()


def test_history_length_is_the_same_warm_and_cold() -> None:
    d = Driver(InfoWorkflow)
    d.start()
    d.fire_timer(1)
    # [Started 1, TaskCompleted 2, TimerStarted 3], [TimerFired 4, TaskCompleted 5, Completed 6]
    assert d.query("history_lengths") == [2, 5]
    cold = d.cold()
    assert cold.instance is not None
    assert cold.instance.query("history_lengths", []) == "[2,5]"


@dataclasses.dataclass
class Quote:
    sku: str
    cents: int


@activity.defn
async def quote(sku: str) -> Quote:
    return Quote(sku, 100)


@workflow.defn
class TypedResults:
    @workflow.run
    async def run(self) -> list[str]:
        by_function = await workflow.execute_activity(
            quote, "A1", start_to_close_timeout=timedelta(seconds=5), activity_id="quote-a1"
        )
        by_name = await workflow.execute_activity(
            "quote", "B2", start_to_close_timeout=timedelta(seconds=5), result_type=Quote
        )
        untyped = await workflow.execute_activity("quote", "C3", start_to_close_timeout=timedelta(seconds=5))
        return [type(by_function).__name__, type(by_name).__name__, type(untyped).__name__]


def test_activity_results_decode_to_the_declared_type() -> None:
    d = Driver(TypedResults)
    d.start()
    assert d.commands()[0]["attributes"]["activity_id"] == "quote-a1"
    d.complete_activity(1, Quote("A1", 100))
    assert d.commands()[0]["attributes"]["activity_id"] == "2"
    d.complete_activity(2, Quote("B2", 100))
    d.complete_activity(3, Quote("C3", 100))
    assert d.result() == ["Quote", "Quote", "dict"]
