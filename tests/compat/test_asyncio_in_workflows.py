"""Plain asyncio inside workflows, and the deterministic workflow.* helpers."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta

from .sdk import activity, new_worker, workflow

T5 = timedelta(seconds=5)


@activity.defn
async def square(x: int) -> int:
    return x * x


@workflow.defn
class GatherActivities:
    @workflow.run
    async def run(self, n: int) -> list:
        return list(
            await asyncio.gather(*[workflow.execute_activity(square, i, start_to_close_timeout=T5) for i in range(n)])
        )


@workflow.defn
class WaitFirstCompleted:
    @workflow.run
    async def run(self) -> list:
        start = workflow.now()

        async def nap(seconds: int) -> int:
            await asyncio.sleep(seconds)
            return seconds

        short = asyncio.create_task(nap(10))
        long = asyncio.create_task(nap(1000))
        done, pending = await asyncio.wait([short, long], return_when=asyncio.FIRST_COMPLETED)
        first = [t.result() for t in done]
        for t in pending:
            t.cancel()
        return [first, len(pending), (workflow.now() - start).total_seconds()]


@workflow.defn
class QueueFedBySignals:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue()

    @workflow.run
    async def run(self, count: int) -> list:
        return [await self.queue.get() for _ in range(count)]

    @workflow.signal
    async def push(self, item: str) -> None:
        await self.queue.put(item)


@workflow.defn
class EventSetBySignal:
    def __init__(self) -> None:
        self.event = asyncio.Event()

    @workflow.run
    async def run(self) -> str:
        await self.event.wait()
        return "event set"

    @workflow.signal
    def fire(self) -> None:
        self.event.set()


@workflow.defn
class CancelTimerTask:
    @workflow.run
    async def run(self) -> list:
        log: list = []

        async def sleeper() -> str:
            try:
                await asyncio.sleep(3600)
                return "woke"
            except asyncio.CancelledError:
                log.append("sleeper saw CancelledError")
                return "cancelled inside"

        task = asyncio.create_task(sleeper())
        await asyncio.sleep(1)
        task.cancel()
        result = await task  # the task swallowed the cancellation
        log.append(result)
        log.append(task.cancelled())
        return log


@workflow.defn
class CancelTimerTaskUncaught:
    @workflow.run
    async def run(self) -> list:
        task = asyncio.create_task(asyncio.sleep(3600))
        await asyncio.sleep(1)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return ["CancelledError", task.cancelled()]
        return ["no error"]


@workflow.defn
class Deterministic:
    @workflow.run
    async def run(self) -> dict:
        now = workflow.now()
        return {
            "now": now.isoformat(),
            "tz_is_utc": now.tzinfo is not None and now.utcoffset() == timedelta(0),
            "time_matches_now": abs(workflow.time() - now.timestamp()) < 0.001,
            "uuid": str(workflow.uuid4()),
            "random": workflow.random().random(),
            "randint": workflow.random().randint(1, 6),
        }


@workflow.defn(name="InfoWorkflow")
class InfoWorkflow:
    @workflow.run
    async def run(self) -> dict:
        info = workflow.info()
        workflow.logger.info("hello from workflow %s", info.workflow_id)
        return {
            "workflow_id": info.workflow_id,
            "run_id": info.run_id,
            "workflow_type": info.workflow_type,
            "task_queue": info.task_queue,
            "attempt": info.attempt,
            "namespace": info.namespace,
        }


async def test_gather_activities(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[GatherActivities], activities=[square]):
        result = await client.execute_workflow(GatherActivities.run, 5, id="wf-gather", task_queue=task_queue)
    assert result == [0, 1, 4, 9, 16]


async def test_asyncio_wait_first_completed(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[WaitFirstCompleted]):
        first, pending, elapsed = await client.execute_workflow(
            WaitFirstCompleted.run, id="wf-wait", task_queue=task_queue
        )
    assert first == [10]
    assert pending == 1
    assert 10 <= elapsed < 15


async def test_asyncio_queue_fed_by_signals(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[QueueFedBySignals]):
        handle = await client.start_workflow(QueueFedBySignals.run, 3, id="wf-queue", task_queue=task_queue)
        for item in ["a", "b", "c"]:
            await handle.signal(QueueFedBySignals.push, item)
        assert await handle.result() == ["a", "b", "c"]


async def test_asyncio_event_set_by_signal(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[EventSetBySignal]):
        handle = await client.start_workflow(EventSetBySignal.run, id="wf-event", task_queue=task_queue)
        await handle.signal(EventSetBySignal.fire)
        assert await handle.result() == "event set"


async def test_cancel_task_sleeping_on_timer(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[CancelTimerTask]):
        result = await client.execute_workflow(CancelTimerTask.run, id="wf-task-cancel", task_queue=task_queue)
    assert result == ["sleeper saw CancelledError", "cancelled inside", False]


async def test_cancel_task_uncaught_cancelled_error(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[CancelTimerTaskUncaught]):
        result = await client.execute_workflow(CancelTimerTaskUncaught.run, id="wf-task-cancel2", task_queue=task_queue)
    assert result == ["CancelledError", True]


async def test_now_time_uuid4_random_are_plausible(env, client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Deterministic]):
        r = await client.execute_workflow(Deterministic.run, id="wf-det", task_queue=task_queue)
    now = datetime.fromisoformat(r["now"])
    assert abs((now - datetime.now(UTC)).total_seconds()) < 60
    assert r["tz_is_utc"] is True
    assert r["time_matches_now"] is True
    assert uuid.UUID(r["uuid"]).version == 4
    assert 0.0 <= r["random"] < 1.0
    assert 1 <= r["randint"] <= 6


async def test_workflow_info_and_logger(client, task_queue, caplog):
    caplog.set_level(logging.INFO)
    async with new_worker(client, task_queue=task_queue, workflows=[InfoWorkflow]):
        handle = await client.start_workflow(InfoWorkflow.run, id="wf-info", task_queue=task_queue)
        info = await handle.result()
    assert info == {
        "workflow_id": "wf-info",
        "run_id": handle.result_run_id,
        "workflow_type": "InfoWorkflow",
        "task_queue": task_queue,
        "attempt": 1,
        "namespace": "default",
    }
    assert any("hello from workflow wf-info" in r.getMessage() for r in caplog.records)
