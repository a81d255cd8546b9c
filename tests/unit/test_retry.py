"""next_retry: whether a failed activity attempt is retried, and after how long (temporalio's rules)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from durable import _failure
from durable._replay.retry import backoff, next_retry
from durable.common import RetryPolicy
from durable.exceptions import ApplicationError, RetryState, TimeoutError, TimeoutType

DEFAULT = RetryPolicy().to_dict()
PLAIN = _failure.from_exception(RuntimeError("flaky"))


def _next(policy: dict, attempt: int, failure: dict = PLAIN, *, now: float = 100.0, s2c: float | None = None):
    return next_retry(policy, attempt, failure, now=now, scheduled_time=0.0, schedule_to_close_timeout=s2c)


def test_default_policy_backs_off_exponentially_from_one_second() -> None:
    assert [_next(DEFAULT, attempt) for attempt in (1, 2, 3, 4)] == [
        (1.0, RetryState.IN_PROGRESS),
        (2.0, RetryState.IN_PROGRESS),
        (4.0, RetryState.IN_PROGRESS),
        (8.0, RetryState.IN_PROGRESS),
    ]


def test_default_backoff_is_capped_at_100_times_the_initial_interval() -> None:
    assert _next(DEFAULT, 7) == (64.0, RetryState.IN_PROGRESS)
    assert _next(DEFAULT, 8) == (100.0, RetryState.IN_PROGRESS)
    assert _next(DEFAULT, 50) == (100.0, RetryState.IN_PROGRESS)


def test_custom_coefficient_and_maximum_interval() -> None:
    policy = RetryPolicy(
        initial_interval=timedelta(seconds=3), backoff_coefficient=3.0, maximum_interval=timedelta(seconds=20)
    ).to_dict()
    assert [_next(policy, a)[0] for a in (1, 2, 3, 4)] == [3.0, 9.0, 20.0, 20.0]


def test_maximum_attempts_counts_the_first_attempt() -> None:
    policy = RetryPolicy(maximum_attempts=3).to_dict()
    assert _next(policy, 1) == (1.0, RetryState.IN_PROGRESS)
    assert _next(policy, 2) == (2.0, RetryState.IN_PROGRESS)
    assert _next(policy, 3) == (None, RetryState.MAXIMUM_ATTEMPTS_REACHED)


def test_maximum_attempts_one_disables_retries() -> None:
    assert _next(RetryPolicy(maximum_attempts=1).to_dict(), 1) == (None, RetryState.MAXIMUM_ATTEMPTS_REACHED)


def test_non_retryable_application_error_is_not_retried() -> None:
    failure = _failure.from_exception(ApplicationError("fatal", non_retryable=True))
    assert _next(DEFAULT, 1, failure) == (None, RetryState.NON_RETRYABLE_FAILURE)


def test_non_retryable_error_types_match_the_error_type() -> None:
    policy = RetryPolicy(non_retryable_error_types=["ValueError", "Declined"]).to_dict()
    assert _next(policy, 1, _failure.from_exception(ValueError("bad input"))) == (
        None,
        RetryState.NON_RETRYABLE_FAILURE,
    )
    assert _next(policy, 1, _failure.from_exception(ApplicationError("no", type="Declined"))) == (
        None,
        RetryState.NON_RETRYABLE_FAILURE,
    )
    assert _next(policy, 1, _failure.from_exception(KeyError("other"))) == (1.0, RetryState.IN_PROGRESS)


def test_next_retry_delay_overrides_the_backoff() -> None:
    failure = _failure.from_exception(ApplicationError("later", next_retry_delay=timedelta(seconds=7)))
    assert _next(DEFAULT, 1, failure) == (7.0, RetryState.IN_PROGRESS)
    assert _next(DEFAULT, 9, failure) == (7.0, RetryState.IN_PROGRESS)


def test_next_retry_delay_does_not_lift_maximum_attempts() -> None:
    failure = _failure.from_exception(ApplicationError("later", next_retry_delay=timedelta(seconds=7)))
    assert _next(RetryPolicy(maximum_attempts=2).to_dict(), 2, failure) == (None, RetryState.MAXIMUM_ATTEMPTS_REACHED)


def test_timeouts_are_retried() -> None:
    failure = _failure.from_exception(
        TimeoutError("activity StartToClose timeout", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[])
    )
    assert _next(DEFAULT, 2, failure) == (2.0, RetryState.IN_PROGRESS)


def test_a_retry_past_the_schedule_to_close_budget_is_a_timeout() -> None:
    # Scheduled at 0 with 60 s in all; attempt 4 fails at 55 s, its back-off (8 s) ends past 60 s.
    assert _next(DEFAULT, 4, now=55.0, s2c=60.0) == (None, RetryState.TIMEOUT)
    # Attempt 2 failing at 10 s retries after 2 s, well inside the budget.
    assert _next(DEFAULT, 2, now=10.0, s2c=60.0) == (2.0, RetryState.IN_PROGRESS)


def test_the_budget_applies_to_next_retry_delay_too() -> None:
    failure = _failure.from_exception(ApplicationError("later", next_retry_delay=timedelta(seconds=30)))
    assert _next(DEFAULT, 1, failure, now=40.0, s2c=60.0) == (None, RetryState.TIMEOUT)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (RetryPolicy(backoff_coefficient=0.5), "Backoff coefficient cannot be less than 1"),
        (
            RetryPolicy(initial_interval=timedelta(seconds=10), maximum_interval=timedelta(seconds=5)),
            "Maximum interval cannot be less than initial interval",
        ),
        (RetryPolicy(maximum_attempts=-1), "Maximum attempts cannot be negative"),
    ],
)
def test_invalid_policies_are_rejected_when_resolved(policy: RetryPolicy, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        policy.to_dict()


def test_resolved_policy_round_trips() -> None:
    policy = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=4, non_retryable_error_types=["X"])
    again = RetryPolicy.from_dict(policy.to_dict())
    assert again == RetryPolicy(
        initial_interval=timedelta(seconds=2),
        maximum_interval=timedelta(seconds=200),
        maximum_attempts=4,
        non_retryable_error_types=["X"],
    )


@pytest.mark.parametrize("attempt", [1_025, 1_100, 10**6, 10**30])
def test_backoff_is_capped_at_maximum_interval_at_any_attempt(attempt: int) -> None:
    assert _next(DEFAULT, attempt) == (100.0, RetryState.IN_PROGRESS)


@pytest.mark.parametrize("coefficient", [1.5, 2.0, 10.0, 1e300])
def test_backoff_never_overflows_whatever_the_coefficient(coefficient: float) -> None:
    policy = RetryPolicy(
        initial_interval=timedelta(milliseconds=500),
        backoff_coefficient=coefficient,
        maximum_interval=timedelta(hours=1),
    ).to_dict()
    delays = [_next(policy, a, now=0.0)[0] for a in (1, 2, 3, 60, 2_000, 10**6, 10**9)]
    assert delays[0] == 0.5
    assert all(d is not None and 0.5 <= d <= 3600.0 for d in delays)
    assert delays == sorted(delays)  # never shrinks as attempts grow
    assert delays[-1] == 3600.0


def test_backoff_reaches_the_cap_exactly_where_the_power_would() -> None:
    policy = RetryPolicy(
        initial_interval=timedelta(seconds=3), backoff_coefficient=3.0, maximum_interval=timedelta(seconds=81)
    ).to_dict()
    assert [_next(policy, a)[0] for a in (4, 5, 6)] == [81.0, 81.0, 81.0]
    assert backoff(3.0, 3.0, 81.0, 3) == 27.0
    assert backoff(3.0, 3.0, 80.0, 4) == 80.0


def test_a_schedule_to_close_bound_still_ends_retries_at_a_huge_attempt() -> None:
    assert _next(DEFAULT, 10**6, now=950.0, s2c=1000.0) == (None, RetryState.TIMEOUT)
