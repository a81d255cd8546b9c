"""How a client reaches the engine: one method per operation, each transport's contract.

Two transports implement :class:`Transport`: the in-process one
(:class:`durable._local.transport.LocalTransport`) and the HTTP one
(:class:`durable._http.remote.HttpTransport`); ``mypy --strict`` checks both against it.
Each raises temporalio's exceptions itself, so the client above them translates nothing:

- ``RPCError`` NOT_FOUND: no such workflow or run, or (signal, cancel, terminate,
  update) the run has closed; INVALID_ARGUMENT: a list filter or an argument the engine refuses;
- ``WorkflowAlreadyStartedError``: a start the id policies refuse;
- ``WorkflowQueryFailedError``: a query that has no handler, whose handler raised, or whose
  run cannot be replayed;
- ``PayloadSizeError``: a payload over the engine's limit;
- ``ValueError``: a task token this engine did not issue.

Payloads cross as the converter's JSON text (``durable._converter.encode``), failures as
the engine's failure documents (``durable._failure``), search attributes in their stored
form (``durable._search_attributes.to_stored``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from durable._client.activity_transport import ActivityTransport
from durable._client.schedule_transport import ScheduleTransport
from durable._replay.events import Event
from durable._runtime.control import Description, Started, UpdateStatus
from durable._runtime.reset import ResetRequest
from durable._visibility.listing import Count, Page
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

__all__ = [
    "CloseStatus",
    "FailureDocument",
    "HistoryEvent",
    "ResetRequest",
    "RunOutcome",
    "StartWorkflowInput",
    "StoredSearchAttributes",
    "Transport",
    "UpdateInput",
    "UpdateWaitStage",
]

FailureDocument = dict[str, Any]
"""How something failed, as the engine keeps it (``durable._failure.from_exception``)."""
StoredSearchAttributes = dict[str, dict[str, Any]]
"""Search attributes in stored form: name -> ``{"type": "Keyword", "value": ...}``."""
HistoryEvent = Event
"""One event of a run's history as the engine logs it: ``event_id``, ``event_time``, ``event_type``, ``attributes``."""
UpdateWaitStage = Literal["ACCEPTED", "COMPLETED"]
"""How far an update must get before its call returns (temporalio refuses ADMITTED too)."""
CloseStatus = Literal["COMPLETED", "FAILED", "CANCELED", "TERMINATED", "CONTINUED_AS_NEW", "TIMED_OUT"]


@dataclass(frozen=True)
class StartWorkflowInput:
    """A start, with every option the engine honours."""

    workflow_type: str
    workflow_id: str
    task_queue: str
    args: list[str] = field(default_factory=list)
    id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE
    id_conflict_policy: WorkflowIDConflictPolicy = WorkflowIDConflictPolicy.UNSPECIFIED
    cron_schedule: str = ""
    memo: dict[str, str] = field(default_factory=dict)
    """Encoded payloads by key."""
    search_attributes: StoredSearchAttributes = field(default_factory=dict)
    start_signal: str | None = None
    """Signal-with-start: the signal delivered before the run method starts (or to the running run)."""
    start_signal_args: list[str] = field(default_factory=list)
    request_eager_start: bool = False
    """Decide the first workflow task within the call where the transport can (never with a start signal)."""
    request_id: str | None = None
    """Makes the start idempotent (see :class:`Transport`)."""
    execution_timeout: float | None = None
    """Seconds the whole chain of runs may take (None: no limit)."""
    run_timeout: float | None = None
    """Seconds each run may take (None: the execution timeout)."""
    task_timeout: float | None = None
    """Seconds shown as the workflow task timeout (None: Temporal's 10)."""
    static_summary: str | None = None
    """temporalio's fixed summary of the run, kept on its start event (describe shows it)."""
    static_details: str | None = None
    """temporalio's fixed details of the run, kept on its start event."""
    headers: dict[str, str] = field(default_factory=dict)
    """What interceptors attached (``durable._headers``): with the start event, and a start signal's."""


@dataclass(frozen=True)
class UpdateInput:
    """An update request: its id (the caller's, or one made for it), handler name and arguments."""

    update_id: str
    name: str
    args: list[str]
    wait_for_stage: UpdateWaitStage = "COMPLETED"
    headers: dict[str, str] = field(default_factory=dict)
    """What interceptors attached (``durable._headers``), for the update's handler and validator."""


@dataclass(frozen=True)
class RunOutcome:
    """How a run closed: its status, and the result, failure, successor or termination it closed with."""

    run_id: str
    status: CloseStatus
    result: str | None = None
    """COMPLETED: the encoded result."""
    failure: FailureDocument | None = None
    """FAILED: why."""
    new_execution_run_id: str | None = None
    """CONTINUED_AS_NEW: the next run."""
    reason: str = ""
    """TERMINATED: the reason given."""
    details: list[str] = field(default_factory=list)
    """TERMINATED: the encoded details given."""


class Transport(ScheduleTransport, ActivityTransport, Protocol):
    """How a client reaches the engine.

    ``request_id`` makes a start, signal, cancel or terminate idempotent, as the request id
    temporalio's client puts on each of these requests: sent again with the same id, it
    changes nothing more. A transport makes one per call when none is given, and reuses
    it when it retries the call.
    """

    async def start(self, start: StartWorkflowInput) -> Started:
        """Start a run (or join one: USE_EXISTING, signal-with-start, a repeated request id)."""
        ...

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
        """Send a signal to the run (the latest when ``run_id`` is None), with interceptors' ``headers``."""
        ...

    async def query(
        self, workflow_id: str, run_id: str | None, name: str, args: list[str], *, headers: dict[str, str] | None = None
    ) -> str:
        """Run a query handler (its inbound interceptors see ``headers``); returns its encoded result."""
        ...

    async def start_update(self, workflow_id: str, run_id: str | None, update: UpdateInput) -> UpdateStatus:
        """Send an update; returns once it reached ``update.wait_for_stage`` (a rejection is COMPLETED)."""
        ...

    async def poll_update(self, workflow_id: str, run_id: str | None, update_id: str) -> UpdateStatus:
        """Wait for an update's outcome (COMPLETED).

        Raises:
            RPCError: NOT_FOUND when the run knows no update by that id.
        """
        ...

    async def update_with_start(
        self, start: StartWorkflowInput, update: UpdateInput, *, on_start: Callable[[str], None]
    ) -> UpdateStatus:
        """Start a run with ``update`` in its first workflow task, or (USE_EXISTING) send it to
        the running run; ``on_start`` gets the run id as soon as the transport knows it."""
        ...

    async def cancel(
        self, workflow_id: str, run_id: str | None, *, reason: str = "", request_id: str | None = None
    ) -> None:
        """Request cancellation (``reason`` is kept on the cancel request's event)."""
        ...

    async def terminate(
        self, workflow_id: str, run_id: str | None, reason: str, details: list[str], *, request_id: str | None = None
    ) -> None:
        """Close the run as TERMINATED now."""
        ...

    async def describe(self, workflow_id: str, run_id: str | None) -> Description:
        """The run's record, history length and pending activities."""
        ...

    async def reset(self, workflow_id: str, run_id: str | None, reset: ResetRequest) -> str:
        """Reset the run to a workflow task of its history; the new run's id.

        Raises ``RPCError`` INVALID_ARGUMENT for a point that is not a workflow task, and
        FAILED_PRECONDITION when the workflow id has another running run.
        """
        ...

    async def history(self, workflow_id: str, run_id: str | None) -> tuple[str, list[HistoryEvent]]:
        """The run's id and its events."""
        ...

    async def list_workflows(self, query: str | None, page_size: int, next_page_token: bytes | None) -> Page:
        """One page of the runs matching a list filter, newest start first."""
        ...

    async def count_workflows(self, query: str | None) -> Count:
        """How many runs match a list filter."""
        ...

    async def wait_result(self, workflow_id: str, run_id: str | None) -> RunOutcome:
        """Wait for the run (the latest when ``run_id`` is None) to close; under time
        skipping, time may jump meanwhile. A continue-as-new is an outcome: not followed."""
        ...

    async def complete_async_activity(self, task_token: bytes, result: str) -> None:
        """Complete an activity that called ``raise_complete_async``."""
        ...

    async def fail_async_activity(
        self, task_token: bytes, failure: FailureDocument, heartbeat_details: list[str]
    ) -> None:
        """Fail its attempt (the workflow's retry policy applies)."""
        ...

    async def report_async_activity_cancelled(self, task_token: bytes) -> None:
        """Report that it stopped after a cancel request."""
        ...

    async def heartbeat_async_activity(self, task_token: bytes, details: list[str]) -> bool:
        """Record progress; True when the workflow asked it to cancel."""
        ...
