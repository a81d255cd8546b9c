"""The workflow the dev server of the CLI's activity pause tests registers
(``durable dev --registry tests.cli.pause_registry``): its activity fails the first
attempt of each order, and the retry policy waits an hour before the next."""

from __future__ import annotations

from datetime import timedelta

from durable import activity, workflow
from durable.common import RetryPolicy

TASK_QUEUE = "cli-pause"


_FAILED_ONCE: set[str] = set()


@activity.defn
async def charge(order: str) -> str:
    if order not in _FAILED_ONCE:  # the first attempt of each order, whatever its number
        _FAILED_ONCE.add(order)
        raise RuntimeError("the payment service is down")
    return f"charged {order} at attempt {activity.info().attempt}"


@workflow.defn
class Charge:
    @workflow.run
    async def run(self, order: str) -> str:
        return await workflow.execute_activity(
            charge,
            order,
            activity_id="charge",
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(initial_interval=timedelta(hours=1)),
        )


WORKFLOWS = {TASK_QUEUE: [Charge]}
ACTIVITIES = {TASK_QUEUE: [charge]}
