"""Batch jobs in the web UI: a filtered list's "Terminate matching" asks first, showing how many
runs match, then a batch job terminates exactly those; the batch jobs page shows its progress."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from .conftest import RecordedPage, api
from .helpers import WAIT_MS
from .workflows import TASK_QUEUE


def start_counters(base: str, prefix: str, n: int) -> list[str]:
    ids = [f"{prefix}-{i}" for i in range(n)]
    for workflow_id in ids:
        api(base, "POST", "/api/v1/workflows", {
            "workflow_type": "Counter", "workflow_id": workflow_id, "task_queue": TASK_QUEUE, "input": [0],
        })  # fmt: skip
    return ids


def status(base: str, workflow_id: str) -> str:
    return str(api(base, "GET", f"/api/v1/workflows/{workflow_id}")["status"])


def test_terminate_matching_asks_with_the_count_then_a_batch_job_closes_those_runs(
    dev_server: str, recorded: RecordedPage
) -> None:
    page = recorded.page
    prefix = f"batch-{uuid.uuid4().hex[:6]}"
    doomed = start_counters(dev_server, prefix, 3)
    spared = start_counters(dev_server, f"{prefix}x", 1)  # a prefix of its own: STARTS_WITH '<prefix>-' misses it

    # No filter: no batch buttons.
    page.goto(f"{dev_server}/#/workflows")
    expect(page.get_by_role("button", name="Terminate matching")).to_be_hidden()

    page.goto(f"{dev_server}/#/workflows?workflow_id={prefix}-")
    expect(page.locator("table.executions tbody tr")).to_have_count(3, timeout=WAIT_MS)

    # Dismissed: nothing happens.
    page.get_by_role("button", name="Terminate matching").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Terminate 3 executions?")
    expect(dialog).to_contain_text(f"WorkflowId STARTS_WITH '{prefix}-'")
    dialog.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert [status(dev_server, w) for w in doomed] == ["RUNNING"] * 3

    # Confirmed: the jobs page shows the job reach 3 of 3, and only the matching runs closed.
    page.get_by_role("button", name="Terminate matching").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason").fill("from the list")
    dialog.get_by_role("button", name="Terminate 3 executions").click()
    expect(page).to_have_url(f"{dev_server}/#/batch")
    row = page.locator("table.batch-jobs tbody tr").first
    expect(row).to_contain_text("completed", timeout=WAIT_MS)
    expect(row).to_contain_text("3 / 3")
    expect(row).to_contain_text("terminate")
    expect(row.get_by_role("button", name="Stop")).to_be_hidden()
    assert [status(dev_server, w) for w in doomed] == ["TERMINATED"] * 3
    assert [status(dev_server, w) for w in spared] == ["RUNNING"]
    assert not recorded.errors, recorded.errors


def test_a_running_job_shows_its_progress_and_stops_with_its_button(dev_server: str, recorded: RecordedPage) -> None:
    page = recorded.page
    prefix = f"slow-{uuid.uuid4().hex[:6]}"
    runs = start_counters(dev_server, prefix, 4)
    job_id = f"job-{prefix}"
    api(dev_server, "POST", "/api/v1/batch-operations", {
        "operation": "cancel", "query": f"WorkflowId STARTS_WITH '{prefix}-'", "rps": 0.5, "job_id": job_id,
    })  # fmt: skip

    page.goto(f"{dev_server}/#/batch")
    row = page.locator(f'table.batch-jobs tbody tr[data-job-id="{job_id}"]')
    expect(row).to_contain_text("running", timeout=WAIT_MS)
    expect(row).to_contain_text("/ 4")
    row.get_by_role("button", name="Stop").click()

    expect(row).to_contain_text("stopped", timeout=WAIT_MS)
    expect(row.get_by_role("button", name="Stop")).to_be_hidden()
    done = api(dev_server, "GET", f"/api/v1/batch-operations/{job_id}")["complete_operation_count"]
    assert [status(dev_server, w) for w in runs].count("RUNNING") == 4 - done > 0
    assert not recorded.errors, recorded.errors
