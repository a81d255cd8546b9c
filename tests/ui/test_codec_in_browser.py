"""The codec endpoint setting of the web UI, in a real browser.

The dev server's engine encrypts (tests/cli/codec_registry.py's converter): an execution's
page shows its input and failure as stored, encoded; once the person sets a codec endpoint
(a codec server that allows the page's origin), the same page shows them decoded, the
failure's message included. The key never reaches the dev server: the browser asks the
codec server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from durable._codec.server import CodecServer
from durable._conversion.payload import Payload
from durable._conversion.stored import payload_to_text
from durable._http.devserver import DevServer
from durable._local.environment import LocalRuntime
from durable.client import Client, Schedule, ScheduleActionStartWorkflow, ScheduleSpec
from tests.cli.codec_registry import DATA_CONVERTER, MARKER, TASK_QUEUE, Refuser
from tests.helpers.encryption import EncryptionCodec

from .conftest import RecordedPage, api
from .helpers import WAIT_MS


@pytest.fixture(scope="module")
def encrypting_dev_server() -> Iterator[str]:
    runtime = LocalRuntime(backend="memory", skipping=False, data_converter=DATA_CONVERTER)
    runtime.register(TASK_QUEUE, [Refuser], [], None, data_converter=DATA_CONVERTER)
    server = DevServer(runtime, port=0).start()
    try:
        yield server.url
    finally:
        server.stop()
        runtime.shutdown()


@pytest.fixture(scope="module")
def codec_server(encrypting_dev_server: str) -> Iterator[CodecServer]:
    running = CodecServer(EncryptionCodec(), port=0, allowed_origins=[encrypting_dev_server]).start()
    try:
        yield running
    finally:
        running.stop()


def _encrypted(value: Any) -> Any:
    plain = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value).encode())
    # On a thread of its own: playwright's sync API keeps an event loop on the test's thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        (sealed,) = pool.submit(asyncio.run, EncryptionCodec().encode([plain])).result(timeout=30)
    return json.loads(payload_to_text(sealed))


def test_an_execution_shows_payloads_as_stored_until_a_codec_endpoint_decodes_them(
    encrypting_dev_server: str, codec_server: CodecServer, recorded: RecordedPage
) -> None:
    workflow_id = f"refused-{uuid.uuid4().hex[:6]}"
    note = _encrypted(f"note {MARKER}")  # as a client with the codec would send it
    api(encrypting_dev_server, "POST", "/api/v1/workflows", {
        "workflow_type": "Refuser", "workflow_id": workflow_id, "task_queue": TASK_QUEUE, "input": [note],
    })  # fmt: skip
    page = recorded.page
    page.goto(f"{encrypting_dev_server}/#/workflows/{workflow_id}")
    expect(page.locator(".wf-status .badge")).to_have_text("failed", timeout=WAIT_MS)
    expect(page.locator("main")).to_contain_text("@payload")
    expect(page.locator("main")).to_contain_text("Encoded failure")
    assert MARKER not in page.locator("main").inner_text()

    page.get_by_role("button", name="Codec").click()
    dialog = page.get_by_role("dialog", name="Codec endpoint")
    dialog.get_by_label("Endpoint URL").fill(codec_server.url)
    dialog.get_by_role("button", name="Save").click()

    expect(page.get_by_role("button", name="Codec: on")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"refused note {MARKER}", timeout=WAIT_MS)
    expect(page.locator("main")).to_contain_text(f"note {MARKER}")
    assert "Encoded failure" not in page.locator("main").inner_text()
    assert any(url.startswith(f"{codec_server.url}/decode") for url in recorded.requests)
    assert not recorded.errors, recorded.errors


def test_a_schedules_action_arguments_are_decoded_once_the_endpoint_is_set(
    encrypting_dev_server: str, codec_server: CodecServer, recorded: RecordedPage
) -> None:
    schedule_id = f"sched-{uuid.uuid4().hex[:6]}"

    async def create() -> None:
        client = await Client.connect(encrypting_dev_server, data_converter=DATA_CONVERTER)
        await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    Refuser.run, f"scheduled {MARKER}", id=f"{schedule_id}-run", task_queue=TASK_QUEUE
                ),
                spec=ScheduleSpec(cron_expressions=["0 0 1 1 *"]),
            ),
        )

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, create()).result(timeout=60)
    page = recorded.page
    page.goto(f"{encrypting_dev_server}/#/schedules/{schedule_id}")
    expect(page.locator("main")).to_contain_text("@payload", timeout=WAIT_MS)
    assert MARKER not in page.locator("main").inner_text()

    page.evaluate("url => localStorage.setItem('durable.codecEndpoint', url)", codec_server.url)
    page.reload()
    expect(page.locator("main")).to_contain_text(f"scheduled {MARKER}", timeout=WAIT_MS)
    assert not recorded.errors, recorded.errors
