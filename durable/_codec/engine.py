"""The engine's side of the codec: ports that encode what they store and send, and decode
what they read back.

:func:`engine_services` gives the orchestrator and the activity worker (which run the
user's code, as temporalio's worker does) their own :class:`Services` over the same
tables and queues: history, executions, schedules, the inbox, the activity queues and
the timer service encode the payloads the catalogue names before anything reaches AWS
(or the payload store, for a large value), and decode them when the engine reads them
back. A received message is decoded by its receiver (:func:`decoded_messages`), where a
codec's failure belongs to the run or the activity task. So the engine's logic sees plain
payloads, and DynamoDB, SQS and S3 hold only encoded ones.

Whoever only passes payloads through (the client's side of the engine: starts, signals,
describe, the HTTP API) keeps the plain :class:`Services`: the client encoded its payloads
before they reached it, and decodes what it reads (:mod:`durable._codec.transport`).

A codec that raises fails what the engine was doing, which is retried: the inbox messages
of a decision (shown on the run as its workflow task's failure), an activity task, never
the run itself. A workflow task failure that cannot be encoded is kept with the codec's
error only, as temporalio's worker reports "Failed encoding completion".
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from durable._codec.boundary import PayloadBoundary
from durable._codec.catalogue import (
    EXECUTION_RECORD,
    FAILURE,
    PAYLOADS,
    SCHEDULE_DOCUMENT,
    Field,
    Spec,
    message_spec,
)
from durable._replay.events import Event
from durable._runtime.ports import (
    ExecutionRecord,
    ExecutionStore,
    HeartbeatRecord,
    HistoryStore,
    OrchestratorInvoker,
    Queue,
    ScheduleStore,
    Selection,
    StoredSchedule,
    TimerService,
)
from durable._runtime.services import Services
from durable._statuses import CLOSED_STATUSES, WorkflowExecutionStatus

__all__ = ["EngineServices", "decoded_messages", "decoded_texts", "encoded_texts", "engine_services"]

T = TypeVar("T", bound=Mapping[str, Any])


@dataclass
class EngineServices(Services):
    """:class:`Services` whose stores and queues run the payload codec (see the module).

    ``boundary`` may change (a local environment adopts the codec of the first worker's
    client that has one): the ports ask for the current one at each call.
    """

    boundary: PayloadBoundary | None = None

    def __post_init__(self) -> None:
        super().__post_init__()  # sealing first: the codec must run before a body is sealed
        b = _Current(self)
        self.history = _History(self.history, b)
        self.executions = _Executions(self.executions, b)
        self.inbox = _Queue(self.inbox, b)
        self.timers = _Timers(self.timers, b)
        sealed_queue_for = self.queue_for
        self.queue_for = lambda name: _Queue(sealed_queue_for(name), b)
        if self.schedules is not None:
            self.schedules = _Schedules(self.schedules, b)
        if self.invoker is not None:
            self.invoker = _Invoker(self.invoker, b)


def engine_services(services: Services, boundary: PayloadBoundary | None, *, switchable: bool = False) -> Services:
    """The services the orchestrator and the activity worker use: ``services`` itself
    without a codec, else the same ports with the codec at their edge. ``switchable``: an
    :class:`EngineServices` even without a codec, so that one can be given later."""
    if boundary is None and not switchable:
        return services
    if isinstance(services, EngineServices):
        raise TypeError("these services run a payload codec already: pass the plain ones")
    fields = {f.name: getattr(services, f.name) for f in dataclasses.fields(Services)}
    return EngineServices(**fields, boundary=boundary)


class _Current:
    """The engine services' boundary at the time of each call; no codec: values as they are."""

    def __init__(self, owner: EngineServices) -> None:
        self._owner = owner

    def encode(self, values: Sequence[Any], specs: Sequence[Spec]) -> list[Any]:
        b = self._owner.boundary
        return list(values) if b is None else b.encode(values, specs)

    def decode(self, values: Sequence[Any], specs: Sequence[Spec]) -> list[Any]:
        b = self._owner.boundary
        return list(values) if b is None else b.decode(values, specs)

    def encode_field(self, value: Any, field: Field | Spec) -> Any:
        b = self._owner.boundary
        return value if b is None else b.encode_field(value, field)

    def decode_field(self, value: Any, field: Field | Spec) -> Any:
        b = self._owner.boundary
        return value if b is None else b.decode_field(value, field)

    def encode_events(self, events: list[Event]) -> list[Event]:
        b = self._owner.boundary
        return events if b is None else b.encode_events(events)

    def decode_events(self, events: list[Event]) -> list[Event]:
        b = self._owner.boundary
        return events if b is None else b.decode_events(events)

    def encode_body(self, body: str) -> str:
        b = self._owner.boundary
        return body if b is None else b.encode_body(body)


def decoded_messages(services: Services, bodies: list[T]) -> list[T]:
    """Received inbox messages or activity tasks with their payloads decoded (unchanged for
    services without a codec). The receiver calls it where a failure is the run's: a codec
    that raises fails the workflow task or the activity task, retried, never the run."""
    boundary = services.boundary if isinstance(services, EngineServices) else None
    if boundary is None or not bodies:
        return bodies
    return boundary.decode(bodies, [message_spec(b) for b in bodies])


def decoded_texts(services: Services, texts: list[str]) -> list[str]:
    """Payload texts a client encoded, decoded for user code run by the engine (a query's
    arguments); unchanged for services without a codec."""
    boundary = services.boundary if isinstance(services, EngineServices) else None
    return texts if boundary is None else list(boundary.decode_field(texts, PAYLOADS))


def encoded_texts(services: Services, texts: list[str]) -> list[str]:
    """Payload texts user code made, encoded for the client (a query's result)."""
    boundary = services.boundary if isinstance(services, EngineServices) else None
    return texts if boundary is None else list(boundary.encode_field(texts, PAYLOADS))


# -- the ports ----------------------------------------------------------------------------


class _History:
    def __init__(self, inner: HistoryStore, boundary: _Current) -> None:
        self.inner = inner
        self._b = boundary

    def append(self, execution: str, events: list[Event]) -> None:
        self.inner.append(execution, self._b.encode_events(events))

    def load(self, execution: str, after_event_id: int = 0) -> list[Event]:
        return self._b.decode_events(self.inner.load(execution, after_event_id))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Executions:
    def __init__(self, inner: ExecutionStore, boundary: _Current) -> None:
        self.inner = inner
        self._b = boundary

    def _records(self, records: Sequence[ExecutionRecord], run: Callable[..., list[Any]]) -> list[ExecutionRecord]:
        shown = [{"memo": r.memo, "task_failure": r.task_failure} for r in records]
        done = run(shown, [EXECUTION_RECORD] * len(shown))
        return [
            dataclasses.replace(r, memo=d["memo"], task_failure=d["task_failure"])
            for r, d in zip(records, done, strict=True)
        ]

    def create(
        self, record: ExecutionRecord, *, replaceable: frozenset[WorkflowExecutionStatus] = CLOSED_STATUSES
    ) -> None:
        self.inner.create(self._records([record], self._b.encode)[0], replaceable=replaceable)

    def get(self, workflow_id: str) -> ExecutionRecord:
        return self._records([self.inner.get(workflow_id)], self._b.decode)[0]

    def scan(
        self, selection: Selection, *, after: str | None = None, page_size: int = 100
    ) -> Iterator[tuple[ExecutionRecord, str]]:
        for record, cursor in self.inner.scan(selection, after=after, page_size=page_size):
            yield self._records([record], self._b.decode)[0], cursor

    def list(
        self, *, status: WorkflowExecutionStatus | None = None, limit: int = 100
    ) -> builtins.list[ExecutionRecord]:
        return self._records(self.inner.list(status=status, limit=limit), self._b.decode)

    def set_task_failure(self, workflow_id: str, run_id: str, failure: dict[str, Any] | None) -> None:
        if failure is not None:
            try:
                failure = self._b.encode_field(failure, FAILURE)
            except Exception as err:  # noqa: BLE001 - shown as temporalio's worker shows it
                failure = {"message": f"Failed encoding completion: {err}", "stack_trace": ""}
        self.inner.set_task_failure(workflow_id, run_id, failure)

    def record_heartbeat(
        self, execution: str, activity_id: str, attempt: int, details: builtins.list[Any], at: float
    ) -> bool:
        encoded = self._b.encode_field(details, PAYLOADS)
        return self.inner.record_heartbeat(execution, activity_id, attempt, encoded, at)

    def get_heartbeat(self, execution: str, activity_id: str) -> HeartbeatRecord | None:
        beat = self.inner.get_heartbeat(execution, activity_id)
        if beat is None or not beat.details:
            return beat
        return dataclasses.replace(beat, details=self._b.decode_field(beat.details, PAYLOADS))

    def reject_update(self, execution: str, request_id: str, failure: dict[str, Any]) -> None:
        self.inner.reject_update(execution, request_id, self._b.encode_field(failure, FAILURE))

    def get_update_rejection(self, execution: str, request_id: str) -> dict[str, Any] | None:
        failure = self.inner.get_update_rejection(execution, request_id)
        return None if failure is None else self._b.decode_field(failure, FAILURE)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Queue:
    def __init__(self, inner: Queue, boundary: _Current) -> None:
        self.inner = inner
        self._b = boundary
        self.name = inner.name
        self.fifo = inner.fifo

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        self.inner.send(self._b.encode_body(body), group_id=group_id, dedup_id=dedup_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Invoker:
    def __init__(self, inner: OrchestratorInvoker, boundary: _Current) -> None:
        self.inner = inner
        self._b = boundary

    def deliver(self, bodies: list[str]) -> None:
        self.inner.deliver([self._b.encode_body(body) for body in bodies])


class _Timers:
    def __init__(self, inner: TimerService, boundary: _Current) -> None:
        self.inner = inner
        self._b = boundary

    def schedule(
        self, fire_at: float, queue: str, body: str, *, group_id: str | None = None, dedup_id: str | None = None
    ) -> None:
        self.inner.schedule(fire_at, queue, self._b.encode_body(body), group_id=group_id, dedup_id=dedup_id)

    def cancel(self, queue: str, *, dedup_id: str) -> None:
        self.inner.cancel(queue, dedup_id=dedup_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Schedules:
    def __init__(self, inner: ScheduleStore, boundary: _Current) -> None:
        self.inner = inner
        self._b = boundary

    def _decoded(self, stored: StoredSchedule) -> StoredSchedule:
        return dataclasses.replace(stored, doc=self._b.decode([stored.doc], [SCHEDULE_DOCUMENT])[0])

    def create(self, schedule_id: str, doc: dict[str, Any]) -> None:
        self.inner.create(schedule_id, self._b.encode([doc], [SCHEDULE_DOCUMENT])[0])

    def get(self, schedule_id: str) -> StoredSchedule:
        return self._decoded(self.inner.get(schedule_id))

    def put(self, schedule_id: str, doc: dict[str, Any], *, version: int) -> None:
        self.inner.put(schedule_id, self._b.encode([doc], [SCHEDULE_DOCUMENT])[0], version=version)

    def list(self) -> builtins.list[StoredSchedule]:
        return [self._decoded(s) for s in self.inner.list()]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
