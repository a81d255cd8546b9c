"""Spans of the engine's work, through the OpenTelemetry API: one per run's batch, one per activity task.

Each span carries the ids operators search by (``workflow_id``, ``run_id``, ``activity_id``,
or ``schedule_id``), and names them in ``aws.xray.annotations`` so that X-Ray indexes them
as annotations (``annotation.workflow_id = "order-42"`` finds a run's traces). Deployed, the
ADOT Lambda layer provides the OpenTelemetry SDK and exports the spans (to X-Ray, or to an
OTLP collector); without an SDK the API's spans are no-ops. The layer also brings the API
itself: durable's own layer does not ship it (two copies would mix in ``/opt/python``), so
a deployment with tracing off has no OpenTelemetry at all, and these spans are skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

__all__ = ["TRACER_NAME", "engine_span"]

TRACER_NAME = "durable"

_tracer: Tracer | None
try:
    from opentelemetry import trace
except ImportError:  # no OpenTelemetry in this deployment (tracing off): nothing to trace with
    _tracer = None
else:
    # A proxy until a tracer provider is set (by the ADOT layer's instrumentation, or a test).
    _tracer = trace.get_tracer(TRACER_NAME)


@contextlib.contextmanager
def engine_span(name: str, **ids: str | None) -> Iterator[None]:
    """Within the block, a span ``name`` (a child of the current one) carries ``ids``."""
    if _tracer is None:
        yield
        return
    attributes: dict[str, str | list[str]] = {key: value for key, value in ids.items() if value}
    if len(attributes) > 0:
        attributes["aws.xray.annotations"] = sorted(attributes)
    with _tracer.start_as_current_span(name, attributes=attributes):
        yield
