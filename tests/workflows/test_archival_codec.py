"""With a payload codec, the archive holds payloads as the tables do: encoded, never in plain."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from durable._local.environment import LocalRuntime
from durable.testing import WorkflowEnvironment
from tests.helpers.codec_workflows import CONVERTER, MARKER, assert_plain, exercise, leaks


@pytest.fixture(params=["memory", "moto", "sqlite"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    runtime = LocalRuntime(backend=request.param, skipping=True, data_converter=CONVERTER, archival=True)
    async with WorkflowEnvironment(runtime, data_converter=CONVERTER) as e:
        yield e


async def test_archived_runs_hold_no_plaintext_and_read_back_in_plain(env: WorkflowEnvironment) -> None:
    archival = env.runtime.backend.services.archival
    assert archival is not None

    def archived() -> list[str]:
        objects = archival.archive.objects
        return [gzip.decompress(objects.get(k)).decode() for k in objects.keys("archive/")]

    seen = await exercise(env.client, archived)
    assert_plain(seen)
    texts = archived()
    assert texts and leaks(texts) == []
    # once the tables let the runs go, a run reads back from the archive as it read before
    record = archival.archive.record_at(next(iter(archival.archive.keys())))
    handle = env.client.get_workflow_handle(record.workflow_id, run_id=record.run_id)
    before = await handle.fetch_history()
    await env.sleep(timedelta(days=31))
    assert archival.history.load(f"{record.workflow_id}#{record.run_id}") == []
    assert (await handle.fetch_history()).events == before.events
    assert MARKER not in "".join(texts)
