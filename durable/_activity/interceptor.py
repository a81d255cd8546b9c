"""Activity interceptors (temporalio's ``worker.ActivityInboundInterceptor`` and
``worker.ActivityOutboundInterceptor``) and their input.

Each attempt runs through the inbound chain of its worker's interceptors (the first
interceptor's is the outermost), ending at the attempt itself, which calls the function;
``init`` hands down the outbound chain that ``activity.info()`` and ``activity.heartbeat()``
go through. The headers the workflow's outbound interceptors put on the activity arrive in
:class:`ExecuteActivityInput`.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from durable._converter import Payload

if TYPE_CHECKING:
    from durable._activity.context import Info

__all__ = ["ActivityInboundInterceptor", "ActivityOutboundInterceptor", "ExecuteActivityInput"]


@dataclass
class ExecuteActivityInput:
    """Input for :meth:`ActivityInboundInterceptor.execute_activity`."""

    fn: Callable[..., Any]
    args: Sequence[Any]
    executor: concurrent.futures.Executor | None
    headers: Mapping[str, Payload]


class ActivityInboundInterceptor:
    """Wraps running an activity attempt; every method delegates to ``next`` by default."""

    def __init__(self, next: ActivityInboundInterceptor) -> None:
        """Create the inbound interceptor.

        Args:
            next: the next interceptor in the chain.
        """
        self.next = next

    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        """Initialize with an outbound interceptor; wrap it before passing it on to add one."""
        self.next.init(outbound)

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        """Called to run the activity."""
        return await self.next.execute_activity(input)


class ActivityOutboundInterceptor:
    """Wraps what activity code calls; every method delegates to ``next`` by default."""

    def __init__(self, next: ActivityOutboundInterceptor) -> None:
        """Create the outbound interceptor.

        Args:
            next: the next interceptor in the chain.
        """
        self.next = next

    def info(self) -> Info:
        """Called for every ``activity.info()`` call."""
        return self.next.info()

    def heartbeat(self, *details: Any) -> None:
        """Called for every ``activity.heartbeat()`` call."""
        self.next.heartbeat(*details)
