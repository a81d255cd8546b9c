"""One clear line for each way a command can fail."""

from __future__ import annotations

import argparse

from durable._client.errors import ScheduleAlreadyRunningError, WorkflowQueryFailedError, WorkflowUpdateFailedError
from durable._codec.remote import CodecEndpointError
from durable._replay.instance import QueryNotFound, WorkflowTaskError
from durable._runtime.control import NotRunning
from durable._runtime.ports import ExecutionNotFound
from durable._visibility.query import InvalidQuery
from durable.envconfig import ConfigError
from durable.exceptions import PayloadSizeError, WorkflowAlreadyStartedError
from durable.service import RPCError, RPCStatusCode

__all__ = ["explain"]


def explain(error: BaseException, args: argparse.Namespace) -> str | None:
    """What to tell the user, or None for an error of ours (a traceback then helps more)."""
    workflow_id = getattr(args, "workflow_id", None)
    address = getattr(args, "address", "")
    if isinstance(error, RPCError) and error.status == RPCStatusCode.UNAVAILABLE:
        if "127.0.0.1" in address or "localhost" in address:
            return (
                f"cannot reach the dev server at {address}: it is not running; "
                "start it with `make dev` (or `durable dev`)"
            )
        return f"{error.message}: check --address (or DURABLE_ADDRESS)"
    if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND and workflow_id:
        # The client raises temporalio's NOT_FOUND for a run that is missing and for one that closed.
        if "already completed" in error.message:
            return f"workflow {workflow_id!r} is not running: {error.message}"
        if error.message.startswith(("workflow execution not found", "workflow not found")):
            error = ExecutionNotFound(error.message)
    if isinstance(error, ExecutionNotFound):
        return f"workflow execution {workflow_id!r} not found" + (
            f" (run {args.run_id})" if getattr(args, "run_id", None) else ""
        )
    if isinstance(error, WorkflowAlreadyStartedError):
        return (
            f"workflow {error.workflow_id!r} is already running (run {error.run_id}); "
            "use another --workflow-id or --id-conflict-policy"
        )
    schedule_id = getattr(args, "schedule_id", None)
    if isinstance(error, ScheduleAlreadyRunningError):
        return (
            f"schedule {schedule_id!r} exists already: choose another --schedule-id "
            "(`durable schedule update` changes it)"
        )
    if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND and schedule_id:
        return f"schedule {schedule_id!r} not found ({error.message})"
    if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND and "not found" in error.message.lower():
        return error.message
    if isinstance(error, NotRunning):
        return f"workflow {workflow_id!r} is not running: {error}"
    if isinstance(error, WorkflowUpdateFailedError):
        name = getattr(args, "name", None)
        update = f"update {name!r}" if name else "update"
        return f"{update} failed: {_causes(error.cause)}"
    if isinstance(error, (WorkflowQueryFailedError, QueryNotFound, WorkflowTaskError)):
        return f"query failed: {error}"
    if isinstance(error, ConfigError) or (isinstance(error, NotImplementedError) and "api_key" in str(error)):
        return f"the client configuration: {error}"
    if isinstance(error, CodecEndpointError):
        return f"{error}: check --codec-endpoint (start one with `durable codec-server`)"
    if isinstance(error, (RPCError, InvalidQuery, PayloadSizeError, ValueError)):
        return str(getattr(error, "message", None) or error)
    return None


def _causes(error: BaseException | None) -> str:
    """An exception and its causes on one line, as a failure's chain is printed."""
    parts = []
    while error is not None:
        kind = getattr(error, "type", None)
        parts.append(f"{error}" + (f" ({kind})" if kind and not str(error).startswith(f"{kind}: ") else ""))
        error = error.__cause__
    return " <- ".join(parts)
