"""durable.api.failure.v1.Failure: protobuf's reading interface over durable's failure dicts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from durable import _failure
from durable.api.failure.v1 import ApplicationFailureInfo, Failure, TerminatedFailureInfo
from durable.exceptions import ActivityError, ApplicationError, RetryState


def _raised(err: BaseException) -> BaseException:
    try:
        raise err
    except BaseException as caught:
        return caught


def test_an_unset_message_field_reads_as_its_empty_message_and_has_no_presence() -> None:
    failure = Failure(message="boom")
    assert failure.WhichOneof("failure_info") is None
    assert not failure.HasField("cause")
    assert failure.cause == Failure()
    assert failure.application_failure_info.details.payloads == []
    assert failure.child_workflow_execution_failure_info.workflow_execution.workflow_id == ""
    assert failure.encoded_attributes.data == b""
    with pytest.raises(ValueError, match='has no singular "message" field'):
        failure.HasField("message")
    with pytest.raises(ValueError, match='no oneof "kind"'):
        failure.WhichOneof("kind")


def test_an_empty_failure_info_still_counts_as_set() -> None:
    failure = Failure(message="ended", terminated_failure_info=TerminatedFailureInfo())
    assert failure.WhichOneof("failure_info") == "terminated_failure_info"
    assert failure.HasField("terminated_failure_info")


def test_a_failure_has_at_most_one_failure_info() -> None:
    with pytest.raises(ValueError, match="one failure_info, not 2"):
        Failure(application_failure_info=ApplicationFailureInfo(), terminated_failure_info=TerminatedFailureInfo())


def test_an_error_rebuilt_from_a_failure_raises_the_same_failure_again() -> None:
    app = _raised(ApplicationError("declined", {"card": 1}, type="Declined", next_retry_delay=timedelta(seconds=2)))
    err = ActivityError(
        "Activity task failed",
        scheduled_event_id=5,
        started_event_id=6,
        identity="w",
        activity_type="charge",
        activity_id="1",
        retry_state=RetryState.MAXIMUM_ATTEMPTS_REACHED,
    )
    err.__cause__ = app
    recorded = json.loads(json.dumps(_failure.from_exception(err)))
    rebuilt = _failure.to_exception(recorded)
    assert rebuilt.failure is not None and rebuilt.failure.activity_failure_info.retry_state == 4
    assert isinstance(rebuilt.cause, ApplicationError) and rebuilt.cause.failure == rebuilt.failure.cause
    assert rebuilt.cause.failure.application_failure_info.next_retry_delay.ToTimedelta() == timedelta(seconds=2)
    # raised again (a workflow letting the activity's error through): unchanged, stack trace included
    again = _raised(rebuilt)
    assert _failure.from_exception(again) == recorded
    assert "in _raised" in recorded["cause"]["stack_trace"]


def test_an_exception_raised_while_handling_another_has_it_as_cause() -> None:
    try:
        try:
            {}["sku"]
        except KeyError:
            raise ApplicationError("lookup failed", type="Lookup")  # noqa: B904 - the implicit context is the point
    except ApplicationError as err:
        failure = _failure.from_exception(err)
    assert failure["cause"]["application"]["type"] == "KeyError"
    assert _failure.to_exception(failure).failure.cause.application_failure_info.type == "KeyError"  # type: ignore[union-attr]
