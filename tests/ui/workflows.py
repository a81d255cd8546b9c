"""A workflow the web UI's handler tests drive: a counter with queries and a validated update."""

from __future__ import annotations

from durable import workflow
from durable.exceptions import ApplicationError

TASK_QUEUE = "ui-tests"


@workflow.defn
class Counter:
    def __init__(self) -> None:
        self.total = 0
        self.done = False
        self.released = False

    @workflow.run
    async def run(self, start: int) -> int:
        self.total = start
        await workflow.wait_condition(lambda: self.done)
        return self.total

    @workflow.query
    def total_plus(self, extra: int) -> int:
        return self.total + extra

    @workflow.query
    def label(self) -> str:
        return f"counter at {self.total}"

    @workflow.update
    def add(self, amount: int) -> int:
        self.total += amount
        return self.total

    @add.validator  # type: ignore[untyped-decorator]  # the update handle's validator is not annotated yet
    def _positive(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError(f"amount must be positive, got {amount}")

    @workflow.update
    async def add_when_released(self, amount: int) -> int:
        """Accepted at once, completed once the ``release`` signal came."""
        await workflow.wait_condition(lambda: self.released)
        self.total += amount
        return self.total

    @workflow.update
    def fail_with(self, message: str) -> None:
        """Accepted, then its handler raises: the update fails, the run goes on."""
        raise ApplicationError(message, type="Refused")

    @workflow.signal
    def release(self) -> None:
        self.released = True

    @workflow.signal
    def finish(self) -> None:
        self.done = True


WORKFLOWS: list[type] = [Counter]
