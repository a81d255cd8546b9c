"""An encryption codec keeps every payload out of what the engine stores and sends.

A workflow with an activity (and its heartbeat), a signal, a query, an update, a child, a
value large enough to go to the payload store, and failures (an activity's and the
workflow's, with temporalio's encoded common attributes) runs with an AES-GCM codec
(tests/helpers/codec_workflows.py). Then no table item, queue message, payload object or
log line holds the marker its values carry, as text or as base64, on either backend (on
moto, no request to DynamoDB, SQS or S3 did either), while the client reads every value
back in plain.
"""

from __future__ import annotations

import logging

import pytest

from durable.testing import WorkflowEnvironment
from tests.helpers.codec_workflows import CONVERTER, assert_encrypted, assert_plain, exercise, leaks
from tests.helpers.stored_text import AwsRequests, stored_texts


@pytest.fixture(params=["memory", "moto", "sqlite"])
async def env(request: pytest.FixtureRequest):
    async with await WorkflowEnvironment.start_time_skipping(backend=request.param, data_converter=CONVERTER) as e:
        yield e


async def test_an_encrypted_run_stores_and_sends_no_plaintext_and_the_client_reads_it_all(
    env: WorkflowEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = env.runtime.backend
    requests = AwsRequests(backend.boto_clients)

    def stored() -> list[str]:
        return stored_texts(backend, env.runtime.backend_kind)

    seen = await exercise(env.client, stored)

    assert_plain(seen)
    assert_encrypted(seen.stored_midway + stored())
    if env.runtime.backend_kind == "moto":
        assert len(requests.texts) > 20
        assert leaks(requests.texts) == []
    assert leaks([r.getMessage() + (r.exc_text or "") for r in caplog.records]) == []
