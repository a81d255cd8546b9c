"""The web UI's codec endpoint: ui/codec.js sends a page's encoded payloads to a codec server
and shows what comes back.

Its logic runs in Node (the same ES module the browser loads) against a real codec server
with the AES-GCM codec: envelopes anywhere in a describe answer are decoded in one request,
json/plain results become values, a failure's encoded attributes give its message back,
plain values are left alone, and a server that refuses is an error the page can show.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from durable._codec.server import CodecServer
from durable._conversion.payload import Payload
from durable._conversion.stored import payload_to_text
from tests.helpers.encryption import EncryptionCodec

CODEC_JS = Path(__file__).resolve().parents[2] / "durable" / "_http" / "ui" / "codec.js"


@pytest.fixture(scope="module")
def server() -> Iterator[CodecServer]:
    running = CodecServer(EncryptionCodec(), port=0).start()
    try:
        yield running
    finally:
        running.stop()


def _encrypted(value: Any) -> Any:
    """A value as the API shows it once the AES-GCM codec encoded it: its envelope."""
    plain = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value).encode())
    (sealed,) = asyncio.run(EncryptionCodec().encode([plain]))
    return json.loads(payload_to_text(sealed))


def _decode_in_node(document: Any, endpoint: str) -> dict[str, Any]:
    script = f"""
import {{ decodeDocument }} from {json.dumps(CODEC_JS.as_uri())};
const doc = JSON.parse(process.argv[1]);
try {{
  console.log(JSON.stringify({{ ok: await decodeDocument(doc, process.argv[2]) }}));
}} catch (err) {{
  console.log(JSON.stringify({{ error: err.message }}));
}}
"""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, json.dumps(document), endpoint],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_a_describe_answer_is_decoded_through_the_codec_server(server: CodecServer) -> None:
    described = {
        "workflow_id": "wf",
        "input": [_encrypted({"card": "4242"}), "plain stays"],
        "memo": {"customer": _encrypted("ada")},
        "failure": {
            "message": "Encoded failure",
            "stack_trace": None,
            "encoded_attributes": _encrypted({"message": "card declined", "stack_trace": "at charge()"}),
            "application": {"details": [_encrypted("4242")]},
        },
    }
    assert "4242" not in json.dumps(described)

    decoded = _decode_in_node(described, server.url)["ok"]

    assert decoded["input"] == [{"card": "4242"}, "plain stays"]
    assert decoded["memo"] == {"customer": "ada"}
    assert decoded["failure"]["message"] == "card declined"
    assert decoded["failure"]["stack_trace"] == "at charge()"
    assert "encoded_attributes" not in decoded["failure"]
    assert decoded["failure"]["application"]["details"] == ["4242"]
    assert decoded["workflow_id"] == "wf"


def test_a_payload_the_codec_does_not_know_stays_an_envelope(server: CodecServer) -> None:
    other = {"@payload": {"metadata": {"encoding": "YmluYXJ5L3NvbWV0aGluZw=="}, "data": "AAE="}}
    assert _decode_in_node({"result": other}, server.url)["ok"] == {"result": other}


def test_a_codec_server_that_cannot_be_reached_is_an_error_the_page_shows() -> None:
    answer = _decode_in_node({"input": [_encrypted(1)]}, "http://127.0.0.1:9")
    assert answer["error"].startswith("the codec server at http://127.0.0.1:9 could not be reached")
