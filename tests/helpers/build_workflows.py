"""Workflows the build id tests run on two builds (tests/workflows, tests/client)."""

from __future__ import annotations

from durable import workflow


@workflow.defn
class Greeter:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"hello {name}"


@workflow.defn
class Waiter:
    def __init__(self) -> None:
        self.go = False
        self.waiting = False

    @workflow.run
    async def run(self) -> str:
        self.waiting = True
        await workflow.wait_condition(lambda: self.go)
        return "done"

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    @workflow.query
    def is_waiting(self) -> bool:
        return self.waiting


@workflow.defn
class BrokenOnFirstTask:
    """Its workflow task fails (a bug, not a workflow failure): retried, never completed."""

    @workflow.run
    async def run(self) -> None:
        raise RuntimeError("a bug in this build")
