"""Inside an update handler, workflow.logger adds the update's id and name to temporal_workflow
(temporalio's update details), on both backends."""

from __future__ import annotations

import logging
import uuid

import pytest

from durable import workflow
from durable.worker import Worker


@workflow.defn
class TakesUpdates:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    def rename(self, name: str) -> str:
        workflow.logger.info("renaming to %s", name)
        self.done = True
        return name


async def test_an_update_handlers_records_name_the_update(env, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="durable.workflow")
    wf = f"wf-{uuid.uuid4()}"
    async with Worker(env.client, task_queue="q", workflows=[TakesUpdates]):
        handle = await env.client.start_workflow(TakesUpdates.run, id=wf, task_queue="q")
        assert await handle.execute_update(TakesUpdates.rename, "ada", id="upd-1") == "ada"
        await handle.result()
    [record] = [r for r in caplog.records if r.name == "durable.workflow" and "renaming" in r.getMessage()]
    details = record.temporal_workflow  # type: ignore[attr-defined]
    assert (details["workflow_id"], details["update_id"], details["update_name"]) == (wf, "upd-1", "rename")
