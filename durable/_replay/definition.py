"""Workflow class decorators and the definitions they attach (temporalio's rules)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

from durable import _converter

__all__ = [
    "HandlerUnfinishedPolicy",
    "QueryDefinition",
    "SignalDefinition",
    "UpdateDefinition",
    "WorkflowDefinition",
    "defn",
    "init",
    "query",
    "run",
    "signal",
    "update",
]

ClassType = TypeVar("ClassType", bound=type)
F = TypeVar("F", bound=Callable[..., Any])

_RUN = "__durable_workflow_run"
_INIT = "__durable_workflow_init"
_DEFN = "__durable_workflow_definition"
_SIGNAL = "__durable_signal_definition"
_QUERY = "__durable_query_definition"
_UPDATE = "__durable_update_definition"


class HandlerUnfinishedPolicy(IntEnum):
    """What happens to a signal or update handler still running when the workflow completes."""

    WARN_AND_ABANDON = 1
    ABANDON = 2


@dataclass(frozen=True)
class SignalDefinition:
    """A ``@workflow.signal`` method."""

    name: str | None  # None for the dynamic handler
    fn: Callable[..., Any]
    arg_hints: list[Any]
    dynamic: bool = False
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON


@dataclass(frozen=True)
class QueryDefinition:
    """A ``@workflow.query`` method."""

    name: str | None
    fn: Callable[..., Any]
    arg_hints: list[Any]
    result_hint: Any
    dynamic: bool = False


@dataclass
class UpdateDefinition:
    """A ``@workflow.update`` method; its validator is attached after the decorator ran."""

    name: str | None
    fn: Callable[..., Any]
    arg_hints: list[Any]
    result_hint: Any
    unfinished_policy: HandlerUnfinishedPolicy
    dynamic: bool = False
    validator: Callable[..., None] | None = None

    def set_validator(self, fn: Callable[..., None]) -> Callable[..., None]:
        """Register ``fn`` as the validator (``@my_update.validator``)."""
        if inspect.iscoroutinefunction(fn):
            raise ValueError("Update validator cannot be an async function")
        self.validator = fn
        return fn


@dataclass(frozen=True)
class WorkflowDefinition:
    """Everything the engine needs to know about a ``@workflow.defn`` class."""

    name: str
    cls: type
    run_fn: Callable[..., Any]
    arg_hints: list[Any]
    result_hint: Any
    init_takes_args: bool
    signals: dict[str, SignalDefinition] = field(default_factory=dict)
    dynamic_signal: SignalDefinition | None = None
    queries: dict[str, QueryDefinition] = field(default_factory=dict)
    dynamic_query: QueryDefinition | None = None
    updates: dict[str, UpdateDefinition] = field(default_factory=dict)
    dynamic_update: UpdateDefinition | None = None
    failure_exception_types: tuple[type[BaseException], ...] = ()

    @staticmethod
    def of(cls_or_run_fn: Any) -> WorkflowDefinition:
        """The definition of a workflow class or of its run method.

        Raises:
            TypeError: the object is neither.
        """
        found = getattr(cls_or_run_fn, _DEFN, None)
        if not isinstance(found, WorkflowDefinition):
            raise TypeError(
                f"{cls_or_run_fn!r} is not a workflow: decorate the class with @workflow.defn "
                "and pass the class or its @workflow.run method"
            )
        return found


def defn(
    cls: ClassType | None = None,
    *,
    name: str | None = None,
    sandboxed: bool = True,
    dynamic: bool = False,
    failure_exception_types: Sequence[type[BaseException]] = (),
) -> Any:
    """Mark a class as a workflow.

    Args:
        cls: The class.
        name: Workflow type name; the class name by default.
        sandboxed: Accepted for temporalio compatibility; workflows here run
            unsandboxed, determinism comes from the workflow event loop.
        dynamic: Not supported yet.
        failure_exception_types: Exception types that fail the workflow instead of
            failing (and retrying) its workflow task.
    """
    del sandboxed  # accepted for compatibility

    def decorator(cls: ClassType) -> ClassType:
        if dynamic:
            raise ValueError("dynamic workflows are not supported yet")
        definition = _build(cls, name or cls.__name__, tuple(failure_exception_types))
        setattr(cls, _DEFN, definition)
        setattr(definition.run_fn, _DEFN, definition)
        return cls

    return decorator(cls) if cls is not None else decorator


def init(init_fn: F) -> F:
    """Mark ``__init__`` as taking the same arguments as the run method."""
    if init_fn.__name__ != "__init__":
        raise ValueError("@workflow.init may only be used on the __init__ method")
    setattr(init_fn, _INIT, True)
    return init_fn


def run(fn: F) -> F:
    """Mark the workflow's one async entry method."""
    if not inspect.iscoroutinefunction(fn):
        raise ValueError("Workflow run method must be an async function")
    setattr(fn, _RUN, True)
    return fn


def signal(
    fn: F | None = None,
    *,
    name: str | None = None,
    dynamic: bool | None = False,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Any:
    """Mark a method as a signal handler (sync or async); ``name`` defaults to the method's."""
    del description

    def decorator(fn: F) -> F:
        if name is not None and dynamic:
            raise RuntimeError("Cannot provide name and dynamic boolean")
        hints, _ = _converter.hints_of(fn)
        setattr(
            fn,
            _SIGNAL,
            SignalDefinition(
                name=None if dynamic else (name or fn.__name__),
                fn=fn,
                arg_hints=hints[1:] if dynamic else hints,
                dynamic=bool(dynamic),
                unfinished_policy=unfinished_policy,
            ),
        )
        return fn

    return decorator(fn) if fn is not None else decorator


def query(
    fn: F | None = None,
    *,
    name: str | None = None,
    dynamic: bool | None = False,
    description: str | None = None,
) -> Any:
    """Mark a method as a query handler: sync, read-only; ``name`` defaults to the method's."""
    del description

    def decorator(fn: F) -> F:
        if name is not None and dynamic:
            raise RuntimeError("Cannot provide name and dynamic boolean")
        if inspect.iscoroutinefunction(fn):
            raise ValueError("Query handlers cannot be async functions")
        hints, result = _converter.hints_of(fn)
        setattr(
            fn,
            _QUERY,
            QueryDefinition(
                name=None if dynamic else (name or fn.__name__),
                fn=fn,
                arg_hints=hints[1:] if dynamic else hints,
                result_hint=result,
                dynamic=bool(dynamic),
            ),
        )
        return fn

    return decorator(fn) if fn is not None else decorator


def update(
    fn: F | None = None,
    *,
    name: str | None = None,
    dynamic: bool | None = False,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Any:
    """Mark a method as an update handler (sync or async); ``name`` defaults to the method's.

    ``@my_update.validator`` marks a sync method that takes the same arguments and raises
    to reject the update before it is accepted (read-only: it must not change the workflow).
    """
    del description

    def decorator(fn: F) -> F:
        if name is not None and dynamic:
            raise RuntimeError("Cannot provide name and dynamic boolean")
        hints, result = _converter.hints_of(fn)
        definition = UpdateDefinition(
            name=None if dynamic else (name or fn.__name__),
            fn=fn,
            arg_hints=hints[1:] if dynamic else hints,
            result_hint=result,
            unfinished_policy=unfinished_policy,
            dynamic=bool(dynamic),
        )
        setattr(fn, _UPDATE, definition)
        fn.validator = definition.set_validator  # type: ignore[attr-defined]
        return fn

    return decorator(fn) if fn is not None else decorator


def update_definition(u: Any) -> tuple[str, Any]:
    """The name and result hint of a ``@workflow.update`` method, or a name."""
    if isinstance(u, str):
        return u, None
    found = getattr(u, _UPDATE, None)
    if not isinstance(found, UpdateDefinition) or found.name is None:
        raise TypeError(f"{u!r} is not a @workflow.update method or an update name")
    return found.name, found.result_hint


def signal_name(sig: Any) -> str:
    """The signal name of a ``@workflow.signal`` method or a string."""
    if isinstance(sig, str):
        return sig
    found = getattr(sig, _SIGNAL, None)
    if not isinstance(found, SignalDefinition) or found.name is None:
        raise TypeError(f"{sig!r} is not a @workflow.signal method or a signal name")
    return found.name


def query_definition(q: Any) -> tuple[str, Any]:
    """The name and result hint of a ``@workflow.query`` method, or a name."""
    if isinstance(q, str):
        return q, None
    found = getattr(q, _QUERY, None)
    if not isinstance(found, QueryDefinition) or found.name is None:
        raise TypeError(f"{q!r} is not a @workflow.query method or a query name")
    return found.name, found.result_hint


def _build(cls: type, name: str, failure_types: tuple[type[BaseException], ...]) -> WorkflowDefinition:
    run_fn = None
    signals: dict[str, SignalDefinition] = {}
    queries: dict[str, QueryDefinition] = {}
    updates: dict[str, UpdateDefinition] = {}
    dynamic_signal = dynamic_query = dynamic_update = None
    for attr_name, member in inspect.getmembers(cls):
        if getattr(member, _RUN, False):
            if attr_name not in cls.__dict__:
                raise ValueError(
                    f"@workflow.run method {attr_name} must be defined (or overridden) on {cls.__name__}"
                )
            if run_fn is not None:
                raise ValueError(f"{cls.__name__} has more than one @workflow.run method")
            run_fn = member
        if isinstance(sig := getattr(member, _SIGNAL, None), SignalDefinition):
            if sig.dynamic:
                dynamic_signal = sig
            else:
                assert sig.name is not None
                if sig.name in signals:
                    raise ValueError(f"{cls.__name__} has more than one signal named {sig.name!r}")
                signals[sig.name] = sig
        if isinstance(q := getattr(member, _QUERY, None), QueryDefinition):
            if q.dynamic:
                dynamic_query = q
            else:
                assert q.name is not None
                if q.name in queries:
                    raise ValueError(f"{cls.__name__} has more than one query named {q.name!r}")
                queries[q.name] = q
        if isinstance(u := getattr(member, _UPDATE, None), UpdateDefinition):
            if u.dynamic:
                dynamic_update = u
            else:
                assert u.name is not None
                if u.name in updates:
                    raise ValueError(f"{cls.__name__} has more than one update named {u.name!r}")
                updates[u.name] = u
    if run_fn is None:
        raise ValueError(f"{cls.__name__} has no @workflow.run method")
    arg_hints, result_hint = _converter.hints_of(run_fn)
    return WorkflowDefinition(
        name=name,
        cls=cls,
        run_fn=run_fn,
        arg_hints=arg_hints,
        result_hint=result_hint,
        init_takes_args=getattr(cls.__init__, _INIT, False),
        signals=signals,
        dynamic_signal=dynamic_signal,
        queries=queries,
        dynamic_query=dynamic_query,
        updates=updates,
        dynamic_update=dynamic_update,
        failure_exception_types=failure_types,
    )
