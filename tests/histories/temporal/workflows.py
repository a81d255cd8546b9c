"""Workflows whose Temporal histories are the goldens of this folder.

Written against the compatibility suite's SDK shim (``tests/compat/sdk.py``), so the same
code records on temporalio + its test server (``record.py``) and replays on durable
(``test_temporal_histories.py``). Together they use what a production history holds:
activities with retries and failures, timers, signals, local activities (markers),
patches, child workflows, continue-as-new, updates, cancellation, search attributes.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.compat.sdk import RetryPolicy, activity, common, exceptions, workflow

KEYWORD = common.SearchAttributeKey.for_keyword("CustomKeywordField")
INT = common.SearchAttributeKey.for_int("CustomIntField")

FAST_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_attempts=5)


@activity.defn
async def charge(amount: int) -> str:
    """Fails its first two attempts (a flaky payment provider)."""
    if activity.info().attempt < 3:
        raise RuntimeError(f"provider busy (attempt {activity.info().attempt})")
    return f"charged {amount}"


@activity.defn
async def refuse(reason: str) -> str:
    """Always fails, and says not to retry."""
    raise exceptions.ApplicationError(f"refused: {reason}", {"code": 42}, type="Refused", non_retryable=True)


@activity.defn
async def shout(text: str) -> str:
    return text.upper()


@activity.defn
async def slow(seconds: int) -> str:
    for _ in range(seconds * 10):
        activity.heartbeat()
        await asyncio.sleep(0.1)
    return "slept"


@workflow.defn
class Payment:
    """Activities (a retried one, a failed one), a timer, a signal."""

    def __init__(self) -> None:
        self.approved_by: list[str] = []

    @workflow.signal
    def approve(self, who: str) -> None:
        self.approved_by.append(who)

    @workflow.run
    async def run(self, amount: int) -> dict:
        charged = await workflow.execute_activity(
            charge, amount, start_to_close_timeout=timedelta(seconds=10), retry_policy=FAST_RETRY
        )
        try:
            await workflow.execute_activity(refuse, "no stock", start_to_close_timeout=timedelta(seconds=10))
            refused = ""
        except exceptions.ActivityError as err:
            refused = f"{type(err.cause).__name__}: {err.cause}"
        await asyncio.sleep(90)
        await workflow.wait_condition(lambda: bool(self.approved_by))
        return {"charged": charged, "refused": refused, "approved_by": self.approved_by}


@workflow.defn
class LocalSteps:
    """Local activities (markers) and a patch (a marker and a search-attribute upsert)."""

    @workflow.run
    async def run(self, text: str) -> list[str]:
        out = [await workflow.execute_local_activity(shout, text, start_to_close_timeout=timedelta(seconds=5))]
        if workflow.patched("add-suffix"):
            out.append(
                await workflow.execute_local_activity(shout, text + "!", start_to_close_timeout=timedelta(seconds=5))
            )
        await asyncio.sleep(1)
        return out


@activity.defn
async def nap(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "rested"


@activity.defn
async def fails_once(text: str) -> str:
    if activity.info().attempt < 2:
        raise RuntimeError("first attempt fails")
    return text


@workflow.defn
class LocalRetry:
    """A local activity that fails once and retries after a back-off too long to wait in
    place: its failure marker carries the back-off, a durable timer waits it out."""

    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_local_activity(
            fails_once,
            "second time lucky",
            start_to_close_timeout=timedelta(seconds=5),
            retry_policy=RetryPolicy(initial_interval=timedelta(minutes=2), maximum_attempts=3),
        )


@workflow.defn
class ActivityCanceller:
    """Cancels its own activity and waits for the activity to confirm (ActivityTaskCanceled)."""

    @workflow.run
    async def run(self) -> str:
        handle = workflow.start_activity(
            slow,
            3600,
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=timedelta(seconds=2),
            cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )
        await asyncio.sleep(3)
        handle.cancel()
        try:
            await handle
        except exceptions.ActivityError as err:
            return type(err.cause).__name__
        return "finished"


@workflow.defn
class ChildCanceller:
    """Cancels a child it started (RequestCancelExternal of the child), waits for the child to
    report its cancellation, and a wait with a timeout that a signal ends first (TimerCanceled);
    a patch already deprecated."""

    def __init__(self) -> None:
        self.go = False

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    @workflow.run
    async def run(self) -> str:
        workflow.deprecate_patch("old-branch-gone")
        handle = await workflow.start_child_workflow(Listener.run, id=f"{workflow.info().workflow_id}-child")
        await asyncio.sleep(1)
        handle.cancel()
        try:
            await handle
            outcome = "child finished"
        except exceptions.ChildWorkflowError as err:
            outcome = type(err.cause).__name__
        await workflow.wait_condition(lambda: self.go, timeout=timedelta(hours=1))
        return outcome


@workflow.defn
class Hourly:
    """A cron workflow: each run closes as continued-as-new, at the next tick."""

    @workflow.run
    async def run(self) -> int:
        last = workflow.get_last_completion_result(int) if workflow.has_last_completion_result() else 0
        await asyncio.sleep(1)
        return (last or 0) + 1


@workflow.defn
class LongLocal:
    """A local activity that outlives its workflow task: temporalio's core heartbeats the task
    (completed without commands) and records the marker in a later one."""

    @workflow.run
    async def run(self, seconds: float) -> str:
        rested = await workflow.execute_local_activity(nap, seconds, start_to_close_timeout=timedelta(seconds=30))
        await asyncio.sleep(1)
        return rested


@workflow.defn
class Child:
    @workflow.run
    async def run(self, name: str) -> str:
        await asyncio.sleep(2)
        return f"child {name} done"


@workflow.defn
class Parent:
    """Two children, one of them started and awaited later."""

    @workflow.run
    async def run(self) -> list[str]:
        first = await workflow.execute_child_workflow(Child.run, "a", id=f"{workflow.info().workflow_id}-a")
        handle = await workflow.start_child_workflow(Child.run, "b", id=f"{workflow.info().workflow_id}-b")
        return [first, await handle]


@workflow.defn
class Countdown:
    """Continues as new until its count reaches zero."""

    @workflow.run
    async def run(self, count: int) -> str:
        await asyncio.sleep(1)
        if count > 0:
            workflow.continue_as_new(count - 1)
        return "liftoff"


@workflow.defn
class Cart:
    """Updates (accepted, completed, one rejected by its validator) and a signal to finish."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.done = False

    @workflow.update
    async def add(self, item: str) -> int:
        await asyncio.sleep(1)
        self.items.append(item)
        return len(self.items)

    @add.validator
    def check(self, item: str) -> None:
        if not item:
            raise ValueError("empty item")

    @workflow.signal
    def checkout(self) -> None:
        self.done = True

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: self.done)
        return self.items


@workflow.defn
class Cancellable:
    """Cancelled while it waits on an activity and a timer; cleans up, then reports it."""

    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.execute_activity(
                slow,
                3600,
                start_to_close_timeout=timedelta(hours=2),
                heartbeat_timeout=timedelta(seconds=30),
                cancellation_type=workflow.ActivityCancellationType.TRY_CANCEL,
            )
        except (exceptions.ActivityError, asyncio.CancelledError) as err:
            if not exceptions.is_cancelled_exception(err):
                raise
            await workflow.execute_local_activity(shout, "cleanup", start_to_close_timeout=timedelta(seconds=5))
            raise
        return "not cancelled"


GOLDEN_IDS = {
    "payment_retried_refused_timer_signal": "golden-payment",
    "local_activities_and_patch": "golden-local",
    "parent_of_two_children": "golden-parent",
    "countdown_continued_as_new": "golden-countdown",
    "countdown_last_run": "golden-countdown",
    "cart_updates": "golden-cart",
    "cancelled_during_activity": "golden-cancel",
    "local_activity_longer_than_its_task": "golden-long-local",
    "external_signal_cancel_timeout_child_failure": "golden-messenger",
    "listener_signalled_by_another_workflow": "golden-listener",
    "workflow_task_failed_then_recovered": "golden-flaky-task",
    "local_activity_retried_after_a_timer": "golden-local-retry",
    "activity_cancelled_and_confirmed": "golden-activity-cancel",
    "child_cancelled_timer_cancelled_patch_deprecated": "golden-child-cancel",
    "cron_first_run": "golden-cron",
    "cron_second_run": "golden-cron",
}
"""Workflow id of each golden (file stem): Temporal's JSON does not name it, and the code reads it."""

CRON_RUNS = frozenset({"cron_first_run", "cron_second_run"})
"""Goldens temporalio 1.35's Replayer cannot replay: a cron run's code completes, the server
records the close as WorkflowExecutionContinuedAsNew, and core's replay then fails with
"Complete workflow machine does not handle this event". durable's Replayer replays them."""


@workflow.defn
class Listener:
    """Waits for a signal from another workflow (or a cancel)."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    @workflow.signal
    def hear(self, word: str) -> None:
        self.heard.append(word)

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: len(self.heard) >= 1)
        return self.heard


@workflow.defn
class Messenger:
    """External signals and cancels, one to a workflow that is not there; search attributes
    and memo read and upserted; an activity that times out; a child that fails."""

    @workflow.run
    async def run(self, listener_id: str, sleeper_id: str) -> dict:
        out: dict = {"memo": workflow.memo_value("note", "")}
        workflow.upsert_search_attributes([KEYWORD.value_set("messaging"), INT.value_set(7)])
        await workflow.get_external_workflow_handle(listener_id).signal(Listener.hear, "psst")
        await workflow.get_external_workflow_handle(sleeper_id).cancel()
        try:
            await workflow.get_external_workflow_handle("nobody-home").signal("hear", "x")
        except exceptions.ApplicationError as err:
            out["missing"] = "not found" in err.message
        try:
            await workflow.execute_activity(
                slow, 30, start_to_close_timeout=timedelta(seconds=1), retry_policy=RetryPolicy(maximum_attempts=1)
            )
        except exceptions.ActivityError as err:
            out["timeout"] = type(err.cause).__name__
        try:
            await workflow.execute_child_workflow(FailingChild.run, id=f"{workflow.info().workflow_id}-child")
        except exceptions.ChildWorkflowError as err:
            out["child"] = str(err.cause)
        workflow.upsert_search_attributes([INT.value_unset()])
        return out


@workflow.defn
class FailingChild:
    @workflow.run
    async def run(self) -> None:
        raise exceptions.ApplicationError("child gives up", type="GivenUp", non_retryable=True)


_FAILED_TASKS: dict[str, int] = {}


@workflow.defn
class FlakyTask:
    """Its first workflow task fails (a bug, fixed by the retry): WorkflowTaskFailed in history."""

    @workflow.run
    async def run(self) -> str:
        key = workflow.info().workflow_id
        if not workflow.unsafe.is_replaying() and _FAILED_TASKS.get(key, 0) < 1:
            _FAILED_TASKS[key] = _FAILED_TASKS.get(key, 0) + 1
            raise RuntimeError("a bug in the first task")
        await asyncio.sleep(1)
        return "recovered"


WORKFLOWS = [
    ChildCanceller,
    Hourly,
    LocalRetry,
    ActivityCanceller,
    Listener,
    Messenger,
    FailingChild,
    FlakyTask,
    Payment,
    LocalSteps,
    LongLocal,
    Child,
    Parent,
    Countdown,
    Cart,
    Cancellable,
]
ACTIVITIES = [charge, refuse, shout, slow, nap, fails_once]
