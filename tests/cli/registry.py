"""The workflows the dev server of the CLI's schedule and update tests registers
(``durable dev --registry tests.cli.registry``)."""

from __future__ import annotations

from durable import workflow

TASK_QUEUE = "cli"


@workflow.defn
class Tally:
    """Runs until ``finish``: ``add`` (an update, validated) and ``bump`` (a signal) change its total."""

    def __init__(self) -> None:
        self.total = 0
        self.bumps: list[str] = []
        self.finished = False

    @workflow.run
    async def run(self, start: int) -> int:
        self.total += start
        await workflow.wait_condition(lambda: self.finished)
        return self.total

    @workflow.update
    def add(self, amount: int) -> int:
        self.total += amount
        return self.total

    @add.validator  # type: ignore[untyped-decorator]  # the update handle's validator is not annotated yet
    def _positive(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError(f"amount must be positive, got {amount}")

    @workflow.update
    async def add_once_finished(self, amount: int) -> int:
        """Accepted at once; completes when ``finish`` came."""
        await workflow.wait_condition(lambda: self.finished)
        self.total += amount
        return self.total

    @workflow.signal
    def bump(self, who: str) -> None:
        self.bumps.append(who)
        self.total += 1

    @workflow.signal
    def finish(self) -> None:
        self.finished = True

    @workflow.query
    def bumped_by(self) -> list[str]:
        return self.bumps


@workflow.defn
class Greet:
    """What the schedules start: done at once."""

    @workflow.run
    async def run(self, name: str) -> str:
        return f"hello {name}"


WORKFLOWS = {TASK_QUEUE: [Tally, Greet]}
ACTIVITIES: dict[str, list[object]] = {}
