"""The client's errors, as temporalio's ``client`` module names them."""

from __future__ import annotations

from durable.exceptions import TemporalError


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


class AsyncActivityCancelledError(TemporalError):
    """The workflow asked the asynchronously completed activity to cancel."""

    def __init__(self) -> None:
        super().__init__("Activity cancelled")


class ScheduleAlreadyRunningError(TemporalError):
    """A schedule with this id exists already."""

    def __init__(self) -> None:
        super().__init__("Schedule already running")
