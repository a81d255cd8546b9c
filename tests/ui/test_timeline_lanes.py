"""The timeline's lanes (``durable/_http/ui/timeline.js``) from recorded histories, as the API
serves them. The module runs in Node (the CDK's runtime here), without a browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from durable._http.wire import event_out

from .conftest import PROJECT_ROOT

TIMELINE = PROJECT_ROOT / "durable" / "_http" / "ui" / "timeline.js"
HISTORIES = PROJECT_ROOT / "tests" / "histories"
NODE = shutil.which("node")

_SCRIPT = f"""
import {{ buildLanes }} from {json.dumps(TIMELINE.as_uri())};
let text = "";
for await (const chunk of process.stdin) text += chunk;
const {{ events, closed, now }} = JSON.parse(text);
process.stdout.write(JSON.stringify(buildLanes(events, {{ closed, now }})));
"""


def lanes(events: list[dict[str, Any]], *, closed: bool, now_ms: float | None = None) -> dict[str, Any]:
    assert NODE, "node is needed (make setup installs the CDK CLI with it)"
    api_events = [event_out(e) for e in events]
    now = now_ms if now_ms is not None else events[-1]["event_time"] * 1000
    result = subprocess.run(
        [NODE, "--input-type=module", "-e", _SCRIPT],
        input=json.dumps({"events": api_events, "closed": closed, "now": now}),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lanes_out: dict[str, Any] = json.loads(result.stdout)
    return lanes_out


def history(name: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads((HISTORIES / f"{name}.json").read_text())["events"]
    return events


def by_label(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lane["label"]: lane for lane in model["lanes"]}


def states(lane: dict[str, Any]) -> list[str]:
    return [seg["state"] for seg in lane["segments"]]


def test_a_confirmed_order_has_a_lane_per_activity_and_timer_a_retry_and_its_signal() -> None:
    model = lanes(history("order_confirmed_after_a_payment_retry"), closed=True)
    assert [lane["kind"] for lane in model["lanes"]] == [
        "workflow", "signals", "activity", "activity", "timer", "activity", "activity",
    ]  # fmt: skip
    lane = by_label(model)
    assert states(lane["Workflow"]) == ["completed"]
    assert [m["label"] for m in lane["Signals"]["marks"]] == ["confirm_order"]
    # the failed first attempt, its back-off, the attempt that succeeded
    assert states(lane["charge_payment"]) == ["failed", "backoff", "completed"]
    assert "2 attempts" in lane["charge_payment"]["detail"]
    assert states(lane["reserve_inventory"]) == ["completed"]
    assert states(lane["Timer 1"]) == ["canceled"]  # the confirmation came: the 24 h window closed
    assert lane["Timer 1"]["detail"] == "24 h 00 m"
    assert model["running"] is False
    # each lane knows its events, for the raw table
    every = sorted(i for ln in model["lanes"] for i in ln["eventIds"])
    assert len(every) == len(set(every))


def test_an_unconfirmed_order_fires_its_timer_and_a_declined_payment_fails_after_five_attempts() -> None:
    timeout = by_label(lanes(history("order_not_confirmed_in_24h"), closed=True))
    assert states(timeout["Timer 1"]) == ["fired"]
    assert "Signals" not in timeout
    declined = by_label(lanes(history("order_payment_declined"), closed=True))
    assert states(declined["charge_payment"]) == ["failed", "backoff"] * 4 + ["failed"]
    assert "5 attempts" in declined["charge_payment"]["detail"]
    assert states(declined["Workflow"]) == ["failed"]


def test_a_running_order_waits_on_its_timer_until_now() -> None:
    events = history("order_confirmed_after_a_payment_retry")
    cut = next(i for i, e in enumerate(events) if e["event_type"] == "TimerStarted") + 1
    running = [e for e in events[:cut] if e["event_type"] != "WorkflowExecutionSignaled"]
    started = running[-1]["event_time"]
    model = lanes(running, closed=False, now_ms=(started + 60) * 1000)
    lane = by_label(model)
    assert model["running"] is True
    assert states(lane["Workflow"]) == ["running"]
    assert states(lane["Timer 1"]) == ["waiting"]
    assert lane["Timer 1"]["pending"] == pytest.approx((86400 - 60) * 1000, abs=5)
    assert model["end"] == pytest.approx((started + 60) * 1000, abs=1)


def test_updates_get_a_lane_from_accepted_to_completed_and_unknown_events_a_marker() -> None:
    t0 = 1_800_000_000.0

    def event(i: int, kind: str, dt: float, **attributes: Any) -> dict[str, Any]:
        return {"event_id": i, "event_type": kind, "event_time": t0 + dt, "attributes": attributes}

    events = [
        event(1, "WorkflowExecutionStarted", 0, workflow_type="Cart", input=[]),
        event(2, "WorkflowExecutionUpdateAccepted", 1, update_id="u1", name="add_item", input=['"book"']),
        event(3, "WorkflowExecutionUpdateCompleted", 1.5, update_id="u1", result='"ok"'),
        event(4, "WorkflowExecutionUpdateAccepted", 2, update_id="u2", name="add_item", input=['"pen"']),
        event(5, "WorkflowExecutionUpdateCompleted", 2.2, update_id="u2",
              failure={"message": "sold out", "application": {"type": "SoldOut"}}),
        event(6, "MarkerRecorded", 3, patch_id="v2"),
    ]  # fmt: skip
    model = lanes(events, closed=False, now_ms=(t0 + 4) * 1000)
    updates = [lane for lane in model["lanes"] if lane["kind"] == "update"]
    assert [(u["label"], states(u)) for u in updates] == [("add_item", ["completed"]), ("add_item", ["failed"])]
    assert updates[0]["segments"][0]["to"] - updates[0]["segments"][0]["from"] == pytest.approx(500, abs=1)
    (other,) = [lane for lane in model["lanes"] if lane["kind"] == "other"]
    assert [m["title"] for m in other["marks"]] == ["MarkerRecorded"]
