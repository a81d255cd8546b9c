"""Child workflows seen from the parent's code: the handle, its policies, its outcomes.

As in temporalio, ``start_child_workflow`` returns once the child's start is confirmed
(or raises ``WorkflowAlreadyStartedError``), and the handle is a task awaiting the
child's close. Cancelling that task asks the child to cancel in the way its
:class:`ChildWorkflowCancellationType` says. Pure: the engine turns the commands into
starts and cancels, and the child's close into events.
"""

from __future__ import annotations

import asyncio
from enum import IntEnum
from typing import Any, Generic, Protocol, TypeVar

from durable import _failure
from durable._conversion.payload_converter import PayloadConverter
from durable._replay import decoding
from durable._replay import events as ev
from durable._replay.commands import StartChildWorkflow
from durable._replay.context import Info
from durable._replay.definition import signal_name
from durable._replay.events import Event
from durable._replay.tasks import GenericTask
from durable.common import _arg_or_args, _arg_unset
from durable.exceptions import CancelledError, ChildWorkflowError, RetryState, WorkflowAlreadyStartedError

__all__ = ["ChildWorkflowCancellationType", "ChildWorkflowHandle", "ChildWorkflowHost", "ParentClosePolicy"]

SelfType = TypeVar("SelfType")
"""The child's workflow class."""
ReturnType = TypeVar("ReturnType")
"""What the child's run method returns."""


class ChildWorkflowCancellationType(IntEnum):
    """What cancelling a child's handle waits for (temporalio's values)."""

    ABANDON = 0
    """Resolve the handle as cancelled at once; the child is not told."""
    TRY_CANCEL = 1
    """Ask the child to cancel and resolve the handle as cancelled at once."""
    WAIT_CANCELLATION_COMPLETED = 2
    """Ask the child to cancel and wait for its close (the default)."""
    WAIT_CANCELLATION_REQUESTED = 3
    """Ask the child to cancel and resolve once the request was delivered."""


class ParentClosePolicy(IntEnum):
    """What happens to a running child when its parent closes (temporalio's values)."""

    UNSPECIFIED = 0
    TERMINATE = 1
    """Terminate the child (the default)."""
    ABANDON = 2
    """Leave the child running."""
    REQUEST_CANCEL = 3
    """Ask the child to cancel."""


class ChildWorkflowHost(Protocol):
    """What a child's handle needs of its parent's run (the replay instance implements it)."""

    info: Info
    payload_converter: PayloadConverter

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the parent's code runs on: the handle is one of its tasks."""
        ...

    def create_future(self) -> asyncio.Future[Any]: ...

    async def signal_external(self, workflow_id: str, run_id: str | None, name: str, args: list[Any]) -> None: ...

    async def signal_child(self, workflow_id: str, name: str, args: list[Any]) -> None: ...

    def issue_cancel_external(self, workflow_id: str, run_id: str | None) -> asyncio.Future[None]:
        """Ask another workflow to cancel without waiting; the future resolves once delivered."""
        ...


class ChildWorkflowHandle(GenericTask[ReturnType], Generic[SelfType, ReturnType]):
    """The handle ``workflow.start_child_workflow`` returns: an awaitable, cancellable task."""

    def __init__(self, instance: ChildWorkflowHost, command: StartChildWorkflow, result_hint: Any) -> None:
        super().__init__(self._run(), loop=instance.loop, name=f"child: {command.workflow_type}")
        self._instance = instance
        self._command = command
        self._result_hint = result_hint
        self._start_fut: asyncio.Future[None] = instance.create_future()
        self._result_fut: asyncio.Future[Any] = instance.create_future()
        self._first_execution_run_id: str | None = None
        self._initiated_event_id = 0
        self._started_event: Event | None = None  # its id is set when committed
        self._cancel_requested = False
        self._awaited = False

    @property
    def id(self) -> str:
        """The child's workflow id."""
        return self._command.workflow_id

    @property
    def first_execution_run_id(self) -> str | None:
        """The run id the child started with."""
        return self._first_execution_run_id

    async def signal(self, signal: Any, arg: Any = _arg_unset, *, args: Any = ()) -> None:
        """Send the child a signal; returns once it was delivered."""
        # By workflow id only: the signal follows the child across continue-as-new.
        await self._instance.signal_child(self.id, signal_name(signal), list(_arg_or_args(arg, args)))

    def cancel(self, msg: Any | None = None) -> bool:
        # Cancelled before its coroutine ran, the task would never see the CancelledError
        # that asks the child to cancel: ask here.
        if not self._awaited and not self.done():
            self._request_cancel()
        return super().cancel(msg)

    async def _run(self) -> Any:
        self._awaited = True
        while True:
            try:
                # Shielded: the engine decides the outcome (the child may ignore the cancel).
                return await asyncio.shield(self._result_fut)
            except asyncio.CancelledError:
                if self._result_fut.done():
                    raise
                self._request_cancel()
                if (task := asyncio.current_task()) is not None:
                    task.uncancel()

    async def _wait_started(self) -> ChildWorkflowHandle[SelfType, ReturnType]:
        while True:
            try:
                await asyncio.shield(self._start_fut)
                return self
            except asyncio.CancelledError:
                if self._start_fut.done():
                    raise
                self._request_cancel()
                if (task := asyncio.current_task()) is not None:
                    task.uncancel()

    # -- cancellation --------------------------------------------------------------------

    def _request_cancel(self) -> None:
        if self._cancel_requested or self._result_fut.done():
            return
        self._cancel_requested = True
        if self._start_fut.done():
            self._cancel_started()
        # Otherwise the cancel goes out once the start is confirmed (see _started): a start
        # that fails has nothing to cancel, and a cancel must never reach another run.

    def _cancel_started(self) -> None:
        kind = self._command.cancellation_type
        if kind == ChildWorkflowCancellationType.ABANDON:
            self._resolve(exception=self._cancelled_error())
            return
        requested = self._instance.issue_cancel_external(self.id, None)
        if kind == ChildWorkflowCancellationType.TRY_CANCEL:
            self._resolve(exception=self._cancelled_error())
        elif kind == ChildWorkflowCancellationType.WAIT_CANCELLATION_REQUESTED:
            requested.add_done_callback(lambda _: self._resolve(exception=self._cancelled_error()))

    def _cancelled_error(self) -> ChildWorkflowError:
        err = self._error("Child Workflow execution cancelled", RetryState.NON_RETRYABLE_FAILURE)
        err.__cause__ = CancelledError("Cancelled")
        return err

    def _error(self, message: str, retry_state: RetryState | None) -> ChildWorkflowError:
        return ChildWorkflowError(
            message,
            namespace=self._instance.info.namespace,
            workflow_id=self.id,
            run_id=self._first_execution_run_id or "",
            workflow_type=self._command.workflow_type,
            initiated_event_id=self._initiated_event_id,
            started_event_id=self._started_event["event_id"] if self._started_event else 0,
            retry_state=retry_state,
        )

    # -- outcomes (from the parent's events) ---------------------------------------------

    def _apply(self, event: Event) -> bool:
        """Apply one of this child's events; True once the handle needs no more."""
        kind, attrs = event["event_type"], event["attributes"]
        if kind == ev.CHILD_STARTED:
            self._first_execution_run_id = attrs["run_id"]
            self._initiated_event_id = attrs.get("initiated_event_id", 0)
            self._started_event = event
            if not self._start_fut.done():
                self._start_fut.set_result(None)
            if self._cancel_requested:
                self._cancel_started()
            return False
        if kind == ev.CHILD_START_FAILED:
            if not self._start_fut.done():
                self._start_fut.set_exception(WorkflowAlreadyStartedError(attrs["workflow_id"], attrs["workflow_type"]))
            if not self._result_fut.done():
                self._result_fut.set_result(None)  # nothing to wait for (as in temporalio)
            return True
        if not self._start_fut.done():
            # Its close overtook the confirmation of its start (they travel apart).
            self._first_execution_run_id = attrs.get("run_id")
            self._start_fut.set_result(None)
        if kind == ev.CHILD_COMPLETED:
            what = f"child workflow {self._command.workflow_type} ({self._command.workflow_id})"
            converter = self._instance.payload_converter
            self._resolve(result=decoding.decode_result(attrs["result"], self._result_hint, what, converter))
        else:
            self._resolve(exception=_failure.to_exception(attrs["failure"], self._instance.payload_converter))
        return True

    def _resolve(self, *, result: Any = None, exception: BaseException | None = None) -> None:
        if self._result_fut.done():
            return  # resolved already (TRY_CANCEL / ABANDON): the late outcome changes nothing
        if exception is not None:
            if self._awaited:
                self._result_fut.set_exception(exception)
            else:  # never awaited: setting it would only log a warning
                self._result_fut.cancel()
        else:
            self._result_fut.set_result(result)
