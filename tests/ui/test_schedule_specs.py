"""A schedule's spec in a line (``durable/_http/ui/specs.js``), from the spec documents the
engine keeps (cron expressions turned into calendars, as Temporal's server describes them).
The module runs in Node, without a browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from typing import Any

import pytest

from durable._client.schedules import schedule_to_doc
from durable._schedules.spec import canonical_spec
from durable.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleRange,
    ScheduleSpec,
)

from .conftest import PROJECT_ROOT

SPECS = PROJECT_ROOT / "durable" / "_http" / "ui" / "specs.js"
NODE = shutil.which("node")

_SCRIPT = f"""
import {{ specSummary, overlapName }} from {json.dumps(SPECS.as_uri())};
let text = "";
for await (const chunk of process.stdin) text += chunk;
const {{ specs, overlaps }} = JSON.parse(text);
process.stdout.write(JSON.stringify({{ specs: specs.map(specSummary), overlaps: overlaps.map(overlapName) }}));
"""


def _summaries(specs: list[ScheduleSpec], overlaps: list[Any] | None = None) -> dict[str, list[str]]:
    assert NODE, "node is needed (make setup installs the CDK CLI with it)"
    action = ScheduleActionStartWorkflow("Report", id="report", task_queue="q")
    docs = [canonical_spec(schedule_to_doc(Schedule(action=action, spec=spec))["spec"]) for spec in specs]
    result = subprocess.run(
        [NODE, "--input-type=module", "-e", _SCRIPT],
        input=json.dumps({"specs": docs, "overlaps": overlaps or []}),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_each_kind_of_time_reads_as_one_phrase() -> None:
    weekdays = ScheduleCalendarSpec(
        hour=[ScheduleRange(9)], minute=[ScheduleRange(0, 45, 15)], day_of_week=[ScheduleRange(1, 5)], comment="standup"
    )
    noon = ScheduleCalendarSpec(hour=[ScheduleRange(12)])
    summaries = _summaries([
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(days=1), offset=timedelta(minutes=90))]),
        ScheduleSpec(cron_expressions=["30 2 * * 1-5"]),
        ScheduleSpec(calendars=[weekdays], time_zone_name="Europe/Paris"),
        ScheduleSpec(cron_expressions=["@every 5m"]),
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=10))], skip=[noon]),
        ScheduleSpec(),
    ])["specs"]  # fmt: skip
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
