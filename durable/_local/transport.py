"""The client transport of the local environment: straight into the in-process runtime."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from durable._local.environment import LocalRuntime
from durable._local.schedule_transport import LocalScheduleTransport
from durable._runtime.control import Description, NotStarted, Started, UpdateStatus
from durable._runtime.ports import ExecutionNotFound, ExecutionRecord
from durable._visibility.listing import Count, Page

__all__ = ["LocalTransport"]


class LocalTransport(LocalScheduleTransport):
    """:class:`durable._client.transport.Transport` over a :class:`LocalRuntime`."""

    def __init__(self, runtime: LocalRuntime) -> None:
        self.runtime = runtime
        self._control = runtime.control

    async def start(
        self, *, workflow_type: str, workflow_id: str, task_queue: str, input: list[str], **options: Any
    ) -> str:
        run_id = self._control.start(
            workflow_type=workflow_type, workflow_id=workflow_id, task_queue=task_queue, input=input, **options
        )
        # As Temporal hands the first workflow task to a polling worker at once, wait (a
        # moment) until the first decision ran or found no worker: a signal sent next
        # then meets a started workflow, or joins the first task of one that waits.
        if options.get("cron_schedule"):
            return run_id  # its first task waits for the first tick
        await self._first_task(workflow_id, run_id)
        return run_id

    async def _first_task(self, workflow_id: str, run_id: str) -> None:
        done = self.runtime.backend.notifier.first_task_done
        for _ in range(1000):
            if (workflow_id, run_id) in done:
                break
            await asyncio.sleep(0.001)

    async def signal(
        self, workflow_id: str, run_id: str | None, name: str, input: list[str], *, request_id: str | None = None
    ) -> None:
        self._control.signal(workflow_id, run_id, name, input, request_id=request_id)

    async def cancel(self, workflow_id: str, run_id: str | None, *, request_id: str | None = None) -> None:
        self._control.cancel(workflow_id, run_id, request_id=request_id)

    async def terminate(
        self, workflow_id: str, run_id: str | None, reason: str, details: list[str], *, request_id: str | None = None
    ) -> None:
        self._control.terminate(workflow_id, run_id, reason, details, request_id=request_id)

    async def query(self, workflow_id: str, run_id: str | None, name: str, args: list[str]) -> str:
        # As Temporal does, a query sees what was sent to the run before it (a pending
        # workflow task completes first), and waits for the first task instead of failing.
        await asyncio.get_running_loop().run_in_executor(None, self.runtime.dispatcher.wait_inbox_drained)
        for _ in range(2000):
            try:
                return self._control.query(workflow_id, run_id, name, args)
            except NotStarted:
                await asyncio.sleep(0.005)
        return self._control.query(workflow_id, run_id, name, args)

    async def start_eagerly(self, **options: Any) -> Started:
        # In a thread, as the dispatcher would run it: the first workflow task (local
        # activities included) must not run on the caller's event loop.
        loop = asyncio.get_running_loop()
        started = await loop.run_in_executor(None, lambda: self._control.start_run(request_eager_start=True, **options))
        if started.created and not started.eagerly_started:
            await self._first_task(options["workflow_id"], started.run_id)  # enqueued instead: as start() waits
        return started

    async def update_with_start(
        self,
        *,
        start: dict[str, Any],
        update_id: str,
        name: str,
        input: list[str],
        wait_for: str,
        on_start: Callable[[str], None],
    ) -> UpdateStatus:
        request_id = str(uuid.uuid4())
        workflow_id = start["workflow_id"]
        started = self._control.update_with_start(
            update_id=update_id, request_id=request_id, update_name=name, update_input=input, **start
        )
        on_start(started.run_id)
        return await self._settle_update(workflow_id, started.run_id, update_id, request_id, name, input, wait_for)

    async def update(
        self, workflow_id: str, run_id: str | None, update_id: str, name: str, input: list[str], wait_for: str
    ) -> UpdateStatus:
        request_id = str(uuid.uuid4())
        run = self._control.send_update(workflow_id, run_id, update_id, request_id, name, input)
        return await self._settle_update(workflow_id, run, update_id, request_id, name, input, wait_for)

    async def _settle_update(
        self, workflow_id: str, run: str, update_id: str, request_id: str, name: str, input: list[str], wait_for: str
    ) -> UpdateStatus:
        """Wait until the update sent as attempt 1 reached ``wait_for``, sending it again meanwhile."""
        loop = asyncio.get_running_loop()
        sent_at, attempt, delay = loop.time(), 1, 0.0005
        while True:
            status = self._control.update_status(workflow_id, run, update_id, request_id)
            if status is not None and (status.stage == "COMPLETED" or wait_for == "ACCEPTED"):
                return status
            if status is None and loop.time() - sent_at > _RESEND_AFTER_S:
                # Not decided yet (no worker, a failing task): ask again, as temporalio's client does.
                attempt += 1
                self._control.send_update(workflow_id, run, update_id, request_id, name, input, attempt)
                sent_at = loop.time()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.02)

    async def update_result(self, workflow_id: str, run_id: str | None, update_id: str) -> UpdateStatus:
        run = run_id or self._control.resolve_run(workflow_id, None).run_id
        delay = 0.0005
        while True:
            status = self._control.update_status(workflow_id, run, update_id)
            if status is None:
                raise ExecutionNotFound(f"update {update_id} not found")
            if status.stage == "COMPLETED":
                return status
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.02)

    async def describe(self, workflow_id: str, run_id: str | None) -> Description:
        return self._control.describe(workflow_id, run_id)

    async def history(self, workflow_id: str, run_id: str | None) -> tuple[str, list[dict[str, Any]]]:
        return self._control.history(workflow_id, run_id)

    async def resolve_run(self, workflow_id: str, run_id: str | None) -> ExecutionRecord:
        return self._control.resolve_run(workflow_id, run_id)

    async def report_async_activity(self, task_token: bytes, outcome: dict[str, Any]) -> None:
        self._control.report_async_activity(task_token, outcome)

    async def heartbeat_async_activity(self, task_token: bytes, details: list[str]) -> bool:
        return self._control.heartbeat_async_activity(task_token, details)

    async def list_workflows(self, query: str | None, page_size: int, next_page_token: bytes | None) -> Page:
        return self._control.list_workflows(query, page_size, next_page_token)

    async def count_workflows(self, query: str | None) -> Count:
        return self._control.count_workflows(query)

    async def wait_result(self, workflow_id: str, run_id: str) -> dict[str, Any]:
        await self.runtime.wait_closed(workflow_id, run_id)
        close = self._control.close_event(workflow_id, run_id)
        assert close is not None, "a closed run has a terminal event"
        return close


_RESEND_AFTER_S = 1.0
