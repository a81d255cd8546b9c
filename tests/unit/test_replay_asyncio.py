"""Plain asyncio inside workflows: Queue, Event, tasks and their cancellation, wait()."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from durable import activity, workflow
from durable._replay import events as ev

from .conftest import Driver


@activity.defn
async def work(n: int) -> int:
    return n


@workflow.defn
class QueueConsumer:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue()

    @workflow.run
    async def run(self, count: int) -> list[str]:
        items = []
        while len(items) < count:
            items.append(await self.queue.get())
        return items

    @workflow.signal
    def push(self, item: str) -> None:
        self.queue.put_nowait(item)


def test_asyncio_queue_fed_by_signals() -> None:
    d = Driver(QueueConsumer)
    d.start(3)
    assert d.commands() == []
    d.signal("push", "a")
    assert d.commands() == []
    d.decide(d.signal_event("push", "b"), d.signal_event("push", "c"), advance=1)
    assert d.command_types() == [ev.WORKFLOW_COMPLETED]
    assert d.result() == ["a", "b", "c"]


@workflow.defn
class EventGate:
    def __init__(self) -> None:
        self.gate = asyncio.Event()

    @workflow.run
    async def run(self) -> str:
        waiter = asyncio.create_task(self.gate.wait())
        await asyncio.sleep(5)
        opened_before_timer = waiter.done()
        await waiter
        return f"opened (before timer: {opened_before_timer})"

    @workflow.signal
    def open(self) -> None:
        self.gate.set()


def test_asyncio_event_set_by_a_signal() -> None:
    d = Driver(EventGate)
    d.start()
    d.signal("open")
    assert d.commands() == []
    d.fire_timer(1)
    assert d.result() == "opened (before timer: True)"


@workflow.defn
class CancelSleepingTask:
    @workflow.run
    async def run(self) -> list[str]:
        seen: list[str] = []

        async def sleeper() -> None:
            try:
                await asyncio.sleep(3600)
                seen.append("woke")
            except asyncio.CancelledError:
                seen.append("cancelled inside")
                raise

        task = asyncio.create_task(sleeper())
        await asyncio.sleep(1)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            seen.append("cancelled outside")
        seen.append(f"task.cancelled()={task.cancelled()}")
        return seen


def test_task_cancel_reaches_the_sleeping_task_and_cancels_its_timer() -> None:
    d = Driver(CancelSleepingTask)
    d.start()
    assert [(e["event_type"], e["attributes"]) for e in d.commands()] == [
        (ev.TIMER_STARTED, {"seq": 1, "duration": 1.0}),
        (ev.TIMER_STARTED, {"seq": 2, "duration": 3600.0}),
    ]
    d.fire_timer(1)
    assert [(e["event_type"], e["attributes"]) for e in d.commands()][0] == (ev.TIMER_CANCELED, {"seq": 2})
    assert d.command_types() == [ev.TIMER_CANCELED, ev.WORKFLOW_COMPLETED]
    assert d.result() == ["cancelled inside", "cancelled outside", "task.cancelled()=True"]


@workflow.defn
class FirstCompleted:
    @workflow.run
    async def run(self) -> dict[str, object]:
        act = asyncio.ensure_future(workflow.execute_activity(work, 7, start_to_close_timeout=timedelta(seconds=30)))
        timer = asyncio.ensure_future(asyncio.sleep(10))
        done, pending = await asyncio.wait([act, timer], return_when=asyncio.FIRST_COMPLETED)
        for p in pending:
            p.cancel()
        return {"activity_won": act in done, "timer_won": timer in done, "pending": len(pending)}


def test_asyncio_wait_first_completed_activity_wins() -> None:
    d = Driver(FirstCompleted)
    d.start()
    assert d.command_types() == [ev.ACTIVITY_SCHEDULED, ev.TIMER_STARTED]
    d.complete_activity(1, 7)
    assert d.machine.ledger.status.name == "COMPLETED"
    assert d.result() == {"activity_won": True, "timer_won": False, "pending": 1}
    assert d.machine.ledger.timers == {}


def test_asyncio_wait_first_completed_timer_wins() -> None:
    d = Driver(FirstCompleted)
    d.start()
    d.fire_timer(1)
    assert d.machine.ledger.status.name == "COMPLETED"
    assert d.result() == {"activity_won": False, "timer_won": True, "pending": 1}


def test_terminal_command_is_the_last_event_of_its_record() -> None:
    """Temporal's server rejects a decision with commands after the closing one
    ("command ... must be the last command"), so its histories always end with the
    closing event. Here the run returns right after ``p.cancel()``: the cancellation of
    the pending activity is processed after the return, in the same activation.
    """
    d = Driver(FirstCompleted)
    d.start()
    d.fire_timer(1)
    types = d.command_types()
    assert ev.WORKFLOW_COMPLETED in types
    assert types[-1] == ev.WORKFLOW_COMPLETED, f"events after the closing event: {types}"
    assert d.log[-1]["event_type"] == ev.WORKFLOW_COMPLETED


@workflow.defn
class AsCompleted:
    @workflow.run
    async def run(self) -> list[int]:
        order = []
        for next_done in asyncio.as_completed(
            [workflow.execute_activity(work, n, start_to_close_timeout=timedelta(seconds=5)) for n in (1, 2, 3)]
        ):
            order.append(await next_done)
        return order


def test_as_completed_yields_in_completion_order() -> None:
    d = Driver(AsCompleted)
    d.start()
    assert d.command_types() == [ev.ACTIVITY_SCHEDULED] * 3
    d.complete_activity(3, 3)
    d.complete_activity(1, 1)
    d.complete_activity(2, 2)
    assert d.result() == [3, 1, 2]
