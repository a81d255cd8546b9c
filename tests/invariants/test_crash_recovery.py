"""A crash before any AWS call of the orchestrator or the activity worker loses nothing.

The reference run records the AWS calls the handlers make; then, for every position, a
fresh engine runs the same workflow with a crash injected right before that call (so
between it and the previous one). Each must end with the right result, a consistent log,
and every activity side effect exactly once per attempt.
"""

from __future__ import annotations

import pytest

from durable._build_ids import workflow_code_build_id
from durable._replay import events as ev
from tests.invariants.conftest import EXPECTED, LISTED, Mixed, effects_of, run_mixed

# The upserted attribute, and the build of the one worker that ran every task (Mixed's module).
VISIBLE = {"Stage": "a", "BuildIds": ["unversioned", f"unversioned:{workflow_code_build_id([Mixed])}"]}


def assert_consistent(history: list[dict]) -> None:
    ids = [e["event_id"] for e in history]
    assert ids == list(range(1, len(ids) + 1)), "event ids are contiguous and unique"
    assert sum(e["event_type"] in ev.TERMINAL_EVENTS for e in history) == 1


@pytest.mark.parametrize("backend", ["memory", "moto"])
async def test_crash_before_each_aws_call_still_completes_once_per_attempt(backend: str) -> None:
    result, reference, history = await run_mixed(None, f"reference-{backend}", backend=backend)
    assert result == EXPECTED
    assert_consistent(history)
    assert LISTED[f"reference-{backend}"] == VISIBLE
    assert "executions.set_visibility" in reference.calls
    kinds = {c.split(".")[0] for c in reference.calls}
    # Activity outcomes reach the run by invoking the orchestrator (the inbox is their fallback).
    assert {"history", "idempotency", "invoker", "timers", "executions"} <= kinds, reference.calls

    for position in range(1, len(reference.calls) + 1):
        workflow_id = f"crash-{backend}-{position}"
        result, injector, history = await run_mixed(position, workflow_id, backend=backend)
        where = f"crash before call #{position} ({injector.crashed_at})"
        assert injector.crashed_at is not None, where
        assert result == EXPECTED, where
        assert_consistent(history)
        effects = effects_of(workflow_id)
        assert all(n == 1 for n in effects.values()), f"{where}: side effects repeated within an attempt: {effects}"
        assert {k for k, _ in effects} == {"a", "flaky"}, where
        assert LISTED[workflow_id] == VISIBLE, f"{where}: the listing lost the upserted attribute or the build id"
