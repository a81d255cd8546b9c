"""Workflows that spend their time waiting: a reminder every thirty days until told to stop, an
alarm whose ring time a signal moves, a stock level polled three ways, and the small workflows
a schedule and an eager start run."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from durable import exceptions, workflow
from durable.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from tests.idioms.activities import send_reminder, shout, stock_level, stock_level_polled


@workflow.defn
class Subscription:
    def __init__(self) -> None:
        self.cancelled = False

    @workflow.run
    async def run(self, every_days: int) -> int:
        sent = 0
        while not self.cancelled:
            await workflow.execute_activity(
                send_reminder, f"renews in {every_days} days", start_to_close_timeout=timedelta(seconds=10)
            )
            sent += 1
            await workflow.wait(
                [
                    asyncio.create_task(workflow.sleep(timedelta(days=every_days))),
                    asyncio.create_task(workflow.wait_condition(lambda: self.cancelled)),
                ],
                return_when=asyncio.FIRST_COMPLETED,
            )
        return sent

    @workflow.signal
    def cancel(self) -> None:
        self.cancelled = True


@workflow.defn
class Alarm:
    @workflow.init
    def __init__(self, ring_at: float) -> None:
        self.ring_at = datetime.fromtimestamp(ring_at, tz=UTC)
        self.moved = False

    @workflow.run
    async def run(self, ring_at: float) -> str:
        while True:
            self.moved = False
            remaining = self.ring_at - workflow.now()
            if remaining <= timedelta(0):
                return f"rang at {workflow.now().isoformat()}"
            try:
                await workflow.wait_condition(lambda: self.moved, timeout=remaining)
            except TimeoutError:
                pass

    @workflow.signal
    def move(self, ring_at: float) -> None:
        self.ring_at = datetime.fromtimestamp(ring_at, tz=UTC)
        self.moved = True

    @workflow.query
    def rings_at(self) -> float:
        return self.ring_at.timestamp()


@workflow.defn
class PollByRetries:
    @workflow.run
    async def run(self, sku: str) -> int:
        return await workflow.execute_activity(
            stock_level,
            sku,
            start_to_close_timeout=timedelta(seconds=2),
            retry_policy=RetryPolicy(backoff_coefficient=1.0, initial_interval=timedelta(seconds=60)),
        )


@workflow.defn
class PollWithHeartbeats:
    @workflow.run
    async def run(self, sku: str) -> int:
        return await workflow.execute_activity(
            stock_level_polled,
            sku,
            start_to_close_timeout=timedelta(seconds=60),
            heartbeat_timeout=timedelta(seconds=2),
        )


@dataclass
class PollState:
    sku: str
    tries_per_run: int
    tries_so_far: int = 0


@workflow.defn
class PollAcrossRuns:
    @workflow.run
    async def run(self, state: PollState) -> tuple[int, int]:
        for _ in range(state.tries_per_run):
            state.tries_so_far += 1
            try:
                level = await workflow.execute_activity(
                    stock_level,
                    state.sku,
                    start_to_close_timeout=timedelta(seconds=2),
                    retry_policy=RetryPolicy(maximum_attempts=1),
                )
                return level, state.tries_so_far
            except exceptions.ActivityError:
                await workflow.sleep(timedelta(minutes=5))
        workflow.continue_as_new(state)


@workflow.defn
class Echo:
    @workflow.run
    async def run(self, word: str) -> str:
        return await workflow.execute_activity(shout, word, start_to_close_timeout=timedelta(seconds=5))


@workflow.defn
class QuickStart:
    @workflow.run
    async def run(self, word: str) -> str:
        return await workflow.execute_local_activity(shout, word, schedule_to_close_timeout=timedelta(seconds=5))
