"""The ``-c name=value`` options that size a namespace's throughput, checked.

``orchestrator_max_concurrency`` caps how many orchestrator invocations the inbox's event
source mapping runs at once (its ``MaximumConcurrency``), ``orchestrator_reserved_concurrency``
sets aside that much of the account's Lambda concurrency for the orchestrator (none by
default: it shares the account's pool), and ``api_rate_limit`` / ``api_burst_limit`` are the
API stage's throttle (requests a second, and the bucket a burst may take at once).
``benchmarks/capacity.py`` derives what a namespace sustains with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CapacityOptions"]

# An SQS event source mapping's maximum concurrency is 2 to 1,000 (Lambda's
# ScalingConfig.MaximumConcurrency), and an API stage's throttle cannot pass the account's:
# 10,000 requests a second with a burst of 5,000 (API Gateway's default quotas).
_ESM_CONCURRENCY = (2, 1000)
_ACCOUNT_RATE = 10_000
_ACCOUNT_BURST = 5_000


@dataclass(frozen=True)
class CapacityOptions:
    """Throughput options of the stack; the defaults are the ones ``DurableStack`` has always had."""

    orchestrator_max_concurrency: int = 50
    orchestrator_reserved_concurrency: int | None = None
    api_rate_limit: float = 50
    api_burst_limit: int = 100

    def __post_init__(self) -> None:
        low, high = _ESM_CONCURRENCY
        if not low <= self.orchestrator_max_concurrency <= high:
            raise ValueError(
                f"orchestrator_max_concurrency {self.orchestrator_max_concurrency!r}: give a whole number from "
                f"{low} to {high} (the inbox's event source mapping takes no other)"
            )
        reserved = self.orchestrator_reserved_concurrency
        if reserved is not None and reserved < self.orchestrator_max_concurrency:
            raise ValueError(
                f"orchestrator_reserved_concurrency {reserved!r} is below orchestrator_max_concurrency "
                f"{self.orchestrator_max_concurrency}: Lambda would throttle the inbox's poller; reserve at least "
                "as many, or lower orchestrator_max_concurrency"
            )
        if not 0 < self.api_rate_limit <= _ACCOUNT_RATE:
            raise ValueError(
                f"api_rate_limit {self.api_rate_limit!r}: give requests a second above 0 and at most "
                f"{_ACCOUNT_RATE:,} (API Gateway's account throttle; ask AWS to raise it first)"
            )
        if not 1 <= self.api_burst_limit <= _ACCOUNT_BURST:
            raise ValueError(
                f"api_burst_limit {self.api_burst_limit!r}: give a whole number of requests from 1 to "
                f"{_ACCOUNT_BURST:,} (API Gateway's account burst; ask AWS to raise it first)"
            )

    @classmethod
    def from_context(cls, get: Callable[[str], object]) -> CapacityOptions:
        """The options ``cdk synth -c name=value`` gave (``get``: the app's ``try_get_context``);
        a value arrives as a string from the CLI, as a number from cdk.json."""
        defaults = cls()
        reserved = get("orchestrator_reserved_concurrency")
        return cls(
            orchestrator_max_concurrency=_whole(
                get("orchestrator_max_concurrency"),
                defaults.orchestrator_max_concurrency,
                "orchestrator_max_concurrency",
            ),
            orchestrator_reserved_concurrency=None
            if reserved is None
            else _whole(reserved, 0, "orchestrator_reserved_concurrency"),
            api_rate_limit=_number(get("api_rate_limit"), defaults.api_rate_limit, "api_rate_limit"),
            api_burst_limit=_whole(get("api_burst_limit"), defaults.api_burst_limit, "api_burst_limit"),
        )


def _whole(value: object, default: int, option: str) -> int:
    if value is None:
        return default
    try:
        return int(str(value))
    except ValueError:
        raise ValueError(f"{option} {value!r}: give a whole number") from None


def _number(value: object, default: float, option: str) -> float:
    if value is None:
        return default
    try:
        number = float(str(value))
    except ValueError:
        raise ValueError(f"{option} {value!r}: give a number of requests a second") from None
    return int(number) if number.is_integer() else number
