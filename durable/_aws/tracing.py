"""A span around each Lambda invocation (what powertools' Tracer did with the X-Ray SDK).

``@app.tracer.capture_lambda_handler`` on a handler opens a span named after the function's
service for the invocation; the engine's spans (:mod:`durable._runtime.tracing`) open inside
it. The ADOT layer's instrumentation opens the invocation's server span around it and
exports them all; without it, the spans are no-ops.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from durable._runtime.tracing import engine_span

__all__ = ["InvocationTracer"]

_Handler = TypeVar("_Handler", bound=Callable[..., Any])


class InvocationTracer:
    """Opens a span per invocation of the handlers it decorates."""

    def __init__(self, service: str) -> None:
        self.service = service

    def capture_lambda_handler(self, handler: _Handler) -> _Handler:
        """Decorate a Lambda handler ``(event, context)``: each call runs inside a span."""

        @functools.wraps(handler)
        def traced(event: Any, context: Any = None, *args: Any, **kwargs: Any) -> Any:
            with engine_span(f"durable.{self.service}"):
                return handler(event, context, *args, **kwargs)

        return traced  # type: ignore[return-value]  # same call signature as the handler
