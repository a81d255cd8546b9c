"""How a client reaches the engine: one method per operation, each transport's contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from durable._client.schedule_transport import ScheduleTransport
from durable._runtime.control import Description, Started, UpdateStatus
from durable._runtime.ports import ExecutionRecord
from durable._visibility.listing import Count, Page
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy


class Transport(ScheduleTransport, Protocol):
    """How a client reaches the engine.

    ``request_id`` makes a start, signal, cancel or terminate idempotent, as the request id
    temporalio's client puts on each of these requests: sent again with the same id, it
    changes nothing more. A transport makes one per call when none is given, and reuses
    it when it retries the call.
    """

    async def start(
        self,
        *,
        workflow_type: str,
        workflow_id: str,
        task_queue: str,
        input: list[str],
        id_reuse_policy: WorkflowIDReusePolicy,
        id_conflict_policy: WorkflowIDConflictPolicy,
        start_signal: str | None,
        start_signal_input: list[str] | None,
        cron_schedule: str = "",
        memo: dict[str, str] | None = None,
        search_attributes: dict[str, dict[str, Any]] | None = None,
        request_id: str | None = None,
    ) -> str: ...
    async def signal(
        self, workflow_id: str, run_id: str | None, name: str, input: list[str], *, request_id: str | None = None
    ) -> None: ...
    async def cancel(self, workflow_id: str, run_id: str | None, *, request_id: str | None = None) -> None: ...
    async def terminate(
        self, workflow_id: str, run_id: str | None, reason: str, details: list[str], *, request_id: str | None = None
    ) -> None: ...
    async def query(self, workflow_id: str, run_id: str | None, name: str, args: list[str]) -> str: ...
    async def describe(self, workflow_id: str, run_id: str | None) -> Description: ...
    async def history(self, workflow_id: str, run_id: str | None) -> tuple[str, list[dict[str, Any]]]: ...
    async def resolve_run(self, workflow_id: str, run_id: str | None) -> ExecutionRecord: ...
    async def update(
        self, workflow_id: str, run_id: str | None, update_id: str, name: str, input: list[str], wait_for: str
    ) -> UpdateStatus: ...
    async def update_result(self, workflow_id: str, run_id: str | None, update_id: str) -> UpdateStatus: ...
    async def start_eagerly(self, **start: Any) -> Started:
        """:meth:`start` (same arguments) whose first workflow task runs within the call where it can."""
        ...

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
        """Start (``start`` as :meth:`start` takes it, with a conflict policy) with an update
        in the first workflow task, or update the running run; ``on_start`` gets the run id
        as soon as the run is known, before the update reaches ``wait_for``."""
        ...

    async def wait_result(self, workflow_id: str, run_id: str) -> dict[str, Any]: ...
    async def report_async_activity(self, task_token: bytes, outcome: dict[str, Any]) -> None: ...
    async def heartbeat_async_activity(self, task_token: bytes, details: list[str]) -> bool: ...
    async def list_workflows(self, query: str | None, page_size: int, next_page_token: bytes | None) -> Page: ...
    async def count_workflows(self, query: str | None) -> Count: ...
