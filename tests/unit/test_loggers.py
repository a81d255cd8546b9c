"""workflow.logger and activity.logger carry temporalio's fields (``temporal_workflow``,
``temporal_activity``), on the record and at the end of the message, as temporalio's adapters do."""

from __future__ import annotations

import asyncio
import logging

import pytest

from durable import activity, workflow
from durable.testing import ActivityEnvironment

from .conftest import TASK_QUEUE, Driver


@workflow.defn
class LogsAndUpdates:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        workflow.logger.info("started", extra={"order": 7})
        await workflow.wait_condition(lambda: self.done)

    @workflow.signal
    def finish(self) -> None:
        workflow.logger.warning("finishing")
        self.done = True


def _records(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name]


def test_a_workflow_record_carries_temporal_workflow_on_the_record_and_the_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="durable.workflow")
    d = Driver(LogsAndUpdates)
    d.start()
    [record] = _records(caplog, "durable.workflow")
    expected = {
        "attempt": 1,
        "namespace": "default",
        "run_id": d.run_id,
        "task_queue": TASK_QUEUE,
        "workflow_id": "wf-1",
        "workflow_type": "LogsAndUpdates",
    }
    assert record.temporal_workflow == expected  # type: ignore[attr-defined]
    assert record.order == 7  # type: ignore[attr-defined]  # the call's own extra is kept
    assert record.getMessage() == f"started ({expected})"
    assert not hasattr(record, "workflow_info")


def test_the_workflow_loggers_switches_change_what_it_adds(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="durable.workflow")
    workflow.logger.workflow_info_on_message = False
    workflow.logger.workflow_info_on_extra = False
    workflow.logger.full_workflow_info_on_extra = True
    try:
        Driver(LogsAndUpdates).start()
    finally:
        workflow.logger.workflow_info_on_message = True
        workflow.logger.workflow_info_on_extra = True
        workflow.logger.full_workflow_info_on_extra = False
    [record] = _records(caplog, "durable.workflow")
    assert record.getMessage() == "started"
    assert not hasattr(record, "temporal_workflow")
    assert record.workflow_info.workflow_id == "wf-1"  # type: ignore[attr-defined]
    assert workflow.logger.base_logger is logging.getLogger("durable.workflow")


def test_replay_is_silent_unless_log_during_replay(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="durable.workflow")
    d = Driver(LogsAndUpdates)
    d.start()
    d.signal("finish")
    assert [r.getMessage().split(" (")[0] for r in _records(caplog, "durable.workflow")] == ["started", "finishing"]
    caplog.clear()
    d.cold()
    assert _records(caplog, "durable.workflow") == []
    workflow.logger.log_during_replay = True
    try:
        d.cold()
    finally:
        workflow.logger.log_during_replay = False
    assert [r.getMessage().split(" (")[0] for r in _records(caplog, "durable.workflow")] == ["started", "finishing"]


def test_outside_a_workflow_the_logger_adds_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="durable.workflow")
    workflow.logger.info("plain")
    [record] = _records(caplog, "durable.workflow")
    assert record.getMessage() == "plain" and not hasattr(record, "temporal_workflow")


@activity.defn
async def reserve(sku: str) -> None:
    activity.logger.info("reserving %s", sku, extra={"sku": sku})


def test_an_activity_record_carries_temporal_activity(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="durable.activity")
    env = ActivityEnvironment()
    asyncio.run(env.run(reserve, "book"))
    [record] = _records(caplog, "durable.activity")
    info = env.info
    expected = {
        "activity_id": info.activity_id,
        "activity_type": info.activity_type,
        "attempt": info.attempt,
        "namespace": info.namespace,
        "task_queue": info.task_queue,
        "workflow_id": info.workflow_id,
        "workflow_run_id": info.workflow_run_id,
        "workflow_type": info.workflow_type,
    }
    assert record.temporal_activity == expected  # type: ignore[attr-defined]
    assert record.sku == "book"  # type: ignore[attr-defined]
    assert record.getMessage() == f"reserving book ({expected})"
    activity.logger.full_activity_info_on_extra = True
    try:
        asyncio.run(env.run(reserve, "pen"))
    finally:
        activity.logger.full_activity_info_on_extra = False
    assert _records(caplog, "durable.activity")[-1].activity_info is info  # type: ignore[attr-defined]
