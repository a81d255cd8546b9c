"""Whether a failed activity attempt is retried, and after how long (temporalio's rules)."""

from __future__ import annotations

import math
from typing import Any

from durable.exceptions import RetryState, TimeoutType

__all__ = ["backoff", "next_retry"]


def backoff(initial: float, coefficient: float, maximum: float, attempt: int) -> float:
    """``initial * coefficient ** (attempt - 1)``, capped at ``maximum``, for any attempt.

    The power is never taken past the cap: at attempt ~1,025 with coefficient 2.0 it
    overflows a float, and a back-off that raises would stop the run for good.
    """
    if initial <= 0 or coefficient <= 1 or attempt <= 1 or maximum <= initial:
        return min(initial, maximum)
    # The exponent at which the cap is reached, compared as exact numbers (an int
    # against a float never overflows, whatever the attempt).
    if attempt - 1 >= math.log(maximum / initial) / math.log(coefficient):
        return maximum
    return min(initial * coefficient ** (attempt - 1), maximum)


def next_retry(
    policy: dict[str, Any],
    attempt: int,
    failure: dict[str, Any],
    *,
    now: float,
    scheduled_time: float,
    schedule_to_close_timeout: float | None,
) -> tuple[float | None, RetryState]:
    """The back-off before attempt ``attempt + 1``, or None and why there is none.

    Args:
        policy: the resolved retry policy (``RetryPolicy.to_dict()``).
        attempt: the attempt that just failed, from 1.
        failure: the attempt's failure dict.
        now: when it failed.
        scheduled_time: when the activity was first scheduled.
        schedule_to_close_timeout: the bound on all attempts together, if any.
    """
    timeout = failure.get("timeout")
    if timeout is not None and timeout.get("type") == TimeoutType.SCHEDULE_TO_START:
        # Temporal does not retry it (another attempt would wait in the same queue) and
        # reports the activity's retry state as TIMEOUT.
        return None, RetryState.TIMEOUT
    app = failure.get("application")
    if app is not None:
        if app.get("non_retryable"):
            return None, RetryState.NON_RETRYABLE_FAILURE
        if app.get("type") in (policy.get("non_retryable_error_types") or []):
            return None, RetryState.NON_RETRYABLE_FAILURE
    maximum = policy.get("maximum_attempts", 0)
    if maximum and attempt >= maximum:
        return None, RetryState.MAXIMUM_ATTEMPTS_REACHED
    if app is not None and app.get("next_retry_delay"):
        delay = float(app["next_retry_delay"])
    else:
        delay = backoff(policy["initial_interval"], policy["backoff_coefficient"], policy["maximum_interval"], attempt)
    if schedule_to_close_timeout and now + delay >= scheduled_time + schedule_to_close_timeout:
        return None, RetryState.TIMEOUT
    return delay, RetryState.IN_PROGRESS
