"""One request's event per thread in powertools' Event Handler (the dev server serves many at once).

``ApiGatewayResolver.resolve`` keeps the request it resolves on the *class* ``BaseRouter``
(``BaseRouter.current_event``, ``BaseRouter.lambda_context``), where every route and the
validation middleware read it back: right in Lambda, where one process serves one request
at a time, and a race in the dev server, whose threads serve several. Two requests at once
could then answer each other's body: a start validated against a signal's fields (seen under
load as a 400 naming the other request's fields), or a query replaying another run.

Here those two attributes are kept per thread: written and read through ``BaseRouter`` exactly
as powertools does, each thread sees only the request it is resolving. One thread, as on
Lambda, sees what it saw before.
"""

from __future__ import annotations

import threading
from abc import ABCMeta
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

__all__ = ["keep_requests_per_thread"]

_PER_THREAD = ("current_event", "lambda_context")
_state = threading.local()


class _PerThread:
    """A class attribute of ``BaseRouter`` whose value belongs to the thread that set it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        try:
            return getattr(_state, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(_state, self.name, value)


class _RouterMeta(ABCMeta):
    """``BaseRouter``'s metaclass, so that ``BaseRouter.current_event = ...`` lands per thread."""

    def __setattr__(cls, name: str, value: Any) -> None:
        if name in _PER_THREAD and isinstance(cls.__dict__.get(name), _PerThread):
            setattr(_state, name, value)
            return
        super().__setattr__(name, value)


def keep_requests_per_thread() -> None:
    """Make powertools' current request per thread (idempotent)."""
    if isinstance(BaseRouter, _RouterMeta):
        return
    BaseRouter.__class__ = _RouterMeta  # type: ignore[assignment,method-assign]  # a metaclass of its kind
    for name in _PER_THREAD:
        type.__setattr__(BaseRouter, name, _PerThread(name))
