"""Reset from an execution's page, in a real browser on the dev server: choose the point,
confirm, land on the new run; the old run is terminated with a reason naming it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import RecordedPage, api
from .helpers import WAIT_MS, start_counter


def test_reset_to_the_first_workflow_task_goes_to_the_new_run(dev_server: str, recorded: RecordedPage) -> None:
    page = recorded.page
    workflow_id = start_counter(dev_server, 1)
    old_run = api(dev_server, "GET", f"/api/v1/workflows/{workflow_id}")["run_id"]
    # An update after the first workflow task: a reset to that task leaves it out (only signals are re-applied).
    added = api(dev_server, "POST", f"/api/v1/workflows/{workflow_id}/updates/add", {"args": [41]})
    assert added["outcome"]["result"] == 42
    page.goto(f"{dev_server}/#/workflows/{workflow_id}")
    expect(page.locator("table.events")).to_contain_text("WorkflowExecutionUpdateCompleted", timeout=WAIT_MS)

    page.get_by_role("button", name="Reset").click()
    dialog = page.get_by_role("dialog")
    options = dialog.get_by_label("Reset to").locator("option")
    expect(options).to_have_count(4)  # first, last, and the two workflow tasks of the history
    dialog.get_by_label("Reset to").select_option("FirstWorkflowTask")
    dialog.get_by_label("Reason").fill("ui test")
    dialog.get_by_role("button", name="Reset").click()

    expect(page).to_have_url(re.compile(rf"#/workflows/{workflow_id}\?run_id=(?!{old_run})"), timeout=WAIT_MS)
    new_run = page.url.rsplit("run_id=", 1)[1]
    expect(page.locator(".wf-status .badge")).to_have_text("running", timeout=WAIT_MS)
    expect(page.locator("table.events")).to_contain_text("WorkflowTaskFailed", timeout=WAIT_MS)
    expect(page.locator(".facts")).to_contain_text(f"Reset from{old_run}")
    label = api(dev_server, "POST", f"/api/v1/workflows/{workflow_id}/queries/label", {"args": []})
    assert label["result"] == "counter at 1"
    old = api(dev_server, "GET", f"/api/v1/workflows/{workflow_id}?run_id={old_run}")
    assert old["status"] == "TERMINATED"
    closed = api(dev_server, "GET", f"/api/v1/workflows/{workflow_id}/history?run_id={old_run}")["events"][-1]
    assert closed["attributes"]["reason"] == f"reset to run {new_run}: ui test"
    api(dev_server, "POST", f"/api/v1/workflows/{workflow_id}/signals/finish", {"input": []})
    expect(page.locator(".wf-status .badge")).to_have_text("completed", timeout=WAIT_MS)
    expect(page.get_by_role("button", name="Reset")).to_be_enabled()  # a closed run can be reset too
    assert not recorded.errors, recorded.errors
