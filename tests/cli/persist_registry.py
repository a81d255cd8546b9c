"""What the dev server of the persistence tests runs (``durable dev --registry tests.cli.persist_registry
--db-filename FILE``): a run that waits on a timer then a signal, one whose activity waits for a
file the test creates, and the workflow a schedule starts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from durable import activity, workflow

TASK_QUEUE = "persist"


@activity.defn
async def wait_for_gate(gate: str) -> str:
    """Note each attempt in ``<gate>.attempts``, then wait for the file ``gate`` and return its text."""
    with Path(f"{gate}.attempts").open("a") as attempts:
        attempts.write(f"{activity.info().attempt}\n")
    while not Path(gate).exists():
        await asyncio.sleep(0.05)
    return Path(gate).read_text()


@workflow.defn
class SleepThenWait:
    """A durable timer, then a signal."""

    def __init__(self) -> None:
        self.who: str | None = None

    @workflow.run
    async def run(self, seconds: float) -> str:
        await asyncio.sleep(seconds)
        await workflow.wait_condition(lambda: self.who is not None)
        return f"slept {seconds}s, then {self.who}"

    @workflow.signal
    def go(self, who: str) -> None:
        self.who = who


@workflow.defn
class Gated:
    """One activity, which runs until the test opens its gate."""

    @workflow.run
    async def run(self, gate: str) -> str:
        return await workflow.execute_activity(wait_for_gate, gate, start_to_close_timeout=timedelta(minutes=5))


@workflow.defn
class Tick:
    """What the schedule starts: done at once."""

    @workflow.run
    async def run(self) -> str:
        return "tick"


WORKFLOWS = {TASK_QUEUE: [SleepThenWait, Gated, Tick]}
ACTIVITIES = {TASK_QUEUE: [wait_for_gate]}
