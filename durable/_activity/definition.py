"""``@activity.defn`` and the definition it attaches to a function or method."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from durable import _converter

__all__ = ["ActivityDefinition", "defn"]

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "__durable_activity_definition"


@dataclass(frozen=True)
class ActivityDefinition:
    """An activity function: its name, whether it is async, its type hints."""

    name: str
    fn: Callable[..., Any]
    is_async: bool
    arg_hints: list[Any]
    result_hint: Any

    @staticmethod
    def of(fn: Any) -> ActivityDefinition:
        """The definition of an ``@activity.defn`` function, or of a bound method of one.

        Raises:
            TypeError: ``fn`` was not decorated.
        """
        found = getattr(fn, _ATTR, None)
        if not isinstance(found, ActivityDefinition):
            raise TypeError(f"{fn!r} is not an activity: decorate it with @activity.defn")
        if inspect.ismethod(fn):  # a bound method registered on a worker: call it bound
            return ActivityDefinition(found.name, fn, found.is_async, found.arg_hints, found.result_hint)
        return found

    @staticmethod
    def name_and_result_hint(activity: Any) -> tuple[str, Any]:
        """Name and result hint for ``execute_activity(activity, ...)``: a function or a name."""
        if isinstance(activity, str):
            return activity, None
        d = ActivityDefinition.of(activity)
        return d.name, d.result_hint


def defn(
    fn: F | None = None,
    *,
    name: str | None = None,
    no_thread_cancel_exception: bool = False,
    dynamic: bool = False,
) -> Any:
    """Mark a function (sync or async) or a method as an activity.

    Args:
        fn: The function.
        name: Activity type name; the function's ``__name__`` by default.
        no_thread_cancel_exception: Accepted for temporalio compatibility.
        dynamic: Not supported yet.
    """
    del no_thread_cancel_exception
    if dynamic:
        raise ValueError("dynamic activities are not supported yet")

    def decorator(fn: F) -> F:
        hints, result = _converter.hints_of(fn)
        setattr(
            fn,
            _ATTR,
            ActivityDefinition(
                name=name or fn.__name__,
                fn=fn,
                is_async=inspect.iscoroutinefunction(fn),
                arg_hints=hints,
                result_hint=result,
            ),
        )
        return fn

    return decorator(fn) if fn is not None else decorator
