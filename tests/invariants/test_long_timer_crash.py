"""A crash before any AWS call around a long timer: its re-dispatch finds the one-time schedule
it made (Scheduler's ConflictException), so each timer is one schedule and fires once.

On moto, through the AWS adapter: every CreateSchedule request is observed on the client.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from durable import workflow
from durable._replay import events as ev
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.orchestrator import Orchestrator
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, SimulatedCrash, faulty_services


@workflow.defn
class Naps:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(2 * 3600)
        await workflow.sleep(timedelta(days=1))
        return "rested"


class Creates:
    """CreateSchedule requests as moto answered them: made, or refused as already there."""

    def __init__(self) -> None:
        self.made = 0
        self.conflicts = 0

    def __call__(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("Error", {}).get("Code") == "ConflictException":
            self.conflicts += 1
        elif http_response.status_code == 200:
            self.made += 1


class CrashAfterEachFirstSchedule:
    """Timers whose invocation dies right after each timer's schedule was made (before the
    inbox message that led to it is deleted): the message comes back and its record is
    dispatched again."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.crashed: set[str | None] = set()

    def schedule(self, fire_at: float, queue: str, body: str, **ids: Any) -> None:
        self.inner.schedule(fire_at, queue, body, **ids)
        if ids.get("dedup_id") not in self.crashed:
            self.crashed.add(ids.get("dedup_id"))
            raise SimulatedCrash(f"crash after scheduling {ids.get('dedup_id')}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def nap(
    crash_at: int | None, workflow_id: str, *, crash_after_schedule: bool = False
) -> tuple[str, int, Creates, Injector]:
    """(result, TimerFired events, CreateSchedule outcomes, injector) of one run of Naps."""
    injector, creates = Injector(crash_at), Creates()
    async with await WorkflowEnvironment.start_time_skipping(backend="moto") as env:
        runtime = env.runtime
        (scheduler,) = [c for c in runtime.backend.boto_clients if c.meta.service_model.service_name == "scheduler"]
        scheduler.meta.events.register("after-call.scheduler.CreateSchedule", creates)
        services = faulty_services(runtime.backend.services, injector)
        if crash_after_schedule:
            services.timers = CrashAfterEachFirstSchedule(services.timers)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        runtime.activity_worker = ActivityWorker(services, runtime.registry)
        async with Worker(env.client, task_queue="naps", workflows=[Naps]):
            handle = await env.client.start_workflow(Naps.run, id=workflow_id, task_queue="naps")
            result = await asyncio.wait_for(handle.result(), timeout=60)
            fired = [e for e in (await handle.fetch_history()).events if e["event_type"] == ev.TIMER_FIRED]
    return result, len(fired), creates, injector


async def test_a_crash_before_each_aws_call_leaves_one_schedule_per_timer_that_fires_once() -> None:
    result, fired, creates, reference = await nap(None, "naps-reference")
    assert (result, fired, creates.made, creates.conflicts) == ("rested", 2, 2, 0)
    assert reference.calls.count("timers.schedule") == 2
    for position in range(1, len(reference.calls) + 1):
        result, fired, creates, injector = await nap(position, f"naps-{position}")
        where = f"crash before call #{position} ({injector.crashed_at})"
        assert injector.crashed_at is not None, where
        assert (result, fired, creates.made) == ("rested", 2, 2), where


async def test_a_redispatch_after_a_crash_that_followed_the_schedule_makes_no_second_one() -> None:
    result, fired, creates, _ = await nap(None, "naps-redispatched", crash_after_schedule=True)

    assert (result, fired) == ("rested", 2)
    assert (creates.made, creates.conflicts) == (2, 2)  # each timer dispatched twice, made once
