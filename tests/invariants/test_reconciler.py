"""A client that dies between making a run visible and sending its start loses nothing."""

from __future__ import annotations

import asyncio

import pytest

from durable._runtime.control import Control
from durable._runtime.reconciler import Reconciler
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
