"""The client: start workflows and work with their handles (temporalio's ``client``).

A :class:`Client` talks to the engine through a transport: in-process for the local
environment (``WorkflowEnvironment.client``), or the HTTP API of a deployed stack or of
the dev server (``await Client.connect(url)``, :mod:`durable._http.remote`).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any, Generic, Protocol, TypeVar

from durable import _converter, _failure, _schedule
from durable._limits import InvalidIdError, check_id
from durable._replay import events as ev
from durable._replay.definition import WorkflowDefinition, query_definition, signal_name, update_definition
from durable._replay.instance import QueryFailed, QueryNotFound, WorkflowTaskError
from durable._runtime.control import Description, NotRunning, Started, UpdateStatus
from durable._runtime.ports import ExecutionNotFound, ExecutionRecord
from durable._schedule import Schedule, ScheduleAsyncIterator, ScheduleBackfill, ScheduleHandle
from durable._schedules.cron import CronExpression, InvalidCronExpression
from durable._search_attributes import SearchAttributes, TypedSearchAttributes, from_stored, to_stored, untyped
from durable._visibility.listing import Count, Page
from durable._visibility.query import InvalidQuery
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy, _arg_or_args, _arg_unset
from durable.exceptions import CancelledError, TemporalError, TerminatedError
from durable.service import RPCError, RPCStatusCode, TLSConfig

__all__ = [
    "AsyncActivityCancelledError",
    "AsyncActivityHandle",
    "Client",
    "PendingActivityInfo",
    "PendingActivityState",
    "RPCTimeoutOrCancelledError",
    "Transport",
    "WithStartWorkflowOperation",
    "WorkflowContinuedAsNewError",
    "WorkflowExecution",
    "WorkflowExecutionAsyncIterator",
    "WorkflowExecutionCount",
    "WorkflowExecutionCountAggregationGroup",
    "WorkflowExecutionDescription",
    "WorkflowExecutionStatus",
    "WorkflowFailureError",
    "WorkflowHandle",
    "WorkflowHistory",
    "WorkflowQueryFailedError",
    "WorkflowUpdateFailedError",
    "WorkflowUpdateHandle",
    "WorkflowUpdateRPCTimeoutOrCancelledError",
    "WorkflowUpdateStage",
]

ReturnType = TypeVar("ReturnType")
SelfType = TypeVar("SelfType")


class WorkflowExecutionStatus(IntEnum):
    """Status of a workflow execution (temporalio's values)."""

    RUNNING = 1
    COMPLETED = 2
    FAILED = 3
    CANCELED = 4
    TERMINATED = 5
    CONTINUED_AS_NEW = 6
    TIMED_OUT = 7


class WorkflowFailureError(TemporalError):
    """The workflow did not complete successfully; ``cause`` says how it ended."""

    def __init__(self, *, cause: BaseException) -> None:
        super().__init__("Workflow execution failed")
        self.__cause__ = cause


class WorkflowContinuedAsNewError(TemporalError):
    """The run continued as new and ``result(follow_runs=False)`` was asked."""

    def __init__(self, new_execution_run_id: str) -> None:
        super().__init__("Workflow continued as new")
        self._new_execution_run_id = new_execution_run_id

    @property
    def new_execution_run_id(self) -> str:
        """The run it continued as."""
        return self._new_execution_run_id


class WorkflowQueryFailedError(TemporalError):
    """A query failed (unknown name, handler raised, run not replayable)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self._message = message

    @property
    def message(self) -> str:
        """Why it failed."""
        return self._message


class WorkflowUpdateFailedError(TemporalError):
    """An update was rejected (its validator raised) or its handler failed; see ``cause``."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__("Workflow update failed")
        self.__cause__ = cause

    @property
    def cause(self) -> BaseException:
        """Why the update failed."""
        assert self.__cause__
        return self.__cause__


class RPCTimeoutOrCancelledError(TemporalError):
    """A client call timed out or was cancelled."""


class WorkflowUpdateRPCTimeoutOrCancelledError(RPCTimeoutOrCancelledError):
    """Waiting for an update timed out or was cancelled (the update itself goes on)."""

    def __init__(self) -> None:
        super().__init__("Timeout or cancellation waiting for update")


class WorkflowUpdateStage(IntEnum):
    """How far an update must get before ``start_update`` returns (temporalio's values)."""

    ADMITTED = 1
    ACCEPTED = 2
    COMPLETED = 3


class PendingActivityState(IntEnum):
    """State of a pending activity (temporalio's values)."""

    SCHEDULED = 1
    STARTED = 2
    CANCEL_REQUESTED = 3


@dataclass(frozen=True)
class PendingActivityInfo:
    """An activity that has not reached its final outcome, as ``describe()`` reports it."""

    activity_id: str
    activity_type: str
    attempt: int
    state: PendingActivityState
    scheduled_time: datetime
    last_failure: BaseException | None
    heartbeat_details: Sequence[Any]
    last_heartbeat_time: datetime | None


@dataclass(frozen=True)
class WorkflowExecution:
    """One run, as ``list_workflows`` returns it (and ``describe`` extends it)."""

    id: str
    run_id: str
    workflow_type: str
    task_queue: str
    status: WorkflowExecutionStatus | None
    start_time: datetime
    close_time: datetime | None
    execution_time: datetime | None
    history_length: int
    parent_id: str | None = None
    parent_run_id: str | None = None
    namespace: str = "default"
    root_id: str | None = None
    root_run_id: str | None = None
    search_attributes: SearchAttributes = field(default_factory=dict)
    """The search attributes in the older untyped form (deprecated in temporalio)."""
    typed_search_attributes: TypedSearchAttributes = TypedSearchAttributes.empty
    """The run's search attributes."""
    _memo: Mapping[str, str] = field(default_factory=dict, repr=False)

    async def memo(self) -> Mapping[str, Any]:
        """The memo, each value decoded without a type hint (a dataclass comes back a dict)."""
        return {key: _converter.decode(payload) for key, payload in self._memo.items()}

    async def memo_value(self, key: str, default: Any = _arg_unset, *, type_hint: type | None = None) -> Any:
        """One memo value, decoded with ``type_hint``.

        Raises:
            KeyError: no such key and no default.
        """
        if key not in self._memo:
            if default is _arg_unset:
                raise KeyError(f"Memo does not have a value for key {key}")
            return default
        return _converter.decode(self._memo[key], type_hint)


def _execution_fields(record: ExecutionRecord, namespace: str) -> dict[str, Any]:
    """A run's record as the fields of :class:`WorkflowExecution`."""
    return dict(
        id=record.workflow_id,
        run_id=record.run_id,
        workflow_type=record.workflow_type,
        task_queue=record.task_queue,
        status=WorkflowExecutionStatus[record.status],
        start_time=_dt(record.start_time),
        close_time=_dt(record.close_time) if record.close_time else None,
        execution_time=_dt(record.start_time),
        history_length=record.history_length,
        namespace=namespace,
        search_attributes=untyped(record.search_attributes),
        typed_search_attributes=from_stored(record.search_attributes),
        _memo=dict(record.memo),
    )


@dataclass
class WorkflowExecutionCountAggregationGroup:
    """The count of one group of a ``GROUP BY`` count."""

    count: int
    group_values: Sequence[Any]
    """The group's values (the status name for ``GROUP BY ExecutionStatus``)."""


@dataclass
class WorkflowExecutionCount:
    """What ``count_workflows`` returns."""

    count: int
    groups: Sequence[WorkflowExecutionCountAggregationGroup]
    """Per group with ``GROUP BY ExecutionStatus``; empty otherwise."""


class WorkflowExecutionAsyncIterator:
    """The runs a ``list_workflows`` filter matches, page by page (use ``async for``)."""

    def __init__(
        self, client: Client, query: str | None, *, limit: int | None, page_size: int, next_page_token: bytes | None
    ) -> None:
        self._client = client
        self._query = query
        self._limit = limit
        self._page_size = page_size
        self._next_page_token = next_page_token
        self._current_page: Sequence[WorkflowExecution] | None = None
        self._current_page_index = 0
        self._yielded = 0

    @property
    def current_page_index(self) -> int:
        """Index in the current page of the run the next ``__anext__`` returns."""
        return self._current_page_index

    @property
    def current_page(self) -> Sequence[WorkflowExecution] | None:
        """The page fetched last, if any."""
        return self._current_page

    @property
    def next_page_token(self) -> bytes | None:
        """Token of the next page, None when there is none."""
        return self._next_page_token

    async def fetch_next_page(self, *, page_size: int | None = None) -> None:
        """Fetch the next page.

        Raises:
            RPCError: INVALID_ARGUMENT when the query (or the token) is not valid.
        """
        page_size = page_size or self._page_size
        if self._limit is not None and self._limit - self._yielded < page_size:
            page_size = self._limit - self._yielded
        page: Page = await _rpc(self._client._transport.list_workflows(self._query, page_size, self._next_page_token))
        namespace = self._client.namespace
        self._current_page = [WorkflowExecution(**_execution_fields(r, namespace)) for r in page.executions]
        self._current_page_index = 0
        self._next_page_token = page.next_page_token or None

    def __aiter__(self) -> WorkflowExecutionAsyncIterator:
        return self

    async def __anext__(self) -> WorkflowExecution:
        if self._limit is not None and self._yielded >= self._limit:
            raise StopAsyncIteration
        while True:
            if self._current_page is None:
                await self.fetch_next_page()
                continue
            if self._current_page_index >= len(self._current_page):
                if self._next_page_token is not None:
                    await self.fetch_next_page()
                    continue
                raise StopAsyncIteration
            execution = self._current_page[self._current_page_index]
            self._current_page_index += 1
            self._yielded += 1
            return execution

    async def map_histories(self, **_: Any) -> Any:
        """Each listed run's history (``fetch_history`` of each)."""
        async for execution in self:
            yield await self._client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()


@dataclass(frozen=True)
class WorkflowExecutionDescription(WorkflowExecution):
    """What ``handle.describe()`` returns."""

    pending_activities: Sequence[PendingActivityInfo] = ()
    workflow_task_failure: BaseException | None = None
    """The last failure of a workflow task that is being retried (non-determinism, a bug)."""


@dataclass
class WorkflowHistory:
    """A run's events; ``to_json`` / ``from_json`` round-trip them (for replay tests)."""

    workflow_id: str
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        """Run id from the start event."""
        for e in self.events:
            if e["event_type"] == ev.WORKFLOW_STARTED:
                return str(e["attributes"]["run_id"])
        raise ValueError("history has no WorkflowExecutionStarted event")

    def to_json_dict(self) -> dict[str, Any]:
        """The history as Temporal's history JSON (``{"events": [{"eventId": "1", "eventType": ...}]}``),
        as ``temporal workflow show -o json`` prints it; see :mod:`durable._history`."""
        from durable._history import events_to_temporal

        return {"events": events_to_temporal(self.events)}

    def to_json(self) -> str:
        """The history as Temporal's history JSON text (without the workflow id, as temporalio)."""
        return json.dumps(self.to_json_dict(), indent=2)

    @staticmethod
    def from_json(workflow_id: str, history: str | dict[str, Any]) -> WorkflowHistory:
        """A history from Temporal's history JSON (a cluster's export or :meth:`to_json`), or
        from durable's own forms (the HTTP API's and the CLI's ``--json``, the event log's).

        Raises:
            ValueError: the history holds what durable cannot replay (another SDK's marker,
                a Nexus operation, an encrypted payload).
        """
        from durable._history import events_from_json

        data = json.loads(history) if isinstance(history, str) else history
        return WorkflowHistory(workflow_id=workflow_id, events=events_from_json(data, workflow_id))


class Transport(Protocol):
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
    async def schedule(self, op: str, schedule_id: str | None, body: dict[str, Any]) -> Any: ...
    async def report_async_activity(self, task_token: bytes, outcome: dict[str, Any]) -> None: ...
    async def heartbeat_async_activity(self, task_token: bytes, details: list[str]) -> bool: ...
    async def list_workflows(self, query: str | None, page_size: int, next_page_token: bytes | None) -> Page: ...
    async def count_workflows(self, query: str | None) -> Count: ...


class Client:
    """Starts workflows and returns handles to them."""

    def __init__(self, transport: Transport, *, namespace: str = "default") -> None:
        self._transport = transport
        self._namespace = namespace

    @classmethod
    async def connect(
        cls,
        target_host: str,
        *,
        namespace: str = "default",
        lazy: bool = False,
        identity: str | None = None,
        connect_timeout: timedelta | None = None,
        credentials: Any = None,
        region: str | None = None,
        api_key: str | None = None,
        tls: bool | TLSConfig | None = None,
        rpc_metadata: Mapping[str, str] = {},
        **unsupported: Any,
    ) -> Client:
        """A client of a deployed stack's HTTP API, or of the dev server.

        ``Client.connect(**ClientConfig.load_client_connect_config())`` (:mod:`durable.envconfig`)
        connects with a profile's address, namespace, TLS and metadata.

        Args:
            target_host: the API's URL: a stage URL from the stack's outputs
                (``https://abc123.execute-api.eu-west-1.amazonaws.com/prod``), or the dev
                server (``http://127.0.0.1:8233``, or temporal's ``host:port`` form).
                Requests to a host that is not loopback are signed with SigV4.
            namespace: the namespace (one per deployed stack: the URL chooses it).
            lazy: do not check the API is reachable now (the first call will tell).
            credentials: botocore credentials to sign with (default: the boto3 session's).
            region: the API's region (default: from the URL, else the boto3 session's).
            api_key: refused: a stack's API takes SigV4-signed requests of IAM principals
                and the dev server takes no credentials; nothing would check a key.
            tls: True for https, False for http, a :class:`durable.service.TLSConfig` for
                https with a private CA, a client certificate (mutual TLS, as API Gateway's
                custom domains can require) or a server name; None (the default, where
                temporalio's is False): as the URL's scheme says. A URL whose scheme
                contradicts it is a ValueError.
            rpc_metadata: HTTP headers sent with every request (text values only).

        Raises:
            RPCError: the API cannot be reached (UNAVAILABLE) or refused the credentials.
            NotImplementedError: an api_key, or a TLS setting durable cannot honour.
            ValueError: a tls that contradicts the URL, or metadata that cannot be a header.
        """
        from durable._http.remote import HttpTransport

        _refuse(unsupported)
        del identity
        timeout = connect_timeout.total_seconds() if connect_timeout else None
        transport = HttpTransport(
            target_host, credentials=credentials, region=region, api_key=api_key, tls=tls, rpc_metadata=rpc_metadata
        )
        if not lazy:
            await transport.check(timeout=timeout)
        return cls(transport, namespace=namespace)

    @property
    def namespace(self) -> str:
        """The namespace (one per deployed stack)."""
        return self._namespace

    async def start_workflow(
        self,
        workflow: Any,
        arg: Any = _arg_unset,
        *,
        id: str,
        task_queue: str,
        args: Sequence[Any] = (),
        result_type: type | None = None,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = WorkflowIDConflictPolicy.UNSPECIFIED,
        start_signal: str | None = None,
        start_signal_args: Sequence[Any] = (),
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
        request_eager_start: bool = False,
        **unsupported: Any,
    ) -> WorkflowHandle[Any]:
        """Start a workflow and return its handle.

        Args:
            workflow: the ``@workflow.run`` method, the class, or a workflow type name.
            arg: the single argument; or ``args`` for several.
            id: the workflow id (unique among running workflows).
            task_queue: the task queue whose worker has the workflow registered.
            result_type: the type to decode the result into (for workflows given by name).
            id_reuse_policy: whether a closed run's id may be used again (and by which).
            id_conflict_policy: what to do when a run with the id is running: FAIL (the
                default), USE_EXISTING (return its handle), TERMINATE_EXISTING.
            start_signal: signal-with-start: a signal delivered before the run method starts,
                or to the running run of that id instead of starting a new one.
            start_signal_args: the signal's arguments.
            cron_schedule: a cron expression (UTC unless ``CRON_TZ=``): the first run starts
                at the next tick, and each run that completes or fails is followed by a new
                run of the same id at the tick after; cancel or terminate ends the chain.
            memo: values kept with the run (``workflow.memo()``, ``describe()``, listings).
            search_attributes: typed search attributes (or temporalio's older dict form)
                that ``list_workflows`` filters on; ``workflow.upsert_search_attributes``
                changes them.
            request_eager_start: run the first workflow task within this call, where that
                saves a round trip (in process, and on the API that serves the start):
                the start returns with the first commands dispatched. The handle's
                ``__temporal_eagerly_started`` attribute says whether it did, as temporalio's.

        Raises:
            WorkflowAlreadyStartedError: a workflow with this id is running.
            RPCError: ``cron_schedule`` is not a valid cron expression (INVALID_ARGUMENT).
            PayloadSizeError / TypeError: an argument or memo value cannot be sent, or a
                search attribute's value does not fit its key's type.
        """
        _refuse(unsupported)
        del execution_timeout, run_timeout, task_timeout
        name, hint = WorkflowDefinition.name_and_result_hint(workflow)
        options = _start_options(
            name,
            _arg_or_args(arg, args),
            id=id,
            task_queue=task_queue,
            id_reuse_policy=id_reuse_policy,
            id_conflict_policy=id_conflict_policy,
            cron_schedule=cron_schedule,
            memo=memo,
            search_attributes=search_attributes,
        )
        options["start_signal"] = signal_name(start_signal) if start_signal is not None else None
        options["start_signal_input"] = (
            _converter.encode_args(list(start_signal_args)) if start_signal is not None else None
        )
        eagerly_started = False
        if request_eager_start and start_signal is None:  # temporalio's signal-with-start is never eager
            started = await self._transport.start_eagerly(**options)
            run_id, eagerly_started = started.run_id, started.eagerly_started
        else:
            run_id = await self._transport.start(**options)
        handle: WorkflowHandle[Any] = WorkflowHandle(
            self, id, run_id=None, result_run_id=run_id, first_execution_run_id=run_id, result_type=result_type or hint
        )
        # temporalio's own spelling: an attribute named "__temporal_eagerly_started", set on
        # each handle a start returns (read it with getattr).
        setattr(handle, "__temporal_eagerly_started", eagerly_started)
        return handle

    async def execute_workflow(self, workflow: Any, arg: Any = _arg_unset, **kwargs: Any) -> Any:
        """Start a workflow and wait for its result."""
        return await (await self.start_workflow(workflow, arg, **kwargs)).result()

    def get_workflow_handle(
        self,
        workflow_id: str,
        *,
        run_id: str | None = None,
        first_execution_run_id: str | None = None,
        result_type: type | None = None,
    ) -> WorkflowHandle[Any]:
        """A handle to an existing workflow (its latest run unless ``run_id`` is given)."""
        return WorkflowHandle(
            self,
            workflow_id,
            run_id=run_id,
            result_run_id=run_id,
            first_execution_run_id=first_execution_run_id,
            result_type=result_type,
        )

    async def execute_update_with_start_workflow(
        self,
        update: Any,
        arg: Any = _arg_unset,
        *,
        start_workflow_operation: WithStartWorkflowOperation[Any, Any],
        args: Sequence[Any] = (),
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Any = None,
        rpc_timeout: timedelta | None = None,
    ) -> Any:
        """Send an update-with-start and wait for the update's result.

        One request: if the operation's workflow id does not run, a run starts and the
        update reaches its first workflow task, together with the start; if it runs,
        USE_EXISTING sends the update to it and FAIL raises. An update id that the latest
        run already knows returns that update's outcome.

        Raises:
            WorkflowUpdateFailedError: the validator rejected the update or its handler failed
                (the operation's handle still resolves: the run was started).
            WorkflowAlreadyStartedError: FAIL and the id runs, or the reuse policy refuses it.
            WorkflowUpdateRPCTimeoutOrCancelledError: ``rpc_timeout`` passed, or the call was cancelled.
        """
        handle = await self._start_update_with_start(
            update,
            arg,
            args=args,
            start_workflow_operation=start_workflow_operation,
            wait_for_stage=WorkflowUpdateStage.COMPLETED,
            id=id,
            result_type=result_type,
            rpc_timeout=rpc_timeout,
        )
        return await handle.result()

    async def start_update_with_start_workflow(
        self,
        update: Any,
        arg: Any = _arg_unset,
        *,
        start_workflow_operation: WithStartWorkflowOperation[Any, Any],
        wait_for_stage: WorkflowUpdateStage,
        args: Sequence[Any] = (),
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Any = None,
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowUpdateHandle[Any]:
        """Send an update-with-start and return the update's handle once it reached
        ``wait_for_stage`` (ACCEPTED or COMPLETED); see :meth:`execute_update_with_start_workflow`.

        Raises:
            ValueError: ``wait_for_stage`` is ADMITTED (temporalio does not support it either).
            RuntimeError: the operation was used before.
            WorkflowAlreadyStartedError: FAIL and the id runs, or the reuse policy refuses it.
        """
        return await self._start_update_with_start(
            update,
            arg,
            args=args,
            start_workflow_operation=start_workflow_operation,
            wait_for_stage=wait_for_stage,
            id=id,
            result_type=result_type,
            rpc_timeout=rpc_timeout,
        )

    async def _start_update_with_start(
        self,
        update: Any,
        arg: Any,
        *,
        args: Sequence[Any],
        start_workflow_operation: WithStartWorkflowOperation[Any, Any],
        wait_for_stage: WorkflowUpdateStage,
        id: str | None,
        result_type: type | None,
        rpc_timeout: timedelta | None,
    ) -> WorkflowUpdateHandle[Any]:
        if wait_for_stage == WorkflowUpdateStage.ADMITTED:
            raise ValueError("ADMITTED wait stage not supported")
        op = start_workflow_operation
        if op._used:
            raise RuntimeError("WithStartWorkflowOperation cannot be reused")
        op._used = True
        future = op._future()
        name, hint = update_definition(update)
        update_id = id or str(uuid.uuid4())

        def on_start(run_id: str) -> None:
            if not future.done():
                future.set_result(
                    WorkflowHandle(
                        self, op._id, result_run_id=run_id, first_execution_run_id=run_id, result_type=op._result_type
                    )
                )

        try:
            status = await _update_rpc(
                self._transport.update_with_start(
                    start=op._options(),
                    update_id=update_id,
                    name=name,
                    input=_converter.encode_args(_arg_or_args(arg, args)),
                    wait_for=wait_for_stage.name,
                    on_start=on_start,
                ),
                rpc_timeout,
            )
        except BaseException as err:
            if not future.done():
                future.set_exception(err)
            raise
        handle: WorkflowUpdateHandle[Any] = WorkflowUpdateHandle(
            self, update_id, op._id, workflow_run_id=status.run_id, result_type=result_type or hint
        )
        if status.stage == "COMPLETED":
            handle._known = status
        return handle

    def list_workflows(
        self,
        query: str | None = None,
        *,
        limit: int | None = None,
        page_size: int = 1000,
        next_page_token: bytes | None = None,
        rpc_metadata: Any = None,
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowExecutionAsyncIterator:
        """The runs matching a Temporal list filter, newest start first; nothing is read
        until the first iteration (so a bad query raises there).

        Args:
            query: a list filter (``WorkflowType = 'Order' AND ExecutionStatus = 'Running'``),
                on WorkflowId, RunId, WorkflowType, TaskQueue, ExecutionStatus, StartTime,
                CloseTime, ExecutionTime, HistoryLength and custom search attributes;
                None lists every run (earlier runs of an id included).
            limit: the most runs the iterator yields.
            page_size: the most runs per page.
            next_page_token: resume a listing where a page's token says.
        """
        del rpc_metadata, rpc_timeout
        return WorkflowExecutionAsyncIterator(
            self, query, limit=limit, page_size=page_size, next_page_token=next_page_token
        )

    async def count_workflows(
        self, query: str | None = None, rpc_metadata: Any = None, rpc_timeout: timedelta | None = None
    ) -> WorkflowExecutionCount:
        """How many runs match a list filter; ``GROUP BY ExecutionStatus`` counts per status.

        Raises:
            RPCError: INVALID_ARGUMENT when the query is not valid.
        """
        del rpc_metadata, rpc_timeout
        counted: Count = await _rpc(self._transport.count_workflows(query))
        groups = [
            WorkflowExecutionCountAggregationGroup(count=n, group_values=[status])
            for status, n in counted.groups.items()
        ]
        return WorkflowExecutionCount(count=counted.count, groups=groups)

    def get_async_activity_handle(self, *, task_token: bytes) -> AsyncActivityHandle:
        """A handle to complete, fail or heartbeat an activity that called ``raise_complete_async``."""
        return AsyncActivityHandle(self, task_token)

    async def create_schedule(
        self,
        id: str,
        schedule: Schedule,
        *,
        trigger_immediately: bool = False,
        backfill: Sequence[ScheduleBackfill] = (),
        memo: Mapping[str, Any] | None = None,
        search_attributes: Any = None,
        **_: Any,
    ) -> ScheduleHandle:
        """Create a schedule and return its handle.

        Args:
            id: the schedule's id (unique).
            schedule: what it starts, when (cron expressions, intervals), its policies and state.
            trigger_immediately: take one action now as well.
            memo: the schedule's memo (shown by ``describe()``).

        Raises:
            ScheduleAlreadyRunningError: a schedule with this id exists.
            RPCError: the spec cannot fire (INVALID_ARGUMENT), e.g. a bad cron expression.
        """
        return await _schedule.create_schedule(
            self,
            id,
            schedule,
            trigger_immediately=trigger_immediately,
            backfill=backfill,
            memo=memo,
            search_attributes=search_attributes,
        )

    def get_schedule_handle(self, id: str) -> ScheduleHandle:
        """A handle to an existing schedule."""
        return ScheduleHandle(self, id)

    async def list_schedules(
        self, query: str | None = None, *, page_size: int = 1000, **_: Any
    ) -> ScheduleAsyncIterator:
        """Every schedule, for ``async for``."""
        return ScheduleAsyncIterator(self, query, page_size)

    def get_workflow_handle_for(self, workflow: Any, workflow_id: str, **kwargs: Any) -> WorkflowHandle[Any]:
        """:meth:`get_workflow_handle` with the result type taken from a run method."""
        return self.get_workflow_handle(workflow_id, result_type=WorkflowDefinition.of(workflow).result_hint, **kwargs)


class AsyncActivityCancelledError(TemporalError):
    """The workflow asked the asynchronously completed activity to cancel."""

    def __init__(self) -> None:
        super().__init__("Activity cancelled")


class AsyncActivityHandle:
    """Completes an activity from anywhere (another process too: the token says it all)."""

    def __init__(self, client: Client, task_token: bytes) -> None:
        self._client = client
        self._task_token = task_token

    async def complete(self, result: Any = _arg_unset, **_: Any) -> None:
        """Complete the activity with ``result``."""
        value = None if result is _arg_unset else result
        await self._client._transport.report_async_activity(
            self._task_token, {"outcome": "completed", "result": _converter.encode(value)}
        )

    async def fail(self, error: Exception, last_heartbeat_details: Sequence[Any] = (), **_: Any) -> None:
        """Fail the attempt with ``error``; the workflow's retry policy applies."""
        await self._client._transport.report_async_activity(
            self._task_token,
            {
                "outcome": "failed",
                "failure": _failure.from_exception(error),
                "heartbeat_details": _converter.encode_args(list(last_heartbeat_details)),
            },
        )

    async def report_cancellation(self, *details: Any, **_: Any) -> None:
        """Report that the activity stopped after being asked to cancel."""
        await self._client._transport.report_async_activity(self._task_token, {"outcome": "canceled"})

    async def heartbeat(self, *details: Any, **_: Any) -> None:
        """Record progress.

        Raises:
            AsyncActivityCancelledError: the workflow asked the activity to cancel.
        """
        if await self._client._transport.heartbeat_async_activity(
            self._task_token, _converter.encode_args(list(details))
        ):
            raise AsyncActivityCancelledError()


class WorkflowHandle(Generic[ReturnType]):
    """A workflow execution: await its result, signal, query, cancel, terminate, describe."""

    def __init__(
        self,
        client: Client,
        id: str,
        *,
        run_id: str | None = None,
        result_run_id: str | None = None,
        first_execution_run_id: str | None = None,
        result_type: type | None = None,
    ) -> None:
        self._client = client
        self._id = id
        self._run_id = run_id
        self._result_run_id = result_run_id
        self._first_execution_run_id = first_execution_run_id
        self._result_type = result_type

    @property
    def id(self) -> str:
        """The workflow id."""
        return self._id

    @property
    def run_id(self) -> str | None:
        """The run id the handle is bound to, if any (None: the latest run)."""
        return self._run_id

    @property
    def result_run_id(self) -> str | None:
        """The run whose result :meth:`result` waits for."""
        return self._result_run_id

    @property
    def first_execution_run_id(self) -> str | None:
        """The run id the handle was started with."""
        return self._first_execution_run_id

    @property
    def _t(self) -> Transport:
        return self._client._transport

    async def result(
        self, *, follow_runs: bool = True, rpc_metadata: Any = None, rpc_timeout: timedelta | None = None
    ) -> ReturnType:
        """Wait for the run to close and return its result.

        Raises:
            WorkflowFailureError: it failed, was cancelled or terminated (see ``cause``).
        """
        del rpc_metadata, rpc_timeout
        run_id = self._result_run_id
        if run_id is None:
            run_id = (await _rpc(self._t.resolve_run(self._id, None))).run_id
        while True:
            close = await self._t.wait_result(self._id, run_id)
            kind, attrs = close["event_type"], close["attributes"]
            if kind != ev.WORKFLOW_CONTINUED_AS_NEW:
                break
            if not follow_runs:
                raise WorkflowContinuedAsNewError(attrs["new_execution_run_id"])
            run_id = attrs["new_execution_run_id"]
        if kind == ev.WORKFLOW_COMPLETED:
            return _converter.decode(attrs["result"], self._result_type)  # type: ignore[no-any-return]
        if kind == ev.WORKFLOW_FAILED:
            raise WorkflowFailureError(cause=_failure.to_exception(attrs["failure"]))
        if kind == ev.WORKFLOW_CANCELED:
            raise WorkflowFailureError(cause=CancelledError("Workflow cancelled"))
        details = [_converter.decode(d) for d in attrs.get("details", [])]
        raise WorkflowFailureError(cause=TerminatedError(attrs.get("reason") or "Workflow terminated", *details))

    async def signal(self, signal: Any, arg: Any = _arg_unset, *, args: Sequence[Any] = (), **unsupported: Any) -> None:
        """Send a signal (a ``@workflow.signal`` method or a name)."""
        _refuse(unsupported)
        await _rpc(
            self._t.signal(self._id, self._run_id, signal_name(signal), _converter.encode_args(_arg_or_args(arg, args)))
        )

    async def query(
        self,
        query: Any,
        arg: Any = _arg_unset,
        *,
        args: Sequence[Any] = (),
        result_type: type | None = None,
        **unsupported: Any,
    ) -> Any:
        """Run a query handler on the workflow's current state.

        Raises:
            WorkflowQueryFailedError: no such query, or the handler failed.
        """
        _refuse(unsupported)
        name, hint = query_definition(query)
        try:
            payload = await _rpc(
                self._t.query(self._id, self._run_id, name, _converter.encode_args(_arg_or_args(arg, args)))
            )
        except QueryFailed as err:  # the handler's own message, as temporalio's error carries it
            raise WorkflowQueryFailedError(err.message) from err
        except (QueryNotFound, WorkflowTaskError, NotRunning) as err:
            raise WorkflowQueryFailedError(str(err)) from err
        return _converter.decode(payload, result_type or hint)

    async def execute_update(
        self,
        update: Any,
        arg: Any = _arg_unset,
        *,
        args: Sequence[Any] = (),
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Any = None,
        rpc_timeout: timedelta | None = None,
    ) -> Any:
        """Send an update and wait for its result.

        Raises:
            WorkflowUpdateFailedError: the validator rejected it or the handler failed.
            WorkflowUpdateRPCTimeoutOrCancelledError: ``rpc_timeout`` passed, or the call was cancelled.
            RPCError: the workflow is not running (NOT_FOUND).
        """
        handle = await self._start_update(
            update,
            arg,
            args=args,
            wait_for_stage=WorkflowUpdateStage.COMPLETED,
            id=id,
            result_type=result_type,
            rpc_timeout=rpc_timeout,
        )
        return await handle.result(rpc_timeout=rpc_timeout)

    async def start_update(
        self,
        update: Any,
        arg: Any = _arg_unset,
        *,
        wait_for_stage: WorkflowUpdateStage,
        args: Sequence[Any] = (),
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Any = None,
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowUpdateHandle[Any]:
        """Send an update and return its handle once it reached ``wait_for_stage``
        (ACCEPTED or COMPLETED); a rejected update's handle raises from ``result()``.

        Raises:
            ValueError: ``wait_for_stage`` is ADMITTED (temporalio does not support it either).
            WorkflowUpdateRPCTimeoutOrCancelledError: ``rpc_timeout`` passed, or the call was cancelled.
            RPCError: the workflow is not running (NOT_FOUND).
        """
        del rpc_metadata
        return await self._start_update(
            update,
            arg,
            args=args,
            wait_for_stage=wait_for_stage,
            id=id,
            result_type=result_type,
            rpc_timeout=rpc_timeout,
        )

    async def _start_update(
        self,
        update: Any,
        arg: Any,
        *,
        args: Sequence[Any],
        wait_for_stage: WorkflowUpdateStage,
        id: str | None,
        result_type: type | None,
        rpc_timeout: timedelta | None,
    ) -> WorkflowUpdateHandle[Any]:
        if wait_for_stage == WorkflowUpdateStage.ADMITTED:
            raise ValueError("ADMITTED wait stage not supported")
        name, hint = update_definition(update)
        update_id = id or str(uuid.uuid4())
        input = _converter.encode_args(_arg_or_args(arg, args))
        status = await _update_rpc(
            self._t.update(self._id, self._run_id, update_id, name, input, wait_for_stage.name), rpc_timeout
        )
        handle: WorkflowUpdateHandle[Any] = WorkflowUpdateHandle(
            self._client, update_id, self._id, workflow_run_id=status.run_id, result_type=result_type or hint
        )
        if status.stage == "COMPLETED":
            handle._known = status
        return handle

    def get_update_handle(
        self, id: str, *, workflow_run_id: str | None = None, result_type: type | None = None
    ) -> WorkflowUpdateHandle[Any]:
        """A handle to an update of this workflow by its id."""
        return WorkflowUpdateHandle(
            self._client, id, self._id, workflow_run_id=workflow_run_id or self._run_id, result_type=result_type
        )

    def get_update_handle_for(
        self, update: Any, id: str, *, workflow_run_id: str | None = None
    ) -> WorkflowUpdateHandle[Any]:
        """:meth:`get_update_handle` with the result type taken from a ``@workflow.update`` method."""
        return self.get_update_handle(id, workflow_run_id=workflow_run_id, result_type=update_definition(update)[1])

    async def describe(self, **_: Any) -> WorkflowExecutionDescription:
        """The execution's status, times, history length and pending activities."""
        d = await _rpc(self._t.describe(self._id, self._run_id))
        r = d.record
        pending = [
            PendingActivityInfo(
                activity_id=p.activity_id,
                activity_type=p.activity_type,
                attempt=p.attempt,
                state=PendingActivityState[p.state],
                scheduled_time=_dt(p.scheduled_time),
                last_failure=_failure.to_exception(p.last_failure) if p.last_failure else None,
                heartbeat_details=[_converter.decode(x) for x in p.heartbeat.details] if p.heartbeat else [],
                last_heartbeat_time=_dt(p.heartbeat.at) if p.heartbeat and p.heartbeat.at else None,
            )
            for p in d.pending_activities
        ]
        fields = {
            **_execution_fields(r, self._client.namespace),
            "history_length": d.history_length,
            "execution_time": _dt(d.execution_time if d.execution_time is not None else r.start_time),
        }
        return WorkflowExecutionDescription(
            **fields,
            parent_id=d.parent["workflow_id"] if d.parent else None,
            parent_run_id=d.parent["run_id"] if d.parent else None,
            pending_activities=pending,
            workflow_task_failure=_failure.to_exception(r.task_failure) if r.task_failure else None,
        )

    async def cancel(self, **_: Any) -> None:
        """Request cancellation: the workflow gets ``asyncio.CancelledError`` where it waits."""
        await _rpc(self._t.cancel(self._id, self._run_id))

    async def terminate(self, *args: Any, reason: str | None = None, **_: Any) -> None:
        """End the workflow now (TERMINATED); its code gets no chance to clean up."""
        await _rpc(self._t.terminate(self._id, self._run_id, reason or "", _converter.encode_args(list(args))))

    async def fetch_history(self, **_: Any) -> WorkflowHistory:
        """The run's events."""
        _, events = await _rpc(self._t.history(self._id, self._run_id or self._result_run_id))
        return WorkflowHistory(workflow_id=self._id, events=events)


class WithStartWorkflowOperation(Generic[SelfType, ReturnType]):
    """The start of an update-with-start: how to start the workflow if it does not run.

    Pass it to :meth:`Client.execute_update_with_start_workflow` or
    :meth:`Client.start_update_with_start_workflow` (once: it cannot be reused); then
    :meth:`workflow_handle` gives the handle of the run the update went to.
    """

    def __init__(
        self,
        workflow: Any,
        arg: Any = _arg_unset,
        *,
        args: Sequence[Any] = (),
        id: str,
        task_queue: str,
        id_conflict_policy: WorkflowIDConflictPolicy,
        result_type: type | None = None,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
        stack_level: int = 2,
        **unsupported: Any,
    ) -> None:
        """Describe the start; see :meth:`Client.start_workflow` for the arguments.

        Raises:
            ValueError: ``id_conflict_policy`` is UNSPECIFIED (update-with-start needs one:
                FAIL, USE_EXISTING or TERMINATE_EXISTING).
        """
        _refuse(unsupported)
        del execution_timeout, run_timeout, task_timeout, stack_level
        name, hint = WorkflowDefinition.name_and_result_hint(workflow)
        if id_conflict_policy == WorkflowIDConflictPolicy.UNSPECIFIED:
            raise ValueError("WorkflowIDConflictPolicy is required")
        self._id = id
        self._workflow_type = name
        self._result_type = result_type or hint
        self._values = _arg_or_args(arg, args)
        self._start = {
            "task_queue": task_queue,
            "id_reuse_policy": id_reuse_policy,
            "id_conflict_policy": id_conflict_policy,
            "cron_schedule": cron_schedule,
            "memo": memo,
            "search_attributes": search_attributes,
        }
        self._handle: asyncio.Future[WorkflowHandle[ReturnType]] | None = None
        self._used = False

    def _future(self) -> asyncio.Future[WorkflowHandle[ReturnType]]:
        # Made on first use, in the running loop (temporalio's is made at construction).
        if self._handle is None:
            self._handle = asyncio.get_running_loop().create_future()
        return self._handle

    def _options(self) -> dict[str, Any]:
        return _start_options(self._workflow_type, self._values, id=self._id, **self._start)

    async def workflow_handle(self) -> WorkflowHandle[ReturnType]:
        """Wait until the workflow runs (or the start failed) and return its handle.

        Raises:
            WorkflowAlreadyStartedError, RPCError: what the update-with-start call raised
                before the run was known.
        """
        return await self._future()


class WorkflowUpdateHandle(Generic[ReturnType]):
    """An update sent to a workflow: its id, and its result once its handler finished."""

    def __init__(
        self,
        client: Client,
        id: str,
        workflow_id: str,
        *,
        workflow_run_id: str | None = None,
        result_type: type | None = None,
    ) -> None:
        self._client = client
        self._id = id
        self._workflow_id = workflow_id
        self._workflow_run_id = workflow_run_id
        self._result_type = result_type
        self._known: UpdateStatus | None = None

    @property
    def id(self) -> str:
        """The update id."""
        return self._id

    @property
    def workflow_id(self) -> str:
        """The workflow the update was sent to."""
        return self._workflow_id

    @property
    def workflow_run_id(self) -> str | None:
        """The run the update was sent to, if known."""
        return self._workflow_run_id

    async def result(self, *, rpc_metadata: Any = None, rpc_timeout: timedelta | None = None) -> ReturnType:
        """Wait for the update's handler to finish and return its result.

        Raises:
            WorkflowUpdateFailedError: the update was rejected or its handler failed.
            WorkflowUpdateRPCTimeoutOrCancelledError: ``rpc_timeout`` passed, or the call was cancelled.
            RPCError: no such update, or the run closed without accepting it (NOT_FOUND).
        """
        del rpc_metadata
        if self._known is None:
            t = self._client._transport
            self._known = await _update_rpc(
                t.update_result(self._workflow_id, self._workflow_run_id, self._id), rpc_timeout
            )
        if self._known.failure is not None:
            raise WorkflowUpdateFailedError(_failure.to_exception(self._known.failure))
        return _converter.decode(self._known.result, self._result_type)  # type: ignore[no-any-return]


async def _update_rpc(awaitable: Any, timeout: timedelta | None) -> Any:
    """Wait for an update call; its timeout or cancellation is temporalio's error for it."""
    try:
        async with asyncio.timeout(timeout.total_seconds() if timeout is not None else None):
            return await _rpc(awaitable)
    except (TimeoutError, asyncio.CancelledError) as err:
        raise WorkflowUpdateRPCTimeoutOrCancelledError() from err


async def _rpc(awaitable: Any) -> Any:
    """Engine lookups that fail become temporalio's ``RPCError`` codes."""
    try:
        return await awaitable
    except ExecutionNotFound as err:
        raise RPCError(f"workflow not found: {err}", RPCStatusCode.NOT_FOUND, b"") from err
    except NotRunning as err:
        raise RPCError(str(err), RPCStatusCode.NOT_FOUND, b"") from err
    except InvalidQuery as err:
        raise RPCError(str(err), RPCStatusCode.INVALID_ARGUMENT, b"") from err


def _start_options(
    workflow_type: str,
    values: Sequence[Any],
    *,
    id: str,
    task_queue: str,
    id_reuse_policy: WorkflowIDReusePolicy,
    id_conflict_policy: WorkflowIDConflictPolicy,
    cron_schedule: str,
    memo: Mapping[str, Any] | None,
    search_attributes: TypedSearchAttributes | SearchAttributes | None,
) -> dict[str, Any]:
    """A start's arguments as a transport takes them, checked as Temporal's server checks them.

    Raises:
        RPCError: INVALID_ARGUMENT for a bad cron expression or workflow id (nothing is sent).
    """
    if cron_schedule:
        try:
            CronExpression.parse(cron_schedule)
        except InvalidCronExpression as err:
            raise RPCError(f"Invalid CronSchedule: {err}", RPCStatusCode.INVALID_ARGUMENT, b"") from err
    try:
        check_id("workflow id", id)
    except InvalidIdError as err:  # as Temporal's server answers: nothing is written
        raise RPCError(str(err), RPCStatusCode.INVALID_ARGUMENT, b"") from err
    return {
        "workflow_type": workflow_type,
        "workflow_id": id,
        "task_queue": task_queue,
        "input": _converter.encode_args(list(values)),
        "id_reuse_policy": id_reuse_policy,
        "id_conflict_policy": id_conflict_policy,
        **({"cron_schedule": cron_schedule} if cron_schedule else {}),
        **({"memo": {k: _converter.encode(v) for k, v in memo.items()}} if memo else {}),
        **({"search_attributes": to_stored(search_attributes)} if search_attributes else {}),
    }


def _dt(v: float) -> datetime:
    return datetime.fromtimestamp(v, tz=UTC)


def _refuse(unsupported: dict[str, Any]) -> None:
    used = sorted(k for k, v in unsupported.items() if v not in (None, (), [], {}, ""))
    if used:
        raise NotImplementedError(f"not supported by this engine yet: {', '.join(used)}")
