"""The API and web UI on 127.0.0.1, and Debian's chromium driven by playwright (nothing downloaded)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from durable._http.devserver import DevServer
from durable._local.environment import LocalRuntime
from statemachines.registry import ACTIVITIES, WORKFLOWS

from . import workflows as ui_workflows

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing of the browser's own reaches the network (updates, sync, QUIC probes).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def dev_server() -> Iterator[str]:
    """The dev server (the HTTP API and the web UI on 127.0.0.1 over the embedded engine on
    moto) with the project's workflows and activities and the UI tests' own registered; its URL."""
    runtime = LocalRuntime(backend="moto", skipping=False)
    for task_queue, workflows in WORKFLOWS.items():
        runtime.register(task_queue, list[type](workflows), ACTIVITIES.get(task_queue, []), None)
    runtime.register(ui_workflows.TASK_QUEUE, ui_workflows.WORKFLOWS, [], None)
    server = DevServer(runtime, port=0).start()
    try:
        yield server.url
    finally:
        server.stop()
        runtime.shutdown()


def api(base: str, method: str, path: str, body: Any = None) -> Any:
    """A call to the HTTP API (to set up what the browser then looks at)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{base}{path}", data=data, method=method, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope: playwright's sync API runs an event loop that must be gone before the
    # asyncio tests of other modules start theirs.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class RecordedPage:
    """A page at 1280 px that remembers every request it made and every script error."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # (the browser also logs every 4xx answer as an error: those are the API's, on purpose)
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)


@pytest.fixture
def recorded(browser: Any) -> Iterator[RecordedPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB", timezone_id="UTC")
    try:
        yield RecordedPage(context.new_page())
    finally:
        context.close()
