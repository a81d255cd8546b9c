"""A schedule delivery its queue refuses is never lost: it waits in the schedule DLQ with
Scheduler's attributes, the reconciler forwards it, and it takes effect once.

The inbox refuses below the adapters: on moto, SQS answers SendMessage to it with an error
(a KMS key disabled, as a deployment may meet); in memory and SQLite, the queue itself raises.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from durable import activity, workflow
from durable._local.backends import make_backend
from durable._local.schedule_dead_letters import local_queue_arn
from durable._replay import events as ev
from durable._runtime.reconciler import Reconciler
from durable._runtime.services import INBOX
from durable.client import Schedule, ScheduleActionStartWorkflow, ScheduleIntervalSpec, ScheduleSpec
from durable.common import RetryPolicy
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.helpers.refusing_queues import inbox_refusing, queue_refusing

BACKENDS = ["memory", "moto", "sqlite"]


@workflow.defn
class LongNap:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(2 * 3600)  # beyond SQS's 15 minutes: a one-time schedule
        return "woke"


ATTEMPTS: dict[str, int] = {}


@activity.defn
async def flaky_charge(order: str) -> str:
    ATTEMPTS[order] = ATTEMPTS.get(order, 0) + 1
    if ATTEMPTS[order] == 1:
        raise RuntimeError("the payment service is down")
    return f"charged {order}"


@workflow.defn
class Charge:
    @workflow.run
    async def run(self, order: str) -> str:
        return await workflow.execute_activity(
            flaky_charge,
            order,
            start_to_close_timeout=timedelta(minutes=1),
            # The retry waits an hour: a one-time schedule to the activity queue.
            retry_policy=RetryPolicy(initial_interval=timedelta(hours=1), maximum_attempts=3),
        )


@workflow.defn
class Report:
    @workflow.run
    async def run(self) -> str:
        return "reported"


async def _until(done: Callable[[], bool]) -> None:
    """Wait (a bounded while) for what the dispatcher's thread is doing to get there."""
    for _ in range(600):
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never got there")


async def _nap_dead_lettered(env: WorkflowEnvironment, workflow_id: str) -> Any:
    """A LongNap run whose timer's delivery the inbox refused: its handle."""
    handle = await env.client.start_workflow(LongNap.run, id=workflow_id, task_queue="naps")
    await _until(lambda: env.runtime.backend.timers.schedules.pending() == 1)
    with inbox_refusing(env.runtime.backend) as refusals:
        await env.sleep(timedelta(hours=3))
    assert refusals.count == 1
    return handle


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_long_timer_the_inbox_refused_is_dead_lettered_forwarded_and_fires_once(backend: str) -> None:
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        services = env.runtime.backend.services
        dead_letters = services.schedule_dead_letters
        assert dead_letters is not None
        async with Worker(env.client, task_queue="naps", workflows=[LongNap]):
            handle = await _nap_dead_lettered(env, f"nap-{backend}")
            # Nothing reached the run: it waits, and the delivery waits in the schedule DLQ.
            (letter,) = dead_letters.receive(10)
            dead_letters.release(letter.receipt)
            assert letter.attributes["TARGET_ARN"] == local_queue_arn(INBOX)
            expected_code = "KMS.DisabledException" if backend == "moto" else "RuntimeError"
            assert letter.attributes["ERROR_CODE"] == expected_code
            assert ev.TIMER_FIRED not in [e["event_type"] for e in (await handle.fetch_history()).events]

            passed = Reconciler(services).reconcile()
            assert (passed.schedule_deliveries_forwarded, passed.schedule_delivery_failures) == (1, 0)
            assert await asyncio.wait_for(handle.result(), timeout=30) == "woke"
            events = [e["event_type"] for e in (await handle.fetch_history()).events]
            assert dead_letters.count() == 0
            # A second pass finds nothing, and the run took its timer once.
            assert Reconciler(services).reconcile().schedule_deliveries_forwarded == 0
    assert events.count(ev.TIMER_FIRED) == 1 and events.count(ev.WORKFLOW_COMPLETED) == 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_forward_the_inbox_still_refuses_leaves_the_dead_letter_for_the_next_pass(backend: str) -> None:
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        services = env.runtime.backend.services
        dead_letters = services.schedule_dead_letters
        assert dead_letters is not None
        async with Worker(env.client, task_queue="naps", workflows=[LongNap]):
            handle = await _nap_dead_lettered(env, f"nap-again-{backend}")
            with inbox_refusing(env.runtime.backend) as refusals:
                failed = Reconciler(services).reconcile()
            assert refusals.count == 1
            assert (failed.schedule_deliveries_forwarded, failed.schedule_delivery_failures) == (0, 1)
            assert dead_letters.count() == 1  # left, visible again for the next pass

            passed = Reconciler(services).reconcile()
            assert (passed.schedule_deliveries_forwarded, passed.schedule_delivery_failures) == (1, 0)
            assert await asyncio.wait_for(handle.result(), timeout=30) == "woke"
            events = [e["event_type"] for e in (await handle.fetch_history()).events]
    assert events.count(ev.TIMER_FIRED) == 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_dead_lettered_schedule_fire_is_forwarded_and_its_action_taken_once(backend: str) -> None:
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        services = env.runtime.backend.services
        dead_letters = services.schedule_dead_letters
        assert dead_letters is not None
        async with Worker(env.client, task_queue="reports", workflows=[Report]):
            schedule = Schedule(
                action=ScheduleActionStartWorkflow(Report.run, id="hourly-report", task_queue="reports"),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
            )
            handle = await env.client.create_schedule("hourly", schedule)
            first = (await handle.describe()).info.next_action_times[0]
            with inbox_refusing(env.runtime.backend) as refusals:
                await env.sleep(first - await env.get_current_time() + timedelta(seconds=30))
            assert refusals.count == 1
            (letter,) = dead_letters.receive(10)
            dead_letters.release(letter.receipt)
            assert '"kind":"schedule_fire"' in services.open_body(letter.body)
            assert (await handle.describe()).info.num_actions == 0

            passed = Reconciler(services).reconcile()
            assert (passed.schedule_deliveries_forwarded, passed.schedule_delivery_failures) == (1, 0)
            assert passed.schedules_fired == []  # not overdue: the forward is the only fire
            for _ in range(600):  # the dispatcher's thread takes the forwarded fire
                described = (await handle.describe()).info
                if described.recent_actions:
                    break
                await asyncio.sleep(0.05)
            (action,) = described.recent_actions
            started = env.client.get_workflow_handle(
                action.action.workflow_id, run_id=action.action.first_execution_run_id
            )
            assert await asyncio.wait_for(started.result(), timeout=30) == "reported"
            assert dead_letters.count() == 0
    assert described.num_actions == 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_retry_the_activity_queue_refused_is_forwarded_there_and_runs_once(backend: str) -> None:
    order = f"order-{backend}"
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        services = env.runtime.backend.services
        dead_letters = services.schedule_dead_letters
        assert dead_letters is not None
        async with Worker(env.client, task_queue="payments", workflows=[Charge], activities=[flaky_charge]):
            handle = await env.client.start_workflow(Charge.run, order, id=order, task_queue="payments")
            await _until(lambda: env.runtime.backend.timers.schedules.pending() == 1)
            assert ATTEMPTS[order] == 1
            with queue_refusing(env.runtime.backend, "activities-payments") as refusals:
                await env.sleep(timedelta(hours=2))
            assert refusals.count == 1 and ATTEMPTS[order] == 1
            (letter,) = dead_letters.receive(10)
            dead_letters.release(letter.receipt)
            assert letter.attributes["TARGET_ARN"] == local_queue_arn("activities-payments")

            passed = Reconciler(services).reconcile()
            assert (passed.schedule_deliveries_forwarded, passed.schedule_delivery_failures) == (1, 0)
            assert await asyncio.wait_for(handle.result(), timeout=30) == f"charged {order}"
            assert dead_letters.count() == 0
    assert ATTEMPTS[order] == 2


def test_the_dev_server_s_file_keeps_its_schedule_dead_letters_apart_from_its_queues(tmp_path: Any) -> None:
    path = str(tmp_path / "dev.db")
    backend = make_backend("sqlite", skipping=True, path=path)
    try:
        with inbox_refusing(backend):
            # What the dispatcher does with a due timer: the refused delivery is dead-lettered.
            backend.services.timers.schedule(backend.clock.now(), INBOX, '{"kind":"x"}', group_id="g", dedup_id="d")
            backend.timers.fire_due()
    finally:
        backend.stop()
    reopened = make_backend("sqlite", skipping=True, path=path)
    try:
        dead_letters = reopened.services.schedule_dead_letters
        assert dead_letters is not None and dead_letters.count() == 1
        # Not a queue of the engine's: the dispatcher never polls it as one (it would run it as activities).
        assert "schedule-dlq" not in reopened.queues and "schedule-dlq" not in reopened.notifier.dirty
    finally:
        reopened.stop()


class _FirstDeleteLost:
    """The schedule DLQ of a reconciler invocation that died (a timeout) after its forward was
    sent and before its delete: once SQS's visibility timeout passes, the dead letter is visible
    again, and the next pass sends it again."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.lost: list[str] | None = None

    def delete(self, receipts: list[str]) -> None:
        if self.lost is None:
            self.lost = receipts  # never deleted
            return
        self._inner.delete(receipts)

    def visibility_timeout_passes(self) -> None:
        for receipt in self.lost or []:
            self._inner.release(receipt)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_forward_sent_twice_by_a_pass_that_died_before_its_delete_fires_the_timer_once(backend: str) -> None:
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        services = env.runtime.backend.services
        dead_letters = services.schedule_dead_letters
        async with Worker(env.client, task_queue="naps", workflows=[LongNap]):
            handle = await _nap_dead_lettered(env, f"nap-twice-{backend}")
            lost = _FirstDeleteLost(dead_letters)
            first = Reconciler(dataclasses.replace(services, schedule_dead_letters=lost))
            assert first.reconcile().schedule_deliveries_forwarded == 1
            lost.visibility_timeout_passes()
            assert dead_letters is not None and dead_letters.count() == 1  # still there: sent again next
            again = Reconciler(services).reconcile()
            assert (again.schedule_deliveries_forwarded, again.schedule_delivery_failures) == (1, 0)
            assert await asyncio.wait_for(handle.result(), timeout=30) == "woke"
            events = [e["event_type"] for e in (await handle.fetch_history()).events]
            assert dead_letters.count() == 0
    assert events.count(ev.TIMER_FIRED) == 1
