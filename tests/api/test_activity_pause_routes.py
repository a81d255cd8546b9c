"""The activity pause routes, through real proxy events: what they accept and what they refuse."""

from __future__ import annotations

import base64
import time

from .workflows import TOKENS

BASE = "/api/v1/workflows"


def _token() -> str:
    deadline = time.monotonic() + 10
    while not TOKENS:
        assert time.monotonic() < deadline, "the activity never started"
        time.sleep(0.01)
    return base64.b64encode(TOKENS.pop()).decode()


def _pending(call, workflow_id: str, state: str) -> dict:
    """The run's one pending activity once it shows ``state`` (the orchestrator applies the pause after the call)."""
    deadline = time.monotonic() + 10
    while True:
        pending = call("GET", f"{BASE}/{workflow_id}").body["pending_activities"]
        if pending and pending[0]["state"] == state:
            return dict(pending[0])
        assert time.monotonic() < deadline, f"never {state}: {pending}"
        time.sleep(0.01)


def test_a_paused_activity_shows_its_pause_and_still_completes(call):
    TOKENS.clear()
    call.start("Approval", "pause-1", "refund")
    token = _token()
    reply = call("POST", f"{BASE}/pause-1/activities/1/pause", {"reason": "audit first", "identity": "ops"})
    assert reply.status == 202
    pending = _pending(call, "pause-1", "PAUSED")
    assert (pending["pause"]["reason"], pending["pause"]["identity"]) == ("audit first", "ops")
    assert pending["pause"]["pause_time"].endswith("Z")
    # Pausing again changes nothing; a completion while paused completes the activity.
    assert call("POST", f"{BASE}/pause-1/activities/1/pause", {}).status == 202
    assert call("POST", "/api/v1/activities/complete", {"task_token": token, "result": "ok"}).status == 202
    assert call.result("pause-1").body["result"] == "ok"


def test_unpause_takes_the_temporal_cli_s_options(call):
    TOKENS.clear()
    call.start("Approval", "pause-2", "refund")
    _token()
    assert call("POST", f"{BASE}/pause-2/activities/1/pause", {}).status == 202
    _pending(call, "pause-2", "PAUSED")
    body = {"reset_attempts": True, "reset_heartbeats": True, "jitter_seconds": 0.5, "identity": "ops"}
    assert call("POST", f"{BASE}/pause-2/activities/1/unpause", body).status == 202
    pending = _pending(call, "pause-2", "SCHEDULED")
    assert pending["pause"] is None and pending["attempt"] == 1


def test_what_the_pause_routes_refuse(call):
    TOKENS.clear()
    call.start("Approval", "pause-3", "refund")
    _token()
    not_pending = call("POST", f"{BASE}/pause-3/activities/7/pause", {})
    assert (not_pending.status, not_pending.error["code"]) == (404, "activity_not_found")
    assert "activity '7' is not pending" in not_pending.error["message"]
    unknown = call("POST", f"{BASE}/no-such-workflow/activities/1/unpause", {})
    assert (unknown.status, unknown.error["code"]) == (404, "execution_not_found")
    negative = call("POST", f"{BASE}/pause-3/activities/1/unpause", {"jitter_seconds": -1})
    assert negative.status == 400 and "jitter_seconds" in negative.raw
    unknown_field = call("POST", f"{BASE}/pause-3/activities/1/pause", {"activity_type": "approve"})
    assert unknown_field.status == 400 and "activity_type" in unknown_field.raw
    assert call("POST", f"{BASE}/pause-3/terminate", {}).status == 202
    closed = call("POST", f"{BASE}/pause-3/activities/1/pause", {})
    assert (closed.status, closed.error["code"]) == (409, "not_running")
