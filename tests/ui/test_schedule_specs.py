"""A schedule's spec in a line (``durable/_http/ui/specs.js``), from the specs the API
describes (cron expressions turned into calendars, as Temporal's server describes them) of
schedules made with the Python client on the dev server. The module runs in Node."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import timedelta
from typing import Any

import pytest

from durable.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)

from .conftest import PROJECT_ROOT, api
from .helpers import run_client

SPECS = PROJECT_ROOT / "durable" / "_http" / "ui" / "specs.js"
NODE = shutil.which("node")

_SCRIPT = f"""
import {{ specSummary, overlapName }} from {json.dumps(SPECS.as_uri())};
let text = "";
for await (const chunk of process.stdin) text += chunk;
const {{ specs, overlaps }} = JSON.parse(text);
process.stdout.write(JSON.stringify({{ specs: specs.map(specSummary), overlaps: overlaps.map(overlapName) }}));
"""


def _described_specs(base: str, specs: list[ScheduleSpec]) -> list[Any]:
    """Each spec as GET /schedules/{id} describes it, from a paused schedule made with it."""
    ids = [f"spec-{uuid.uuid4().hex[:6]}-{i}" for i in range(len(specs))]

    async def create(client: Client) -> None:
        for schedule_id, spec in zip(ids, specs, strict=True):
            action = ScheduleActionStartWorkflow("Counter", 0, id=schedule_id, task_queue="ui-tests")
            await client.create_schedule(
                schedule_id, Schedule(action=action, spec=spec, state=ScheduleState(paused=True))
            )

    run_client(base, create)
    described = [api(base, "GET", f"/api/v1/schedules/{schedule_id}")["schedule"]["spec"] for schedule_id in ids]
    for schedule_id in ids:
        api(base, "DELETE", f"/api/v1/schedules/{schedule_id}")
    return described


def _summaries(docs: list[Any], overlaps: list[Any] | None = None) -> dict[str, list[str]]:
    assert NODE, "node is needed (make setup installs the CDK CLI with it)"
    result = subprocess.run(
        [NODE, "--input-type=module", "-e", _SCRIPT],
        input=json.dumps({"specs": docs, "overlaps": overlaps or []}),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_each_kind_of_time_reads_as_one_phrase(dev_server: str) -> None:
    weekdays = ScheduleCalendarSpec(
        hour=[ScheduleRange(9)], minute=[ScheduleRange(0, 45, 15)], day_of_week=[ScheduleRange(1, 5)], comment="standup"
    )
    noon = ScheduleCalendarSpec(hour=[ScheduleRange(12)])
    described = _described_specs(dev_server, [
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(days=1), offset=timedelta(minutes=90))]),
        ScheduleSpec(cron_expressions=["30 2 * * 1-5"]),
        ScheduleSpec(calendars=[weekdays], time_zone_name="Europe/Paris"),
        ScheduleSpec(cron_expressions=["@every 5m"]),
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=10))], skip=[noon]),
        ScheduleSpec(),
    ])  # fmt: skip
    summaries = _summaries(described)["specs"]
    assert summaries == [
        "every 1 h",
        "every 1 d + 1 h 30 m",
        "calendar 0 30 2 * * 1-5",
        "calendar 0 0-45/15 9 * * 1-5 (standup) (Europe/Paris)",
        "every 5 m",
        "every 10 m; skip 0 0 12 * * *",
        "no times (trigger or backfill only)",
    ]


@pytest.mark.parametrize(
    ("wire", "name"),
    [("SKIP", "SKIP"), (1, "SKIP"), (5, "TERMINATE_OTHER"), ("SCHEDULE_OVERLAP_POLICY_ALLOW_ALL", "ALLOW_ALL")],
)
def test_an_overlap_policy_is_named_whether_sent_by_name_or_number(wire: Any, name: str) -> None:
    assert _summaries([], [wire])["overlaps"] == [name]
