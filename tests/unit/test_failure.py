"""Exceptions to failure dicts and back (temporalio's wrapping rules)."""

from __future__ import annotations

import json
from datetime import timedelta

from durable import _failure
from durable.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    RetryState,
    TerminatedError,
    TimeoutError,
    TimeoutType,
    is_cancelled_exception,
)


def _roundtrip(err: BaseException):
    # Through JSON text, as the failure travels in history and messages.
    return _failure.to_exception(json.loads(json.dumps(_failure.from_exception(err))))


def test_application_error_keeps_type_message_flags_details_and_delay() -> None:
    err = ApplicationError(
        "card declined",
        {"card": "4242"},
        3,
        type="Declined",
        non_retryable=True,
        next_retry_delay=timedelta(seconds=90),
    )
    back = _roundtrip(err)
    assert isinstance(back, ApplicationError)
    assert back.message == "card declined"
    assert back.type == "Declined"
    assert back.non_retryable is True
    assert list(back.details) == [{"card": "4242"}, 3]
    assert back.next_retry_delay == timedelta(seconds=90)
    assert str(back) == "Declined: card declined"


def test_plain_exception_becomes_application_error_named_after_its_class() -> None:
    class InventoryShort(Exception):
        pass

    def reserve() -> None:
        raise InventoryShort("only 2 left")

    try:
        reserve()
    except InventoryShort as err:
        failure = _failure.from_exception(err)
    assert failure["message"] == "only 2 left"
    assert failure["application"]["type"] == "InventoryShort"
    assert failure["application"]["non_retryable"] is False
    # temporalio's rendering: the frames (file, line, function), no exception line
    assert 'test_failure.py", line' in failure["stack_trace"]
    assert "in reserve" in failure["stack_trace"]
    assert "InventoryShort: only 2 left" not in failure["stack_trace"]
    back = _failure.to_exception(failure)
    assert isinstance(back, ApplicationError)
    assert (back.type, back.message, back.non_retryable, back.next_retry_delay) == (
        "InventoryShort",
        "only 2 left",
        False,
        None,
    )


def test_activity_error_keeps_its_fields_and_its_cause_chain() -> None:
    root = ValueError("bad sku")
    app = ApplicationError("lookup failed", type="LookupFailed")
    app.__cause__ = root
    err = ActivityError(
        "Activity task failed",
        scheduled_event_id=5,
        started_event_id=6,
        identity="worker-1",
        activity_type="reserve",
        activity_id="2",
        retry_state=RetryState.MAXIMUM_ATTEMPTS_REACHED,
    )
    err.__cause__ = app
    back = _roundtrip(err)
    assert isinstance(back, ActivityError)
    assert (back.message, back.scheduled_event_id, back.started_event_id, back.identity) == (
        "Activity task failed",
        5,
        6,
        "worker-1",
    )
    assert (back.activity_type, back.activity_id) == ("reserve", "2")
    assert back.retry_state is RetryState.MAXIMUM_ATTEMPTS_REACHED
    cause = back.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.message) == ("LookupFailed", "lookup failed")
    inner = cause.cause
    assert isinstance(inner, ApplicationError)
    assert (inner.type, inner.message) == ("ValueError", "bad sku")
    assert inner.cause is None


def test_timeout_error_keeps_its_type_and_heartbeat_details() -> None:
    err = TimeoutError(
        "activity Heartbeat timeout", type=TimeoutType.HEARTBEAT, last_heartbeat_details=[{"page": 7}, "cursor-9"]
    )
    back = _roundtrip(err)
    assert isinstance(back, TimeoutError)
    assert back.type is TimeoutType.HEARTBEAT
    assert list(back.last_heartbeat_details) == [{"page": 7}, "cursor-9"]
    assert back.message == "activity Heartbeat timeout"


def test_activity_timeout_chain() -> None:
    timeout = TimeoutError("activity StartToClose timeout", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[])
    err = ActivityError(
        "Activity task timed out",
        scheduled_event_id=3,
        started_event_id=0,
        identity="",
        activity_type="slow",
        activity_id="1",
        retry_state=RetryState.TIMEOUT,
    )
    err.__cause__ = timeout
    back = _roundtrip(err)
    assert isinstance(back, ActivityError) and back.retry_state is RetryState.TIMEOUT
    assert isinstance(back.cause, TimeoutError) and back.cause.type is TimeoutType.START_TO_CLOSE


def test_cancelled_and_terminated_keep_details() -> None:
    cancelled = _roundtrip(CancelledError("stop", "because"))
    assert isinstance(cancelled, CancelledError)
    assert (cancelled.message, list(cancelled.details)) == ("stop", ["because"])
    terminated = _roundtrip(TerminatedError("ended by operator", {"ticket": 12}))
    assert isinstance(terminated, TerminatedError)
    assert (terminated.message, list(terminated.details)) == ("ended by operator", [{"ticket": 12}])


def test_unserializable_details_fall_back_to_their_repr() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<opaque 1>"

    back = _roundtrip(ApplicationError("with odd details", Opaque(), type="Odd"))
    assert isinstance(back, ApplicationError)
    assert list(back.details) == ["<opaque 1>"]


def test_activity_error_caused_by_cancellation_counts_as_cancellation() -> None:
    err = ActivityError(
        "Activity cancelled",
        scheduled_event_id=0,
        started_event_id=0,
        identity="",
        activity_type="a",
        activity_id="1",
        retry_state=RetryState.CANCEL_REQUESTED,
    )
    err.__cause__ = CancelledError("Cancelled")
    back = _roundtrip(err)
    assert is_cancelled_exception(back)
    assert not is_cancelled_exception(_roundtrip(ApplicationError("x")))
