"""workflow.patched / deprecate_patch: old histories replay the old branch, new runs the new one."""

from __future__ import annotations

import asyncio

from durable import workflow
from durable._replay import events as ev
from durable._replay.definition import WorkflowDefinition
from durable._replay.machine import HistoryMachine
from tests.unit.conftest import Driver


@workflow.defn(name="Patching")
class V1:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(10)
        return "v1"


@workflow.defn(name="Patching")
class V2:
    @workflow.run
    async def run(self) -> str:
        if workflow.patched("faster"):
            await asyncio.sleep(1)
            await asyncio.sleep(1)
            return "v2"
        await asyncio.sleep(10)
        return "v1"


@workflow.defn(name="Patching")
class V3:
    @workflow.run
    async def run(self) -> str:
        workflow.deprecate_patch("faster")
        await asyncio.sleep(1)
        await asyncio.sleep(1)
        return "v2"


@workflow.defn(name="Patching")
class V4:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(1)
        await asyncio.sleep(1)
        return "v2"


def run_to_end(cls: type) -> list[dict]:
    d = Driver(cls)
    d.start()
    d.fire_timer(1)
    if not any(e["event_type"] == ev.WORKFLOW_COMPLETED for e in d.log):
        d.fire_timer(2)
    return d.log


def replay(log: list[dict], cls: type) -> HistoryMachine:
    machine = HistoryMachine(lambda _t, _q: WorkflowDefinition.of(cls))
    machine.replay(log)
    return machine


def result_of(log: list[dict]) -> str:
    return next(e["attributes"]["result"] for e in log if e["event_type"] == ev.WORKFLOW_COMPLETED)


def test_a_new_run_takes_the_patched_branch_and_records_a_marker() -> None:
    log = run_to_end(V2)
    markers = [e for e in log if e["event_type"] == ev.MARKER_RECORDED]
    assert [m["attributes"]["patch_id"] for m in markers] == ["faster"]
    assert result_of(log) == '"v2"'


def test_a_history_of_the_old_code_replays_the_old_branch() -> None:
    old = run_to_end(V1)
    machine = replay(old, V2)
    assert machine.replay_error is None
    assert machine.ledger.status.name == "COMPLETED"


def test_removing_the_patch_too_early_breaks_old_histories() -> None:
    machine = replay(run_to_end(V1), V4)
    assert machine.replay_error is not None
    assert "TimerStarted (#2)" in str(machine.replay_error)


def test_deprecated_patch_replays_histories_with_the_marker_and_new_runs_record_it() -> None:
    assert replay(run_to_end(V2), V3).replay_error is None
    log = run_to_end(V3)
    assert [e["attributes"]["deprecated"] for e in log if e["event_type"] == ev.MARKER_RECORDED] == [True]


def test_once_deprecated_the_call_can_go_and_marked_histories_still_replay() -> None:
    assert replay(run_to_end(V2), V4).replay_error is None
    assert replay(run_to_end(V3), V4).replay_error is None
