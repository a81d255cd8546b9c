"""``@activity.defn`` and the definition it attaches to a function or method."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar, overload

from durable import _converter
from durable._conversion.data_converter import DataConverter
from durable._converter import RawValue

__all__ = ["ActivityDefinition", "defn"]

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "__durable_activity_definition"


@dataclass(frozen=True)
class ActivityDefinition:
    """An activity function: its name, whether it is async, its type hints."""

    name: str | None  # None for a dynamic activity: it runs any type its task queue has no function for
    fn: Callable[..., Any]
    is_async: bool
    arg_hints: list[Any]
    result_hint: Any
    data_converter: DataConverter = DataConverter.default  # of the client or environment that registered it

    @staticmethod
    def of(fn: object) -> ActivityDefinition:
        """The definition of an ``@activity.defn`` function, or of a bound method of one.

        Raises:
            TypeError: ``fn`` was not decorated.
        """
        found = getattr(fn, _ATTR, None)
        if not isinstance(found, ActivityDefinition):
            raise TypeError(f"{fn!r} is not an activity: decorate it with @activity.defn")
        if inspect.ismethod(fn):  # a bound method registered on a worker: call it bound
            return replace(found, fn=fn)
        return found

    @property
    def dynamic(self) -> bool:
        """Whether this is the dynamic activity of its task queue."""
        return self.name is None

    def decode_args(self, payloads: Sequence[str]) -> list[Any]:
        """The arguments to call the function with; a dynamic activity's are one list of raw values."""
        if self.name is None:
            return [_converter.raw_values(payloads)]
        return _converter.decode_args(payloads, self.arg_hints, self.data_converter.payload_converter)

    @staticmethod
    def name_and_result_hint(activity: str | Callable[..., Any]) -> tuple[str, Any]:
        """Name and result hint for ``execute_activity(activity, ...)``: a function or a name.

        Raises:
            ValueError: a dynamic activity, which has no name to call it by.
        """
        if isinstance(activity, str):
            return activity, None
        d = ActivityDefinition.of(activity)
        if d.name is None:
            raise ValueError(f"Activity {activity} definition has no name")
        return d.name, d.result_hint


@overload
def defn(fn: F) -> F: ...


@overload
def defn(*, name: str | None = None, no_thread_cancel_exception: bool = False) -> Callable[[F], F]: ...


@overload
def defn(*, no_thread_cancel_exception: bool = False, dynamic: bool = False) -> Callable[[F], F]: ...


def defn(
    fn: F | None = None,
    *,
    name: str | None = None,
    no_thread_cancel_exception: bool = False,
    dynamic: bool = False,
) -> F | Callable[[F], F]:
    """Mark a function (sync or async) or a method as an activity.

    Args:
        fn: The function.
        name: Activity type name; the function's ``__name__`` by default. Ignored if ``dynamic``.
        no_thread_cancel_exception: Accepted for temporalio compatibility.
        dynamic: This activity runs every activity type its task queue has no function for:
            it takes one ``Sequence[RawValue]`` (the arguments) and ``activity.info().activity_type``
            is the type the workflow asked for.

    Raises:
        TypeError: a dynamic activity does not take a single ``Sequence[RawValue]``.
    """
    del no_thread_cancel_exception

    def decorator(fn: F) -> F:
        hints, result = _converter.hints_of(fn)
        if dynamic and (len(hints) != 1 or hints[0] != Sequence[RawValue]):
            raise TypeError("Dynamic activity must accept a single Sequence[durable.common.RawValue]")
        setattr(
            fn,
            _ATTR,
            ActivityDefinition(
                # temporalio's precedence: ``dynamic`` wins over ``name``.
                name=None if dynamic else (name or fn.__name__),
                fn=fn,
                is_async=inspect.iscoroutinefunction(fn),
                arg_hints=hints,
                result_hint=result,
            ),
        )
        return fn

    return decorator(fn) if fn is not None else decorator
