"""Exceptions to failure dicts and back, with temporalio's wrapping rules.

A failure is the JSON-able form of an exception that crosses a boundary (activity to
workflow, workflow to client). Shape, after Temporal's Failure message::

    {"message": str, "stack_trace": str, "cause": failure | None,
     one of "application" | "activity" | "timeout" | "canceled" | "terminated" | "server": {...}}

An exception that is not a :class:`FailureError` becomes an application failure whose
``type`` is the exception's class name, as temporalio does. An exception rebuilt from a
failure carries it (``FailureError.failure``) and hands it on unchanged when raised again,
so an activity's stack trace reaches the workflow's failure and the client.
"""

from __future__ import annotations

import traceback
from datetime import timedelta
from typing import Any

from durable import _converter
from durable._conversion.payload_converter import PayloadConverter
from durable._failure_message import Failure, failure_dict, failure_of
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


def _stack_trace(err: BaseException) -> str:
    # temporalio's rendering: the traceback's frames, without header or exception line.
    return "\n".join(traceback.format_tb(err.__traceback__)) if err.__traceback__ else ""


def _cause_of(err: BaseException) -> BaseException | None:
    # Python's rule for the chain it prints, which temporalio follows: the explicit cause,
    # else the exception being handled when this one was raised, unless suppressed.
    if err.__cause__ is not None:
        return err.__cause__
    return None if err.__suppress_context__ else err.__context__


def from_exception(err: BaseException, converter: PayloadConverter | None = None) -> dict[str, Any]:
    """The failure dict of an exception and its cause chain (details by ``converter``)."""
    return _from_exception(err, set(), converter)


def _from_exception(err: BaseException, seen: set[int], converter: PayloadConverter | None) -> dict[str, Any]:
    seen.add(id(err))  # a context chain can loop back (``raise exc`` inside its own handler)
    if isinstance(err, FailureError) and err.failure is not None:
        return failure_dict(err.failure)
    failure: dict[str, Any] = {
        "message": err.message if isinstance(err, FailureError) else str(err),
        "stack_trace": _stack_trace(err),
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
    if (cause := _cause_of(err)) is not None and id(cause) not in seen:
        failure["cause"] = _from_exception(cause, seen, converter)
    return failure


def _decoded(payloads: list[str], converter: PayloadConverter | None) -> tuple[Any, ...]:
    return tuple(_converter.decode_args(payloads, None, converter))


def to_exception(failure: dict[str, Any], converter: PayloadConverter | None = None) -> FailureError:
    """The exception (with its cause chain) a failure dict stands for (details by ``converter``);
    its ``failure`` is the dict as a :class:`durable.api.failure.v1.Failure`."""
    return _to_exception(failure, failure_of(failure), converter)


def _to_exception(failure: dict[str, Any], message: Failure, converter: PayloadConverter | None) -> FailureError:
    err = _exception_of(failure, converter)
    err._failure = message
    if failure.get("cause"):
        err.__cause__ = _to_exception(failure["cause"], message.cause, converter)
    return err


def _exception_of(failure: dict[str, Any], converter: PayloadConverter | None) -> FailureError:
    message = failure.get("message", "")
    err: FailureError
    if (app := failure.get("application")) is not None:
        delay = app.get("next_retry_delay")
        err = ApplicationError(
            message or "Application error",
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
    return err
