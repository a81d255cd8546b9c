"""Signal, query and update handlers set at run time (temporalio's ``workflow.set_*_handler``).

A workflow may register handlers from its code instead of (or besides) decorating methods:
``workflow.set_signal_handler("approve", self.on_approve)``. A handler set for a name
replaces the class's; ``None`` removes it. Signals that arrived before any handler took
them are kept and delivered, in order, as soon as one is set. The getters return the
class's methods bound to the workflow object, and never fall back to the dynamic handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from durable import _converter
from durable._replay import context as _context

__all__ = [
    "get_dynamic_query_handler",
    "get_dynamic_signal_handler",
    "get_dynamic_update_handler",
    "get_query_handler",
    "get_signal_handler",
    "get_update_handler",
    "payload_converter",
    "set_dynamic_query_handler",
    "set_dynamic_signal_handler",
    "set_dynamic_update_handler",
    "set_query_handler",
    "set_signal_handler",
    "set_update_handler",
]


def get_signal_handler(name: str) -> Callable[..., Any] | None:
    """The signal handler for ``name`` if any (never the dynamic one)."""
    return _context.current().get_handler("signal", name)


def set_signal_handler(name: str, handler: Callable[..., Any] | None) -> None:
    """Set or unset the signal handler for ``name``, overriding a ``@workflow.signal`` method.

    When set, all unhandled past signals for the name are immediately sent to the handler.
    """
    _context.current().set_signal_handler(name, handler)


def get_dynamic_signal_handler() -> Callable[..., Any] | None:
    """The dynamic signal handler if any (one set or a ``@workflow.signal(dynamic=True)``)."""
    return _context.current().get_handler("signal", None)


def set_dynamic_signal_handler(handler: Callable[..., Any] | None) -> None:
    """Set or unset the dynamic signal handler: ``handler(name: str, args: Sequence[RawValue])``.

    When set, all unhandled past signals are immediately sent to the handler.
    """
    _context.current().set_signal_handler(None, handler)


def get_query_handler(name: str) -> Callable[..., Any] | None:
    """The query handler for ``name`` if any (never the dynamic one)."""
    return _context.current().get_handler("query", name)


def set_query_handler(name: str, handler: Callable[..., Any] | None) -> None:
    """Set or unset the query handler for ``name``, overriding a ``@workflow.query`` method."""
    _context.current().set_query_handler(name, handler)


def get_dynamic_query_handler() -> Callable[..., Any] | None:
    """The dynamic query handler if any."""
    return _context.current().get_handler("query", None)


def set_dynamic_query_handler(handler: Callable[..., Any] | None) -> None:
    """Set or unset the dynamic query handler: ``handler(name: str, args: Sequence[RawValue])``."""
    _context.current().set_query_handler(None, handler)


def get_update_handler(name: str) -> Callable[..., Any] | None:
    """The update handler for ``name`` if any (never the dynamic one)."""
    return _context.current().get_handler("update", name)


def set_update_handler(
    name: str, handler: Callable[..., Any] | None, *, validator: Callable[..., Any] | None = None
) -> None:
    """Set or unset the update handler for ``name`` and its validator (a sync function)."""
    _context.current().set_update_handler(name, handler, validator)


def get_dynamic_update_handler() -> Callable[..., Any] | None:
    """The dynamic update handler if any."""
    return _context.current().get_handler("update", None)


def set_dynamic_update_handler(
    handler: Callable[..., Any] | None, *, validator: Callable[..., Any] | None = None
) -> None:
    """Set or unset the dynamic update handler: ``handler(name: str, args: Sequence[RawValue])``."""
    _context.current().set_update_handler(None, handler, validator)


def payload_converter() -> _converter.PayloadConverter:
    """The payload converter of the current workflow, to convert a dynamic handler's raw values:
    ``workflow.payload_converter().from_payload(args[0].payload, str)``.

    Raises:
        RuntimeError: not called from workflow code.
    """
    return _context.current().payload_converter
