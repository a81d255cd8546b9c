"""Golden histories in Temporal's JSON replay on either SDK's Replayer.

``tests/histories/temporal/*.json`` were recorded on temporalio 1.35 and its test server,
``tests/histories/temporal/from_durable/*.json`` by the same runs on durable (both by
``tests/histories/temporal/record.py``). Each replays against the workflow code on both
backends: durable reads a Temporal cluster's export, and what durable exports is history
temporalio can replay (patch markers, local activity markers, updates, children,
continue-as-new and cancellation included). On the temporal backend each file also parses
with protobuf's strict JSON parser: durable writes no field Temporal's history lacks.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.histories.temporal.workflows import CRON_RUNS, GOLDEN_IDS, WORKFLOWS

from . import sdk
from .sdk import WorkflowHistory, workflow

HERE = Path(__file__).parents[1] / "histories" / "temporal"
GOLDENS = sorted(HERE.glob("*.json")) + sorted((HERE / "from_durable").glob("*.json"))


async def test_both_sets_of_goldens_are_there():
    origins = {p.parent.name for p in GOLDENS}
    assert origins == {"temporal", "from_durable"}
    assert len(GOLDENS) == 2 * len(GOLDEN_IDS)


# temporalio's Replayer cannot replay a cron run (see CRON_RUNS): those replay on durable only,
# in tests/histories/temporal/test_temporal_histories.py.
REPLAYABLE_ON_BOTH = [p for p in GOLDENS if p.stem not in CRON_RUNS]


@pytest.mark.parametrize("path", REPLAYABLE_ON_BOTH, ids=[f"{p.parent.name}/{p.stem}" for p in REPLAYABLE_ON_BOTH])
async def test_golden_history_replays(path: Path):
    history = WorkflowHistory.from_json(GOLDEN_IDS[path.stem], path.read_text())
    result = await sdk.new_replayer(WORKFLOWS).replay_workflow(history)
    assert result.replay_failure is None
    if sdk.BACKEND == "temporal":  # and every field in the file is one of Temporal's own
        from google.protobuf import json_format
        from temporalio.api.history.v1 import History

        parsed = json_format.ParseDict(json.loads(path.read_text()), History(), ignore_unknown_fields=False)
        assert len(parsed.events) == len(history.events)
    assert len(history.events) >= 5  # started, a task, a command, a task, the close at least


SEEN: list[tuple[int, str]] = []


@workflow.defn(name="Countdown")
class CountdownProbe:
    """Countdown (tests/histories/temporal/workflows.py), noting what each task shows the code."""

    @workflow.run
    async def run(self, count: int) -> str:
        SEEN.append((workflow.info().get_current_history_length(), workflow.now().isoformat()))
        await asyncio.sleep(1)
        SEEN.append((workflow.info().get_current_history_length(), workflow.now().isoformat()))
        if count > 0:
            workflow.continue_as_new(count - 1)
        return "liftoff"


async def test_replay_shows_the_code_each_tasks_history_length_and_time_as_temporal_recorded_them():
    path = HERE / "countdown_last_run.json"
    events = json.loads(path.read_text())["events"]
    task_starts = [
        (int(e["eventId"]), e["eventTime"]) for e in events if e["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_STARTED"
    ]
    SEEN.clear()
    history = WorkflowHistory.from_json(GOLDEN_IDS[path.stem], path.read_text())
    assert (await sdk.new_replayer([CountdownProbe]).replay_workflow(history)).replay_failure is None
    assert [length for length, _ in SEEN] == [length for length, _ in task_starts] == [3, 8]
    assert [datetime.fromisoformat(now) for _, now in SEEN] == [
        datetime.fromisoformat(when.replace("Z", "+00:00")) for _, when in task_starts
    ]
