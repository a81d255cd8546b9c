"""Queries from an execution's page, in a real browser on the dev server.

A running counter answers a query with and without arguments; an unknown query name shows
the API's error with the names the workflow knows, which the name field then offers.
"""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import RecordedPage
from .helpers import WAIT_MS, start_counter


def test_a_query_answers_on_the_page_and_an_unknown_name_shows_the_known_ones(
    dev_server: str, recorded: RecordedPage
) -> None:
    page = recorded.page
    workflow_id = start_counter(dev_server, 40)
    page.goto(f"{dev_server}/#/workflows/{workflow_id}")
    expect(page.locator(".wf-status .badge")).to_have_text("running", timeout=WAIT_MS)
    form = page.get_by_role("form", name="Query")

    form.get_by_label("Query name").fill("total_plus")
    form.get_by_label("Query arguments").fill("[2]")
    form.get_by_role("button", name="Run query").click()
    answer = form.locator(".handler-answer")
    expect(answer).to_contain_text("total_plus answered", timeout=WAIT_MS)
    expect(answer.locator("pre.json")).to_have_text("42")

    # Ctrl+Enter in the arguments runs it again; no arguments for a query that takes none.
    form.get_by_label("Query name").fill("label")
    form.get_by_label("Query arguments").fill("")
    form.get_by_label("Query arguments").press("Control+Enter")
    expect(answer.locator("pre.json")).to_have_text('"counter at 40"', timeout=WAIT_MS)

    # Arguments that are not an array are refused before anything is sent.
    form.get_by_label("Query arguments").fill('{"extra": 1}')
    form.get_by_role("button", name="Run query").click()
    expect(answer.locator(".form-error")).to_contain_text("must be a JSON array")

    # An unknown name: the API's 404, which lists the workflow's queries; the field offers them.
    form.get_by_label("Query arguments").fill("")
    form.get_by_label("Query name").fill("totl")
    form.get_by_role("button", name="Run query").click()
    expect(answer.locator(".form-error")).to_contain_text("404 query_not_found", timeout=WAIT_MS)
    expect(answer.locator(".form-error")).to_contain_text("label total_plus")
    options = page.locator("#known-queries option")
    expect(options).to_have_count(2)
    assert sorted(options.evaluate_all("els => els.map(e => e.value)")) == ["label", "total_plus"]
    assert not recorded.errors, recorded.errors
