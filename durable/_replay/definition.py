"""Workflow class decorators and the definitions they attach (temporalio's rules)."""

from __future__ import annotations

import dataclasses
import inspect
import typing
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal, ParamSpec, Protocol, TypeVar, cast, overload

from durable import _converter
from durable._conversion.data_converter import DataConverter
from durable._converter import RawValue

__all__ = [
    "DynamicWorkflowConfig",
    "HandlerUnfinishedPolicy",
    "QueryDefinition",
    "SignalDefinition",
    "UpdateDefinition",
    "UpdateMethodMultiParam",
    "WorkflowDefinition",
    "defn",
    "dynamic_config",
    "init",
    "query",
    "query_handler",
    "run",
    "signal",
    "signal_handler",
    "update",
    "update_handler",
]

# temporalio's type variables (temporalio.types): a decorated class or method keeps its type.
ClassType = TypeVar("ClassType", bound=type)
F = TypeVar("F", bound=Callable[..., Any])
CallableAsyncType = TypeVar("CallableAsyncType", bound=Callable[..., Awaitable[Any]])
CallableSyncOrAsyncReturnNoneType = TypeVar(
    "CallableSyncOrAsyncReturnNoneType", bound=Callable[..., None | Awaitable[None]]
)
MultiParamSpec = ParamSpec("MultiParamSpec")
ReturnType = TypeVar("ReturnType")
ProtocolReturnType = TypeVar("ProtocolReturnType", covariant=True)

_RUN = "__durable_workflow_run"
_INIT = "__durable_workflow_init"
_DEFN = "__durable_workflow_definition"
_SIGNAL = "__durable_signal_definition"
_QUERY = "__durable_query_definition"
_UPDATE = "__durable_update_definition"
_DYNAMIC_CONFIG = "__durable_workflow_dynamic_config"


class HandlerUnfinishedPolicy(IntEnum):
    """What happens to a signal or update handler still running when the workflow completes."""

    WARN_AND_ABANDON = 1
    ABANDON = 2


@dataclass(frozen=True)
class SignalDefinition:
    """A signal handler: a ``@workflow.signal`` method, or a function set at run time.

    A dynamic one (``name`` None) takes the signal's name and its arguments as
    ``Sequence[RawValue]``; ``dynamic_vararg`` marks temporalio's older ``(name, *args)``
    form, still accepted with a DeprecationWarning. ``arg_hints`` are the parameters'
    hints without ``self``; ``is_method`` says whether ``fn`` takes the workflow object first.
    """

    name: str | None  # None for the dynamic handler
    fn: Callable[..., Any]
    arg_hints: list[Any]
    dynamic: bool = False
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON
    is_method: bool = True
    dynamic_vararg: bool = False


@dataclass(frozen=True)
class QueryDefinition:
    """A query handler: a ``@workflow.query`` method, or a function set at run time."""

    name: str | None
    fn: Callable[..., Any]
    arg_hints: list[Any]
    result_hint: Any
    dynamic: bool = False
    is_method: bool = True
    dynamic_vararg: bool = False


@dataclass
class UpdateDefinition:
    """An update handler; a method's validator is attached after the decorator ran."""

    name: str | None
    fn: Callable[..., Any]
    arg_hints: list[Any]
    result_hint: Any
    unfinished_policy: HandlerUnfinishedPolicy
    dynamic: bool = False
    validator: Callable[..., None] | None = None
    is_method: bool = True
    dynamic_vararg: bool = False

    def set_validator(self, fn: Callable[..., None]) -> Callable[..., None]:
        """Register ``fn`` as the validator (``@my_update.validator``).

        Raises:
            ValueError: ``fn`` is async (it would never run: validators are not awaited).
            RuntimeError: a validator is set already.
        """
        if inspect.iscoroutinefunction(fn):
            raise ValueError("Update validator must not be an async function")
        if self.validator:
            raise RuntimeError(f"Validator already set for update {self.name}")
        self.validator = fn
        return fn


def _dynamic_vararg(fn: Callable[..., Any], hints: list[Any], is_method: bool) -> bool:
    """Whether a dynamic handler has temporalio's older ``(name, *args)`` form.

    Raises:
        RuntimeError: it has neither that form nor ``(name: str, args: Sequence[RawValue])``.
    """
    params = list(inspect.signature(fn).parameters.values())
    if (
        len(params) == (3 if is_method else 2)
        and params[-2].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        and params[-1].kind is inspect.Parameter.VAR_POSITIONAL
    ):
        return True
    if (
        len(hints) != 2
        or hints[0] is not str
        or (hints[1] != Sequence[RawValue] and hints[1] != typing.Sequence[RawValue])  # noqa: UP006
    ):
        raise RuntimeError("Dynamic handler must have 3 arguments: self, str, and Sequence[RawValue]")
    return False


def signal_handler(
    name: str | None,
    fn: Callable[..., Any],
    *,
    is_method: bool,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    stacklevel: int = 3,
) -> SignalDefinition:
    """The definition of a signal handler (``name`` None: the dynamic one), checked as temporalio does."""
    hints, _ = _converter.hints_of(fn)
    vararg = name is None and _dynamic_vararg(fn, hints, is_method)
    if vararg:
        warnings.warn(
            "Dynamic signals with vararg third param is deprecated, use Sequence[RawValue]",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
    return SignalDefinition(
        name=name,
        fn=fn,
        arg_hints=hints,
        dynamic=name is None,
        unfinished_policy=unfinished_policy,
        is_method=is_method,
        dynamic_vararg=vararg,
    )


def query_handler(name: str | None, fn: Callable[..., Any], *, is_method: bool, stacklevel: int = 3) -> QueryDefinition:
    """The definition of a query handler (``name`` None: the dynamic one), checked as temporalio does."""
    hints, result = _converter.hints_of(fn)
    vararg = name is None and _dynamic_vararg(fn, hints, is_method)
    if vararg:
        warnings.warn(
            "Dynamic queries with vararg third param is deprecated, use Sequence[RawValue]",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
    return QueryDefinition(
        name=name,
        fn=fn,
        arg_hints=hints,
        result_hint=result,
        dynamic=name is None,
        is_method=is_method,
        dynamic_vararg=vararg,
    )


def update_handler(
    name: str | None,
    fn: Callable[..., Any],
    *,
    is_method: bool,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
) -> UpdateDefinition:
    """The definition of an update handler (``name`` None: the dynamic one), checked as temporalio does.

    Raises:
        RuntimeError: a dynamic handler in the older ``(name, *args)`` form, which updates never took.
    """
    hints, result = _converter.hints_of(fn)
    if name is None and _dynamic_vararg(fn, hints, is_method):
        raise RuntimeError("Dynamic updates do not support a vararg third param, use Sequence[RawValue]")
    return UpdateDefinition(
        name=name,
        fn=fn,
        arg_hints=hints,
        result_hint=result,
        unfinished_policy=unfinished_policy,
        dynamic=name is None,
        is_method=is_method,
    )


@dataclass(frozen=True)
class WorkflowDefinition:
    """Everything the engine needs to know about a ``@workflow.defn`` class."""

    name: str | None  # None for a dynamic workflow: it runs any type its task queue has no class for
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
    sandboxed: bool = True  # @workflow.defn(sandboxed=False) runs it outside the determinism sandbox
    workflow_runner: Any = None  # the runner it was registered with (None: the default, sandboxed)
    interceptors: tuple[Any, ...] = ()  # its worker's (durable.worker.Interceptor), outermost first
    dynamic_config_fn: Callable[..., DynamicWorkflowConfig] | None = None  # a dynamic workflow's
    data_converter: DataConverter = DataConverter.default  # of the client or environment that registered it

    @property
    def dynamic(self) -> bool:
        """Whether this is the dynamic workflow of its task queue."""
        return self.name is None

    @staticmethod
    def name_and_result_hint(workflow: Any, *, error: type[Exception] = ValueError) -> tuple[str, Any]:
        """The type name and result hint of a workflow given by name or by class / run method.

        Raises:
            ValueError (or ``error``): a dynamic workflow, which has no type name of its own.
            TypeError: neither a name nor a workflow.
        """
        if isinstance(workflow, str):
            return workflow, None
        definition = WorkflowDefinition.of(workflow)
        if definition.name is None:
            raise error("Cannot invoke dynamic workflow explicitly")
        return definition.name, definition.result_hint

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


@overload
def defn(cls: ClassType) -> ClassType: ...


@overload
def defn(
    *,
    name: str | None = None,
    sandboxed: bool = True,
    failure_exception_types: Sequence[type[BaseException]] = (),
) -> Callable[[ClassType], ClassType]: ...


@overload
def defn(
    *,
    sandboxed: bool = True,
    dynamic: bool = False,
    failure_exception_types: Sequence[type[BaseException]] = (),
) -> Callable[[ClassType], ClassType]: ...


def defn(
    cls: ClassType | None = None,
    *,
    name: str | None = None,
    sandboxed: bool = True,
    dynamic: bool = False,
    failure_exception_types: Sequence[type[BaseException]] = (),
) -> ClassType | Callable[[ClassType], ClassType]:
    """Mark a class as a workflow.

    Args:
        cls: The class.
        name: Workflow type name; the class name by default. Ignored if ``dynamic``.
        sandboxed: Whether the workflow's code runs in the determinism sandbox, which
            refuses calls such as ``time.time()`` or ``open()`` (True by default).
        dynamic: This workflow runs every workflow type its task queue has no class for:
            its run method takes one ``Sequence[RawValue]`` (the start's arguments) and
            ``workflow.info().workflow_type`` is the type the start asked for.
        failure_exception_types: Exception types that fail the workflow instead of
            failing (and retrying) its workflow task.

    Raises:
        TypeError: a dynamic workflow's run method does not take a single ``Sequence[RawValue]``.
    """

    def decorator(cls: ClassType) -> ClassType:
        # temporalio's precedence: ``dynamic`` wins over ``name``.
        definition = _build(cls, None if dynamic else (name or cls.__name__), tuple(failure_exception_types))
        if not sandboxed:
            definition = dataclasses.replace(definition, sandboxed=False)
        setattr(cls, _DEFN, definition)
        setattr(definition.run_fn, _DEFN, definition)
        return cls

    return decorator(cls) if cls is not None else decorator


@dataclass(frozen=True)
class DynamicWorkflowConfig:
    """What a dynamic workflow's ``@workflow.dynamic_config`` method returns (temporalio's)."""

    failure_exception_types: Sequence[type[BaseException]] | None = None
    """Exception types that fail the workflow (or update) instead of its workflow task;
    when not None, replaces those given to ``@workflow.defn``."""
    versioning_behavior: Any = None
    """Accepted for temporalio compatibility: worker versioning does not apply here."""


def dynamic_config(fn: F) -> F:
    """Mark the method that configures a dynamic workflow for the type it runs.

    It takes only ``self`` and returns a :class:`DynamicWorkflowConfig`; it is called once the
    object exists (after ``__init__``), before the run method, read-only.

    Raises:
        ValueError: an async method, or one taking more than ``self``.
    """
    if inspect.iscoroutinefunction(fn):
        raise ValueError("Workflow dynamic_config method must be synchronous")
    if len(inspect.signature(fn).parameters) != 1:
        raise ValueError("Workflow dynamic_config method must only take self parameter")
    setattr(fn, _DYNAMIC_CONFIG, True)
    return fn


def init(init_fn: F) -> F:
    """Mark ``__init__`` as taking the same arguments as the run method."""
    if init_fn.__name__ != "__init__":
        raise ValueError("@workflow.init may only be used on the __init__ method")
    setattr(init_fn, _INIT, True)
    return init_fn


def run(fn: CallableAsyncType) -> CallableAsyncType:
    """Mark the workflow's one async entry method."""
    # Checked through a name of its own: iscoroutinefunction's TypeGuard would narrow fn
    # to a bare coroutine function and lose the type the decorator returns.
    checked: object = fn
    if not inspect.iscoroutinefunction(checked):
        raise ValueError("Workflow run method must be an async function")
    setattr(fn, _RUN, True)
    return fn


@overload
def signal(fn: CallableSyncOrAsyncReturnNoneType) -> CallableSyncOrAsyncReturnNoneType: ...


@overload
def signal(
    *,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Callable[[CallableSyncOrAsyncReturnNoneType], CallableSyncOrAsyncReturnNoneType]: ...


@overload
def signal(
    *,
    name: str,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Callable[[CallableSyncOrAsyncReturnNoneType], CallableSyncOrAsyncReturnNoneType]: ...


@overload
def signal(
    *,
    dynamic: Literal[True],
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Callable[[CallableSyncOrAsyncReturnNoneType], CallableSyncOrAsyncReturnNoneType]: ...


def signal(
    fn: CallableSyncOrAsyncReturnNoneType | None = None,
    *,
    name: str | None = None,
    dynamic: bool | None = False,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> (
    CallableSyncOrAsyncReturnNoneType | Callable[[CallableSyncOrAsyncReturnNoneType], CallableSyncOrAsyncReturnNoneType]
):
    """Mark a method as a signal handler (sync or async); ``name`` defaults to the method's."""
    del description

    def decorator(fn: CallableSyncOrAsyncReturnNoneType) -> CallableSyncOrAsyncReturnNoneType:
        definition = signal_handler(
            None if dynamic else (name or fn.__name__), fn, is_method=True, unfinished_policy=unfinished_policy
        )
        setattr(fn, _SIGNAL, definition)
        return fn

    if name is not None and dynamic:
        raise RuntimeError("Cannot provide name and dynamic boolean")
    return decorator(fn) if fn is not None else decorator


@overload
def query(fn: F) -> F: ...


@overload
def query(*, name: str, description: str | None = None) -> Callable[[F], F]: ...


@overload
def query(*, dynamic: Literal[True], description: str | None = None) -> Callable[[F], F]: ...


@overload
def query(*, description: str) -> Callable[[F], F]: ...


def query(
    fn: F | None = None,
    *,
    name: str | None = None,
    dynamic: bool | None = False,
    description: str | None = None,
) -> F | Callable[[F], F]:
    """Mark a method as a query handler: sync, read-only; ``name`` defaults to the method's."""
    del description

    def decorator(fn: F) -> F:
        if inspect.iscoroutinefunction(fn):
            raise ValueError("Query handlers cannot be async functions")
        setattr(fn, _QUERY, query_handler(None if dynamic else (name or fn.__name__), fn, is_method=True))
        return fn

    if name is not None and dynamic:
        raise RuntimeError("Cannot provide name and dynamic boolean")
    return decorator(fn) if fn is not None else decorator


class UpdateMethodMultiParam(Protocol[MultiParamSpec, ProtocolReturnType]):
    """What ``@workflow.update`` makes of a method (temporalio's): callable, with a ``validator`` decorator."""

    def __call__(
        self, *args: MultiParamSpec.args, **kwargs: MultiParamSpec.kwargs
    ) -> ProtocolReturnType | Awaitable[ProtocolReturnType]:
        """The handler itself."""
        ...

    def validator(self, vfunc: Callable[MultiParamSpec, None]) -> Callable[MultiParamSpec, None]:
        """Mark a sync method taking the same arguments as the update's validator."""
        ...


@overload
def update(
    fn: Callable[MultiParamSpec, Awaitable[ReturnType]],
) -> UpdateMethodMultiParam[MultiParamSpec, ReturnType]: ...


@overload
def update(fn: Callable[MultiParamSpec, ReturnType]) -> UpdateMethodMultiParam[MultiParamSpec, ReturnType]: ...


@overload
def update(
    *,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Callable[[Callable[MultiParamSpec, ReturnType]], UpdateMethodMultiParam[MultiParamSpec, ReturnType]]: ...


@overload
def update(
    *,
    name: str,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Callable[[Callable[MultiParamSpec, ReturnType]], UpdateMethodMultiParam[MultiParamSpec, ReturnType]]: ...


@overload
def update(
    *,
    dynamic: Literal[True],
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> Callable[[Callable[MultiParamSpec, ReturnType]], UpdateMethodMultiParam[MultiParamSpec, ReturnType]]: ...


def update(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    dynamic: bool | None = False,
    unfinished_policy: HandlerUnfinishedPolicy = HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    description: str | None = None,
) -> UpdateMethodMultiParam[..., Any] | Callable[[Callable[..., Any]], UpdateMethodMultiParam[..., Any]]:
    """Mark a method as an update handler (sync or async); ``name`` defaults to the method's.

    ``@my_update.validator`` marks a sync method that takes the same arguments and raises
    to reject the update before it is accepted (read-only: it must not change the workflow).
    """
    del description

    def decorator(fn: Callable[..., Any]) -> UpdateMethodMultiParam[..., Any]:
        definition = update_handler(
            None if dynamic else (name or fn.__name__), fn, is_method=True, unfinished_policy=unfinished_policy
        )
        setattr(fn, _UPDATE, definition)
        fn.validator = definition.set_validator  # type: ignore[attr-defined]  # set on the function at run time
        # With its validator attribute, the function is the protocol the decorator promises.
        return cast("UpdateMethodMultiParam[..., Any]", fn)

    if name is not None and dynamic:
        raise RuntimeError("Cannot provide name and dynamic boolean")
    return decorator(fn) if fn is not None else decorator


def update_definition(u: Any) -> tuple[str, Any]:
    """The name and result hint of a ``@workflow.update`` method, or a name."""
    if isinstance(u, str):
        return u, None
    found = getattr(u, _UPDATE, None)
    if isinstance(found, UpdateDefinition) and found.name is None:
        raise RuntimeError("Cannot invoke dynamic update definition")
    if not isinstance(found, UpdateDefinition) or found.name is None:
        raise TypeError(f"{u!r} is not a @workflow.update method or an update name")
    return found.name, found.result_hint


def signal_name(sig: Any) -> str:
    """The signal name of a ``@workflow.signal`` method or a string."""
    if isinstance(sig, str):
        return sig
    found = getattr(sig, _SIGNAL, None)
    if isinstance(found, SignalDefinition) and found.name is None:
        raise RuntimeError("Cannot invoke dynamic signal definition")
    if not isinstance(found, SignalDefinition) or found.name is None:
        raise TypeError(f"{sig!r} is not a @workflow.signal method or a signal name")
    return found.name


def query_definition(q: Any) -> tuple[str, Any]:
    """The name and result hint of a ``@workflow.query`` method, or a name."""
    if isinstance(q, str):
        return q, None
    found = getattr(q, _QUERY, None)
    if isinstance(found, QueryDefinition) and found.name is None:
        raise RuntimeError("Cannot invoke dynamic query definition")
    if not isinstance(found, QueryDefinition) or found.name is None:
        raise TypeError(f"{q!r} is not a @workflow.query method or a query name")
    return found.name, found.result_hint


def _build(cls: type, name: str | None, failure_types: tuple[type[BaseException], ...]) -> WorkflowDefinition:
    run_fn = None
    signals: dict[str, SignalDefinition] = {}
    queries: dict[str, QueryDefinition] = {}
    updates: dict[str, UpdateDefinition] = {}
    dynamic_signal = dynamic_query = dynamic_update = None
    config_fn = None
    for attr_name, member in inspect.getmembers(cls):
        if getattr(member, _DYNAMIC_CONFIG, False):
            if name is not None:
                raise ValueError(
                    "Invalid workflow class: @workflow.dynamic_config can only be used in dynamic workflows, "
                    f"but workflow class {name} ({cls.__name__}) is not dynamic"
                )
            if config_fn is not None:
                raise ValueError(
                    "Invalid workflow class: @workflow.dynamic_config can only be defined once per workflow"
                )
            config_fn = member
        if getattr(member, _RUN, False):
            if attr_name not in cls.__dict__:
                raise ValueError(f"@workflow.run method {attr_name} must be defined (or overridden) on {cls.__name__}")
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
    if name is None and (len(arg_hints) != 1 or arg_hints[0] != Sequence[RawValue]):
        raise TypeError("Dynamic workflow must accept a single Sequence[durable.common.RawValue]")
    return WorkflowDefinition(
        name=name,
        cls=cls,
        run_fn=run_fn,
        arg_hints=arg_hints,
        result_hint=result_hint,
        # Only @workflow.init's marker is read off __init__ (mypy guards calling it through a class object).
        init_takes_args=getattr(cls.__init__, _INIT, False),  # type: ignore[misc]
        signals=signals,
        dynamic_signal=dynamic_signal,
        queries=queries,
        dynamic_query=dynamic_query,
        updates=updates,
        dynamic_update=dynamic_update,
        failure_exception_types=failure_types,
        dynamic_config_fn=config_fn,
    )
