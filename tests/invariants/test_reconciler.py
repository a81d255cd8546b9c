"""A client that dies between making a run visible and sending its start loses nothing."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import uuid
from datetime import timedelta

import pytest

from durable._local.backends import Backend, make_backend
from durable._replay import events as ev
from durable._runtime.control import Control
from durable._runtime.ports import ExecutionRecord
from durable._runtime.reconciler import Reconciler
from durable._runtime.services import Services, execution_key
from durable.client import WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.conftest import EXPECTED, Mixed, effect, signal_when_waiting
from tests.invariants.faults import Injector, SimulatedCrash, faulty_services


async def test_the_reconciler_starts_a_run_whose_start_message_was_never_sent() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = runtime.backend.services
        dying_client = Control(faulty_services(services, Injector(crash_at=3)), runtime.orchestrator)
        async with Worker(env.client, task_queue="mixed", workflows=[Mixed], activities=[effect]):
            with pytest.raises(SimulatedCrash, match="inbox.send"):
                dying_client.start(workflow_type="Mixed", workflow_id="orphan", task_queue="mixed", input=[])
            handle = env.client.get_workflow_handle("orphan")
            await asyncio.sleep(0.05)
            assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
            assert [e["event_type"] for e in (await handle.fetch_history()).events] == ["WorkflowExecutionStarted"]

            assert Reconciler(services, grace_seconds=0).run() == ["orphan"]
            assert await signal_when_waiting(handle) == EXPECTED
            # A run that did start is left alone.
            assert Reconciler(services, grace_seconds=0).run() == []


# -- every running run and schedule, whatever fails ------------------------------------------


class CountingMetrics:
    """A metrics sink that keeps its counts (the services' seam for metrics)."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()

    def count(self, name: str, value: float = 1) -> None:
        self.counts[name] += value


def _services(backend: Backend) -> tuple[Services, CountingMetrics]:
    metrics = CountingMetrics()
    return dataclasses.replace(backend.services, metrics=metrics), metrics


def _orphan(services: Services, workflow_id: str) -> None:
    """A run made visible by a start whose caller died before sending its start message."""
    now = services.clock.now()
    run_id = str(uuid.uuid4())
    started = ev.make_event(
        ev.WORKFLOW_STARTED,
        now,
        workflow_id=workflow_id,
        run_id=run_id,
        workflow_type="Mixed",
        task_queue="mixed",
        input=[],
        start_time=now,
    )
    started["event_id"] = 1
    services.history.append(execution_key(workflow_id, run_id), [started])
    services.executions.create(
        ExecutionRecord(
            workflow_id=workflow_id,
            run_id=run_id,
            workflow_type="Mixed",
            task_queue="mixed",
            status=WorkflowExecutionStatus.RUNNING,
            start_time=now,
        )
    )


def _corrupt(services: Services, workflow_id: str) -> None:
    """A running run whose history holds a record the engine cannot read (a format it does not know)."""
    now = services.clock.now()
    run_id = str(uuid.uuid4())
    services.history.append(execution_key(workflow_id, run_id), [{"event_id": 1, "format": "from-a-later-version"}])
    services.executions.create(
        ExecutionRecord(
            workflow_id=workflow_id,
            run_id=run_id,
            workflow_type="Mixed",
            task_queue="mixed",
            status=WorkflowExecutionStatus.RUNNING,
            start_time=now,
        )
    )


def _start_messages(services: Services) -> collections.Counter[str]:
    """Workflow ids of the start messages waiting in the inbox."""
    found: collections.Counter[str] = collections.Counter()
    while batch := services.inbox.receive(10):
        for message in batch:
            body = json.loads(message.body)
            if body["kind"] == "start":
                found[body["workflow_id"]] += 1
        services.inbox.delete([m.receipt for m in batch])
    return found


def test_a_pass_nudges_every_orphaned_run_however_many_and_goes_past_one_that_fails() -> None:
    backend = make_backend("memory", skipping=True)
    try:
        services, metrics = _services(backend)
        ids = [f"orphan-{i:04d}" for i in range(1050)]
        for i, workflow_id in enumerate(ids):
            _orphan(services, workflow_id)
            if i == 500:
                _corrupt(services, "corrupt")
        backend.clock.advance_to(services.clock.now() + 120)

        result = Reconciler(services, page_size=100).reconcile()

        assert sorted(result.nudged) == ids
        assert (result.runs_seen, result.run_failures) == (1051, 1)
        assert metrics.counts["ReconcilerItemFailures"] == 1
        assert _start_messages(services) == {workflow_id: 1 for workflow_id in ids}
    finally:
        backend.stop()


def test_a_pass_pages_through_the_executions_table_on_dynamodb() -> None:
    backend = make_backend("moto", skipping=True)
    try:
        services, metrics = _services(backend)
        ids = [f"orphan-{i:02d}" for i in range(23)]
        for i, workflow_id in enumerate(ids):
            _orphan(services, workflow_id)
            if i == 11:
                _corrupt(services, "corrupt")
        backend.clock.advance_to(services.clock.now() + 120)

        # Five runs a page: five pages, the corrupt run in the middle of one.
        result = Reconciler(services, page_size=5).reconcile()

        assert sorted(result.nudged) == ids
        assert (result.runs_seen, result.run_failures) == (24, 1)
        assert metrics.counts["ReconcilerItemFailures"] == 1
        assert _start_messages(services) == {workflow_id: 1 for workflow_id in ids}
    finally:
        backend.stop()


def test_runs_within_the_grace_period_are_not_read() -> None:
    backend = make_backend("memory", skipping=True)
    try:
        services, _ = _services(backend)
        _orphan(services, "old")
        backend.clock.advance_to(services.clock.now() + 120)
        _orphan(services, "young")
        result = Reconciler(services, grace_seconds=60).reconcile()
        assert (result.nudged, result.runs_seen) == (["old"], 1)
    finally:
        backend.stop()


def test_a_schedule_that_cannot_be_read_does_not_stop_the_others() -> None:
    from durable._client.schedules import (
        Schedule,
        ScheduleActionStartWorkflow,
        ScheduleIntervalSpec,
        ScheduleSpec,
        schedule_to_doc,
    )
    from durable._runtime.schedules import ScheduleRunner

    backend = make_backend("memory", skipping=True)
    try:
        services, metrics = _services(backend)
        assert services.schedules is not None
        every_minute = Schedule(
            action=ScheduleActionStartWorkflow("Mixed", id="from-schedule", task_queue="mixed"),
            spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=1))]),
        )
        # Sorted first, so the pass meets it before the good one.
        services.schedules.create(
            "a-corrupt", {"info": {"armed": 1.0}, "schedule": {"spec": {"cron_expressions": ["not cron"]}}}
        )
        ScheduleRunner(services).create("b-good", schedule_to_doc(every_minute))
        # Nothing delivers the armed fire here (no dispatcher runs): it becomes overdue.
        backend.clock.advance_to(services.clock.now() + 3600)

        result = Reconciler(services).reconcile()

        assert (result.schedules_seen, result.schedules_fired, result.schedule_failures) == (2, ["b-good"], 1)
        assert metrics.counts["ReconcilerItemFailures"] == 1
        assert result.as_dict()["schedules_fired"] == ["b-good"]
    finally:
        backend.stop()
