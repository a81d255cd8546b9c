"""OpenTelemetry tracing, as temporalio's ``temporalio.contrib.opentelemetry``.

``Client.connect(..., interceptors=[TracingInterceptor()])`` (or ``Worker(interceptors=...)``;
deployed, ``INTERCEPTORS`` in ``statemachines/registry.py``) makes one trace from a client's
start through every workflow task and activity attempt, across processes and Lambda
invocations: the span context travels in the ``_tracer-data`` header.
"""

from durable.contrib.opentelemetry._interceptor import (
    TracingInterceptor,
    TracingWorkflowInboundInterceptor,
    default_text_map_propagator,
)

__all__ = ["TracingInterceptor", "TracingWorkflowInboundInterceptor", "default_text_map_propagator"]
