"""One workflow type on two builds (tests/invariants/test_pinning.py): build B's code does not
replay build A's runs (it starts a timer that A's histories do not have) and returns another result."""

from __future__ import annotations

from datetime import timedelta

from durable import workflow


@workflow.defn(name="Deploy")
class DeployOnA:
    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.go)
        return "decided by A"

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    @workflow.signal
    def note(self) -> None:
        """Changes nothing: a message that keeps the run running."""


@workflow.defn(name="Deploy")
class DeployOnB:
    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.go, timeout=timedelta(days=1))
        return "decided by B"

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    @workflow.signal
    def note(self) -> None:
        """Changes nothing: a message that keeps the run running."""
