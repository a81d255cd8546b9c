"""An activity attempt through its worker's interceptors (``durable._activity.interceptor``).

The inbound chain ends at :class:`AttemptInbound`, which calls the function (an async one
awaited, a sync one in the task queue's executor, or inline where there is none, as on
Lambda); the outbound chain ends at :class:`AttemptOutbound`, which reads and heartbeats the
attempt's context. The attempt keeps its own timeouts and cancellation around the chain.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from durable._activity.context import ActivityContext, Info
from durable._activity.interceptor import ActivityInboundInterceptor, ActivityOutboundInterceptor, ExecuteActivityInput
from durable._headers import from_wire

__all__ = ["AttemptInbound", "AttemptOutbound", "intercepted"]


class AttemptInbound(ActivityInboundInterceptor):
    """Calls the activity function (the last inbound link: no ``next``)."""

    def __init__(self, ctx: ActivityContext, *, is_async: bool) -> None:
        self._ctx = ctx
        self._is_async = is_async

    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        self._ctx.outbound = outbound

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        if self._is_async:
            return await input.fn(*input.args)
        if input.executor is None:
            return input.fn(*input.args)  # inline, as on Lambda: the attempt has the process to itself
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(input.executor, contextvars.copy_context().run, input.fn, *input.args)


class AttemptOutbound(ActivityOutboundInterceptor):
    """Reads and heartbeats the attempt's context (the last outbound link: no ``next``)."""

    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    def info(self) -> Info:
        return self._ctx.info

    def heartbeat(self, *details: Any) -> None:
        self._ctx.heartbeat(details)


def intercepted(
    fn: Callable[..., Any],
    *,
    is_async: bool,
    interceptors: Sequence[Any],
    ctx: ActivityContext,
    executor: concurrent.futures.Executor | None,
    headers: Mapping[str, str] | None,
) -> Callable[..., Coroutine[Any, Any, Any]]:
    """``fn`` as a coroutine function that runs through the interceptors' inbound chain
    (the first interceptor's link is the outermost)."""
    inbound: ActivityInboundInterceptor = AttemptInbound(ctx, is_async=is_async)
    for interceptor in reversed(interceptors):
        inbound = interceptor.intercept_activity(inbound)
    inbound.init(AttemptOutbound(ctx))

    async def run(*args: Any) -> Any:
        return await inbound.execute_activity(ExecuteActivityInput(fn, list(args), executor, from_wire(headers)))

    return run
