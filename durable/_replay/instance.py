"""The workflow instance: a deterministic asyncio event loop that runs workflow code.

As in temporalio, the instance *is* the event loop while workflow code runs: its clock is
workflow time (the time of the decision being made or replayed), ``call_later`` becomes
a durable timer command, and nothing ever blocks. An activation applies the inputs of
one decision (signals first, then the rest, temporalio's order), runs every ready
callback until all tasks wait, and returns the commands the code issued. Given the same
inputs it issues the same commands: that is what replay checks.

Pure: no I/O, no wall clock, no global randomness.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextvars
import inspect
import json
import logging
import random
import types
import uuid
import warnings
from collections.abc import Callable, Coroutine, Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any, NoReturn, NotRequired, TypedDict, TypeVar, TypeVarTuple, Unpack, cast

from durable import _converter, _failure
from durable._activity.definition import ActivityDefinition
from durable._headers import from_wire, to_wire
from durable._limits import check_id
from durable._replay import decoding
from durable._replay import events as ev
from durable._replay import runtime as _runtime
from durable._replay.child_options import child_start_options, continue_as_new_options
from durable._replay.children import ChildWorkflowCancellationType, ChildWorkflowHandle, ParentClosePolicy
from durable._replay.commands import (
    AcceptUpdate,
    CancelExternal,
    CancelTimer,
    CancelWorkflow,
    Command,
    CompleteUpdate,
    CompleteWorkflow,
    ContinueAsNew,
    ContinueAsNewOptions,
    FailWorkflow,
    RecordLocalActivity,
    RecordPatch,
    RequestCancelActivity,
    ScheduleActivity,
    SignalExternal,
    StartChildWorkflow,
    StartTimer,
    UpsertSearchAttributes,
)
from durable._replay.context import Info, UpdateInfo, _current_update
from durable._replay.definition import (
    HandlerUnfinishedPolicy,
    QueryDefinition,
    SignalDefinition,
    UpdateDefinition,
    WorkflowDefinition,
    query_handler,
    signal_handler,
    update_handler,
)
from durable._replay.events import Event
from durable._replay.intercepted import InstanceInbound, InstanceOutbound
from durable._replay.interceptor import (
    ContinueAsNewInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    SignalChildWorkflowInput,
    SignalExternalWorkflowInput,
    StartActivityInput,
    StartChildWorkflowInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)
from durable._replay.tasks import GenericTask
from durable._sandbox import state as _sandbox
from durable._search_attributes import (
    SearchAttributes,
    TypedSearchAttributes,
    changes_of,
    from_stored,
    merged,
    untyped,
)
from durable.common import RetryPolicy, WorkflowIDReusePolicy
from durable.exceptions import (
    ActivityError,
    CancelledError,
    FailureError,
    RetryState,
    TemporalError,
    is_cancelled_exception,
)

__all__ = [
    "ActivityCancellationType",
    "ChildWorkflowCancellationType",
    "ChildWorkflowHandle",
    "ContinueAsNewError",
    "LocalActivityOutcome",
    "LocalActivityRequest",
    "ParentClosePolicy",
    "QueryArgumentsError",
    "QueryFailed",
    "QueryNotFound",
    "ReadOnlyContextError",
    "UnfinishedSignalHandlersWarning",
    "UnfinishedUpdateHandlersWarning",
    "WorkflowInstance",
    "WorkflowTaskError",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
ReturnType = TypeVar("ReturnType")
_Ts = TypeVarTuple("_Ts")
# asyncio's task factory: what set_task_factory takes (typeshed's, which asyncio keeps private).
_TaskFactory = Callable[
    [asyncio.AbstractEventLoop, Coroutine[Any, Any, Any] | Generator[Any, None, Any]], "asyncio.Future[Any]"
]


class ActivityCancellationType(IntEnum):
    """What cancelling an activity handle waits for (temporalio's values)."""

    TRY_CANCEL = 0
    """Ask the activity to stop and resolve the handle as cancelled at once."""
    WAIT_CANCELLATION_COMPLETED = 1
    """Ask the activity to stop and wait until it reports how it ended."""
    ABANDON = 2
    """Resolve the handle as cancelled at once and leave the activity running."""


class WorkflowTaskError(Exception):
    """Workflow code raised something that is not a failure error: the task fails and is retried."""


class ContinueAsNewError(BaseException):
    """Raised by ``workflow.continue_as_new``; a BaseException so ``except Exception`` lets it pass."""

    def __init__(
        self,
        workflow_type: str,
        task_queue: str,
        input: list[str],
        headers: dict[str, str] | None = None,
        *,
        options: ContinueAsNewOptions | None = None,
    ) -> None:
        super().__init__("continue as new")
        self.workflow_type = workflow_type
        self.task_queue = task_queue
        self.input = input
        self.options: ContinueAsNewOptions = options or {}
        self.headers = headers or {}


class ReadOnlyContextError(TemporalError):
    """A query handler or an update validator tried to change the workflow."""


class UnfinishedUpdateHandlersWarning(RuntimeWarning):
    """The workflow exited before all update handlers had finished executing."""


class UnfinishedSignalHandlersWarning(RuntimeWarning):
    """The workflow exited before all signal handlers had finished executing."""


class QueryNotFound(KeyError):
    """The workflow has no handler for the query name."""

    def __str__(self) -> str:
        return str(self.args[0])


class QueryFailed(TemporalError):
    """A query handler raised: that query fails, and nothing else (the run goes on).

    ``str()`` names the handler's exception type; :attr:`message` is its message alone,
    which is what temporalio's ``WorkflowQueryFailedError`` carries.
    """

    def __init__(self, message: str, *, type_name: str | None = None) -> None:
        super().__init__(f"{type_name}: {message}" if type_name else message)
        self.message = message


class QueryArgumentsError(QueryFailed, TypeError):
    """The query's arguments do not fit its handler's parameters (wrong type or count)."""


class _TimerHandle(asyncio.TimerHandle):
    __slots__ = ("_seq",)
    _seq: int  # the timer's sequence number; 0 for a delay that needs no timer in history


class ActivityHandle(GenericTask[ReturnType]):
    """The handle ``workflow.start_activity`` returns: an awaitable, cancellable task."""

    def __init__(
        self, instance: WorkflowInstance, command: ScheduleActivity, result_hint: Any, coro: Coroutine[Any, Any, Any]
    ) -> None:
        super().__init__(coro, loop=instance, name=f"activity: {command.activity_type}")
        self._instance = instance
        self._command = command
        self._result_hint = result_hint
        self._result_fut: asyncio.Future[Any] = instance.create_future()
        self._started = False
        self._cancel_requested = False

    def cancel(self, msg: Any | None = None) -> bool:
        # Cancelled before its coroutine ever ran, the handle would never see the
        # CancelledError that issues the cancel command: issue it here.
        if not self._started and not self.done():
            self._request_cancel()
        return super().cancel(msg)

    def _request_cancel(self) -> None:
        if self._cancel_requested or self._result_fut.done():
            return
        self._cancel_requested = True
        kind = self._command.cancellation_type
        if kind != ActivityCancellationType.ABANDON:
            self._instance._add_command(RequestCancelActivity(seq=self._command.seq))
        if kind != ActivityCancellationType.WAIT_CANCELLATION_COMPLETED:
            self._resolve(exception=self._instance._activity_cancelled_error(self._command))

    def _resolve(self, *, result: Any = None, exception: BaseException | None = None) -> None:
        if self._result_fut.done():
            return  # resolved already (TRY_CANCEL / ABANDON); the late outcome changes nothing
        if exception is not None:
            if self._started:  # never awaited otherwise: setting it would only log a warning
                self._result_fut.set_exception(exception)
            else:
                self._result_fut.cancel()
        else:
            self._result_fut.set_result(result)


@dataclass(frozen=True)
class LocalActivityRequest:
    """A local activity the code asked for, to run inline before the decision commits."""

    seq: int
    activity_id: str
    activity_type: str
    input: list[str]
    schedule_to_close_timeout: float | None
    start_to_close_timeout: float | None
    retry_policy: dict[str, Any]
    local_retry_threshold: float
    original_schedule_time: float
    attempt: int = 1
    cancellation_type: int = 0
    summary: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """What the workflow's outbound interceptors attached (``durable._headers``)."""


class LocalActivityOutcome(TypedDict):
    """How a local activity's attempts from ``attempt`` on ended: a result, a final failure, or a
    failure whose next attempt waits ``backoff`` seconds for a durable timer (a marker's fields)."""

    seq: int
    attempt: int
    result: NotRequired[str]
    failure: NotRequired[dict[str, Any]]
    backoff: NotRequired[float]


class LocalActivityHandle(ActivityHandle[Any]):
    """The handle ``workflow.start_local_activity`` returns; cancelling drops what has not run."""

    def _request_cancel(self) -> None:
        if self._cancel_requested or self._result_fut.done():
            return
        self._cancel_requested = True
        self._instance._drop_local_activity(self._command.seq)
        self._resolve(exception=self._instance._activity_cancelled_error(self._command))


async def _wait_for_outcome(handle: ActivityHandle[Any]) -> Any:
    handle._started = True
    while True:
        try:
            # Shielded: cancelling the task must not cancel the outcome, which
            # the engine decides (TRY_CANCEL resolves it as cancelled at once).
            return await asyncio.shield(handle._result_fut)
        except asyncio.CancelledError:
            if handle._result_fut.done():
                raise
            handle._request_cancel()
            if (task := asyncio.current_task()) is not None:
                task.uncancel()


class WorkflowInstance(asyncio.AbstractEventLoop):
    """One run of a workflow class, driven by activations."""

    def __init__(self, definition: WorkflowDefinition, info: Info, *, seed: int) -> None:
        self.last_completion_result: str | None = None
        self.last_failure: dict[str, Any] | None = None
        self.definition = definition
        # The converter of the client or environment that registered the task queue: every
        # value in and out of this run goes through it.
        self.payload_converter = definition.data_converter.payload_converter
        self.info = info
        self.random = random.Random(seed)
        self.is_replaying = False
        self.history_length = 0
        self.read_only = False
        self._now = info.start_time.timestamp()
        self._ready: collections.deque[asyncio.Handle] = collections.deque()
        self._commands: list[Command] = []
        self._seq = {"timer": 0, "activity": 0, "external_signal": 0, "external_cancel": 0, "child": 0}
        self._children: dict[int, ChildWorkflowHandle[Any, Any]] = {}
        self._externals: dict[tuple[str, int], asyncio.Future[None]] = {}
        self._timers: dict[int, _TimerHandle] = {}
        self.next_timer_summary: str | None = None
        """``workflow.sleep``'s summary, for the timer its ``asyncio.sleep`` starts next."""
        self._activities: dict[int, ActivityHandle[Any]] = {}
        self._conditions: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        self._object: Any = None
        self._start_args: list[Any] = []
        self._main: asyncio.Task[Any] | None = None
        self._cancel_requested = False
        self._task_error: BaseException | None = None
        self._finished = False
        # Handlers by name, None for the dynamic one: the class's, then what the code sets
        # (workflow.set_signal_handler...). Signals no handler takes wait here, by name in
        # arrival order, until one is set (temporalio's rule).
        self._signals: dict[str | None, SignalDefinition] = dict(definition.signals.items())
        self._queries: dict[str | None, QueryDefinition] = dict(definition.queries.items())
        self._updates: dict[str | None, UpdateDefinition] = dict(definition.updates.items())
        if definition.dynamic_signal is not None:
            self._signals[None] = definition.dynamic_signal
        if definition.dynamic_query is not None:
            self._queries[None] = definition.dynamic_query
        if definition.dynamic_update is not None:
            self._updates[None] = definition.dynamic_update
        self._buffered_signals: dict[str, list[tuple[list[str], dict[str, str]]]] = {}  # (input, headers)
        self._running_updates: dict[str, tuple[str, HandlerUnfinishedPolicy]] = {}  # id -> (name, policy)
        self._running_signals: dict[int, tuple[str, HandlerUnfinishedPolicy]] = {}
        self._signal_runs = 0
        self._local_due: dict[int, LocalActivityRequest] = {}  # asked for, to run before the decision ends
        self._local_handles: dict[int, LocalActivityHandle] = {}
        self._local_backoffs: dict[int, asyncio.TimerHandle] = {}
        self.rejected_updates: list[dict[str, Any]] = []  # requests the last activation rejected, with "failure"
        self._patches: dict[str, bool] = {}
        self.known_patches: set[str] = set()  # markers the replayed decision recorded
        self.memo: dict[str, str] = {}  # encoded payloads, from the start event
        self.search_attributes: dict[str, dict[str, Any]] = {}  # stored form, kept current
        self._exception_handler: Any = None
        self.sandbox: Any = None  # the determinism sandbox its activations enter (durable._sandbox)
        self._task_factory: _TaskFactory | None = None
        self._failure_exception_types = definition.failure_exception_types  # a dynamic config may replace them
        # The interceptor chains (durable._replay.interceptor), made at the first activation.
        self._inbound: WorkflowInboundInterceptor = InstanceInbound(self)
        self._outbound: WorkflowOutboundInterceptor = InstanceOutbound(self)
        self._intercepted = False
        self._queries_answered = 0
        self.extern_functions: dict[str, Callable[..., Any]] = {}
        _runtime.attach(self, self)  # workflow code finds its run through the loop it runs on

    # -- activations ---------------------------------------------------------------------

    def activate(self, time: float, inputs: list[Event], updates: list[dict[str, Any]] | None = None) -> list[Command]:
        """Apply one decision's input events and run the code until every task waits.

        ``updates`` are update requests (``update_id``, ``name``, ``input``, ``dedup``) that
        reach the code after the signals; with ``validate`` false (replaying an accepted
        one) the validator is skipped. Rejected ones end in :attr:`rejected_updates`.

        Raises:
            WorkflowTaskError: the code raised something that must fail the workflow task.
        """
        self._now = max(self._now, time)
        self._commands = []
        self.rejected_updates = []
        signals = [e for e in inputs if e["event_type"] == ev.SIGNALED]
        others = [e for e in inputs if e["event_type"] != ev.SIGNALED]
        try:
            for e in others:
                if e["event_type"] == ev.WORKFLOW_STARTED:
                    self._start_args = self._decode_start_args(e["attributes"]["input"])

            def deliver_messages() -> None:
                for e in signals:
                    self._apply_signal(e["attributes"])
                for u in updates or ():
                    self._apply_update(u)

            def apply_others() -> None:
                for e in others:
                    self._apply(e)

            self._run_once(deliver_messages)
            self._run_once(apply_others)
        except WorkflowTaskError:
            raise
        except Exception as err:  # a payload that does not decode, a failing wait_condition...
            raise WorkflowTaskError(f"{type(err).__name__}: {err}") from err
        return self._issued()

    def _issued(self) -> list[Command]:
        commands, self._commands = self._commands, []
        # The closing command ends the decision (Temporal rejects anything after it),
        # even when other tasks issued commands later in the same activation.
        closing = [
            c for c in commands if isinstance(c, (CompleteWorkflow, FailWorkflow, CancelWorkflow, ContinueAsNew))
        ]
        if closing and not self.is_replaying:
            self._warn_unfinished_handlers()
        return [c for c in commands if c not in closing] + closing

    def local_activities_due(self) -> list[LocalActivityRequest]:
        """Local activities to run before the decision ends (none once the run has finished)."""
        return [] if self._finished else list(self._local_due.values())

    def resolve_local_activities(self, outcomes: list[LocalActivityOutcome]) -> list[Command]:
        """Hand local activity outcomes to the code, which runs until every task waits again.

        Each outcome (``seq``, ``attempt``, then ``result``, or ``failure`` with a
        ``backoff`` if another attempt follows a timer) is recorded as a marker first.

        Raises:
            WorkflowTaskError: as for :meth:`activate`.
        """
        self._commands = []
        try:

            def resolve() -> None:
                for o in outcomes:
                    self._apply_local_outcome(o)

            self._run_once(resolve)
        except WorkflowTaskError:
            raise
        except Exception as err:
            raise WorkflowTaskError(f"{type(err).__name__}: {err}") from err
        return self._issued()

    def _apply_local_outcome(self, outcome: LocalActivityOutcome) -> None:
        seq = outcome["seq"]
        request = self._local_due.pop(seq)
        handle = self._local_handles[seq]
        self._add_command(
            RecordLocalActivity(
                seq=seq,
                activity_id=request.activity_id,
                activity_type=request.activity_type,
                attempt=outcome["attempt"],
                original_schedule_time=request.original_schedule_time,
                result=outcome.get("result"),
                failure=outcome.get("failure"),
                backoff=outcome.get("backoff"),
                summary=request.summary,
            )
        )
        if "result" in outcome:
            del self._local_handles[seq]
            what = f"local activity {request.activity_type!r} (#{seq})"
            handle._resolve(
                result=decoding.decode_result(outcome["result"], handle._result_hint, what, self.payload_converter)
            )
        elif outcome.get("backoff") is not None:
            # As temporalio does: a back-off too long to wait in place is a durable timer, and
            # the next attempt is numbered anew (the next activity sequence number, taken now,
            # and with it the default activity id), as Temporal histories record it.
            new_seq = self._next_seq("activity")
            default_id = request.activity_id == str(seq)
            retried = replace(
                request,
                seq=new_seq,
                attempt=outcome["attempt"] + 1,
                activity_id=str(new_seq) if default_id else request.activity_id,
            )
            del self._local_handles[seq]
            self._local_handles[new_seq] = handle
            handle._command = retried  # type: ignore[assignment]

            def retry() -> None:
                self._local_backoffs.pop(new_seq, None)
                self._local_due[new_seq] = retried

            self._local_backoffs[new_seq] = self.call_later(outcome["backoff"], retry)
        else:
            del self._local_handles[seq]
            handle._resolve(exception=_failure.to_exception(outcome["failure"], self.payload_converter))

    def _drop_local_activity(self, seq: int) -> None:
        self._local_due.pop(seq, None)
        self._local_handles.pop(seq, None)
        if (backoff := self._local_backoffs.pop(seq, None)) is not None:
            backoff.cancel()

    def all_handlers_finished(self) -> bool:
        """Whether no signal or update handler is running."""
        return not self._running_updates and not self._running_signals

    def _warn_unfinished_handlers(self) -> None:
        # temporalio's warnings, word for word: the update's caller gets an error instead of its result.
        warn = HandlerUnfinishedPolicy.WARN_AND_ABANDON
        updates = [{"name": n, "id": i} for i, (n, p) in self._running_updates.items() if p == warn]
        if updates:
            warnings.warn(UnfinishedUpdateHandlersWarning(f"{_UNFINISHED_UPDATES} {json.dumps(updates)}"), stacklevel=1)
        signals = collections.Counter(n for n, p in self._running_signals.values() if p == warn)
        if signals:
            listed = json.dumps([{"name": n, "count": c} for n, c in signals.most_common()])
            warnings.warn(UnfinishedSignalHandlersWarning(f"{_UNFINISHED_SIGNALS} {listed}"), stacklevel=1)

    @property
    def finished(self) -> bool:
        """Whether the run method has ended (completed, failed or cancelled)."""
        return self._finished

    def _decode_start_args(self, payloads: list[str]) -> list[Any]:
        """The run method's arguments; a dynamic workflow's are one list of raw values."""
        if self.definition.dynamic:
            return [_converter.raw_values(payloads)]
        return decoding.decode_args(
            payloads, self.definition.arg_hints, f"workflow {self.info.workflow_type}", self.payload_converter
        )

    # -- handlers set at run time (workflow.set_signal_handler and friends) ----------------

    def get_handler(self, kind: str, name: str | None) -> Callable[..., Any] | None:
        """The ``signal``, ``query`` or ``update`` handler by that name (None: the dynamic one).

        A class's method comes bound to the workflow object; a missing name does not fall
        back to the dynamic handler (temporalio's rule).
        """
        tables: dict[str, Mapping[str | None, SignalDefinition | QueryDefinition | UpdateDefinition]] = {
            "signal": self._signals,
            "query": self._queries,
            "update": self._updates,
        }
        handler = tables[kind].get(name)
        if handler is None:
            return None
        return types.MethodType(handler.fn, self._object) if handler.is_method else handler.fn

    def set_signal_handler(self, name: str | None, handler: Callable[..., Any] | None) -> None:
        """Set (or with None remove) a signal handler; signals waiting for it run at once."""
        self._assert_not_read_only("set signal handler")
        if not handler:
            self._signals.pop(name, None)
            return
        definition = signal_handler(name, handler, is_method=False, stacklevel=5)
        self._signals[name] = definition
        if name is not None:
            waiting = [(name, i) for i in self._buffered_signals.pop(name, [])]
        else:  # the dynamic handler takes every waiting signal, name after name
            waiting = [(n, i) for n, inputs in self._buffered_signals.items() for i in inputs]
            self._buffered_signals.clear()
        for signal_name, (payloads, headers) in waiting:
            self._process_signal(definition, signal_name, payloads, headers)

    def set_query_handler(self, name: str | None, handler: Callable[..., Any] | None) -> None:
        """Set (or with None remove) a query handler."""
        self._assert_not_read_only("set query handler")
        if not handler:
            self._queries.pop(name, None)
            return
        if inspect.iscoroutinefunction(handler):
            warnings.warn("Queries as async def functions are deprecated", DeprecationWarning, stacklevel=4)
        self._queries[name] = query_handler(name, handler, is_method=False, stacklevel=5)

    def set_update_handler(
        self, name: str | None, handler: Callable[..., Any] | None, validator: Callable[..., Any] | None
    ) -> None:
        """Set (or with None remove) an update handler and its validator."""
        self._assert_not_read_only("set update handler")
        if not handler:
            self._updates.pop(name, None)
            return
        definition = update_handler(name, handler, is_method=False)
        if validator is not None:
            definition.set_validator(validator)
        self._updates[name] = definition

    def _call(self, handler: SignalDefinition | QueryDefinition | UpdateDefinition, values: list[Any]) -> Any:
        return handler.fn(self._object, *values) if handler.is_method else handler.fn(*values)

    def query(self, name: str, args: list[str], headers: Mapping[str, str] | None = None) -> str:
        """Run a query handler on the current state (through the inbound interceptors, which
        see ``headers``) and return its encoded result.

        Raises:
            QueryNotFound: no handler by that name.
            QueryFailed: the handler (or an interceptor) raised, or waited for something.
        """
        handler = self._queries.get(name) or self._queries.get(None)
        if handler is None:
            known = " ".join(sorted(n for n in self._queries if n))
            raise QueryNotFound(f"Query handler for '{name}' expected but not found, known queries: [{known}]")
        if self._object is None:
            self._object = self._instantiate()
        try:
            values = self._handler_args("query", name, args, handler)
        except Exception as err:
            reason = f"{err}: {err.__cause__}" if err.__cause__ is not None else str(err)
            raise QueryArgumentsError(reason) from err
        prev = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self)
        self.read_only = True
        outer_sandbox = _sandbox.enter(self.sandbox)
        try:
            self._ensure_interceptors()
            result = _run_to_end(
                self._inbound.handle_query(
                    HandleQueryInput(id=self._next_query_id(), query=name, args=values, headers=from_wire(headers))
                )
            )
        except Exception as err:
            # As temporalio answers it: the query fails with the handler's error; the run,
            # its next workflow task and every other query are untouched.
            raise QueryFailed(str(err), type_name=type(err).__name__) from err
        finally:
            _sandbox.leave(outer_sandbox)
            self.read_only = False
            asyncio.events._set_running_loop(prev)
        return _converter.encode(result, self.payload_converter)

    def _handler_args(
        self, kind: str, name: str, payloads: list[str], handler: SignalDefinition | QueryDefinition | UpdateDefinition
    ) -> list[Any]:
        """The arguments to call a signal, query or update handler with (temporalio's rules).

        A dynamic handler gets the name and the values as ``RawValue``s, to convert itself
        (``workflow.payload_converter().from_payload(args[0].payload, T)``); one in the
        older ``(name, *args)`` form gets the name and the values decoded.

        Raises:
            RuntimeError: "Failed decoding arguments", from the decoding error, as temporalio.
            TypeError: the handler cannot take that many arguments.
        """
        if handler.dynamic and not handler.dynamic_vararg:
            return [name, _converter.raw_values(payloads)]
        hints = handler.arg_hints[1:] if handler.dynamic else handler.arg_hints
        try:
            values = _converter.decode_args(payloads, hints, self.payload_converter)
        except Exception as err:
            if isinstance(err, FailureError) or isinstance(err, self._failure_exception_types):
                raise  # as temporalio: a failure error from a converter is not wrapped
            raise RuntimeError("Failed decoding arguments") from err
        if handler.dynamic:
            return [name, *values]
        try:
            inspect.signature(handler.fn).bind(*([self._object] if handler.is_method else []), *values)
        except TypeError as err:
            raise TypeError(f"{kind} {name!r} cannot take {len(values)} argument(s): {err}") from None
        return values

    def _apply_update(self, request: dict[str, Any]) -> None:
        """Validate (unless replaying an accepted one), accept and run an update, in a task.

        temporalio's rules: anything raised before acceptance (no handler, arguments that
        do not decode, the validator) rejects the update and leaves no trace; after it, a
        failure error completes the update as failed, and any other exception fails the
        workflow task, as in a signal handler.
        """
        update_id, name = request["update_id"], request["name"]

        async def run_update() -> None:
            _current_update.set(UpdateInfo(id=update_id, name=name))
            accepted = False
            try:
                # Looked up in the task: a handler the run method sets in this same
                # activation (before its first await) takes the update (temporalio's order).
                handler = self._updates.get(name) or self._updates.get(None)
                if handler is None:
                    known = " ".join(sorted(n for n in self._updates if n))
                    raise RuntimeError(
                        f"Update handler for '{name}' expected but not found, and there is no dynamic handler. "
                        f"known updates: [{known}]"
                    )
                self._running_updates[update_id] = (name, handler.unfinished_policy)
                # Arguments that do not fit reject the update before its validator runs
                # (temporalio's rule), never failing the workflow task.
                values = self._handler_args("update", name, request["input"], handler)
                headers = from_wire(request.get("headers"))
                if request.get("validate", True) and handler.validator is not None:
                    self.read_only = True
                    try:
                        self._inbound.handle_update_validator(
                            HandleUpdateInput(id=update_id, update=name, args=values, headers=headers)
                        )
                    finally:
                        self.read_only = False
                    # Decoded again: the validator may have changed the arguments it was given.
                    values = self._handler_args("update", name, request["input"], handler)
                accepted = True
                self._add_command(
                    AcceptUpdate(
                        update_id=update_id,
                        name=name,
                        input=request["input"],
                        dedup=request["dedup"],
                        headers=request.get("headers") or {},
                    )
                )
                result = await self._inbound.handle_update_handler(
                    HandleUpdateInput(id=update_id, update=name, args=values, headers=headers)
                )
                self._add_command(
                    CompleteUpdate(update_id=update_id, result=_converter.encode(result, self.payload_converter))
                )
            except ReadOnlyContextError as err:
                self._task_error = err
            except ContinueAsNewError:
                self._task_error = RuntimeError("Cannot continue as new from an update handler")
            except (Exception, asyncio.CancelledError) as err:
                if isinstance(err, asyncio.CancelledError):
                    err = CancelledError(f"Cancellation raised within update {err}")
                if not accepted:
                    self.rejected_updates.append(
                        {**request, "failure": _failure.from_exception(err, self.payload_converter)}
                    )
                elif isinstance(err, FailureError) or isinstance(err, self._failure_exception_types):
                    self._add_command(
                        CompleteUpdate(
                            update_id=update_id, failure=_failure.from_exception(err, self.payload_converter)
                        )
                    )
                else:
                    self._task_error = err
            finally:
                self._running_updates.pop(update_id, None)

        self.create_task(run_update(), name=f"update: {name}")

    def _run_once(self, apply: Callable[[], Any]) -> None:
        prev = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self)
        outer_sandbox = _sandbox.enter(self.sandbox)  # the workflow's code runs only in here
        try:
            self._ensure_interceptors()
            if self._object is None:
                self._object = self._instantiate()
            apply()
            while self._ready:
                while self._ready:
                    handle = self._ready.popleft()
                    if not handle._cancelled:
                        handle._run()
                    if self._task_error is not None:
                        err, self._task_error = self._task_error, None
                        raise WorkflowTaskError(f"{type(err).__name__}: {err}") from err
                self._conditions = [
                    (fn, fut) for fn, fut in self._conditions if not fut.done() and not self._check(fn, fut)
                ]
        finally:
            _sandbox.leave(outer_sandbox)
            asyncio.events._set_running_loop(prev)

    @staticmethod
    def _check(fn: Callable[[], Any], fut: asyncio.Future[Any]) -> bool:
        if fn():
            fut.set_result(True)
            return True
        return False

    def _instantiate(self) -> Any:
        d = self.definition
        obj = d.cls(*self._start_args) if d.init_takes_args else d.cls()
        if d.dynamic and d.dynamic_config_fn is not None:
            # temporalio's order: once the object exists, before the run method; a failure
            # fails the workflow task.
            self.read_only = True
            try:
                config = d.dynamic_config_fn(obj)
            except Exception:
                if not self.is_replaying:
                    logger.exception("Failed to run dynamic config function in workflow %s", self.info.workflow_type)
                raise
            finally:
                self.read_only = False
            if config is not None and config.failure_exception_types is not None:
                self._failure_exception_types = tuple(config.failure_exception_types)
        return obj

    def _apply(self, event: Event) -> None:
        kind, attrs = event["event_type"], event["attributes"]
        if kind == ev.WORKFLOW_STARTED:
            self._main = self.create_task(self._run_top_level(self._run_main()), name="run")
        elif kind == ev.TIMER_FIRED:
            handle = self._timers.pop(attrs["seq"], None)
            if handle is not None and not handle._cancelled:
                self._ready.append(handle)
        elif kind == ev.ACTIVITY_COMPLETED:
            if (act := self._activities.pop(attrs["seq"], None)) is not None:
                what = f"activity {act._command.activity_type!r} (#{attrs['seq']})"
                act._resolve(
                    result=decoding.decode_result(attrs["result"], act._result_hint, what, self.payload_converter)
                )
        elif kind == ev.ACTIVITY_FAILED:
            if (act := self._activities.pop(attrs["seq"], None)) is not None:
                act._resolve(exception=_failure.to_exception(attrs["failure"], self.payload_converter))
        elif kind == ev.ACTIVITY_CANCELED:
            if (act := self._activities.pop(attrs["seq"], None)) is not None:
                act._resolve(exception=self._activity_cancelled_error(act._command))
        elif kind in ev.EXTERNAL_OUTCOMES:
            which = (
                "external_signal" if kind in (ev.EXTERNAL_SIGNALED, ev.EXTERNAL_SIGNAL_FAILED) else "external_cancel"
            )
            fut = self._externals.pop((which, attrs["seq"]), None)
            if fut is not None and not fut.done():
                if "failure" in attrs:
                    fut.set_exception(_failure.to_exception(attrs["failure"], self.payload_converter))
                else:
                    fut.set_result(None)
        elif kind in ev.CHILD_OUTCOMES:
            child = self._children.get(attrs["seq"])
            if child is not None and child._apply(event):
                del self._children[attrs["seq"]]
        elif kind == ev.CANCEL_REQUESTED:
            self._cancel_requested = True
            # Queued behind the run method's first step: a workflow cancelled before it
            # ever ran still starts, and meets the cancellation at its first await.
            self.call_soon(self._cancel_main)

    async def _run_main(self) -> None:
        result = await self._inbound.execute_workflow(
            ExecuteWorkflowInput(
                type=self.definition.cls,
                run_fn=self.definition.run_fn,
                args=self._start_args,
                headers=self.info.headers,
            )
        )
        self._finished = True
        self._add_command(CompleteWorkflow(result=_converter.encode(result, self.payload_converter)))

    async def _run_top_level(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            await coro
        except ContinueAsNewError as err:
            if not self._finished:
                self._finished = True
                self._add_command(
                    ContinueAsNew(
                        new_execution_run_id=str(self.uuid4()),
                        workflow_type=err.workflow_type,
                        task_queue=err.task_queue,
                        input=err.input,
                        headers=err.headers,
                        **err.options,
                    )
                )
        except (Exception, asyncio.CancelledError) as err:
            if self._finished:
                return
            if isinstance(err, asyncio.CancelledError):
                err = CancelledError(str(err) or "Cancelled")
            if self._cancel_requested and is_cancelled_exception(err):
                self._finished = True
                self._add_command(CancelWorkflow())
            elif isinstance(err, FailureError) or isinstance(err, self._failure_exception_types):
                self._finished = True
                self._add_command(FailWorkflow(failure=_failure.from_exception(err, self.payload_converter)))
            else:
                self._task_error = err

    def _cancel_main(self) -> None:
        if self._main is not None and not self._main.done():
            self._main.cancel()

    def _apply_signal(self, attrs: dict[str, Any]) -> None:
        name = attrs["signal_name"]
        handler = self._signals.get(name) or self._signals.get(None)
        if handler is None:
            # Kept for a handler the code may set later (workflow.set_signal_handler).
            logger.debug("workflow %s has no handler for signal %r yet; it is buffered", self.info.workflow_type, name)
            self._buffered_signals.setdefault(name, []).append((attrs["input"], attrs.get("headers") or {}))
            return
        self._process_signal(handler, name, attrs["input"], attrs.get("headers") or {})

    def _process_signal(
        self, handler: SignalDefinition, name: str, payloads: list[str], headers: dict[str, str]
    ) -> None:
        try:
            values = self._handler_args("signal", name, payloads, handler)
        except Exception:
            # temporalio's rule: a signal whose input does not decode is dropped with an
            # error log line (its words), and the run goes on: failing the task would fail it
            # again on every retry, the signal being in the history for good. A wrong number
            # of arguments is dropped too, where temporalio 1.35 still fails the task
            # (sdk-python#355 asks to drop it). Replay drops it again, silently: the decision
            # that first met it has reported it.
            if not self.is_replaying:
                info = self.info
                logger.exception(
                    "Failed deserializing signal input for %s on workflow %s with ID %s and run ID %s, "
                    "dropping the signal",
                    name,
                    info.workflow_type,
                    info.workflow_id,
                    info.run_id,
                )
            return

        self._signal_runs += 1
        key = self._signal_runs

        async def run_handler() -> None:
            self._running_signals[key] = (name, handler.unfinished_policy)
            try:
                await self._inbound.handle_signal(
                    HandleSignalInput(signal=name, args=values, headers=from_wire(headers))
                )
            finally:
                self._running_signals.pop(key, None)

        self.create_task(self._run_top_level(run_handler()), name=f"signal: {name}")

    # -- what workflow code calls (through durable.workflow) -------------------------------

    def _assert_not_read_only(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyContextError(
                f"{what} is not allowed in read-only mode "
                "(a query handler or update validator must not change the workflow)"
            )

    def _add_command(self, command: Command) -> None:
        self._assert_not_read_only(type(command).__name__)
        self._commands.append(command)

    def _next_seq(self, kind: str) -> int:
        self._seq[kind] += 1
        return self._seq[kind]

    def start_activity(
        self,
        activity: Any,
        *args: Any,
        task_queue: str | None,
        result_type: type | None,
        schedule_to_close_timeout: timedelta | None,
        start_to_close_timeout: timedelta | None,
        heartbeat_timeout: timedelta | None,
        retry_policy: RetryPolicy | None,
        cancellation_type: ActivityCancellationType,
        activity_id: str | None,
        schedule_to_start_timeout: timedelta | None = None,
        summary: str | None = None,
    ) -> ActivityHandle[Any]:
        """Start an activity through the outbound interceptors; see :meth:`_schedule_activity`."""
        name, hint = ActivityDefinition.name_and_result_hint(activity)
        return self._outbound.start_activity(
            StartActivityInput(
                activity=name,
                args=args,
                activity_id=activity_id,
                task_queue=task_queue,
                schedule_to_close_timeout=schedule_to_close_timeout,
                schedule_to_start_timeout=schedule_to_start_timeout,
                start_to_close_timeout=start_to_close_timeout,
                heartbeat_timeout=heartbeat_timeout,
                retry_policy=retry_policy,
                cancellation_type=cancellation_type,
                headers={},
                disable_eager_execution=False,
                versioning_intent=None,
                summary=summary,
                priority=None,
                arg_types=None,
                ret_type=result_type or hint,
            )
        )

    def _schedule_activity(self, input: StartActivityInput) -> ActivityHandle[Any]:
        """Issue a ScheduleActivity command and return the handle awaiting its outcome."""
        self._assert_not_read_only("starting an activity")
        start_to_close_timeout, schedule_to_close_timeout = (
            input.start_to_close_timeout,
            input.schedule_to_close_timeout,
        )
        if not start_to_close_timeout and not schedule_to_close_timeout:
            raise ValueError("Activity must have start_to_close_timeout or schedule_to_close_timeout")
        activity_id = input.activity_id
        if activity_id is not None:
            check_id("activity id", activity_id)
        # The input's fields under the names the command below was built from before interceptors.
        name, hint = input.activity, input.ret_type
        args, task_queue, result_type = input.args, input.task_queue, None
        heartbeat_timeout, retry_policy, cancellation_type = (
            input.heartbeat_timeout,
            input.retry_policy,
            input.cancellation_type,
        )
        # As Temporal's server does: one attempt may take the whole schedule-to-close budget.
        start_to_close_timeout = start_to_close_timeout or schedule_to_close_timeout
        seq = self._next_seq("activity")
        command = ScheduleActivity(
            seq=seq,
            activity_id=activity_id or str(seq),
            activity_type=name,
            task_queue=task_queue or self.info.task_queue,
            input=_converter.encode_args(args, self.payload_converter),
            schedule_to_close_timeout=_seconds(schedule_to_close_timeout),
            start_to_close_timeout=_seconds(start_to_close_timeout),
            heartbeat_timeout=_seconds(heartbeat_timeout),
            retry_policy=(retry_policy or RetryPolicy()).to_dict(),
            cancellation_type=int(cancellation_type),
            schedule_to_start_timeout=_seconds(input.schedule_to_start_timeout),
            summary=input.summary,
            headers=to_wire(input.headers),
        )
        handle: ActivityHandle[Any]

        async def run() -> Any:
            return await _wait_for_outcome(handle)

        handle = ActivityHandle(self, command, result_type or hint, run())
        self._activities[seq] = handle
        self._add_command(command)
        return handle

    def start_local_activity(
        self,
        activity: Any,
        *args: Any,
        result_type: type | None,
        schedule_to_close_timeout: timedelta | None,
        start_to_close_timeout: timedelta | None,
        retry_policy: RetryPolicy | None,
        local_retry_threshold: timedelta | None,
        cancellation_type: ActivityCancellationType,
        activity_id: str | None,
        summary: str | None = None,
    ) -> ActivityHandle[Any]:
        """Start a local activity through the outbound interceptors; see :meth:`_schedule_local_activity`."""
        name, hint = ActivityDefinition.name_and_result_hint(activity)
        return self._outbound.start_local_activity(
            StartLocalActivityInput(
                activity=name,
                args=args,
                activity_id=activity_id,
                schedule_to_close_timeout=schedule_to_close_timeout,
                schedule_to_start_timeout=None,
                start_to_close_timeout=start_to_close_timeout,
                retry_policy=retry_policy,
                local_retry_threshold=local_retry_threshold,
                cancellation_type=cancellation_type,
                headers={},
                summary=summary,
                ret_type=result_type or hint,
            )
        )

    def _schedule_local_activity(self, input: StartLocalActivityInput) -> ActivityHandle[Any]:
        """Ask for a local activity: it runs when every task waits, before the decision ends."""
        self._assert_not_read_only("starting a local activity")
        start_to_close_timeout, schedule_to_close_timeout = (
            input.start_to_close_timeout,
            input.schedule_to_close_timeout,
        )
        if not start_to_close_timeout and not schedule_to_close_timeout:
            raise ValueError("Activity must have start_to_close_timeout or schedule_to_close_timeout")
        # The input's fields under the names the command below was built from before interceptors.
        name, hint = input.activity, input.ret_type
        args, activity_id, result_type = input.args, input.activity_id, None
        retry_policy, local_retry_threshold = input.retry_policy, input.local_retry_threshold
        cancellation_type = input.cancellation_type
        seq = self._next_seq("activity")  # one numbering with activities, as temporalio's ids show
        request = LocalActivityRequest(
            seq=seq,
            activity_id=activity_id or str(seq),
            activity_type=name,
            input=_converter.encode_args(args, self.payload_converter),
            schedule_to_close_timeout=_seconds(schedule_to_close_timeout),
            start_to_close_timeout=_seconds(start_to_close_timeout or schedule_to_close_timeout),
            retry_policy=(retry_policy or RetryPolicy()).to_dict(),
            local_retry_threshold=(
                _LOCAL_RETRY_THRESHOLD if local_retry_threshold is None else local_retry_threshold.total_seconds()
            ),
            original_schedule_time=self._now,
            cancellation_type=int(cancellation_type),
            summary=input.summary,
            headers=to_wire(input.headers),
        )
        handle: LocalActivityHandle

        async def run() -> Any:
            return await _wait_for_outcome(handle)

        handle = LocalActivityHandle(self, request, result_type or hint, run())  # type: ignore[arg-type]
        self._local_handles[seq] = handle
        self._local_due[seq] = request
        return handle

    def _activity_cancelled_error(self, command: ScheduleActivity | LocalActivityRequest) -> ActivityError:
        err = ActivityError(
            "Activity cancelled",
            scheduled_event_id=0,
            started_event_id=0,
            identity="",
            activity_type=command.activity_type,
            activity_id=command.activity_id,
            retry_state=RetryState.CANCEL_REQUESTED,
        )
        err.__cause__ = CancelledError("Cancelled")
        return err

    async def signal_external(self, workflow_id: str, run_id: str | None, name: str, args: list[Any]) -> None:
        """Signal another workflow through the outbound interceptors; see :meth:`_signal_external`."""
        await self._outbound.signal_external_workflow(
            SignalExternalWorkflowInput(
                signal=name,
                args=args,
                namespace=self.info.namespace,
                workflow_id=workflow_id,
                workflow_run_id=run_id,
                headers={},
            )
        )

    async def signal_child(self, workflow_id: str, name: str, args: list[Any]) -> None:
        """Signal a child through the outbound interceptors (by workflow id: it follows continue-as-new)."""
        await self._outbound.signal_child_workflow(
            SignalChildWorkflowInput(signal=name, args=args, child_workflow_id=workflow_id, headers={})
        )

    async def _signal_external(
        self,
        workflow_id: str,
        run_id: str | None,
        name: str,
        args: Sequence[Any],
        headers: Mapping[str, _converter.Payload],
    ) -> None:
        """Signal another workflow; returns once the engine delivered it (or raises why not)."""
        self._assert_not_read_only("signalling a workflow")
        seq = self._next_seq("external_signal")
        command = SignalExternal(
            seq=seq,
            workflow_id=workflow_id,
            run_id=run_id,
            signal_name=name,
            input=_converter.encode_args(args, self.payload_converter),
            headers=to_wire(headers),
        )
        await self._external("external_signal", seq, command)

    async def cancel_external(self, workflow_id: str, run_id: str | None) -> None:
        """Ask another workflow to cancel; returns once the request was delivered."""
        self._assert_not_read_only("cancelling a workflow")
        seq = self._next_seq("external_cancel")
        await self._external("external_cancel", seq, CancelExternal(seq=seq, workflow_id=workflow_id, run_id=run_id))

    async def _external(self, which: str, seq: int, command: Command) -> None:
        fut = self.create_future()
        self._externals[(which, seq)] = fut
        self._add_command(command)
        await fut

    def issue_cancel_external(self, workflow_id: str, run_id: str | None) -> asyncio.Future[None]:
        """Ask another workflow to cancel without waiting; the future resolves once delivered."""
        seq = self._next_seq("external_cancel")
        fut = self.create_future()
        # Nothing may await it: a failure to deliver must not be logged as unretrieved.
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._externals[("external_cancel", seq)] = fut
        self._add_command(CancelExternal(seq=seq, workflow_id=workflow_id, run_id=run_id))
        return fut

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the workflow's tasks run on: this instance (see ``ChildWorkflowHost``)."""
        return self

    @property
    def workflow_object(self) -> Any:
        """The instance of the ``@workflow.defn`` class (None until the run method is called)."""
        return self._object

    async def start_child_workflow(
        self,
        workflow: Any,
        *args: Any,
        id: str,
        task_queue: str | None,
        result_type: type | None,
        cancellation_type: ChildWorkflowCancellationType,
        parent_close_policy: ParentClosePolicy,
        execution_timeout: timedelta | None,
        run_timeout: timedelta | None,
        id_reuse_policy: int,
        retry_policy: RetryPolicy | None,
        task_timeout: timedelta | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
    ) -> ChildWorkflowHandle[Any, Any]:
        """Start a child through the outbound interceptors; see :meth:`_start_child`."""
        name, hint = WorkflowDefinition.name_and_result_hint(workflow, error=TypeError)
        return await self._outbound.start_child_workflow(
            StartChildWorkflowInput(
                workflow=name,
                args=args,
                id=id,
                task_queue=task_queue,
                cancellation_type=cancellation_type,
                parent_close_policy=parent_close_policy,
                execution_timeout=execution_timeout,
                run_timeout=run_timeout,
                task_timeout=task_timeout,
                id_reuse_policy=WorkflowIDReusePolicy(id_reuse_policy),
                retry_policy=retry_policy,
                cron_schedule=cron_schedule,
                memo=memo,
                search_attributes=search_attributes,
                headers={},
                versioning_intent=None,
                static_summary=static_summary,
                static_details=static_details,
                priority=None,
                arg_types=None,
                ret_type=result_type or hint,
            )
        )

    async def _start_child(self, input: StartChildWorkflowInput) -> ChildWorkflowHandle[Any, Any]:
        """Issue a StartChildWorkflow command; return the handle once the child started.

        Raises:
            WorkflowAlreadyStartedError: the id is in use under ``id_reuse_policy``.
        """
        self._assert_not_read_only("starting a child workflow")
        id = input.id
        # As Temporal's server refuses the command: the workflow task fails (visible, retried).
        check_id("child workflow id", id)
        # The input's fields under the names the command below was built from before interceptors.
        name, hint, args, task_queue, result_type = input.workflow, input.ret_type, input.args, input.task_queue, None
        parent_close_policy, cancellation_type = input.parent_close_policy, input.cancellation_type
        id_reuse_policy, retry_policy = input.id_reuse_policy, input.retry_policy
        execution_timeout, run_timeout, task_timeout = input.execution_timeout, input.run_timeout, input.task_timeout
        seq = self._next_seq("child")
        command = StartChildWorkflow(
            seq=seq,
            workflow_id=id,
            # A pure function of the parent's run and the command: a restart after a
            # crash finds the same run instead of making a second one.
            run_id=str(uuid.uuid5(uuid.UUID(self.info.run_id), f"child/{seq}")),
            workflow_type=name,
            task_queue=task_queue or self.info.task_queue,
            input=_converter.encode_args(args, self.payload_converter),
            parent_close_policy=int(parent_close_policy or ParentClosePolicy.TERMINATE),
            cancellation_type=int(cancellation_type),
            id_reuse_policy=int(id_reuse_policy),
            retry_policy=retry_policy.to_dict() if retry_policy is not None else None,
            execution_timeout=_seconds(execution_timeout),
            run_timeout=_seconds(run_timeout),
            task_timeout=_seconds(task_timeout),
            headers=to_wire(input.headers),
            **child_start_options(
                cron_schedule=input.cron_schedule,
                memo=input.memo,
                search_attributes=input.search_attributes,
                static_summary=input.static_summary,
                static_details=input.static_details,
                converter=self.payload_converter,
            ),
        )
        handle: ChildWorkflowHandle[Any, Any] = ChildWorkflowHandle(self, command, result_type or hint)
        self._children[seq] = handle
        self._add_command(command)
        return await handle._wait_started()

    def upsert_search_attributes(self, updates: Any) -> None:
        """Change the run's search attributes (typed updates, or temporalio's older dict form).

        Raises:
            TypeError: a value does not fit its key's type.
        """
        self._assert_not_read_only("upserting search attributes")
        if not updates:
            return
        changes = changes_of(updates)
        self.search_attributes = merged(self.search_attributes, changes)
        # temporalio keeps the info's attributes current, in both forms, on the same object.
        object.__setattr__(self.info, "typed_search_attributes", from_stored(self.search_attributes))
        current = self.info.search_attributes
        if isinstance(current, dict):
            current.clear()
            current.update(untyped(self.search_attributes))
        self._add_command(UpsertSearchAttributes(search_attributes=changes))

    def patched(self, patch_id: str, *, deprecated: bool = False) -> bool:
        """Whether to take the new branch of a patch (temporalio's rules).

        A new decision takes it and records a marker; a replayed one takes it only if its
        history recorded the marker there, so runs started on the old code keep the old
        path. The answer is fixed for the rest of the run once given.
        """
        if patch_id in self._patches:
            return self._patches[patch_id]
        taken = True if deprecated else (not self.is_replaying or patch_id in self.known_patches)
        self._patches[patch_id] = taken
        if taken and (not self.is_replaying or patch_id in self.known_patches):
            self._add_command(RecordPatch(patch_id=patch_id, deprecated=deprecated))
        return taken

    async def wait_condition(self, fn: Callable[[], bool], timeout: float | None) -> None:
        """Wait until ``fn()`` is true, checked after every step of the workflow."""
        fut = self.create_future()
        self._conditions.append((fn, fut))
        await asyncio.wait_for(fut, timeout)

    def now(self) -> datetime:
        """Workflow time as an aware UTC datetime."""
        return datetime.fromtimestamp(self._now, tz=UTC)

    def uuid4(self) -> uuid.UUID:
        """A deterministic UUID from the workflow's random generator."""
        return uuid.UUID(int=self.random.getrandbits(128), version=4)

    def continue_as_new(
        self,
        workflow_type: str | None,
        task_queue: str | None,
        args: Sequence[Any],
        *,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        backoff_start_interval: timedelta | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
    ) -> NoReturn:
        """End the run as continued-as-new, through the outbound interceptors; see :meth:`_continue_as_new`."""
        self._outbound.continue_as_new(
            ContinueAsNewInput(
                workflow=workflow_type,
                args=args,
                task_queue=task_queue,
                run_timeout=run_timeout,
                task_timeout=task_timeout,
                backoff_start_interval=backoff_start_interval,
                retry_policy=None,
                memo=memo,
                search_attributes=search_attributes,
                headers={},
                versioning_intent=None,
            )
        )

    def _continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
        raise ContinueAsNewError(
            input.workflow or self.info.workflow_type,
            input.task_queue or self.info.task_queue,
            _converter.encode_args(input.args, self.payload_converter),
            to_wire(input.headers),
            options=continue_as_new_options(
                run_timeout=input.run_timeout,
                task_timeout=input.task_timeout,
                backoff_start_interval=input.backoff_start_interval,
                memo=input.memo,
                search_attributes=input.search_attributes,
                converter=self.payload_converter,
            ),
        )

    def _next_query_id(self) -> str:
        # Never from the workflow's random generator: a query must not change what the run does next.
        self._queries_answered += 1
        return f"{self.info.run_id}/query/{self._queries_answered}"

    def intercepted_info(self) -> Info:
        """``workflow.info()``, through the outbound interceptors."""
        return self._outbound.info()

    def _ensure_interceptors(self) -> None:
        """Make the interceptor chains of the worker's interceptors, once, inside the workflow's loop.

        As in temporalio: each interceptor's ``workflow_interceptor_class`` may add extern
        functions; the first interceptor's class is the outermost link; ``init`` passes the
        outbound chain down to the instance.
        """
        if self._intercepted:
            return
        self._intercepted = True
        classes = []
        for interceptor in self.definition.interceptors:
            cls = interceptor.workflow_interceptor_class(WorkflowInterceptorClassInput(self.extern_functions))
            if cls is not None:
                classes.append(cls)
        inbound: WorkflowInboundInterceptor = InstanceInbound(self)
        for cls in reversed(classes):
            inbound = cls(inbound)
        self._inbound = inbound
        inbound.init(InstanceOutbound(self))

    def _handler(self, kind: str, name: str) -> SignalDefinition | QueryDefinition:
        """The signal or query handler a call by ``name`` runs (the dynamic one if none is named so)."""
        table: Mapping[str | None, SignalDefinition | QueryDefinition] = (
            self._signals if kind == "signal" else self._queries
        )
        handler = table.get(name) or table.get(None)
        if handler is None:
            raise KeyError(f"no {kind} handler for {name!r}")
        return handler

    def _updates_handler(self, name: str) -> UpdateDefinition:
        handler = self._updates.get(name) or self._updates.get(None)
        if handler is None:
            raise KeyError(f"no update handler for {name!r}")
        return handler

    # -- asyncio.AbstractEventLoop --------------------------------------------------------

    def time(self) -> float:
        """Workflow time in epoch seconds: asyncio's timeouts are measured on it."""
        return self._now

    def call_soon(
        self,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        handle = asyncio.Handle(callback, args, self, context)
        self._ready.append(handle)
        return handle

    def call_later(
        self,
        delay: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        self._assert_not_read_only("starting a timer")
        if delay <= 0:  # nothing to wait for: asyncio semantics, no timer in history
            self.next_timer_summary = None
            handle = _TimerHandle(self._now, callback, args, self, context)
            handle._seq = 0
            self._ready.append(handle)
            return handle
        seq = self._next_seq("timer")
        handle = _TimerHandle(self._now + delay, callback, args, self, context)
        handle._seq = seq
        self._timers[seq] = handle
        summary, self.next_timer_summary = self.next_timer_summary, None
        self._add_command(StartTimer(seq=seq, duration=delay, summary=summary))
        return handle

    def call_at(
        self,
        when: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        return self.call_later(when - self._now, callback, *args, context=context)

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        seq = getattr(handle, "_seq", 0)
        if seq and self._timers.pop(seq, None) is not None:
            self._add_command(CancelTimer(seq=seq))

    def create_future(self) -> asyncio.Future[Any]:
        return asyncio.Future(loop=self)

    def create_task(
        self,
        coro: Coroutine[Any, Any, _T] | Generator[Any, None, _T],
        *,
        name: str | None = None,
        context: contextvars.Context | None = None,
    ) -> asyncio.Task[_T]:
        if self._task_factory is not None:
            # asyncio's contract: a task factory returns a Task (typeshed types it a Future).
            return cast("asyncio.Task[_T]", self._task_factory(self, coro))
        return asyncio.Task(coro, loop=self, name=name, context=context)

    def get_task_factory(self) -> _TaskFactory | None:
        return self._task_factory

    def set_task_factory(self, factory: _TaskFactory | None) -> None:
        self._task_factory = factory

    def get_debug(self) -> bool:
        return False

    def is_running(self) -> bool:
        return True

    def is_closed(self) -> bool:
        return False

    def get_exception_handler(self) -> Any:
        return self._exception_handler

    def set_exception_handler(self, handler: Any) -> None:
        self._exception_handler = handler

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        logger.debug("unhandled in workflow %s: %s", self.info.workflow_id, context.get("message"))

    def call_exception_handler(self, context: dict[str, Any]) -> None:
        if self._exception_handler is not None:
            self._exception_handler(self, context)
        else:
            self.default_exception_handler(context)

    def run_in_executor(
        self, executor: concurrent.futures.Executor | None, func: Callable[[Unpack[_Ts]], _T], *args: *_Ts
    ) -> asyncio.Future[_T]:
        raise RuntimeError("workflow code cannot use threads or executors; call an activity instead")


_UNFINISHED_UPDATES = (
    "[TMPRL1102] Workflow finished while update handlers are still running. This may have interrupted work that the "
    "update handler was doing, and the client that sent the update will receive a 'workflow execution already "
    "completed' RPCError instead of the update result. You can wait for all update and signal handlers to complete "
    "by using `await workflow.wait_condition(lambda: workflow.all_handlers_finished())`. Alternatively, if both you "
    "and the clients sending the update are okay with interrupting running handlers when the workflow finishes, and "
    "causing clients to receive errors, then you can disable this warning via the update handler decorator: "
    "`@workflow.update(unfinished_policy=workflow.HandlerUnfinishedPolicy.ABANDON)`. The following updates were "
    "unfinished (and warnings were not disabled for their handler):"
)
_UNFINISHED_SIGNALS = (
    "[TMPRL1102] Workflow finished while signal handlers are still running. This may have interrupted work that the "
    "signal handler was doing. You can wait for all update and signal handlers to complete by using `await "
    "workflow.wait_condition(lambda: workflow.all_handlers_finished())`. Alternatively, if both you and the clients "
    "sending the signal are okay with interrupting running handlers when the workflow finishes, then you can "
    "disable this warning via the signal handler decorator: "
    "`@workflow.signal(unfinished_policy=workflow.HandlerUnfinishedPolicy.ABANDON)`. The following signals were "
    "unfinished (and warnings were not disabled for their handler):"
)


_LOCAL_RETRY_THRESHOLD = 60.0
"""temporalio's default: back-offs up to a minute are waited out in place."""


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def _run_to_end(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a query's coroutine (its interceptors and handler) to its end, now.

    A query runs outside the workflow's activations, so nothing could resume one that waits:
    it fails instead.
    """
    try:
        coro.send(None)
    except StopIteration as done:
        return cast(_T, done.value)
    coro.close()
    raise RuntimeError("a query handler (or its interceptor) must not wait for anything")
