"""Workflows the API tests drive."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from durable import activity, workflow
from durable.common import RetryPolicy
from durable.exceptions import ApplicationError

TASK_QUEUE = "api-tests"
TOKENS: list[bytes] = []


@workflow.defn
class Mailbox:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.closed = False

    @workflow.run
    async def run(self, greeting: str) -> dict:
        self.messages.append(greeting)
        await workflow.wait_condition(lambda: self.closed)
        return {"messages": self.messages}

    @workflow.signal
    def post(self, message: str) -> None:
        self.messages.append(message)

    @workflow.signal
    def close(self) -> None:
        self.closed = True

    @workflow.query
    def count(self) -> int:
        return len(self.messages)

    @workflow.query
    def nth(self, index: int) -> str:
        return self.messages[index]


@workflow.defn
class Failing:
    @workflow.run
    async def run(self, reason: str) -> None:
        raise ApplicationError(reason, {"code": 7}, type="Declined", non_retryable=True)


@workflow.defn
class Sleeper:
    @workflow.run
    async def run(self, seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "woke"


@workflow.defn
class Chain:
    @workflow.run
    async def run(self, n: int) -> int:
        if n > 0:
            workflow.continue_as_new(n - 1)
        return 42


@activity.defn
async def approve(request: str) -> str:
    TOKENS.append(activity.info().task_token)
    activity.raise_complete_async()


@workflow.defn
class Approval:
    @workflow.run
    async def run(self, request: str) -> str:
        return await workflow.execute_activity(
            approve, request, start_to_close_timeout=timedelta(hours=1), retry_policy=RetryPolicy(maximum_attempts=1)
        )


@workflow.defn
class Tally:
    """Adds what its updates bring until told to finish; an update may wait for the finish."""

    def __init__(self) -> None:
        self.total = 0
        self.finished = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.finished)
        return self.total

    @workflow.update
    def add(self, amount: int) -> int:
        self.total += amount
        return self.total

    @add.validator
    def check_add(self, amount: int) -> None:
        if amount < 0:
            raise ValueError("amount must not be negative")

    @workflow.update
    async def total_at_finish(self) -> int:
        await workflow.wait_condition(lambda: self.finished)
        return self.total

    @workflow.signal
    def finish(self) -> None:
        self.finished = True


@workflow.defn
class BrokenFirstTask:
    """Its first workflow task fails (and is retried): nothing sent to it is ever taken."""

    @workflow.run
    async def run(self) -> None:
        raise RuntimeError("a bug in the workflow code")


WORKFLOWS = [Mailbox, Failing, Sleeper, Chain, Approval, Tally, BrokenFirstTask]
ACTIVITIES = [approve]
