"""``durable workflow describe|show`` show encoded payloads as stored, and decode them through a
codec server given ``--codec-endpoint``; ``durable codec-server --codec module:object`` serves one.

The dev server runs tests/cli/codec_registry.py, whose DATA_CONVERTER encrypts; a client with
the same converter runs a workflow that fails with its input in the message and details.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from durable.client import Client, WorkflowFailureError
from durable.exceptions import ApplicationError
from tests.cli.codec_registry import DATA_CONVERTER, MARKER, TASK_QUEUE, Refuser
from tests.cli.conftest import ENV, ROOT, DevServerProcess, durable


class CodecServerProcess:
    """``durable codec-server --codec ... --port 0`` as a subprocess; its URL read from its banner."""

    def __init__(self, *options: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "durable.cli", "codec-server", "--port", "0", *options],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        self.banner = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"the codec server exited: {self.banner}")
            self.banner += line
            if " at http://" in line:
                self.url = line.split(" at ", 1)[1].split(": POST", 1)[0].strip()
                return
        raise AssertionError("the codec server did not start")

    def stop(self) -> tuple[int, str]:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        return self.proc.returncode, self.banner + out


@pytest.fixture(scope="module")
def codec_dev() -> Iterator[DevServerProcess]:
    server = DevServerProcess("--registry", "tests.cli.codec_registry", "--backend", "memory")
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


@pytest.fixture(scope="module")
def codec_server() -> Iterator[CodecServerProcess]:
    server = CodecServerProcess("--codec", "tests.helpers.encryption:EncryptionCodec")
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


async def _refused_run(address: str) -> str:
    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    workflow_id = f"refused-{uuid.uuid4()}"
    handle = await client.start_workflow(Refuser.run, f"note {MARKER}", id=workflow_id, task_queue=TASK_QUEUE)
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert isinstance(failed.value.cause, ApplicationError) and failed.value.cause.message == f"refused note {MARKER}"
    return workflow_id


async def test_describe_shows_payloads_encoded_and_decodes_them_through_the_codec_endpoint(
    codec_dev: DevServerProcess, codec_server: CodecServerProcess
) -> None:
    workflow_id = await _refused_run(codec_dev.address)

    stored = durable("workflow", "describe", "-w", workflow_id, "--json", address=codec_dev.address)
    assert stored.code == 0, stored.err
    assert MARKER not in stored.out
    assert stored.json["input"][0]["@payload"]["metadata"]["encoding"] == "YmluYXJ5L2VuY3J5cHRlZA=="
    assert stored.json["failure"]["message"] == "Encoded failure"

    decoded = durable(
        "workflow",
        "describe",
        "-w",
        workflow_id,
        "--json",
        "--codec-endpoint",
        codec_server.url,
        address=codec_dev.address,
    )
    assert decoded.code == 0, decoded.err
    assert decoded.json["input"] == [f"note {MARKER}"]
    assert decoded.json["failure"]["message"] == f"refused note {MARKER}"
    assert decoded.json["failure"]["application"]["details"] == [{"note": f"note {MARKER}"}]

    table = durable(
        "workflow", "describe", "-w", workflow_id, "--codec-endpoint", codec_server.url, address=codec_dev.address
    )
    assert table.code == 0 and f"note {MARKER}" in table.out and f"refused note {MARKER}" in table.out


async def test_show_decodes_the_events_payloads_through_the_codec_endpoint(
    codec_dev: DevServerProcess, codec_server: CodecServerProcess
) -> None:
    workflow_id = await _refused_run(codec_dev.address)
    shown = durable("workflow", "show", "-w", workflow_id, "--json", address=codec_dev.address)
    assert shown.code == 0 and MARKER not in shown.out
    decoded = durable(
        "workflow", "show", "-w", workflow_id, "--json", "--codec-endpoint", codec_server.url, address=codec_dev.address
    )
    assert decoded.code == 0, decoded.err
    started = decoded.json["events"][0]
    assert started["event_type"] == "WorkflowExecutionStarted"
    assert started["attributes"]["input"] == [f"note {MARKER}"]
    failed = decoded.json["events"][-1]
    assert failed["attributes"]["failure"]["message"] == f"refused note {MARKER}"


async def test_an_unreachable_codec_endpoint_is_one_line_that_says_what_to_check(codec_dev: DevServerProcess) -> None:
    workflow_id = await _refused_run(codec_dev.address)
    run = durable(
        "workflow", "describe", "-w", workflow_id, "--codec-endpoint", "http://127.0.0.1:9", address=codec_dev.address
    )
    assert run.code == 1
    assert run.err.startswith("error: the codec server at http://127.0.0.1:9/decode could not be reached")
    assert run.err.count("\n") == 1 and "--codec-endpoint" in run.err


def test_the_codec_server_encodes_decodes_and_lets_the_dev_servers_ui_call_it(codec_server: CodecServerProcess) -> None:
    plain = {"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "InNlY3JldCI="}  # json/plain "secret"

    def post(path: str, body: object) -> dict[str, object]:
        request = urllib.request.Request(
            f"{codec_server.url}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-Namespace": "default"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    encoded = post("/encode", {"payloads": [plain]})["payloads"]
    assert encoded[0]["metadata"]["encoding"] == "YmluYXJ5L2VuY3J5cHRlZA==" and encoded[0]["data"] != plain["data"]
    assert post("/decode", {"payloads": encoded}) == {"payloads": [plain]}

    preflight = urllib.request.Request(
        f"{codec_server.url}/decode",
        method="OPTIONS",
        headers={"Origin": "http://127.0.0.1:8233", "Access-Control-Request-Method": "POST"},
    )
    with urllib.request.urlopen(preflight, timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8233"
        assert "X-Namespace" in response.headers["Access-Control-Allow-Headers"]
    stranger = urllib.request.Request(
        f"{codec_server.url}/decode", method="OPTIONS", headers={"Origin": "http://evil.example"}
    )
    with urllib.request.urlopen(stranger, timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] is None


def test_a_codec_server_needs_module_and_object() -> None:
    run = durable("codec-server", "--codec", "tests.helpers.encryption", "--port", "0", address=None)
    assert run.code == 1 and "MODULE:OBJECT" in run.out
