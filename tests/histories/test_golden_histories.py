"""Histories recorded by earlier versions replay against today's engine and workflows.

A failure here means running executions would break on deploy: keep the old code path
behind ``workflow.patched`` or teach the replayer the older event format, never edit the
recorded files to make this pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from durable._replay import events as ev
from durable._replay.definition import WorkflowDefinition
from durable._replay.machine import HistoryMachine
from durable.client import WorkflowHistory
from statemachines.order import OrderWorkflow
from statemachines.saga import OrderSagaWorkflow

HISTORIES = sorted(Path(__file__).parent.glob("*.json"))
WORKFLOWS = {d.name: d for d in (WorkflowDefinition.of(OrderWorkflow), WorkflowDefinition.of(OrderSagaWorkflow))}


def test_there_are_golden_histories() -> None:
    assert len(HISTORIES) >= 4


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_golden_history_replays_without_nondeterminism(path: Path) -> None:
    data = json.loads(path.read_text())
    assert data["format_version"] <= ev.FORMAT_VERSION
    history = WorkflowHistory.from_json(data["workflow_id"], data)
    machine = HistoryMachine(lambda workflow_type, _queue: WORKFLOWS[workflow_type])
    machine.replay(history.events)
    assert machine.replay_error is None, machine.replay_error
    terminal = [e for e in history.events if e["event_type"] in ev.TERMINAL_EVENTS]
    assert len(terminal) == 1
    assert machine.ledger.close_event == terminal[0]
    assert machine.instance is not None and machine.instance.finished
