"""The activity worker: an activity task in, one attempt run, its outcome to the inbox.

Each attempt runs at most once, whatever SQS does: before running, the worker claims the
attempt in the idempotency table (powertools Idempotency's record, keyed by run, activity
and attempt; one conditional write). A second delivery finds the claim: received for
the first time, it is a duplicate of a delivery that is running or done, and is dropped;
received before, the worker that held it died mid-way, and the attempt is reported as a
start-to-close timeout, so the workflow's retry policy runs a *new* attempt instead of
repeating this one's side effects. (Saving each outcome as well would let a redelivery
resend it instead, for one more write per step: a retry is what Temporal does when a
worker dies, and the write is what keeps a step within 8 AWS requests.)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import json
import logging
import time
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError

from durable import _converter, _failure
from durable._activity import context as activity_context
from durable._activity.context import ActivityContext, CompleteAsyncError, Info
from durable._runtime.observability import log_context
from durable._runtime.orchestrator import fifo_dedup, inbox_body, send_to_inbox
from durable._runtime.registry import Registry, UnknownActivityType
from durable._runtime.services import INBOX, Services, execution_key
from durable.common import RetryPolicy
from durable.exceptions import ApplicationError, CancelledError, TimeoutError, TimeoutType

__all__ = ["ActivityWorker"]

logger = logging.getLogger("durable.activity_worker")

_IDEMPOTENCY_TTL = 7 * 24 * 3600

# Deliberately no Lambda context: an IN_PROGRESS record must not expire with the
# invocation, or a redelivery would run a crashed attempt's side effects twice.
warnings.filterwarnings("ignore", message="Couldn't determine the remaining time left")


class _Timeout(Exception):
    def __init__(self, kind: TimeoutType) -> None:
        super().__init__(kind.name)
        self.kind = kind


class ActivityWorker:
    """Runs activity tasks for the task queues in a registry."""

    def __init__(
        self,
        services: Services,
        registry: Registry,
        *,
        executor: concurrent.futures.Executor | None = None,
        heartbeat_throttle: float = 30.0,
        identity: str = "durable-activity-worker",
    ) -> None:
        self.services = services
        self.registry = registry
        self.executor = executor
        self.heartbeat_throttle = heartbeat_throttle
        self.identity = identity
        self._claims = services.idempotency
        self._claims.configure(
            IdempotencyConfig(
                event_key_jmespath="[workflow_id, run_id, seq, attempt]",
                raise_on_no_idempotency_key=True,
                expires_after_seconds=_IDEMPOTENCY_TTL,
            ),
            function_name="activity-attempt",
        )

    def handle(self, task: dict[str, Any], *, receive_count: int = 1) -> None:
        """Run one activity task (at most once per attempt) and report its outcome."""
        with log_context(workflow_id=task["workflow_id"], run_id=task["run_id"], activity_id=task["activity_id"]):
            self._handle(task, receive_count)

    def _handle(self, task: dict[str, Any], receive_count: int) -> None:
        try:
            self._claims.save_inprogress(data=task)
        except IdempotencyItemAlreadyExistsError:
            if receive_count <= 1:
                logger.info("attempt %s of activity %s was delivered twice", task["attempt"], task["activity_id"])
                return
            # Received before and claimed: the worker running it died before it reported.
            # Report the attempt as timed out so a new attempt runs, never this one twice.
            outcome = self._timed_out(TimeoutType.START_TO_CLOSE, task.get("heartbeat_details", []))
        else:
            outcome = self.run_attempt(task)
            self.services.metrics.count("ActivityAttempts")
            if outcome is None:
                # Completed asynchronously: someone else reports. What a worker would enforce
                # on a running attempt, a timer enforces now: the start-to-close timeout, sent
                # under the attempt's own dedup key so only the first outcome counts.
                limit = _attempt_limit(task, self.services.clock.now())
                if limit is not None:
                    timeout = self._timed_out(TimeoutType.START_TO_CLOSE, task.get("heartbeat_details", []))
                    self.services.timers.schedule(
                        self.services.clock.now() + limit,
                        INBOX,
                        inbox_body(
                            task["workflow_id"],
                            task["run_id"],
                            "activity_result",
                            f"act:{task['seq']}:{task['attempt']}",
                            seq=task["seq"],
                            attempt=task["attempt"],
                            identity=self.identity,
                            **timeout,
                        ),
                        group_id=task["workflow_id"],
                        dedup_id=fifo_dedup(task["run_id"], f"act:{task['seq']}:{task['attempt']}:timeout"),
                    )
                return
        send_to_inbox(
            self.services,
            task["workflow_id"],
            task["run_id"],
            "activity_result",
            f"act:{task['seq']}:{task['attempt']}",
            seq=task["seq"],
            attempt=task["attempt"],
            identity=self.identity,
            **outcome,
        )

    # -- one attempt -------------------------------------------------------------------

    def run_attempt(self, task: dict[str, Any]) -> dict[str, Any] | None:
        """Run the attempt; every ending becomes an outcome dict (None: completed asynchronously).

        Claims nothing: :meth:`handle` does, and local activities run through here unclaimed.
        """
        details: list[str] = list(task.get("heartbeat_details", []))
        try:
            definition = self.registry.activity(task["activity_type"], task["task_queue"])
        except UnknownActivityType as err:
            return _failed(ApplicationError(str(err), type="NotFoundError"), details)
        ctx = ActivityContext(self._info(task), heartbeat=lambda d: None)
        last_beat = [time.monotonic()]
        last_write = [0.0]
        hb_timeout = task.get("heartbeat_timeout")
        throttle = min(0.8 * hb_timeout, 60.0) if hb_timeout else self.heartbeat_throttle

        def heartbeat(values: Sequence[Any]) -> None:
            details[:] = _converter.encode_args(list(values))
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
                ctx.request_cancel()
                if not definition.is_async:
                    raise CancelledError("Cancelled")

        ctx._heartbeat = heartbeat
        limit = _attempt_limit(task, self.services.clock.now())
        try:
            args = definition.decode_args(task["input"])
            if definition.is_async:
                result = asyncio.run(self._run_async(definition.fn, args, ctx, limit, hb_timeout, last_beat))
            else:
                result = self._run_sync(
                    definition.fn, args, ctx, limit, self.registry.executor(task["task_queue"]) or self.executor
                )
        except CompleteAsyncError:
            return None
        except _Timeout as t:
            return self._timed_out(t.kind, details)
        except (asyncio.CancelledError, CancelledError) as err:
            if ctx.cancel_requested:
                return {"outcome": "canceled", "heartbeat_details": details}
            return _failed(CancelledError(str(err) or "Cancelled"), details)
        except Exception as err:
            return _failed(err, details)
        try:
            return {"outcome": "completed", "result": _converter.encode(result), "heartbeat_details": details}
        except (TypeError, ValueError) as err:
            return _failed(ApplicationError(str(err), type=type(err).__name__, non_retryable=True), details)

    async def _run_async(
        self,
        fn: Any,
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
        ctx.on_cancel(lambda: loop.call_soon_threadsafe(task.cancel))
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

    def _run_sync(self, fn: Any, args: list[Any], ctx: ActivityContext, limit: float | None, executor: Any) -> Any:
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

    def _timed_out(self, kind: TimeoutType, details: list[str]) -> dict[str, Any]:
        err = TimeoutError(
            f"activity {kind.name.replace('_', '')} timeout",
            type=kind,
            last_heartbeat_details=[_converter.decode(d) for d in details],
        )
        return _failed(err, details)

    def _info(self, task: dict[str, Any]) -> Info:
        def dt(v: float) -> datetime:
            return datetime.fromtimestamp(v, tz=UTC)

        def td(v: float | None) -> timedelta | None:
            return timedelta(seconds=v) if v is not None else None

        return Info(
            activity_id=task["activity_id"],
            activity_type=task["activity_type"],
            attempt=task["attempt"],
            current_attempt_scheduled_time=dt(task["attempt_scheduled_time"]),
            heartbeat_details=[_converter.decode(d) for d in task.get("heartbeat_details", [])],
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
                },
                separators=(",", ":"),
            ).encode(),
            workflow_id=task["workflow_id"],
            workflow_namespace="default",
            workflow_run_id=task["run_id"],
            workflow_type=task["workflow_type"],
            retry_policy=RetryPolicy.from_dict(task["retry_policy"]),
        )


def _attempt_limit(task: dict[str, Any], now: float) -> float | None:
    """Seconds this attempt may run: start-to-close, capped by what schedule-to-close leaves."""
    limits = []
    if task.get("start_to_close_timeout"):
        limits.append(float(task["start_to_close_timeout"]))
    if task.get("schedule_to_close_timeout"):
        limits.append(task["scheduled_time"] + float(task["schedule_to_close_timeout"]) - now)
    return max(0.0, min(limits)) if limits else None


def _failed(err: BaseException, details: list[str]) -> dict[str, Any]:
    return {"outcome": "failed", "failure": _failure.from_exception(err), "heartbeat_details": details}
