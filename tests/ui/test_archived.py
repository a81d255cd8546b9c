"""The web UI reads archived runs: the list's "archived" chip lists the archive, and a run
whose table items expired opens from it with its outcome and events."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from durable._http.devserver import DevServer
from durable._local.environment import LocalRuntime

from . import workflows as ui_workflows
from .conftest import RecordedPage, api

WAIT_MS = 30_000
DAY = 24 * 3600.0


@pytest.fixture(scope="module")
def archiving() -> Iterator[tuple[str, LocalRuntime]]:
    """A dev server whose engine archives, keeps closed runs a day, and whose clock the test moves."""
    runtime = LocalRuntime(backend="memory", skipping=True, archival=True, retention_days=1)
    runtime.register(ui_workflows.TASK_QUEUE, ui_workflows.WORKFLOWS, [], None)
    server = DevServer(runtime, port=0).start()
    try:
        yield server.url, runtime
    finally:
        server.stop()
        runtime.shutdown()


def test_an_expired_run_is_listed_under_archived_and_opens_from_the_archive(
    archiving: tuple[str, LocalRuntime], recorded: RecordedPage
) -> None:
    base, runtime = archiving
    workflow_id = f"counter-{uuid.uuid4().hex[:6]}"
    body = {"workflow_type": "Counter", "workflow_id": workflow_id, "task_queue": ui_workflows.TASK_QUEUE, "input": [5]}
    api(base, "POST", "/api/v1/workflows", body)
    api(base, "POST", f"/api/v1/workflows/{workflow_id}/signals/finish", {"input": []})
    deadline = time.monotonic() + 30
    while api(base, "GET", f"/api/v1/workflows/{workflow_id}")["status"] != "COMPLETED":
        assert time.monotonic() < deadline, "the counter did not complete"
        time.sleep(0.05)
    runtime.dispatcher.skip_until(runtime.backend.clock.now() + 2 * DAY)  # past the retention
    assert runtime.sweep_expired() > 0
    assert api(base, "GET", f"/api/v1/workflows?query=WorkflowId%20%3D%20%27{workflow_id}%27")["executions"] == []

    page = recorded.page
    page.goto(f"{base}/#/workflows")
    page.get_by_label("Search by workflow ID").fill(workflow_id)
    expect(page.locator("table.executions tbody")).to_contain_text("No execution matches", timeout=WAIT_MS)
    page.get_by_role("button", name="archived", exact=True).click()
    row = page.locator("tr", has=page.get_by_role("link", name=workflow_id))
    expect(row.locator(".badge")).to_have_text("completed", timeout=WAIT_MS)
    assert "archived=true" in page.url

    row.get_by_role("link", name=workflow_id).click()
    expect(page.locator(".wf-title")).to_have_text(workflow_id)
    expect(page.locator(".wf-status .badge")).to_have_text("completed", timeout=WAIT_MS)
    expect(page.locator("table.events")).to_contain_text("WorkflowExecutionSignaled")
    expect(page.locator("table.events")).to_contain_text("WorkflowExecutionCompleted")
    assert not recorded.errors, recorded.errors
