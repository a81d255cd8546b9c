"""Pausing and unpausing a pending activity from an execution's page, in a real browser on the
dev server: the activity of tests/cli/pause_registry.py fails once and would retry in an hour;
the page pauses it (shown paused, with the reason), then unpauses it, and the retry runs now."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from durable._http.devserver import DevServer
from durable._local.environment import LocalRuntime
from tests.cli import pause_registry

from .conftest import RecordedPage, api
from .helpers import WAIT_MS


@pytest.fixture(scope="module")
def pause_server() -> Iterator[str]:
    """The dev server (on moto, as the UI tests' own) with the Charge workflow and its activity; its URL."""
    runtime = LocalRuntime(backend="moto", skipping=False)
    runtime.register(pause_registry.TASK_QUEUE, [pause_registry.Charge], [pause_registry.charge], None)
    server = DevServer(runtime, port=0).start()
    try:
        yield server.url
    finally:
        server.stop()
        runtime.shutdown()


def test_an_activity_is_paused_and_unpaused_from_the_page(pause_server: str, recorded: RecordedPage) -> None:
    page = recorded.page
    workflow_id = f"charge-{uuid.uuid4().hex[:6]}"
    api(pause_server, "POST", "/api/v1/workflows", {
        "workflow_type": "Charge", "workflow_id": workflow_id, "task_queue": pause_registry.TASK_QUEUE,
        "input": [workflow_id],
    })  # fmt: skip
    page.goto(f"{pause_server}/#/workflows/{workflow_id}")
    row = page.locator("table.pending tbody tr")
    expect(row).to_contain_text("the payment service is down", timeout=WAIT_MS)  # attempt 1 failed

    row.get_by_role("button", name="Pause activity charge").click()
    dialog = page.get_by_role("dialog", name="Pause activity charge?")
    dialog.get_by_label("Reason").fill("payments are down")
    dialog.get_by_role("button", name="Pause activity").click()
    expect(row.locator(".badge-paused")).to_have_text("paused", timeout=WAIT_MS)
    expect(row.locator(".pause-reason")).to_have_text("payments are down")
    pending = api(pause_server, "GET", f"/api/v1/workflows/{workflow_id}")["pending_activities"]
    assert [(p["state"], p["attempt"], p["pause"]["reason"]) for p in pending] == [("PAUSED", 2, "payments are down")]

    row.get_by_role("button", name="Unpause activity charge").click()
    dialog = page.get_by_role("dialog", name="Unpause activity charge?")
    dialog.get_by_label("Reset attempts").check()
    dialog.get_by_role("button", name="Unpause activity").click()
    expect(page.locator(".wf-status .badge")).to_have_text("completed", timeout=WAIT_MS)
    result = api(pause_server, "GET", f"/api/v1/workflows/{workflow_id}/result")
    assert result["result"] == f"charged {workflow_id} at attempt 1"
    assert recorded.errors == []
