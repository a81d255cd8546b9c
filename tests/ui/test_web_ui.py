"""The web UI in a real browser, on the dev server: the order workflow from start to signal.

Start an order with the UI's form, find it in the list, open its page and timeline, confirm
it with the Signal button and watch the status change, and save the page's screenshot
(`make screenshot` saves it as the README's docs/ui.png; a test run leaves the tree
untouched). Every request the page makes stays on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from .conftest import PROJECT_ROOT, RecordedPage, api

SCREENSHOT = PROJECT_ROOT / os.environ.get("DURABLE_UI_SCREENSHOT", ".artifacts/ui.png")
# Long enough for the engine on the embedded emulation; playwright's expect() retries until then.
WAIT_MS = 30_000


def _order(order_id: str, payment_method: str = "card_flaky") -> dict[str, Any]:
    # card_flaky: the first charge times out, so the timeline shows a retry
    return {
        "order_id": order_id, "customer_id": "c-7", "email": "ada@example.com",
        "items": [{"sku": "book", "quantity": 2}], "total": "42.50", "payment_method": payment_method,
    }  # fmt: skip


def test_start_find_open_signal_and_see_the_order_complete(dev_server: str, recorded: RecordedPage) -> None:
    page = recorded.page
    order_id = f"order-{uuid.uuid4().hex[:6]}"
    page.goto(f"{dev_server}/")

    # Start it with the UI's form.
    page.get_by_role("button", name="Start workflow").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Workflow type").fill("OrderWorkflow")
    dialog.get_by_label("Workflow ID").fill(order_id)
    dialog.get_by_label("Task queue").fill("orders")
    dialog.get_by_label("Arguments").fill(json.dumps([_order(order_id)]))
    dialog.get_by_role("button", name="Start").click()
    expect(page).to_have_url(re.compile(rf"#/workflows/{order_id}\?run_id="), timeout=WAIT_MS)

    # The list shows it, under "running" and when searched for.
    page.get_by_role("link", name="All executions").click()
    row = page.locator("tr", has=page.get_by_role("link", name=order_id))
    expect(row).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="running", exact=True).click()
    expect(page).to_have_url(re.compile(r"status=RUNNING"))
    page.get_by_label("Search by workflow ID").fill(order_id)
    expect(page.locator("table.executions tbody tr")).to_have_count(1, timeout=WAIT_MS)
    expect(row.locator(".badge")).to_have_text("running")

    # Its page: the timeline fills in until the order waits for its confirmation.
    row.get_by_role("link", name=order_id).click()
    expect(page.locator(".wf-title")).to_have_text(order_id)
    timeline = page.locator("svg.timeline")
    expect(timeline.locator(".lane-activity", has_text="reserve_inventory")).to_have_count(1, timeout=WAIT_MS)
    charge = timeline.locator(".lane-activity", has_text="charge_payment")
    expect(charge).to_contain_text("2 attempts", timeout=WAIT_MS)  # the retry is visible
    expect(charge.locator(".seg-failed")).to_have_count(1)
    expect(timeline.locator(".lane-timer")).to_have_count(1, timeout=WAIT_MS)  # the 24 h window
    expect(timeline.locator(".lane-timer .seg-waiting")).to_have_count(1)
    expect(page.locator(".wf-status .badge")).to_have_text("running")
    expect(page.locator(".io-grid")).to_contain_text('"order_id": "' + order_id + '"')

    # An error of the API is shown, and the dialog stays open to fix it.
    page.get_by_role("button", name="Signal", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Signal name").fill("confirm_order")
    dialog.get_by_label("Argument").fill("{not json")
    dialog.get_by_role("button", name="Send signal").click()
    expect(dialog.locator(".form-error")).to_contain_text("not valid JSON")

    # The signal button confirms the order; the page follows it to the end by itself.
    dialog.get_by_label("Argument").fill("")
    dialog.get_by_role("button", name="Send signal").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator(".wf-status .badge")).to_have_text("completed", timeout=WAIT_MS)
    expect(timeline.locator(".lane-signals .mark-signal")).to_have_count(1)
    expect(timeline.locator(".lane-activity", has_text="ship_order")).to_have_count(1)
    expect(timeline.locator(".lane-timer .seg-canceled")).to_have_count(1)
    expect(page.locator(".io-grid")).to_contain_text('"status": "completed"')
    expect(page.get_by_role("button", name="Signal", exact=True)).to_be_disabled()
    expect(page.locator("table.events")).to_contain_text("WorkflowExecutionSignaled")
    expect(page.locator(".live")).to_have_text("closed · not refreshing")
    assert not recorded.errors, recorded.errors

    for close in page.locator(".toast-close").all():  # the screenshot shows the page, not the toast
        close.click()
    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_cancel_and_terminate_ask_first_and_api_errors_are_shown(dev_server: str, recorded: RecordedPage) -> None:
    page = recorded.page
    order_id = f"order-{uuid.uuid4().hex[:6]}"
    started = api(dev_server, "POST", "/api/v1/workflows", {
        "workflow_type": "OrderWorkflow", "workflow_id": order_id, "task_queue": "orders",
        "input": [_order(order_id, "card_ok")],
    })  # fmt: skip
    page.goto(f"{dev_server}/#/workflows/{order_id}")
    expect(page.locator(".wf-status .badge")).to_have_text("running", timeout=WAIT_MS)

    # Dismissing the confirmation changes nothing.
    page.get_by_role("button", name="Terminate", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("no clean-up")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert api(dev_server, "GET", f"/api/v1/workflows/{order_id}")["status"] == "RUNNING"

    # A start the API refuses (the id is in use) shows the API's message in the form.
    page.goto(f"{dev_server}/#/workflows")
    page.get_by_role("button", name="Start workflow").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Workflow type").fill("OrderWorkflow")
    dialog.get_by_label("Workflow ID").fill(order_id)
    dialog.get_by_label("Task queue").fill("orders")
    dialog.get_by_label("Arguments").fill(json.dumps([_order(order_id)]))
    dialog.get_by_role("button", name="Start").click()
    expect(dialog.locator(".form-error")).to_contain_text("409", timeout=WAIT_MS)
    dialog.get_by_role("button", name="Cancel").click()

    # Terminate, confirmed: the run closes as terminated and the page stops polling.
    page.goto(f"{dev_server}/#/workflows/{order_id}?run_id={started['run_id']}")
    page.get_by_role("button", name="Terminate", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason").fill("customer called")
    dialog.get_by_role("button", name="Terminate").click()
    expect(page.locator(".wf-status .badge")).to_have_text("terminated", timeout=WAIT_MS)
    expect(page.locator("table.events")).to_contain_text("WorkflowExecutionTerminated")
    for name in ("Signal", "Cancel", "Terminate"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_disabled()
    assert not recorded.errors, recorded.errors


def test_no_request_of_the_page_leaves_127_0_0_1(dev_server: str, recorded: RecordedPage) -> None:
    page = recorded.page
    order_id = f"order-{uuid.uuid4().hex[:6]}"
    api(dev_server, "POST", "/api/v1/workflows", {
        "workflow_type": "OrderWorkflow", "workflow_id": order_id, "task_queue": "orders",
        "input": [_order(order_id, "card_ok")],
    })  # fmt: skip
    page.goto(f"{dev_server}/")
    expect(page.get_by_role("heading", name="Workflow executions")).to_be_visible()
    page.get_by_role("link", name=order_id).click()
    expect(page.locator("svg.timeline .lane-timer")).to_have_count(1, timeout=WAIT_MS)
    page.get_by_role("button", name="Signal", exact=True).click()
    page.get_by_role("dialog").get_by_label("Signal name").fill("confirm_order")
    page.get_by_role("dialog").get_by_role("button", name="Send signal").click()
    expect(page.locator(".wf-status .badge")).to_have_text("completed", timeout=WAIT_MS)
    page.wait_for_load_state("networkidle")

    assert recorded.requests, "the page made requests"
    off_host = [
        url for url in recorded.requests if urlsplit(url).scheme != "data" and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert off_host == []
    # what the page loads is its own: itself, its modules and stylesheet, the API
    paths = {urlsplit(url).path for url in recorded.requests if urlsplit(url).scheme != "data"}
    assert {"/", "/ui/app.js", "/ui/app.css"} <= paths
    assert all(p == "/" or p.startswith(("/ui/", "/api/v1/")) for p in paths), paths
