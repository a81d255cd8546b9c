"""Over HTTP the API never sees a plain payload: the client encodes before it sends and
decodes what comes back, the engine behind the API decodes for the workflow code only.

The client reaches the dev server through a relay that keeps every byte both ways; the
run of tests/helpers/codec_workflows.py (activity, signal, query, update, child, a large
value, failures) leaves none of its marker on the wire, nor in the engine's stores.
"""

from __future__ import annotations

import pytest

from durable._client.client import Client
from durable._http.devserver import DevServer
from durable.testing import WorkflowEnvironment
from tests.client.conftest import InProcessHttpTransport
from tests.client.recording_relay import RecordingRelay
from tests.helpers.codec_workflows import CONVERTER, assert_encrypted, assert_plain, exercise, leaks
from tests.helpers.stored_text import memory_texts, moto_texts


@pytest.mark.parametrize("backend", ["memory", "moto"])
async def test_the_api_carries_only_encoded_payloads_and_the_client_reads_them_plain(backend: str) -> None:
    local = await WorkflowEnvironment.start_time_skipping(backend=backend, data_converter=CONVERTER)
    server = DevServer(local.runtime, port=0, strict=False).start()
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    relay = RecordingRelay((host, int(port))).start()
    try:
        client = Client(InProcessHttpTransport(relay.url, local.runtime), data_converter=CONVERTER)
        kept = local.runtime.backend

        def stored() -> list[str]:
            return memory_texts(kept) if backend == "memory" else moto_texts(kept)

        seen = await exercise(client, stored)
        wire = relay.carried
        kept_at_the_end = stored()
    finally:
        relay.stop()
        server.stop()
        await local.shutdown()

    assert_plain(seen)
    assert sum(len(t) for t in wire) > 2_000  # the requests and answers went through the relay
    assert_encrypted(wire)
    assert leaks(wire) == []
    assert_encrypted(seen.stored_midway + kept_at_the_end)
