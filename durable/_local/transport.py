"""The client transport of the local environment: straight into the in-process runtime.

It raises temporalio's exceptions itself (see :mod:`durable._client.transport`): the
engine's ``ExecutionNotFound`` and ``NotRunning`` become ``RPCError`` NOT_FOUND, an invalid
list filter ``RPCError`` INVALID_ARGUMENT, a failed query ``WorkflowQueryFailedError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from durable._client.errors import WorkflowQueryFailedError
from durable._client.transport import (
    FailureDocument,
    HistoryEvent,
    RunOutcome,
    StartWorkflowInput,
    Transport,
    UpdateInput,
)
from durable._local.activity_transport import LocalActivityTransport
from durable._local.environment import LocalRuntime
from durable._local.schedule_transport import LocalScheduleTransport
from durable._replay import events as ev
from durable._replay.events import Event
from durable._replay.instance import QueryFailed, QueryNotFound, WorkflowTaskError
from durable._runtime.control import Description, NotRunning, NotStarted, Started, UpdateStatus, new_request_id
from durable._runtime.deadlines import Timeouts
from durable._runtime.ports import ExecutionNotFound
from durable._runtime.reset import InvalidResetPoint, ResetConflict, ResetRequest
from durable._visibility.listing import Count, Page
from durable._visibility.query import InvalidQuery
from durable.service import RPCError, RPCStatusCode

__all__ = ["LocalTransport", "run_outcome"]


@contextmanager
def _engine_errors() -> Iterator[None]:
    """The engine's refusals as temporalio's client raises them."""
    try:
        yield
    except ExecutionNotFound as err:
        raise RPCError(f"workflow not found: {err}", RPCStatusCode.NOT_FOUND, b"") from err
    except NotRunning as err:
        raise RPCError(str(err), RPCStatusCode.NOT_FOUND, b"") from err
    except (InvalidQuery, InvalidResetPoint) as err:
        raise RPCError(str(err), RPCStatusCode.INVALID_ARGUMENT, b"") from err
    except ResetConflict as err:
        raise RPCError(str(err), RPCStatusCode.FAILED_PRECONDITION, b"") from err


def run_outcome(run_id: str, close: Event) -> RunOutcome:
    """The outcome of a run's terminal event."""
    kind, attrs = close["event_type"], close["attributes"]
    if kind == ev.WORKFLOW_COMPLETED:
        return RunOutcome(run_id, "COMPLETED", result=attrs["result"])
    if kind == ev.WORKFLOW_FAILED:
        return RunOutcome(run_id, "FAILED", failure=attrs["failure"])
    if kind == ev.WORKFLOW_CANCELED:
        return RunOutcome(run_id, "CANCELED")
    if kind == ev.WORKFLOW_CONTINUED_AS_NEW:
        return RunOutcome(run_id, "CONTINUED_AS_NEW", new_execution_run_id=attrs["new_execution_run_id"])
    if kind == ev.WORKFLOW_TIMED_OUT:
        return RunOutcome(run_id, "TIMED_OUT")
    return RunOutcome(run_id, "TERMINATED", reason=attrs.get("reason") or "", details=list(attrs.get("details", [])))


class LocalTransport(LocalScheduleTransport, LocalActivityTransport):
    """:class:`durable._client.transport.Transport` over a :class:`LocalRuntime`."""

    def __init__(self, runtime: LocalRuntime) -> None:
        self.runtime = runtime
        self._control = runtime.control

    async def start(self, start: StartWorkflowInput) -> Started:
        options = _start_options(start)
        if start.request_eager_start and start.start_signal is None:
            # In a thread, as the dispatcher would run it: the first workflow task (local
            # activities included) must not run on the caller's event loop.
            loop = asyncio.get_running_loop()
            started = await loop.run_in_executor(
                None, lambda: self._control.start_run(request_eager_start=True, **options)
            )
            if started.created and not started.eagerly_started:
                await self._first_task(start.workflow_id, started.run_id)  # enqueued instead: as below
            return started
        started = self._control.start_run(**options)
        # As Temporal hands the first workflow task to a polling worker at once, wait (a
        # moment) until the first decision ran or found no worker: a signal sent next
        # then meets a started workflow, or joins the first task of one that waits.
        if not start.cron_schedule:  # a cron run's first task waits for the first tick
            await self._first_task(start.workflow_id, started.run_id)
        return started

    async def _first_task(self, workflow_id: str, run_id: str) -> None:
        done = self.runtime.backend.notifier.first_task_done
        for _ in range(1000):
            if (workflow_id, run_id) in done:
                break
            await asyncio.sleep(0.001)

    async def signal(
        self,
        workflow_id: str,
        run_id: str | None,
        name: str,
        args: list[str],
        *,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        with _engine_errors():
            self._control.signal(workflow_id, run_id, name, args, request_id=request_id, headers=headers)

    async def cancel(
        self, workflow_id: str, run_id: str | None, *, reason: str = "", request_id: str | None = None
    ) -> None:
        with _engine_errors():
            self._control.cancel(workflow_id, run_id, reason, request_id=request_id)

    async def terminate(
        self, workflow_id: str, run_id: str | None, reason: str, details: list[str], *, request_id: str | None = None
    ) -> None:
        with _engine_errors():
            self._control.terminate(workflow_id, run_id, reason, details, request_id=request_id)

    async def reset(self, workflow_id: str, run_id: str | None, reset: ResetRequest) -> str:
        with _engine_errors():
            return self._control.reset(workflow_id, run_id, reset)

    async def query(
        self, workflow_id: str, run_id: str | None, name: str, args: list[str], *, headers: dict[str, str] | None = None
    ) -> str:
        # As Temporal does, a query sees what was sent to the run before it (a pending
        # workflow task completes first), and waits for the first task instead of failing.
        await asyncio.get_running_loop().run_in_executor(None, self.runtime.dispatcher.wait_inbox_drained)
        try:
            with _engine_errors():
                for _ in range(2000):
                    try:
                        return self._control.query(workflow_id, run_id, name, args, headers)
                    except NotStarted:
                        await asyncio.sleep(0.005)
                return self._control.query(workflow_id, run_id, name, args, headers)
        except QueryFailed as err:  # the handler's own message, as temporalio's error carries it
            raise WorkflowQueryFailedError(err.message) from err
        except (QueryNotFound, WorkflowTaskError) as err:
            raise WorkflowQueryFailedError(str(err)) from err

    async def update_with_start(
        self, start: StartWorkflowInput, update: UpdateInput, *, on_start: Callable[[str], None]
    ) -> UpdateStatus:
        request_id = start.request_id or new_request_id()
        options = _start_options(start)
        options.pop("request_id")
        started = self._control.update_with_start(
            update_id=update.update_id,
            request_id=request_id,
            update_name=update.name,
            update_input=update.args,
            update_headers=update.headers,
            **options,
        )
        on_start(started.run_id)
        return await self._settle_update(start.workflow_id, started.run_id, update, request_id)

    async def start_update(self, workflow_id: str, run_id: str | None, update: UpdateInput) -> UpdateStatus:
        request_id = new_request_id()
        with _engine_errors():
            run = self._control.send_update(
                workflow_id, run_id, update.update_id, request_id, update.name, update.args, headers=update.headers
            )
        return await self._settle_update(workflow_id, run, update, request_id)

    async def _settle_update(self, workflow_id: str, run: str, update: UpdateInput, request_id: str) -> UpdateStatus:
        """Wait until the update sent as attempt 1 reached its stage, sending it again meanwhile."""
        loop = asyncio.get_running_loop()
        sent_at, attempt, delay = loop.time(), 1, 0.0005
        with _engine_errors():
            while True:
                status = self._control.update_status(workflow_id, run, update.update_id, request_id)
                if status is not None and (status.stage == "COMPLETED" or update.wait_for_stage == "ACCEPTED"):
                    return status
                if status is None and loop.time() - sent_at > RESEND_UPDATE_AFTER_S:
                    # Not decided yet (no worker, a failing task): ask again, as temporalio's client does.
                    attempt += 1
                    self._control.send_update(
                        workflow_id,
                        run,
                        update.update_id,
                        request_id,
                        update.name,
                        update.args,
                        attempt,
                        headers=update.headers,
                    )
                    sent_at = loop.time()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.02)

    async def poll_update(self, workflow_id: str, run_id: str | None, update_id: str) -> UpdateStatus:
        delay = 0.0005
        with _engine_errors():
            run = run_id or self._control.resolve_run(workflow_id, None).run_id
            while True:
                status = self._control.update_status(workflow_id, run, update_id)
                if status is None:
                    raise RPCError(f"update {update_id} not found", RPCStatusCode.NOT_FOUND, b"")
                if status.stage == "COMPLETED":
                    return status
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.02)

    async def describe(self, workflow_id: str, run_id: str | None) -> Description:
        with _engine_errors():
            return self._control.describe(workflow_id, run_id)

    async def history(self, workflow_id: str, run_id: str | None) -> tuple[str, list[HistoryEvent]]:
        with _engine_errors():
            return self._control.history(workflow_id, run_id)

    async def complete_async_activity(self, task_token: bytes, result: str) -> None:
        self._control.report_async_activity(task_token, {"outcome": "completed", "result": result})

    async def fail_async_activity(
        self, task_token: bytes, failure: FailureDocument, heartbeat_details: list[str]
    ) -> None:
        outcome = {"outcome": "failed", "failure": failure, "heartbeat_details": heartbeat_details}
        self._control.report_async_activity(task_token, outcome)

    async def report_async_activity_cancelled(self, task_token: bytes) -> None:
        self._control.report_async_activity(task_token, {"outcome": "canceled"})

    async def heartbeat_async_activity(self, task_token: bytes, details: list[str]) -> bool:
        return self._control.heartbeat_async_activity(task_token, details)

    async def list_workflows(self, query: str | None, page_size: int, next_page_token: bytes | None) -> Page:
        with _engine_errors():
            return self._control.list_workflows(query, page_size, next_page_token)

    async def count_workflows(self, query: str | None) -> Count:
        with _engine_errors():
            return self._control.count_workflows(query)

    async def wait_result(self, workflow_id: str, run_id: str | None) -> RunOutcome:
        with _engine_errors():
            run = run_id or self._control.resolve_run(workflow_id, None).run_id
        await self.runtime.wait_closed(workflow_id, run)
        close = self._control.close_event(workflow_id, run)
        assert close is not None, "a closed run has a terminal event"
        return run_outcome(run, close)


def _start_options(start: StartWorkflowInput) -> dict[str, Any]:
    """``Control.start_run``'s arguments of a start."""
    signalled = start.start_signal is not None
    return {
        "workflow_type": start.workflow_type,
        "workflow_id": start.workflow_id,
        "task_queue": start.task_queue,
        "input": start.args,
        "id_reuse_policy": start.id_reuse_policy,
        "id_conflict_policy": start.id_conflict_policy,
        "start_signal": start.start_signal,
        "start_signal_input": start.start_signal_args if signalled else None,
        "cron_schedule": start.cron_schedule,
        "memo": start.memo or None,
        "search_attributes": start.search_attributes or None,
        "request_id": start.request_id,
        "timeouts": Timeouts(execution=start.execution_timeout, run=start.run_timeout, task=start.task_timeout),
        "static_summary": start.static_summary,
        "static_details": start.static_details,
        "headers": start.headers or None,
    }


RESEND_UPDATE_AFTER_S = 1.0
"""How long an update request waits to be decided before it is sent again."""

_: type[Transport] = LocalTransport  # mypy checks that LocalTransport implements Transport
