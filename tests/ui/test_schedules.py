"""Schedules in the web UI, in a real browser on the dev server.

A schedule made with the Python client (over HTTP) is listed with its spec and state; its
page describes it; pausing it there with a note is what describe then says, and so is
unpausing; triggering it starts a run that the page links to; deleting it asks first. The
list filters by state and searches by id prefix.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from durable.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleDescription,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleState,
)

from .conftest import RecordedPage, api
from .helpers import WAIT_MS, run_client
from .workflows import TASK_QUEUE


def _create(base: str, schedule_id: str, *, paused: bool = False) -> None:
    async def create(client: Client) -> None:
        await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow("Counter", 7, id=f"{schedule_id}-run", task_queue=TASK_QUEUE),
                # hourly from a month ahead: no action falls due while the test looks
                spec=ScheduleSpec(
                    intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))],
                    start_at=datetime.now(UTC) + timedelta(days=30),
                ),
                state=ScheduleState(paused=paused),
            ),
            memo={"owner": "ui-tests"},
        )

    run_client(base, create)


def _describe(base: str, schedule_id: str) -> ScheduleDescription:
    async def describe(client: Client) -> ScheduleDescription:
        return await client.get_schedule_handle(schedule_id).describe()

    return run_client(base, describe)


def test_a_schedule_is_listed_paused_unpaused_triggered_and_deleted_from_the_ui(
    dev_server: str, recorded: RecordedPage
) -> None:
    page = recorded.page
    schedule_id = f"hourly-{uuid.uuid4().hex[:6]}"
    _create(dev_server, schedule_id)

    # Listed, from the top bar's Schedules tab: active, every hour, a next action time.
    page.goto(f"{dev_server}/")
    page.get_by_role("link", name="Schedules").click()
    expect(page.get_by_role("heading", name="Schedules")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("link", name=schedule_id))
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row.locator(".badge")).to_have_text("active")
    expect(row).to_contain_text("Counter")
    expect(row).to_contain_text("every 1 h")
    expect(row).to_contain_text("none yet")

    # Its page describes it.
    row.get_by_role("link", name=schedule_id).click()
    expect(page.locator(".wf-title")).to_have_text(schedule_id)
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Counter")
    expect(facts).to_contain_text(TASK_QUEUE)
    expect(facts).to_contain_text('{"owner":"ui-tests"}')
    expect(page.locator(".next-times li")).not_to_have_count(0)

    # Paused with a note: the badge and describe say so; no next action while paused.
    page.get_by_role("button", name="Pause", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Note").fill("maintenance window")
    dialog.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator(".wf-status .badge")).to_have_text("paused", timeout=WAIT_MS)
    expect(facts).to_contain_text("maintenance window")
    expect(page.locator(".next-times li")).to_have_count(0)
    described = _describe(dev_server, schedule_id)
    assert described.schedule.state.paused
    assert described.schedule.state.note == "maintenance window"

    # Triggered while paused: a run starts, and the page links to it.
    page.get_by_role("button", name="Trigger now").click()
    page.get_by_role("dialog").get_by_role("button", name="Trigger").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    recent = page.locator("table.recent-actions tbody tr")
    expect(recent).to_have_count(1, timeout=WAIT_MS)
    run_link = recent.first.get_by_role("link")
    expect(run_link).to_contain_text(f"{schedule_id}-run-")
    workflow_id = run_link.text_content() or ""
    assert api(dev_server, "GET", f"/api/v1/workflows/{workflow_id}")["workflow_type"] == "Counter"
    expect(page.locator("ul.running")).to_contain_text(workflow_id)

    # Unpaused: active again, as describe says.
    page.get_by_role("button", name="Unpause").click()
    page.get_by_role("dialog").get_by_role("button", name="Unpause").click()
    expect(page.locator(".wf-status .badge")).to_have_text("active", timeout=WAIT_MS)
    assert not _describe(dev_server, schedule_id).schedule.state.paused

    # The run's page is one click away.
    run_link.click()
    expect(page.locator(".wf-title")).to_have_text(workflow_id)
    expect(page.locator(".wf-status .badge")).to_have_text("running", timeout=WAIT_MS)
    page.go_back()

    # Delete asks first; dismissed, the schedule stays; confirmed, it is gone from the list.
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert _describe(dev_server, schedule_id).id == schedule_id
    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("keep running")
    dialog.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{dev_server}/#/schedules")
    expect(page.get_by_role("link", name=schedule_id)).to_have_count(0, timeout=WAIT_MS)
    listed = api(dev_server, "GET", "/api/v1/schedules")
    assert schedule_id not in [s["schedule_id"] for s in listed["schedules"]]
    api(dev_server, "POST", f"/api/v1/workflows/{workflow_id}/terminate", {"reason": "test over"})
    assert not recorded.errors, recorded.errors


def test_the_list_filters_by_state_and_searches_by_id_prefix(dev_server: str, recorded: RecordedPage) -> None:
    page = recorded.page
    prefix = f"nightly-{uuid.uuid4().hex[:6]}"
    _create(dev_server, f"{prefix}-a")
    _create(dev_server, f"{prefix}-b", paused=True)
    page.goto(f"{dev_server}/#/schedules")
    rows = page.locator("table.schedules tbody tr")

    page.get_by_label("Search by schedule ID").fill(prefix)
    expect(rows).to_have_count(2, timeout=WAIT_MS)
    expect(page).to_have_url(f"{dev_server}/#/schedules?schedule_id={prefix}")
    page.get_by_role("button", name="paused", exact=True).click()
    expect(rows).to_have_count(1, timeout=WAIT_MS)
    expect(rows.first).to_contain_text(f"{prefix}-b")
    page.get_by_role("button", name="active", exact=True).click()
    expect(rows.first.get_by_role("link", name=f"{prefix}-a")).to_be_visible(timeout=WAIT_MS)
    expect(rows).to_have_count(1)

    # A quote in the search is a character of the id, not the filter's syntax.
    page.get_by_role("button", name="all", exact=True).click()
    page.get_by_label("Search by schedule ID").fill(f"{prefix}' OR ScheduleId STARTS_WITH '")
    expect(rows).to_have_count(1, timeout=WAIT_MS)
    expect(rows.first).to_contain_text("No schedule matches these filters.")
    assert not recorded.errors, recorded.errors


def test_an_unknown_schedule_says_so(dev_server: str, recorded: RecordedPage) -> None:
    page = recorded.page
    page.goto(f"{dev_server}/#/schedules/no-such-schedule")
    expect(page.get_by_role("heading", name="No such schedule")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("link", name="All schedules")).to_be_visible()
