"""One attempt of an activity: run the function under its timeouts, turn every ending into an outcome.

Shared by the activity worker (a task from an activity queue, claimed first) and the
local activity runner (an attempt inside the decision that asked for it). Neither claims
nor reports here: the outcome goes back to the caller, which knows where it belongs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import json
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NotRequired, TypedDict

from durable import _converter, _failure
from durable._activity import context as activity_context
from durable._activity.context import ActivityCancellationDetails, ActivityContext, CompleteAsyncError, Info
from durable._conversion.payload_converter import PayloadConverter
from durable._runtime.activity_chain import intercepted
from durable._runtime.activity_pause import PAUSE_ERROR_MESSAGE, PAUSE_ERROR_TYPE
from durable._runtime.registry import Registry, UnknownActivityType
from durable._runtime.services import Services, execution_key
from durable._workers.function_timeout import function_cap
from durable.common import RetryPolicy
from durable.exceptions import ApplicationError, CancelledError, TimeoutError, TimeoutType

__all__ = ["ActivityAttempt", "ActivityTask", "Outcome", "attempt_limit", "timed_out"]


class ActivityTask(TypedDict):
    """An activity task, as the orchestrator sends it to an activity queue."""

    workflow_id: str
    run_id: str
    workflow_type: str
    workflow_task_queue: NotRequired[str]
    seq: int
    activity_id: str
    activity_type: str
    task_queue: str
    input: list[str]
    attempt: int
    heartbeat_details: list[str]
    scheduled_time: float
    attempt_scheduled_time: float
    schedule_to_close_timeout: float | None
    start_to_close_timeout: float | None
    heartbeat_timeout: float | None
    retry_policy: dict[str, Any]
    is_local: NotRequired[bool]
    """A local activity's attempt (run inline by the orchestrator, never queued)."""
    schedule_to_start_timeout: NotRequired[float]
    """Longest wait from ``attempt_scheduled_time`` until the attempt starts."""
    headers: NotRequired[dict[str, str]]
    """What the workflow's outbound interceptors attached (``durable._headers``)."""
    stamp: NotRequired[int]
    """Bumped by an unpause that reset the attempts (absent: 0); see ``durable._runtime.activity_pause``."""
    admitted_at: NotRequired[float]
    """The admission slot its task queue's rate gave it (``durable._workers.rate_limit``)."""


class Outcome(TypedDict):
    """How an attempt ended (the fields of an ``activity_result`` inbox message)."""

    outcome: Literal["completed", "failed", "canceled"]
    result: NotRequired[str]
    failure: NotRequired[dict[str, Any]]
    heartbeat_details: list[str]


class _Timeout(Exception):
    def __init__(self, kind: TimeoutType) -> None:
        super().__init__(kind.name)
        self.kind = kind


class ActivityAttempt:
    """Runs attempts of the activities in a registry."""

    def __init__(
        self,
        services: Services,
        registry: Registry,
        *,
        executor: concurrent.futures.Executor | None = None,
        heartbeat_throttle: float = 30.0,
    ) -> None:
        self.services = services
        self.registry = registry
        self.executor = executor
        self.heartbeat_throttle = heartbeat_throttle

    def run(self, task: ActivityTask) -> Outcome | None:
        """Run the attempt; every ending becomes an outcome (None: completed asynchronously)."""
        details: list[str] = list(task.get("heartbeat_details", []))
        try:
            definition = self.registry.activity(task["activity_type"], task["task_queue"])
        except UnknownActivityType as err:
            return _failed(ApplicationError(str(err), type="NotFoundError"), details)
        if started_too_late(task, self.services.clock.now()):
            return timed_out(TimeoutType.SCHEDULE_TO_START, details)
        converter = definition.data_converter.payload_converter
        ctx = ActivityContext(self._info(task, converter), heartbeat=lambda d: None, payload_converter=converter)
        ctx.runtime_metric_meter = self.services.metrics.meter
        last_beat = [time.monotonic()]
        last_write = [0.0]
        hb_timeout = task.get("heartbeat_timeout")
        throttle = min(0.8 * hb_timeout, 60.0) if hb_timeout else self.heartbeat_throttle

        def heartbeat(values: Sequence[Any]) -> None:
            details[:] = _converter.encode_args(list(values), converter)
            if task.get("is_local"):
                return  # a local activity's attempt has no heartbeat record to keep
            now = time.monotonic()
            last_beat[0] = now
            if now - last_write[0] < throttle:
                return
            last_write[0] = now
            cancel = self.services.executions.record_heartbeat(
                execution_key(task["workflow_id"], task["run_id"]),
                task["activity_id"],
                task["attempt"],
                details,
                self.services.clock.now(),
            )
            if cancel and not ctx.cancel_requested:
                # Cancelled or paused (one flag answers the heartbeat; the record says which).
                beat = self.services.executions.get_heartbeat(
                    execution_key(task["workflow_id"], task["run_id"]), task["activity_id"]
                )
                paused = beat is not None and beat.paused and not beat.cancel_requested
                ctx.cancellation_details = ActivityCancellationDetails(paused=paused, cancel_requested=not paused)
                ctx.request_cancel()
                if not definition.is_async:
                    raise CancelledError("Cancelled")

        ctx._heartbeat = heartbeat
        limit = attempt_limit(task, self.services.clock.now())
        # Deployed, the function's timeout may end the attempt first: stop it before Lambda would.
        cap = function_cap(
            self.registry, task["task_queue"], task["activity_type"], limit, is_local=bool(task.get("is_local"))
        )
        if cap is not None:
            limit = cap.seconds
        executor = self.registry.executor(task["task_queue"]) or self.executor
        interceptors = self.registry.activity_interceptors(task["task_queue"])
        try:
            args = definition.decode_args(task["input"])
            if interceptors:
                # The chain is async whatever the function: it runs as an async attempt would.
                run = intercepted(
                    definition.fn,
                    is_async=definition.is_async,
                    interceptors=interceptors,
                    ctx=ctx,
                    executor=executor,
                    headers=task.get("headers"),
                )
                result = asyncio.run(self._run_async(run, args, ctx, limit, hb_timeout, last_beat))
            elif definition.is_async:
                result = asyncio.run(self._run_async(definition.fn, args, ctx, limit, hb_timeout, last_beat))
            else:
                result = self._run_sync(definition.fn, args, ctx, limit, executor)
        except CompleteAsyncError:
            return None
        except _Timeout as t:
            if cap is not None and t.kind is TimeoutType.START_TO_CLOSE:
                return _failed(cap.error(), details)
            return timed_out(t.kind, details)
        except (asyncio.CancelledError, CancelledError) as err:
            if ctx.cancellation_details is not None and ctx.cancellation_details.paused:
                # As temporalio's worker: a pause's cancel that escapes fails the attempt (retried once unpaused).
                return _failed(ApplicationError(PAUSE_ERROR_MESSAGE, type=PAUSE_ERROR_TYPE), details)
            if ctx.cancel_requested:
                return {"outcome": "canceled", "heartbeat_details": details}
            return _failed(CancelledError(str(err) or "Cancelled"), details)
        except Exception as err:
            return _failed(err, details, converter)
        try:
            return {
                "outcome": "completed",
                "result": _converter.encode(result, converter),
                "heartbeat_details": details,
            }
        except (TypeError, ValueError) as err:
            return _failed(ApplicationError(str(err), type=type(err).__name__, non_retryable=True), details)

    async def _run_async(
        self,
        fn: Callable[..., Coroutine[Any, Any, Any]],
        args: list[Any],
        ctx: ActivityContext,
        limit: float | None,
        hb_timeout: float | None,
        last_beat: list[float],
    ) -> Any:
        token = activity_context.set_current(ctx)
        try:
            task = asyncio.create_task(fn(*args))
        finally:
            activity_context.reset_current(token)
        loop = asyncio.get_running_loop()

        def cancel() -> None:
            loop.call_soon_threadsafe(task.cancel)

        ctx.on_cancel(cancel)
        deadline = time.monotonic() + limit if limit else None
        while True:
            waits = [1.0]
            if deadline is not None:
                waits.append(deadline - time.monotonic())
            if hb_timeout:
                waits.append(last_beat[0] + hb_timeout - time.monotonic())
            done, _ = await asyncio.wait({task}, timeout=max(0.0, min(waits)))
            if done:
                return task.result()
            expired = None
            if deadline is not None and time.monotonic() >= deadline:
                expired = TimeoutType.START_TO_CLOSE
            elif hb_timeout and time.monotonic() >= last_beat[0] + hb_timeout:
                expired = TimeoutType.HEARTBEAT
            if expired is not None:
                task.cancel()
                await asyncio.wait({task}, timeout=1.0)
                raise _Timeout(expired)

    def _run_sync(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        ctx: ActivityContext,
        limit: float | None,
        executor: concurrent.futures.Executor | None,
    ) -> Any:
        token = activity_context.set_current(ctx)
        try:
            if executor is None:
                return fn(*args)
            future = executor.submit(contextvars.copy_context().run, fn, *args)
        finally:
            activity_context.reset_current(token)
        try:
            return future.result(timeout=limit)
        except concurrent.futures.TimeoutError as err:
            # A thread cannot be stopped from outside; it is left to finish on its own.
            raise _Timeout(TimeoutType.START_TO_CLOSE) from err

    def _info(self, task: ActivityTask, converter: PayloadConverter) -> Info:
        def dt(v: float) -> datetime:
            return datetime.fromtimestamp(v, tz=UTC)

        def td(v: float | None) -> timedelta | None:
            return timedelta(seconds=v) if v is not None else None

        return Info(
            activity_id=task["activity_id"],
            activity_type=task["activity_type"],
            attempt=task["attempt"],
            current_attempt_scheduled_time=dt(task["attempt_scheduled_time"]),
            heartbeat_details=_converter.decode_args(task.get("heartbeat_details", []), None, converter),
            heartbeat_timeout=td(task.get("heartbeat_timeout")),
            is_local=bool(task.get("is_local")),
            namespace="default",
            schedule_to_close_timeout=td(task.get("schedule_to_close_timeout")),
            scheduled_time=dt(task["scheduled_time"]),
            start_to_close_timeout=td(task.get("start_to_close_timeout")),
            started_time=dt(self.services.clock.now()),
            task_queue=task["task_queue"],
            task_token=json.dumps(
                {
                    "workflow_id": task["workflow_id"],
                    "run_id": task["run_id"],
                    "seq": task["seq"],
                    "attempt": task["attempt"],
                    "activity_id": task["activity_id"],
                    **({"stamp": task["stamp"]} if task.get("stamp") else {}),
                },
                separators=(",", ":"),
            ).encode(),
            workflow_id=task["workflow_id"],
            workflow_namespace="default",
            workflow_run_id=task["run_id"],
            workflow_type=task["workflow_type"],
            retry_policy=RetryPolicy.from_dict(task["retry_policy"]),
        )


def timed_out(kind: TimeoutType, details: list[str]) -> Outcome:
    """The outcome of an attempt that ran out of time (``details``: its last heartbeat's, kept as encoded)."""
    err = TimeoutError(
        f"activity {kind.name.replace('_', '')} timeout",
        type=kind,
        last_heartbeat_details=_converter.raw_values(details),
    )
    return _failed(err, details, _converter.keep_payloads)


def started_too_late(task: ActivityTask, now: float) -> bool:
    """Whether the attempt waited in its queue longer than its schedule-to-start timeout (it
    then fails without running, as Temporal's server times it out before any worker takes it)."""
    limit = task.get("schedule_to_start_timeout")
    return bool(limit) and now > task["attempt_scheduled_time"] + float(limit or 0)


def attempt_limit(task: ActivityTask, now: float) -> float | None:
    """Seconds this attempt may run: start-to-close, capped by what schedule-to-close leaves."""
    limits = []
    start_to_close = task.get("start_to_close_timeout")
    schedule_to_close = task.get("schedule_to_close_timeout")
    if start_to_close:
        limits.append(float(start_to_close))
    if schedule_to_close:
        limits.append(task["scheduled_time"] + float(schedule_to_close) - now)
    return max(0.0, min(limits)) if limits else None


def _failed(err: BaseException, details: list[str], converter: PayloadConverter | None = None) -> Outcome:
    """The outcome of a failed attempt (the error's details by ``converter``, the activity's)."""
    return {"outcome": "failed", "failure": _failure.from_exception(err, converter), "heartbeat_details": details}
