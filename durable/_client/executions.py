"""What the client reads about executions: statuses, descriptions, listings, histories."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from durable import _converter
from durable._client.paging import PageIterator
from durable._client.rpc import _dt
from durable._conversion.data_converter import DataConverter
from durable._history import events_from_json, events_to_temporal
from durable._replay import events as ev
from durable._replay.events import Event
from durable._runtime.ports import ExecutionRecord
from durable._search_attributes import SearchAttributes, TypedSearchAttributes, from_stored, untyped
from durable._statuses import PendingActivityState, WorkflowExecutionStatus
from durable._visibility.listing import Page
from durable.common import _arg_unset

if TYPE_CHECKING:
    from durable._client.client import Client


@dataclass(frozen=True)
class ActivityPauseInfo:
    """Who paused an activity, when and why (Temporal's ``PendingActivityInfo.pause_info``)."""

    pause_time: datetime
    identity: str
    reason: str


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
    paused: bool = False
    """Paused by an operator (``Client.pause_activity``): no retry is scheduled until unpaused."""
    pause_info: ActivityPauseInfo | None = None


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
    _data_converter: DataConverter = field(default=DataConverter.default, repr=False, compare=False)
    """The client's: decodes the memo."""

    async def memo(self) -> Mapping[str, Any]:
        """The memo, each value decoded without a type hint (a dataclass comes back a dict)."""
        converter = self._data_converter.payload_converter
        return {key: _converter.decode(payload, None, converter) for key, payload in self._memo.items()}

    async def memo_value(self, key: str, default: Any = _arg_unset, *, type_hint: type | None = None) -> Any:
        """One memo value, decoded with ``type_hint``.

        Raises:
            KeyError: no such key and no default.
        """
        if key not in self._memo:
            if default is _arg_unset:
                raise KeyError(f"Memo does not have a value for key {key}")
            return default
        return _converter.decode(self._memo[key], type_hint, self._data_converter.payload_converter)


def _execution_fields(
    record: ExecutionRecord, namespace: str, data_converter: DataConverter = DataConverter.default
) -> dict[str, Any]:
    """A run's record as the fields of :class:`WorkflowExecution` (its memo decoded by ``data_converter``)."""
    return dict(
        id=record.workflow_id,
        run_id=record.run_id,
        workflow_type=record.workflow_type,
        task_queue=record.task_queue,
        status=record.status,
        start_time=_dt(record.start_time),
        close_time=_dt(record.close_time) if record.close_time else None,
        execution_time=_dt(record.start_time),
        history_length=record.history_length,
        namespace=namespace,
        search_attributes=untyped(record.search_attributes),
        typed_search_attributes=from_stored(record.search_attributes),
        _memo=dict(record.memo),
        _data_converter=data_converter,
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


class WorkflowExecutionAsyncIterator(PageIterator[WorkflowExecution]):
    """The runs a ``list_workflows`` filter matches, page by page (use ``async for``).

    ``fetch_next_page`` raises RPCError INVALID_ARGUMENT when the query (or the token) is not valid.
    """

    def __init__(
        self, client: Client, query: str | None, *, limit: int | None, page_size: int, next_page_token: bytes | None
    ) -> None:
        super().__init__(page_size=page_size, next_page_token=next_page_token, limit=limit)
        self._client = client
        self._query = query

    async def _fetch(
        self, page_size: int, next_page_token: bytes | None
    ) -> tuple[Sequence[WorkflowExecution], bytes | None]:
        page: Page = await self._client._transport.list_workflows(self._query, page_size, next_page_token)
        namespace, converter = self._client.namespace, self._client.data_converter
        executions = [WorkflowExecution(**_execution_fields(r, namespace, converter)) for r in page.executions]
        return executions, page.next_page_token

    async def map_histories(self, **_: Any) -> Any:
        """Each listed run's history (``fetch_history`` of each)."""
        async for execution in self:
            yield await self._client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()


@dataclass(frozen=True)
class WorkerVersionStamp:
    """The build of the worker that completed a run's latest workflow task (temporalio's protobuf
    ``temporalio.api.common.v1.WorkerVersionStamp``; durable's workers are unversioned)."""

    build_id: str = ""
    use_versioning: bool = False


@dataclass(frozen=True)
class WorkflowExecutionInfo:
    """The part of temporalio's raw ``WorkflowExecutionInfo`` that durable fills: the most recent
    worker version stamp. The run's builds, in order, are its ``BuildIds`` search attribute."""

    most_recent_worker_version_stamp: WorkerVersionStamp = field(default_factory=WorkerVersionStamp)


@dataclass(frozen=True)
class WorkflowExecutionDescription(WorkflowExecution):
    """What ``handle.describe()`` returns."""

    raw_info: WorkflowExecutionInfo = field(default_factory=WorkflowExecutionInfo)
    """As temporalio's: ``raw_info.most_recent_worker_version_stamp.build_id`` is the build of the
    code that completed the latest workflow task ("" before the first)."""
    pending_activities: Sequence[PendingActivityInfo] = ()
    workflow_task_failure: BaseException | None = None
    """The last failure of a workflow task that is being retried (non-determinism, a bug)."""
    _static_summary: str | None = None
    _static_details: str | None = None

    async def static_summary(self) -> str | None:
        """The run's fixed one-line summary (``start_workflow(static_summary=)``), if it has one."""
        return self._static_summary

    async def static_details(self) -> str | None:
        """The run's fixed details (``start_workflow(static_details=)``), if it has them."""
        return self._static_details


@dataclass
class WorkflowHistory:
    """A run's events; ``to_json`` / ``from_json`` round-trip them (for replay tests)."""

    workflow_id: str
    events: list[Event] = field(default_factory=list)

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
        data = json.loads(history) if isinstance(history, str) else history
        return WorkflowHistory(workflow_id=workflow_id, events=events_from_json(data, workflow_id))
