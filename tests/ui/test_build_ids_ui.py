"""The web UI shows the build a run started on, and its link lists that build's runs (the
``BuildIds`` list filter), which the list keeps in its address and lets the user clear."""

from __future__ import annotations

import re
import time
import uuid

from playwright.sync_api import expect

from durable._build_ids import workflow_code_build_id
from statemachines.registry import WORKFLOWS

from . import workflows as ui_workflows
from .conftest import RecordedPage, api

WAIT_MS = 30_000


def test_the_execution_page_names_its_build_and_links_to_the_builds_runs(
    dev_server: str, recorded: RecordedPage
) -> None:
    counter = f"counter-{uuid.uuid4().hex[:6]}"
    api(dev_server, "POST", "/api/v1/workflows", {
        "workflow_type": "Counter", "workflow_id": counter, "task_queue": ui_workflows.TASK_QUEUE, "input": [1],
    })  # fmt: skip
    build = workflow_code_build_id(ui_workflows.WORKFLOWS)  # what the dev server registered them with
    # A run of another build (the orders' code), once its first task completed.
    order = f"order-{uuid.uuid4().hex[:6]}"
    api(dev_server, "POST", "/api/v1/workflows", {
        "workflow_type": "OrderWorkflow", "workflow_id": order, "task_queue": "orders", "input": [{
            "order_id": order, "customer_id": "c-7", "email": "ada@example.com",
            "items": [{"sku": "book", "quantity": 2}], "total": "42.50", "payment_method": "card",
        }],
    })  # fmt: skip
    other = workflow_code_build_id(WORKFLOWS["orders"])
    assert build != other
    while api(dev_server, "GET", f"/api/v1/workflows/{order}")["build_ids"] != [other]:
        time.sleep(0.05)

    page = recorded.page
    page.goto(f"{dev_server}/#/workflows/{counter}")
    facts = page.locator("dl")
    expect(facts).to_contain_text(f"Build id{build}", timeout=WAIT_MS)
    page.get_by_role("link", name=build).click()

    expect(page).to_have_url(re.compile(r"#/workflows\?query=BuildIds"))
    expect(page.locator(".chip-query")).to_have_text(f"BuildIds = 'unversioned:{build}'✕")
    expect(page.get_by_role("link", name=counter)).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("table.executions tbody tr")).to_have_count(1)  # not the order: another build
    page.get_by_role("button", name="Clear the list filter").click()
    expect(page.locator(".chip-query")).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"query="))
    assert not recorded.errors, recorded.errors
