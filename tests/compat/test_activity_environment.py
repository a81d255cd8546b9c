"""ActivityEnvironment: running an activity alone, outside any worker."""

from __future__ import annotations

import asyncio

import pytest

from .sdk import ActivityEnvironment, activity


@activity.defn
def add(a: int, b: int) -> int:
    return a + b


@activity.defn
async def async_add(a: int, b: int) -> int:
    return a + b


@activity.defn
def sync_heartbeats(n: int) -> str:
    for i in range(n):
        activity.heartbeat(i, f"step-{i}")
    return "done"


@activity.defn
async def info_snapshot() -> dict:
    info = activity.info()
    return {
        "activity_id": info.activity_id,
        "activity_type": info.activity_type,
        "attempt": info.attempt,
        "heartbeat_details": list(info.heartbeat_details),
        "is_local": info.is_local,
        "task_queue": info.task_queue,
        "workflow_id": info.workflow_id,
    }


@activity.defn
async def wait_for_cancel() -> str:
    try:
        while True:
            activity.heartbeat()
            await asyncio.sleep(0.01)
    except asyncio.CancelledError:
        return "cancelled"


@activity.defn
async def wait_for_cancel_uncaught() -> str:
    while True:
        activity.heartbeat()
        await asyncio.sleep(0.01)


async def test_run_sync_activity():
    assert ActivityEnvironment().run(add, 2, 3) == 5


async def test_run_async_activity_returns_awaitable():
    assert await ActivityEnvironment().run(async_add, 2, 3) == 5


async def test_on_heartbeat_receives_details():
    env = ActivityEnvironment()
    seen: list[tuple] = []
    env.on_heartbeat = lambda *details: seen.append(details)
    assert env.run(sync_heartbeats, 2) == "done"
    assert seen == [(0, "step-0"), (1, "step-1")]


async def test_default_info():
    info = await ActivityEnvironment().run(info_snapshot)
    assert info == {
        "activity_id": "test",
        "activity_type": "unknown",
        "attempt": 1,
        "heartbeat_details": [],
        "is_local": False,
        "task_queue": "test",
        "workflow_id": "test",
    }


async def test_cancel_delivers_cancelled_error_to_running_async_activity():
    env = ActivityEnvironment()
    task = asyncio.ensure_future(env.run(wait_for_cancel))
    await asyncio.sleep(0.05)
    env.cancel()
    assert await asyncio.wait_for(task, 2) == "cancelled"


@activity.defn
async def why_cancelled() -> str:
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        details = activity.cancellation_details()
        return f"paused={details.paused} cancel_requested={details.cancel_requested}" if details else "no details"
    return "not cancelled"


async def test_cancel_with_details_says_why_as_an_activity_paused_by_an_operator_sees_it():
    env = ActivityEnvironment()
    task = asyncio.ensure_future(env.run(why_cancelled))
    await asyncio.sleep(0.05)
    env.cancel(activity.ActivityCancellationDetails(paused=True))
    assert await asyncio.wait_for(task, 2) == "paused=True cancel_requested=False"


async def test_cancel_uncaught_raises_cancelled_error():
    env = ActivityEnvironment()
    task = asyncio.ensure_future(env.run(wait_for_cancel_uncaught))
    await asyncio.sleep(0.05)
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)
