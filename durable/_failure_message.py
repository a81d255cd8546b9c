"""temporalio's ``Failure`` message (``temporalio.api.failure.v1.Failure``) as typed classes.

temporalio code reads a failure through protobuf's interface: scalar fields with their
zero value when unset, message fields that are never None (an unset one reads as its empty
message), ``HasField(name)`` for presence and ``WhichOneof("failure_info")`` for the kind.
These classes give that interface over durable's failure dicts (:mod:`durable._failure`);
:func:`failure_of` and :func:`failure_dict` convert both ways without loss, so an exception
rebuilt from a failure hands the same failure on when it is raised again, as temporalio's
converter copies ``FailureError.failure`` verbatim.

Enum fields (``timeout_type``, ``retry_state``, ``category``) hold the enum's int value, as
protobuf does; they equal durable's ``TimeoutType``, ``RetryState`` and
``ApplicationErrorCategory`` members.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, ClassVar

from durable._conversion.payload import Payload, Payloads
from durable._conversion.stored import payload_from_text, payload_to_text

__all__ = [
    "ActivityFailureInfo",
    "ActivityType",
    "ApplicationFailureInfo",
    "CanceledFailureInfo",
    "ChildWorkflowExecutionFailureInfo",
    "Duration",
    "Failure",
    "Payloads",
    "ServerFailureInfo",
    "TerminatedFailureInfo",
    "TimeoutFailureInfo",
    "WorkflowExecution",
    "WorkflowType",
    "failure_dict",
    "failure_of",
]

_EMPTY_PAYLOAD = Payload()


class _Message:
    """What these classes share with protobuf messages: fields by name, presence of
    message fields, equality by value and a readable repr."""

    _FIELDS: ClassVar[tuple[str, ...]] = ()
    _MESSAGE_FIELDS: ClassVar[tuple[str, ...]] = ()

    def _get(self, name: str) -> Any:
        return getattr(self, f"_{name}")

    def HasField(self, field_name: str) -> bool:  # noqa: N802 - protobuf's name
        """Whether the message field ``field_name`` was set (protobuf's ``HasField``)."""
        if field_name not in self._MESSAGE_FIELDS:
            raise ValueError(f'Protocol message {type(self).__name__} has no singular "{field_name}" field.')
        return self._get(field_name) is not None

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(self._get(name) == other._get(name) for name in self._FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable in protobuf, unhashable here too

    def __repr__(self) -> str:
        shown = (f"{name}={self._get(name)!r}" for name in self._FIELDS if self._get(name) not in (None, "", 0, ()))
        return f"{type(self).__name__}({', '.join(shown)})"


class Duration(_Message):
    """A span of time (``google.protobuf.Duration``)."""

    _FIELDS = ("seconds", "nanos")

    def __init__(self, seconds: int = 0, nanos: int = 0) -> None:
        self._seconds = seconds
        self._nanos = nanos

    @staticmethod
    def of(delta: timedelta) -> Duration:
        """The duration of a timedelta."""
        micros = round(delta.total_seconds() * 1_000_000)
        seconds, rest = divmod(micros, 1_000_000)
        return Duration(seconds, rest * 1000)

    @property
    def seconds(self) -> int:
        """Whole seconds."""
        return self._seconds

    @property
    def nanos(self) -> int:
        """Nanoseconds beyond ``seconds``."""
        return self._nanos

    def ToTimedelta(self) -> timedelta:  # noqa: N802 - protobuf's name
        """The duration as a timedelta."""
        return timedelta(seconds=self.seconds, microseconds=self.nanos // 1000)


class ActivityType(_Message):
    """An activity's type (``temporalio.api.common.v1.ActivityType``)."""

    _FIELDS = ("name",)

    def __init__(self, name: str = "") -> None:
        self._name = name

    @property
    def name(self) -> str:
        """The activity type's name."""
        return self._name


class WorkflowType(_Message):
    """A workflow's type (``temporalio.api.common.v1.WorkflowType``)."""

    _FIELDS = ("name",)

    def __init__(self, name: str = "") -> None:
        self._name = name

    @property
    def name(self) -> str:
        """The workflow type's name."""
        return self._name


class WorkflowExecution(_Message):
    """A workflow run's ids (``temporalio.api.common.v1.WorkflowExecution``)."""

    _FIELDS = ("workflow_id", "run_id")

    def __init__(self, workflow_id: str = "", run_id: str = "") -> None:
        self._workflow_id = workflow_id
        self._run_id = run_id

    @property
    def workflow_id(self) -> str:
        """The workflow id."""
        return self._workflow_id

    @property
    def run_id(self) -> str:
        """The run id."""
        return self._run_id


class ApplicationFailureInfo(_Message):
    """What an :class:`~durable.exceptions.ApplicationError` carries."""

    _FIELDS = ("type", "non_retryable", "details", "next_retry_delay", "category")
    _MESSAGE_FIELDS = ("details", "next_retry_delay")

    def __init__(
        self,
        type: str = "",
        non_retryable: bool = False,
        details: Payloads | None = None,
        next_retry_delay: Duration | None = None,
        category: int = 0,
    ) -> None:
        self._type = type
        self._non_retryable = non_retryable
        self._details = details
        self._next_retry_delay = next_retry_delay
        self._category = category

    @property
    def type(self) -> str:
        """The error's type ("" when it has none)."""
        return self._type

    @property
    def non_retryable(self) -> bool:
        """Whether the error was raised non-retryable."""
        return self._non_retryable

    @property
    def details(self) -> Payloads:
        """The error's details, encoded."""
        return self._details or Payloads()

    @property
    def next_retry_delay(self) -> Duration:
        """The delay the error asked for before the next attempt."""
        return self._next_retry_delay or Duration()

    @property
    def category(self) -> int:
        """The error's category (``ApplicationErrorCategory`` value)."""
        return self._category


class TimeoutFailureInfo(_Message):
    """What a :class:`~durable.exceptions.TimeoutError` carries."""

    _FIELDS = ("timeout_type", "last_heartbeat_details")
    _MESSAGE_FIELDS = ("last_heartbeat_details",)

    def __init__(self, timeout_type: int = 0, last_heartbeat_details: Payloads | None = None) -> None:
        self._timeout_type = timeout_type
        self._last_heartbeat_details = last_heartbeat_details

    @property
    def timeout_type(self) -> int:
        """Which timeout (``TimeoutType`` value, 0 when unspecified)."""
        return self._timeout_type

    @property
    def last_heartbeat_details(self) -> Payloads:
        """Details of the activity's last heartbeat, encoded."""
        return self._last_heartbeat_details or Payloads()


class CanceledFailureInfo(_Message):
    """What a :class:`~durable.exceptions.CancelledError` carries."""

    _FIELDS = ("details", "identity")
    _MESSAGE_FIELDS = ("details",)

    def __init__(self, details: Payloads | None = None, identity: str = "") -> None:
        self._details = details
        self._identity = identity

    @property
    def details(self) -> Payloads:
        """The cancellation's details, encoded."""
        return self._details or Payloads()

    @property
    def identity(self) -> str:
        """Who cancelled."""
        return self._identity


class TerminatedFailureInfo(_Message):
    """What a :class:`~durable.exceptions.TerminatedError` carries."""

    _FIELDS = ("identity",)

    def __init__(self, identity: str = "") -> None:
        self._identity = identity

    @property
    def identity(self) -> str:
        """Who terminated."""
        return self._identity


class ServerFailureInfo(_Message):
    """What a :class:`~durable.exceptions.ServerError` carries."""

    _FIELDS = ("non_retryable",)

    def __init__(self, non_retryable: bool = False) -> None:
        self._non_retryable = non_retryable

    @property
    def non_retryable(self) -> bool:
        """Whether retrying cannot help."""
        return self._non_retryable


class ActivityFailureInfo(_Message):
    """What an :class:`~durable.exceptions.ActivityError` carries."""

    _FIELDS = ("scheduled_event_id", "started_event_id", "identity", "activity_type", "activity_id", "retry_state")
    _MESSAGE_FIELDS = ("activity_type",)

    def __init__(
        self,
        scheduled_event_id: int = 0,
        started_event_id: int = 0,
        identity: str = "",
        activity_type: ActivityType | None = None,
        activity_id: str = "",
        retry_state: int = 0,
    ) -> None:
        self._scheduled_event_id = scheduled_event_id
        self._started_event_id = started_event_id
        self._identity = identity
        self._activity_type = activity_type
        self._activity_id = activity_id
        self._retry_state = retry_state

    @property
    def scheduled_event_id(self) -> int:
        """Id of the ActivityTaskScheduled event."""
        return self._scheduled_event_id

    @property
    def started_event_id(self) -> int:
        """Id of the event that started the last attempt (0: not recorded)."""
        return self._started_event_id

    @property
    def identity(self) -> str:
        """Identity of the worker that ran the last attempt."""
        return self._identity

    @property
    def activity_type(self) -> ActivityType:
        """The activity's type."""
        return self._activity_type or ActivityType()

    @property
    def activity_id(self) -> str:
        """The activity's id."""
        return self._activity_id

    @property
    def retry_state(self) -> int:
        """Why retrying stopped (``RetryState`` value)."""
        return self._retry_state


class ChildWorkflowExecutionFailureInfo(_Message):
    """What a :class:`~durable.exceptions.ChildWorkflowError` carries."""

    _FIELDS = (
        "namespace",
        "workflow_execution",
        "workflow_type",
        "initiated_event_id",
        "started_event_id",
        "retry_state",
    )
    _MESSAGE_FIELDS = ("workflow_execution", "workflow_type")

    def __init__(
        self,
        namespace: str = "",
        workflow_execution: WorkflowExecution | None = None,
        workflow_type: WorkflowType | None = None,
        initiated_event_id: int = 0,
        started_event_id: int = 0,
        retry_state: int = 0,
    ) -> None:
        self._namespace = namespace
        self._workflow_execution = workflow_execution
        self._workflow_type = workflow_type
        self._initiated_event_id = initiated_event_id
        self._started_event_id = started_event_id
        self._retry_state = retry_state

    @property
    def namespace(self) -> str:
        """The child's namespace."""
        return self._namespace

    @property
    def workflow_execution(self) -> WorkflowExecution:
        """The child run's ids."""
        return self._workflow_execution or WorkflowExecution()

    @property
    def workflow_type(self) -> WorkflowType:
        """The child's workflow type."""
        return self._workflow_type or WorkflowType()

    @property
    def initiated_event_id(self) -> int:
        """Id of the parent's StartChildWorkflowExecutionInitiated event."""
        return self._initiated_event_id

    @property
    def started_event_id(self) -> int:
        """Id of the parent's ChildWorkflowExecutionStarted event."""
        return self._started_event_id

    @property
    def retry_state(self) -> int:
        """Why retrying stopped (``RetryState`` value)."""
        return self._retry_state


_FAILURE_INFOS = (
    "application_failure_info",
    "timeout_failure_info",
    "canceled_failure_info",
    "terminated_failure_info",
    "server_failure_info",
    "activity_failure_info",
    "child_workflow_execution_failure_info",
)


class Failure(_Message):
    """How something failed, as temporalio's ``temporalio.api.failure.v1.Failure`` holds it.

    ``FailureError.failure`` is one of these for an error that crossed a boundary (an
    activity's error in the workflow, a workflow's error at the client), None for one
    raised locally. At most one ``*_failure_info`` is set; ``WhichOneof("failure_info")``
    names it.
    """

    _FIELDS = ("message", "source", "stack_trace", "encoded_attributes", "cause", *_FAILURE_INFOS)
    _MESSAGE_FIELDS = ("encoded_attributes", "cause", *_FAILURE_INFOS)

    def __init__(
        self,
        message: str = "",
        source: str = "",
        stack_trace: str = "",
        encoded_attributes: Payload | None = None,
        cause: Failure | None = None,
        *,
        application_failure_info: ApplicationFailureInfo | None = None,
        timeout_failure_info: TimeoutFailureInfo | None = None,
        canceled_failure_info: CanceledFailureInfo | None = None,
        terminated_failure_info: TerminatedFailureInfo | None = None,
        server_failure_info: ServerFailureInfo | None = None,
        activity_failure_info: ActivityFailureInfo | None = None,
        child_workflow_execution_failure_info: ChildWorkflowExecutionFailureInfo | None = None,
    ) -> None:
        self._message = message
        self._source = source
        self._stack_trace = stack_trace
        self._encoded_attributes = encoded_attributes
        self._cause = cause
        self._application_failure_info = application_failure_info
        self._timeout_failure_info = timeout_failure_info
        self._canceled_failure_info = canceled_failure_info
        self._terminated_failure_info = terminated_failure_info
        self._server_failure_info = server_failure_info
        self._activity_failure_info = activity_failure_info
        self._child_workflow_execution_failure_info = child_workflow_execution_failure_info
        given = [name for name in _FAILURE_INFOS if self._get(name) is not None]
        if len(given) > 1:
            raise ValueError(f"a Failure has one failure_info, not {len(given)}: {', '.join(given)}")

    def WhichOneof(self, oneof_group: str) -> str | None:  # noqa: N802 - protobuf's name
        """The name of the ``failure_info`` field that is set, or None."""
        if oneof_group != "failure_info":
            raise ValueError(f'Protocol message has no oneof "{oneof_group}" field.')
        return next((name for name in _FAILURE_INFOS if self._get(name) is not None), None)

    @property
    def message(self) -> str:
        """The failure's message."""
        return self._message

    @property
    def source(self) -> str:
        """Where the failure originated (temporalio's Python SDK leaves it empty, as durable does)."""
        return self._source

    @property
    def stack_trace(self) -> str:
        """Where it was raised: the traceback's frames, as ``traceback.format_tb`` renders them."""
        return self._stack_trace

    @property
    def encoded_attributes(self) -> Payload:
        """Message and stack trace encoded together, for a codec to protect (empty when unused)."""
        return self._encoded_attributes or _EMPTY_PAYLOAD

    @property
    def cause(self) -> Failure:
        """The failure that caused this one (empty when none: check ``HasField("cause")``)."""
        return self._cause or Failure()

    @property
    def application_failure_info(self) -> ApplicationFailureInfo:
        """Set for an application error."""
        return self._application_failure_info or ApplicationFailureInfo()

    @property
    def timeout_failure_info(self) -> TimeoutFailureInfo:
        """Set for a timeout."""
        return self._timeout_failure_info or TimeoutFailureInfo()

    @property
    def canceled_failure_info(self) -> CanceledFailureInfo:
        """Set for a cancellation."""
        return self._canceled_failure_info or CanceledFailureInfo()

    @property
    def terminated_failure_info(self) -> TerminatedFailureInfo:
        """Set for a termination."""
        return self._terminated_failure_info or TerminatedFailureInfo()

    @property
    def server_failure_info(self) -> ServerFailureInfo:
        """Set for an engine failure."""
        return self._server_failure_info or ServerFailureInfo()

    @property
    def activity_failure_info(self) -> ActivityFailureInfo:
        """Set for an activity's failure (its cause says why)."""
        return self._activity_failure_info or ActivityFailureInfo()

    @property
    def child_workflow_execution_failure_info(self) -> ChildWorkflowExecutionFailureInfo:
        """Set for a child workflow's failure (its cause says why)."""
        return self._child_workflow_execution_failure_info or ChildWorkflowExecutionFailureInfo()


# -- durable's failure dicts -----------------------------------------------------------


def _payloads_of(texts: Iterable[str] | None) -> Payloads | None:
    texts = list(texts or ())
    return Payloads(payloads=[payload_from_text(t) for t in texts]) if texts else None


def _texts_of(payloads: Payloads) -> list[str]:
    return [payload_to_text(p) for p in payloads.payloads]


def failure_of(failure: Mapping[str, Any]) -> Failure:
    """The :class:`Failure` a durable failure dict stands for (with its cause chain)."""
    infos: dict[str, Any] = {}
    if (app := failure.get("application")) is not None:
        delay = app.get("next_retry_delay")
        infos["application_failure_info"] = ApplicationFailureInfo(
            type=app.get("type") or "",
            non_retryable=bool(app.get("non_retryable")),
            details=_payloads_of(app.get("details")),
            next_retry_delay=Duration.of(timedelta(seconds=delay)) if delay else None,
            category=int(app.get("category") or 0),
        )
    elif (t := failure.get("timeout")) is not None:
        infos["timeout_failure_info"] = TimeoutFailureInfo(
            timeout_type=int(t.get("type") or 0), last_heartbeat_details=_payloads_of(t.get("last_heartbeat_details"))
        )
    elif (c := failure.get("canceled")) is not None:
        infos["canceled_failure_info"] = CanceledFailureInfo(details=_payloads_of(c.get("details")))
    elif failure.get("terminated") is not None:
        infos["terminated_failure_info"] = TerminatedFailureInfo()
    elif (s := failure.get("server")) is not None:
        infos["server_failure_info"] = ServerFailureInfo(non_retryable=bool(s.get("non_retryable")))
    elif (a := failure.get("activity")) is not None:
        infos["activity_failure_info"] = ActivityFailureInfo(
            scheduled_event_id=int(a.get("scheduled_event_id") or 0),
            started_event_id=int(a.get("started_event_id") or 0),
            identity=a.get("identity") or "",
            activity_type=ActivityType(a.get("activity_type") or ""),
            activity_id=a.get("activity_id") or "",
            retry_state=int(a.get("retry_state") or 0),
        )
    elif (c := failure.get("child_workflow")) is not None:
        infos["child_workflow_execution_failure_info"] = ChildWorkflowExecutionFailureInfo(
            namespace=c.get("namespace") or "",
            workflow_execution=WorkflowExecution(c.get("workflow_id") or "", c.get("run_id") or ""),
            workflow_type=WorkflowType(c.get("workflow_type") or ""),
            initiated_event_id=int(c.get("initiated_event_id") or 0),
            started_event_id=int(c.get("started_event_id") or 0),
            retry_state=int(c.get("retry_state") or 0),
        )
    encoded = failure.get("encoded_attributes")
    return Failure(
        message=failure.get("message") or "",
        source=failure.get("source") or "",
        stack_trace=failure.get("stack_trace") or "",
        encoded_attributes=payload_from_text(encoded) if encoded else None,
        cause=failure_of(failure["cause"]) if failure.get("cause") else None,
        **infos,
    )


def failure_dict(failure: Failure) -> dict[str, Any]:
    """The durable failure dict of a :class:`Failure` (inverse of :func:`failure_of`)."""
    out: dict[str, Any] = {"message": failure.message, "stack_trace": failure.stack_trace}
    if failure.source:
        out["source"] = failure.source
    if failure.HasField("encoded_attributes"):
        out["encoded_attributes"] = payload_to_text(failure.encoded_attributes)
    kind = failure.WhichOneof("failure_info")
    if kind == "application_failure_info":
        app = failure.application_failure_info
        out["application"] = {
            "type": app.type or None,
            "non_retryable": app.non_retryable,
            "details": _texts_of(app.details),
            "next_retry_delay": app.next_retry_delay.ToTimedelta().total_seconds()
            if app.HasField("next_retry_delay")
            else None,
            "category": app.category,
        }
    elif kind == "timeout_failure_info":
        t = failure.timeout_failure_info
        out["timeout"] = {"type": t.timeout_type or None, "last_heartbeat_details": _texts_of(t.last_heartbeat_details)}
    elif kind == "canceled_failure_info":
        out["canceled"] = {"details": _texts_of(failure.canceled_failure_info.details)}
    elif kind == "terminated_failure_info":
        out["terminated"] = {"details": []}
    elif kind == "server_failure_info":
        out["server"] = {"non_retryable": failure.server_failure_info.non_retryable}
    elif kind == "activity_failure_info":
        a = failure.activity_failure_info
        out["activity"] = {
            "scheduled_event_id": a.scheduled_event_id,
            "started_event_id": a.started_event_id,
            "identity": a.identity,
            "activity_type": a.activity_type.name,
            "activity_id": a.activity_id,
            "retry_state": a.retry_state or None,
        }
    elif kind == "child_workflow_execution_failure_info":
        c = failure.child_workflow_execution_failure_info
        out["child_workflow"] = {
            "namespace": c.namespace,
            "workflow_id": c.workflow_execution.workflow_id,
            "run_id": c.workflow_execution.run_id,
            "workflow_type": c.workflow_type.name,
            "initiated_event_id": c.initiated_event_id,
            "started_event_id": c.started_event_id,
            "retry_state": c.retry_state or None,
        }
    if failure.HasField("cause"):
        out["cause"] = failure_dict(failure.cause)
    return out
