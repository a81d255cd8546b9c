"""Ids on every log line the engine writes while it handles a run.

Log lines written while the engine handles a run carry its ``workflow_id`` and ``run_id``
(and ``activity_id`` in the activity worker) as record attributes, so the JSON logs of a
deployment (powertools Logger) can be filtered by execution. Metrics are
:mod:`durable._metrics`' (the runtime's meter; CloudWatch EMF on Lambda).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator, Mapping
from types import MappingProxyType

__all__ = ["ContextFilter", "log_context"]

# Read-only ids: log_context sets a new mapping, so one empty default is shared safely.
_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "durable_log_context", default=MappingProxyType({})
)


@contextlib.contextmanager
def log_context(**ids: str) -> Iterator[None]:
    """Within the block, every log record carries these ids."""
    token = _context.set({**_context.get(), **ids})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the current :func:`log_context` ids onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
