"""Exceptions to failure dicts and back, with temporalio's wrapping rules.

A failure is the JSON-able form of an exception that crosses a boundary (activity to
workflow, workflow to client). Shape, after Temporal's Failure message::

    {"message": str, "stack_trace": str, "cause": failure | None,
     one of "application" | "activity" | "timeout" | "canceled" | "terminated" | "server": {...}}

An exception that is not a :class:`FailureError` becomes an application failure whose
``type`` is the exception's class name, as temporalio does.
"""

from __future__ import annotations

import traceback
from datetime import timedelta
from typing import Any

from durable import _converter
from durable._conversion.payload_converter import PayloadConverter
from durable.exceptions import (
    ActivityError,
    ApplicationError,
    ApplicationErrorCategory,
    CancelledError,
    ChildWorkflowError,
    FailureError,
    RetryState,
    ServerError,
    TerminatedError,
    TimeoutError,
    TimeoutType,
)

__all__ = ["from_exception", "to_exception"]


def _details(values: Any, converter: PayloadConverter | None) -> list[str]:
    try:
        return _converter.encode_args(list(values), converter)
    except (TypeError, ValueError):
        return [_converter.encode(repr(v), converter) for v in values]


def from_exception(err: BaseException, converter: PayloadConverter | None = None) -> dict[str, Any]:
    """The failure dict of an exception and its ``__cause__`` chain (details by ``converter``)."""
    failure: dict[str, Any] = {
        "message": err.message if isinstance(err, FailureError) else str(err),
        "stack_trace": "".join(traceback.format_exception(type(err), err, err.__traceback__, chain=False)),
    }
    if isinstance(err, ApplicationError):
        failure["application"] = {
            "type": err.type,
            "non_retryable": err.non_retryable,
            "details": _details(err.details, converter),
            "next_retry_delay": err.next_retry_delay.total_seconds() if err.next_retry_delay else None,
            "category": int(err.category),
        }
    elif isinstance(err, TimeoutError):
        failure["timeout"] = {
            "type": int(err.type) if err.type else None,
            "last_heartbeat_details": _details(err.last_heartbeat_details, converter),
        }
    elif isinstance(err, CancelledError):
        failure["canceled"] = {"details": _details(err.details, converter)}
    elif isinstance(err, TerminatedError):
        failure["terminated"] = {"details": _details(err.details, converter)}
    elif isinstance(err, ServerError):
        failure["server"] = {"non_retryable": err.non_retryable}
    elif isinstance(err, ActivityError):
        failure["activity"] = {
            "scheduled_event_id": err.scheduled_event_id,
            "started_event_id": err.started_event_id,
            "identity": err.identity,
            "activity_type": err.activity_type,
            "activity_id": err.activity_id,
            "retry_state": int(err.retry_state) if err.retry_state else None,
        }
    elif isinstance(err, ChildWorkflowError):
        failure["child_workflow"] = {
            "namespace": err.namespace,
            "workflow_id": err.workflow_id,
            "run_id": err.run_id,
            "workflow_type": err.workflow_type,
            "initiated_event_id": err.initiated_event_id,
            "started_event_id": err.started_event_id,
            "retry_state": int(err.retry_state) if err.retry_state else None,
        }
    else:
        failure["application"] = {
            "type": type(err).__name__,
            "non_retryable": False,
            "details": [],
            "next_retry_delay": None,
            "category": 0,
        }
    if err.__cause__ is not None:
        failure["cause"] = from_exception(err.__cause__, converter)
    return failure


def _decoded(payloads: list[str], converter: PayloadConverter | None) -> tuple[Any, ...]:
    return tuple(_converter.decode_args(payloads, None, converter))


def to_exception(failure: dict[str, Any], converter: PayloadConverter | None = None) -> FailureError:
    """The exception (with its cause chain) a failure dict stands for (details by ``converter``)."""
    message = failure.get("message", "")
    err: FailureError
    if (app := failure.get("application")) is not None:
        delay = app.get("next_retry_delay")
        err = ApplicationError(
            message,
            *_decoded(app.get("details", []), converter),
            type=app.get("type"),
            non_retryable=app.get("non_retryable", False),
            next_retry_delay=timedelta(seconds=delay) if delay else None,
            category=ApplicationErrorCategory(app.get("category", 0)),
        )
    elif (t := failure.get("timeout")) is not None:
        err = TimeoutError(
            message,
            type=TimeoutType(t["type"]) if t.get("type") else None,
            last_heartbeat_details=_decoded(t.get("last_heartbeat_details", []), converter),
        )
    elif (c := failure.get("canceled")) is not None:
        err = CancelledError(message, *_decoded(c.get("details", []), converter))
    elif (t := failure.get("terminated")) is not None:
        err = TerminatedError(message, *_decoded(t.get("details", []), converter))
    elif (s := failure.get("server")) is not None:
        err = ServerError(message, non_retryable=s.get("non_retryable", False))
    elif (a := failure.get("activity")) is not None:
        err = ActivityError(
            message,
            scheduled_event_id=a["scheduled_event_id"],
            started_event_id=a["started_event_id"],
            identity=a["identity"],
            activity_type=a["activity_type"],
            activity_id=a["activity_id"],
            retry_state=RetryState(a["retry_state"]) if a.get("retry_state") else None,
        )
    elif (c := failure.get("child_workflow")) is not None:
        err = ChildWorkflowError(
            message,
            namespace=c["namespace"],
            workflow_id=c["workflow_id"],
            run_id=c["run_id"],
            workflow_type=c["workflow_type"],
            initiated_event_id=c["initiated_event_id"],
            started_event_id=c["started_event_id"],
            retry_state=RetryState(c["retry_state"]) if c.get("retry_state") else None,
        )
    else:
        err = ApplicationError(message)
    if failure.get("cause"):
        err.__cause__ = to_exception(failure["cause"], converter)
    return err
