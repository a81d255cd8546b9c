"""Updates from an execution's page, in a real browser on the dev server.

An unknown update name shows the API's 404 and the names it lists are offered; an update
returns its result and the run records it; a validator's rejection is shown as a rejection
and leaves no event, a handler's exception as a failure of the update alone; an update sent
without waiting for completion is shown accepted, and its outcome is one click away; a closed
run's update button is off.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from .conftest import RecordedPage, api
from .helpers import WAIT_MS, start_counter


def test_an_update_shows_its_result_and_a_validators_rejection(dev_server: str, recorded: RecordedPage) -> None:
    page = recorded.page
    workflow_id = start_counter(dev_server, 1)
    page.goto(f"{dev_server}/#/workflows/{workflow_id}")
    expect(page.locator(".wf-status .badge")).to_have_text("running", timeout=WAIT_MS)
    form = page.get_by_role("form", name="Update")
    answer = form.locator(".handler-answer")

    # An unknown name: the API's 404 names the workflow's updates; the field then offers them.
    form.get_by_label("Update name").fill("ad")
    form.get_by_role("button", name="Run update").click()
    expect(answer.locator(".form-error")).to_contain_text("404 update_not_found", timeout=WAIT_MS)
    expect(answer.locator(".form-error")).to_contain_text("its updates: [add, add_when_released, fail_with]")
    options = page.locator("#known-updates option")
    expect(options).to_have_count(3)
    assert options.evaluate_all("els => els.map(e => e.value)") == ["add", "add_when_released", "fail_with"]

    form.get_by_label("Update name").fill("add")
    form.get_by_label("Update arguments").fill("[41]")
    expect(form.get_by_label("Wait for completion")).to_be_checked()
    form.get_by_role("button", name="Run update").click()
    expect(answer).to_contain_text("add returned", timeout=WAIT_MS)
    expect(answer.locator("pre.json")).to_have_text("42")
    expect(answer).to_contain_text("stage completed")
    # The run recorded it; the query sees the new total.
    expect(page.locator("table.events")).to_contain_text("WorkflowExecutionUpdateCompleted", timeout=WAIT_MS)
    expect(options).to_have_count(3)  # the one it took is among them, not twice
    query = page.get_by_role("form", name="Query")
    query.get_by_label("Query name").fill("label")
    query.get_by_role("button", name="Run query").click()
    expect(query.locator(".handler-answer pre.json")).to_have_text('"counter at 42"', timeout=WAIT_MS)

    # The validator refuses a negative amount: a failure, and nothing recorded.
    events_before = len(api(dev_server, "GET", f"/api/v1/workflows/{workflow_id}/history")["events"])
    form.get_by_label("Update arguments").fill("[-5]")
    form.get_by_role("button", name="Run update").click()
    expect(answer).to_contain_text("add was rejected by its validator", timeout=WAIT_MS)
    expect(answer.locator(".failure")).to_contain_text("amount must be positive, got -5")
    history = api(dev_server, "GET", f"/api/v1/workflows/{workflow_id}/history")["events"]
    assert len(history) == events_before  # read before the next update adds its events
    assert api(dev_server, "POST", f"/api/v1/workflows/{workflow_id}/queries/label", {"args": []})["result"] == (
        "counter at 42"
    )

    # A handler that raises: accepted, recorded, failed (not rejected); the run goes on.
    form.get_by_label("Update name").fill("fail_with")
    form.get_by_label("Update arguments").fill('["out of stock"]')
    form.get_by_role("button", name="Run update").click()
    expect(answer).to_contain_text("fail_with failed at", timeout=WAIT_MS)
    expect(answer.locator(".failure")).to_contain_text("out of stock")
    expect(answer.locator(".failure-type")).to_have_text("Refused")
    expect(page.locator(".wf-status .badge")).to_have_text("running")

    # Once the run is closed, the update button says why it is off; queries still answer.
    api(dev_server, "POST", f"/api/v1/workflows/{workflow_id}/signals/finish", {"input": []})
    expect(page.locator(".wf-status .badge")).to_have_text("completed", timeout=WAIT_MS)
    expect(form.get_by_role("button", name="Run update")).to_be_disabled()
    query.get_by_role("button", name="Run query").click()
    expect(query.locator(".handler-answer pre.json")).to_have_text('"counter at 42"', timeout=WAIT_MS)
    assert json.loads(page.locator(".io-grid pre.json").nth(1).text_content() or "null") == 42
    assert not recorded.errors, recorded.errors


def test_an_update_sent_without_waiting_shows_accepted_then_its_outcome_on_request(
    dev_server: str, recorded: RecordedPage
) -> None:
    page = recorded.page
    workflow_id = start_counter(dev_server, 10)
    page.goto(f"{dev_server}/#/workflows/{workflow_id}")
    expect(page.locator(".wf-status .badge")).to_have_text("running", timeout=WAIT_MS)
    form = page.get_by_role("form", name="Update")
    answer = form.locator(".handler-answer")

    # Its handler waits for the release signal: the answer comes at acceptance.
    form.get_by_label("Update name").fill("add_when_released")
    form.get_by_label("Update arguments").fill("[5]")
    form.get_by_label("Wait for completion").uncheck()
    form.get_by_role("button", name="Run update").click()
    expect(answer).to_contain_text("add_when_released: accepted", timeout=WAIT_MS)
    expect(page.locator("table.events")).to_contain_text("WorkflowExecutionUpdateAccepted", timeout=WAIT_MS)

    # Waiting for the outcome: it comes once the handler finished.
    answer.get_by_role("button", name="Wait for the outcome").click()
    expect(answer).to_contain_text("waiting for the outcome", timeout=WAIT_MS)
    api(dev_server, "POST", f"/api/v1/workflows/{workflow_id}/signals/release", {"input": []})
    expect(answer).to_contain_text("add_when_released returned", timeout=WAIT_MS)
    expect(answer.locator("pre.json")).to_have_text("15")
    expect(page.locator("table.events")).to_contain_text("WorkflowExecutionUpdateCompleted", timeout=WAIT_MS)
    api(dev_server, "POST", f"/api/v1/workflows/{workflow_id}/signals/finish", {"input": []})
    assert not recorded.errors, recorded.errors
