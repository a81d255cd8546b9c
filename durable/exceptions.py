"""Exceptions raised by workflows, activities and the client, as temporalio names them.

The tree::

    Exception
    └── TemporalError                      base of everything below
        └── FailureError                   a failure that crosses a workflow/activity boundary
            ├── ApplicationError           raised by user code (type, details, non_retryable)
            ├── CancelledError             cancellation of a workflow or activity
            ├── TerminatedError            the workflow was terminated
            ├── TimeoutError               an activity or workflow timed out (TimeoutType)
            ├── ServerError                the engine itself failed
            ├── ActivityError              an activity failed; ``cause`` says why
            ├── ChildWorkflowError         a child workflow failed; ``cause`` says why
            └── WorkflowAlreadyStartedError

Errors of the client (``WorkflowFailureError``, query errors) live in :mod:`durable.client`;
the engine's internal control flow uses ``BaseException`` subclasses that user code's
``except Exception`` cannot swallow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only for the annotation: the message module imports the converter, which imports this one.
    from durable._failure_message import Failure

__all__ = [
    "ActivityError",
    "ApplicationError",
    "ApplicationErrorCategory",
    "CancelledError",
    "ChildWorkflowError",
    "FailureError",
    "PayloadSizeError",
    "RetryState",
    "ServerError",
    "TemporalError",
    "TerminatedError",
    "TimeoutError",
    "TimeoutType",
    "WorkflowAlreadyStartedError",
    "is_cancelled_exception",
]


class TemporalError(Exception):
    """Base for all exceptions of this package (named as in temporalio)."""

    @property
    def cause(self) -> BaseException | None:
        """Cause of the exception, the same as ``__cause__``."""
        return self.__cause__


class FailureError(TemporalError):
    """Base for failures during workflow or activity execution."""

    def __init__(
        self, message: str, *, failure: Failure | None = None, exc_args: tuple[Any, ...] | None = None
    ) -> None:
        super().__init__(*(exc_args if exc_args is not None else (message,)))
        self._message = message
        self._failure = failure

    @property
    def message(self) -> str:
        """The failure's message."""
        return self._message

    @property
    def failure(self) -> Failure | None:
        """The failure this error was built from (``durable.api.failure.v1.Failure``, as
        temporalio's ``temporalio.api.failure.v1.Failure``), or None for one raised here.

        An activity's error in the workflow, or a workflow's error at the client, carries
        it: ``stack_trace`` shows where the activity or workflow raised it.
        """
        return self._failure


class WorkflowAlreadyStartedError(FailureError):
    """A workflow with this id is already running.

    Attributes:
        workflow_id: id of the running workflow.
        workflow_type: its type name.
        run_id: its run id, when the client raised this.
    """

    def __init__(self, workflow_id: str, workflow_type: str, *, run_id: str | None = None) -> None:
        super().__init__("Workflow execution already started")
        self.workflow_id = workflow_id
        self.workflow_type = workflow_type
        self.run_id = run_id


class ApplicationErrorCategory(IntEnum):
    """Severity category of an application error."""

    UNSPECIFIED = 0
    BENIGN = 1


class ApplicationError(FailureError):
    """An error raised by workflow or activity code.

    Any other exception an activity raises reaches the workflow as an
    ``ApplicationError`` whose ``type`` is the original exception's class name.
    """

    def __init__(
        self,
        message: str,
        *details: Any,
        type: str | None = None,
        non_retryable: bool = False,
        next_retry_delay: timedelta | None = None,
        category: ApplicationErrorCategory = ApplicationErrorCategory.UNSPECIFIED,
    ) -> None:
        super().__init__(message, exc_args=(message if not type else f"{type}: {message}",))
        self._details = details
        self._type = type
        self._non_retryable = non_retryable
        self._next_retry_delay = next_retry_delay
        self._category = category

    @property
    def details(self) -> Sequence[Any]:
        """User-defined details."""
        return self._details

    @property
    def type(self) -> str | None:
        """General error type, matched by ``RetryPolicy.non_retryable_error_types``."""
        return self._type

    @property
    def non_retryable(self) -> bool:
        """Whether the error was marked non-retryable when raised."""
        return self._non_retryable

    @property
    def next_retry_delay(self) -> timedelta | None:
        """Delay before the next activity attempt, overriding the retry policy."""
        return self._next_retry_delay

    @property
    def category(self) -> ApplicationErrorCategory:
        """Severity category."""
        return self._category


class CancelledError(FailureError):
    """A workflow or activity was cancelled."""

    def __init__(self, message: str = "Cancelled", *details: Any) -> None:
        super().__init__(message)
        self._details = details

    @property
    def details(self) -> Sequence[Any]:
        """User-defined details."""
        return self._details


class TerminatedError(FailureError):
    """The workflow was terminated."""

    def __init__(self, message: str, *details: Any) -> None:
        super().__init__(message)
        self._details = details

    @property
    def details(self) -> Sequence[Any]:
        """User-defined details."""
        return self._details


class TimeoutType(IntEnum):
    """Which timeout a :class:`TimeoutError` is about (temporalio's values)."""

    START_TO_CLOSE = 1
    SCHEDULE_TO_START = 2
    SCHEDULE_TO_CLOSE = 3
    HEARTBEAT = 4


class TimeoutError(FailureError):
    """An activity or workflow timed out."""

    def __init__(self, message: str, *, type: TimeoutType | None, last_heartbeat_details: Sequence[Any]) -> None:
        super().__init__(message)
        self._type = type
        self._last_heartbeat_details = last_heartbeat_details

    @property
    def type(self) -> TimeoutType | None:
        """Which timeout."""
        return self._type

    @property
    def last_heartbeat_details(self) -> Sequence[Any]:
        """Details of the last heartbeat, for an activity."""
        return self._last_heartbeat_details


class ServerError(FailureError):
    """The engine failed."""

    def __init__(self, message: str, *, non_retryable: bool = False) -> None:
        super().__init__(message)
        self._non_retryable = non_retryable

    @property
    def non_retryable(self) -> bool:
        """Whether retrying can help."""
        return self._non_retryable


class RetryState(IntEnum):
    """Why retrying stopped (temporalio's values)."""

    IN_PROGRESS = 1
    NON_RETRYABLE_FAILURE = 2
    TIMEOUT = 3
    MAXIMUM_ATTEMPTS_REACHED = 4
    RETRY_POLICY_NOT_SET = 5
    INTERNAL_SERVER_ERROR = 6
    CANCEL_REQUESTED = 7


class ActivityError(FailureError):
    """An activity failed; ``cause`` holds the reason (ApplicationError, TimeoutError, ...)."""

    def __init__(
        self,
        message: str,
        *,
        scheduled_event_id: int,
        started_event_id: int,
        identity: str,
        activity_type: str,
        activity_id: str,
        retry_state: RetryState | None,
    ) -> None:
        super().__init__(message)
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
    def activity_type(self) -> str:
        """Activity type name."""
        return self._activity_type

    @property
    def activity_id(self) -> str:
        """Activity id."""
        return self._activity_id

    @property
    def retry_state(self) -> RetryState | None:
        """Why retrying stopped."""
        return self._retry_state


class ChildWorkflowError(FailureError):
    """A child workflow failed; ``cause`` holds the reason."""

    def __init__(
        self,
        message: str,
        *,
        namespace: str,
        workflow_id: str,
        run_id: str,
        workflow_type: str,
        initiated_event_id: int,
        started_event_id: int,
        retry_state: RetryState | None,
    ) -> None:
        super().__init__(message)
        self.namespace = namespace
        self.workflow_id = workflow_id
        self.run_id = run_id
        self.workflow_type = workflow_type
        self.initiated_event_id = initiated_event_id
        self.started_event_id = started_event_id
        self.retry_state = retry_state


class PayloadSizeError(TemporalError, ValueError):
    """A payload is larger than the engine accepts; the message names the limit."""


def is_cancelled_exception(exception: BaseException) -> bool:
    """Whether an exception means cancellation, as temporalio decides it.

    True for ``asyncio.CancelledError``, :class:`CancelledError`, and an
    :class:`ActivityError` or :class:`ChildWorkflowError` caused by a cancellation.
    """
    return isinstance(exception, (asyncio.CancelledError, CancelledError)) or (
        isinstance(exception, (ActivityError, ChildWorkflowError)) and isinstance(exception.cause, CancelledError)
    )
