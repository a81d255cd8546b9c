"""How the sandbox enforces its restrictions: caller-aware guards on the restricted members.

temporalio re-imports a workflow's module for every run, with proxies of the standard
library in place of the real modules. That costs milliseconds per run, which on Lambda
(a run is rebuilt from history on each task) would be paid per workflow task. Here the
restricted members themselves are replaced, once per process, by guards:

* a module function (``time.time``, ``uuid.uuid4``, ``random.random``, ``os.listdir``,
  ``builtins.open``...) by a wrapper, and every ``from time import time`` already bound in
  a module that may run in a workflow by the same wrapper (a callable object, not a
  function, when the original does not bind: ``lock_class = threading.Lock`` in a class
  body must not pass the instance to the builtin);
* a class's ``__init__`` (``threading.Thread``, ``socket.socket``, ``subprocess.Popen``);
* a method on a class (``pathlib.Path.read_text``), classmethods of C types included
  (``datetime.datetime.now``, ``datetime.date.today``), written into the type's dict.

Outside a sandboxed activation a guard costs one thread-local read. Inside one, a call is
refused when it comes from workflow code: the guard looks at its caller's module and, for
modules that are neither the workflow's nor passed through, walks up the stack until it
finds one or the other. The standard library, ``durable`` itself, the restrictions'
``passthrough_modules`` and modules imported inside ``imports_passed_through()`` are
passed through, so ``logging`` reading the clock for ``workflow.logger`` is not refused.

Members of C types other than the datetime ones (``threading.local``, ``select.epoll``),
attribute reads (``os.name``) and module imports are not restricted.
"""

from __future__ import annotations

import builtins
import ctypes
import functools
import gc
import importlib
import inspect
import logging
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, SupportsIndex, TypeVar

from durable._sandbox import state
from durable._sandbox.restrictions import RestrictedWorkflowAccessError, SandboxMatcher, SandboxRestrictions

__all__ = ["Sandbox", "install"]

logger = logging.getLogger(__name__)

# Imported (if not yet) the first time a sandbox is used, so that their members are
# guarded before any workflow code can call them; restricted modules imported later are
# guarded when the next run starts.
_EAGER = (
    "time", "datetime", "random", "uuid", "os", "subprocess", "socket", "threading", "shutil", "tempfile",
    "secrets", "pathlib", "glob", "select", "selectors", "signal", "concurrent.futures", "asyncio", "platform",
    "locale", "zoneinfo",
)  # fmt: skip

_PASS, _WORKFLOW, _UNKNOWN = 0, 1, 2
# Kept as they are: the standard library compares them by identity
# (asyncio: ``signal.getsignal(SIGINT) is signal.default_int_handler``).
_SKIP = frozenset({"signal.default_int_handler"})
_MAPPING_READS = ("get", "keys", "items", "values", "copy", "__getitem__", "__contains__", "__iter__")


@dataclass(frozen=True)
class Target:
    """One restricted member: where it lives and what a refused call says."""

    key: str  # dotted path, unique per member ("os.path.join")
    owner: Any  # the module or class that holds it
    attr: str
    reported: str  # the qualified name in the error, as temporalio names it
    message: str | None = None
    warning: type[Warning] | None = None


_lock = threading.RLock()
_targets: dict[str, Target] = {}  # installed, by key
_guard_of: dict[int, Callable[..., Any]] = {}  # id(original module function) -> its guard
_originals: list[Any] = []  # keeps the originals alive, so their ids stay theirs
_scanned: set[str] = set()  # modules whose bound names were replaced by guards
_compiled: dict[int, tuple[SandboxRestrictions, dict[str, tuple[dict[str, Target], bool]]]] = {}
_modules_seen = [-1]


class Sandbox:
    """The restrictions of one workflow class under one runner, and the caller rule."""

    def __init__(self, restrictions: SandboxRestrictions, workflow_modules: Iterable[str]) -> None:
        self.restrictions = restrictions
        self.workflow_modules = frozenset(workflow_modules)
        self.names: frozenset[str] = frozenset()
        self._passthrough = frozenset(restrictions.passthrough_modules) | {"durable"}
        self._kinds: dict[str | None, int] = {}
        self.passing: set[types.CodeType] = set()  # code objects whose calls pass (passthrough only grows)
        self._kinds_version = -1
        self._compiled_at = -1

    def refresh(self) -> None:
        """Guard what became importable since the last run (cheap when nothing did)."""
        if self._compiled_at == len(sys.modules):
            return
        with _lock:
            found = compile_restrictions(self.restrictions)
            install(found.values())
            self.names = frozenset(found)
            self._compiled_at = len(sys.modules)

    def check(self, key: str, frame: types.FrameType) -> None:
        """Refuse (or warn about) the call of ``key`` made from ``frame`` if workflow code made it.

        Raises:
            RestrictedWorkflowAccessError: the call comes from workflow code.
        """
        if self._kinds_version != state.passed_through_version[0]:
            self._kinds = {}
            self._kinds_version = state.passed_through_version[0]
        kinds = self._kinds
        caller = frame
        walked: types.FrameType | None = frame
        while walked is not None:
            name = walked.f_globals.get("__name__")
            kind = kinds.get(name)
            if kind is None:
                kind = kinds[name] = self._kind(name)
            if kind == _PASS:
                if walked is caller:  # the guards skip this call site from now on
                    self.passing.add(caller.f_code)
                return
            if kind == _WORKFLOW:
                break
            walked = walked.f_back
        else:
            return
        target = _targets[key]
        if target.warning is not None:
            warnings.warn_explicit(
                target.message or RestrictedWorkflowAccessError.default_message(target.reported),
                target.warning,
                caller.f_code.co_filename,
                caller.f_lineno,
                module=caller.f_globals.get("__name__"),
                registry=caller.f_globals.setdefault("__warningregistry__", {}),
            )
            return
        raise RestrictedWorkflowAccessError(target.reported, override_message=target.message)

    def _kind(self, module: str | None) -> int:
        if module in self.workflow_modules:
            return _WORKFLOW
        if module is None:
            return _UNKNOWN
        if self.restrictions.passthrough_all_modules:
            return _PASS
        prefix = ""
        for part in module.split("."):
            prefix = f"{prefix}.{part}" if prefix else part
            if prefix in self._passthrough or prefix in state.passed_through:
                return _PASS
        return _UNKNOWN


def _check(key: str) -> None:
    sandbox = state.STATE.sandbox
    if sandbox is not None and not state.STATE.unrestricted and key in sandbox.names:
        frame = sys._getframe(2)
        if frame.f_code not in sandbox.passing:
            sandbox.check(key, frame)


def _function_guard(original: Callable[..., Any], key: str) -> Callable[..., Any]:
    if not hasattr(type(original), "__get__"):  # a builtin or a bound method: its guard must not bind
        return _NonBindingGuard(original, key)
    local = state.STATE
    getframe = sys._getframe

    def guard(*args: Any, **kwargs: Any) -> Any:
        sandbox = local.sandbox
        if sandbox is not None and not local.unrestricted and key in sandbox.names:
            frame = getframe(1)
            if frame.f_code not in sandbox.passing:
                sandbox.check(key, frame)
        return original(*args, **kwargs)

    try:
        functools.update_wrapper(guard, original)
    except AttributeError:  # a callable object without __name__
        pass
    return _marked(guard)


class _NonBindingGuard:
    """The guard of a module member that does not bind (``threading.Lock``, ``time.monotonic``).

    A Python function is a descriptor: kept as a class attribute (werkzeug's routing Map has
    ``lock_class = threading.Lock``) and called through an instance, it would be passed the
    instance, which ``_thread.allocate_lock`` refuses. This callable has no ``__get__``, as
    the builtin it stands for. It pickles as the original does (by reference to its name,
    which now holds the guard) and unwraps to it for ``inspect.signature``.
    """

    __slots__ = ("_original", "_key", "__dict__", "__weakref__")

    def __init__(self, original: Callable[..., Any], key: str) -> None:
        self._original = original
        self._key = key
        try:
            functools.update_wrapper(self, original)
        except AttributeError:  # a callable object without __name__
            self.__wrapped__ = original
        setattr(self, _MARK, True)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        local = state.STATE
        sandbox = local.sandbox
        if sandbox is not None and not local.unrestricted and self._key in sandbox.names:
            frame = sys._getframe(1)  # the caller: __call__ is reached from C, with no frame between
            if frame.f_code not in sandbox.passing:
                sandbox.check(self._key, frame)
        return self._original(*args, **kwargs)

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        return self._original.__reduce_ex__(protocol)

    def __repr__(self) -> str:
        return f"<durable sandbox guard of {self._original!r}>"


def _classmethod_guard(descriptor: Any, key: str) -> classmethod[Any, ..., Any]:
    def guard(cls: type, *args: Any, **kwargs: Any) -> Any:
        _check(key)
        return descriptor.__get__(None, cls)(*args, **kwargs)

    guard.__name__ = guard.__qualname__ = key.rsplit(".", 1)[-1]
    guard.__doc__ = getattr(descriptor, "__doc__", None)
    return classmethod(_marked(guard))


def _init_guard(cls: type, key: str) -> Callable[..., None]:
    own = cls.__dict__.get("__init__")
    if own is not None:

        def guard(self: Any, *args: Any, **kwargs: Any) -> None:
            _check(key)
            own(self, *args, **kwargs)

        functools.update_wrapper(guard, own)
        return _marked(guard)

    # No __init__ of its own (a mixin, or one inheriting it): go on along the instance's
    # MRO, as the missing method would have; object.__init__ takes no arguments.
    def inherited_guard(self: Any, *args: Any, **kwargs: Any) -> None:
        _check(key)
        mro = type(self).__mro__
        following = next(b for b in mro[mro.index(cls) + 1 :] if "__init__" in b.__dict__)
        if following is object:
            object.__init__(self)
        else:
            # mypy wants a class named in the source here; cls is a class object all the same
            super(cls, self).__init__(*args, **kwargs)  # type: ignore[arg-type]

    return _marked(inherited_guard)


def _set_type_attr(cls: type, name: str, value: Any) -> None:
    """Set a class attribute, on a C type too (its dict is written and its caches reset)."""
    try:
        setattr(cls, name, value)
    except TypeError:
        type_dict = gc.get_referents(cls.__dict__)[0]
        type_dict[name] = value
        ctypes.pythonapi.PyType_Modified(ctypes.py_object(cls))


def _guardable_class(cls: type) -> bool:
    # Exceptions (``except socket.timeout``), enums, ABCs and tuples are left alone: an
    # __init__ guard would reach their subclasses across the standard library.
    return type(cls) is type and not issubclass(cls, (BaseException, tuple)) and not cls.__flags__ & (1 << 8)


def install(targets: Iterable[Target]) -> None:
    """Put a guard in place of each target not guarded yet, then rebind copies in modules."""
    new = False
    with _lock:
        for target in targets:
            if target.key in _targets:
                continue
            _targets[target.key] = target
            try:
                _install_one(target)
            except Exception as err:  # an interpreter whose types refuse it: that member stays free
                logger.warning("durable's sandbox could not guard %s: %s", target.key, err)
                continue
            new = True
        if new or _modules_seen[0] != len(sys.modules):
            _rebind_copies(force=new)
            _modules_seen[0] = len(sys.modules)


_MARK = "__durable_sandbox_guard__"
_Guard = TypeVar("_Guard", bound=Callable[..., Any])


def _marked(guard: _Guard) -> _Guard:
    setattr(guard, _MARK, True)
    return guard


def _is_guard(value: Any) -> bool:
    """Whether ``value`` is a guard already: durable imported a second time in one process
    (a test of the Lambda layer does) must not wrap the first import's guards again."""
    return getattr(getattr(value, "__func__", value), _MARK, False) is True


def _install_one(target: Target) -> None:
    owner, attr, key = target.owner, target.attr, target.key
    if isinstance(owner, types.ModuleType):
        value = getattr(owner, attr)
        if key in _SKIP or _is_guard(value):
            return
        if isinstance(value, type):
            if _guardable_class(value) and not _is_guard(value.__dict__.get("__init__")):
                _set_type_attr(value, "__init__", _init_guard(value, key))
            return
        guard = _function_guard(value, key)
        setattr(owner, attr, guard)
        _guard_of[id(value)] = guard
        _originals.append(value)
        if owner is sys.modules.get("os"):  # shutil asks `os.chmod in os.supports_follow_symlinks`
            for supported in (owner.supports_dir_fd, owner.supports_fd, owner.supports_follow_symlinks):
                if value in supported:
                    supported.add(guard)
        return
    if _is_guard(owner.__dict__.get(attr)):  # its own: an inherited guard names the base's member
        return
    static = inspect.getattr_static(owner, attr)
    if isinstance(static, (classmethod, types.ClassMethodDescriptorType)):
        _set_type_attr(owner, attr, _classmethod_guard(static, key))
    elif isinstance(static, staticmethod):
        _set_type_attr(owner, attr, staticmethod(_function_guard(static.__func__, key)))
    elif callable(static):
        _set_type_attr(owner, attr, _method_guard(static, key))


def _method_guard(original: Callable[..., Any], key: str) -> Callable[..., Any]:
    def guard(*args: Any, **kwargs: Any) -> Any:
        _check(key)
        return original(*args, **kwargs)

    try:
        functools.update_wrapper(guard, original)
    except AttributeError:
        pass
    return _marked(guard)


def _rebind_copies(*, force: bool) -> None:
    """Replace ``from time import time``-style copies of guarded functions in user modules.

    Modules the default restrictions pass through (the standard library, pydantic...) and
    durable keep their copies: their calls are never refused anyway.
    """
    passthrough = SandboxRestrictions.passthrough_modules_default | {"durable"}
    for name, module in list(sys.modules.items()):
        if module is None or (name in _scanned and not force):
            continue
        _scanned.add(name)
        if name.split(".", 1)[0] in passthrough or name in passthrough:
            continue
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attr, value in list(namespace.items()):
            guard = _guard_of.get(id(value))
            if guard is not None and guard is not value:
                namespace[attr] = guard


def compile_restrictions(restrictions: SandboxRestrictions) -> dict[str, Target]:
    """The members ``invalid_module_members`` restricts, among the modules imported so far."""
    with _lock:
        if _modules_seen[0] == -1:
            for name in _EAGER:
                try:
                    importlib.import_module(name)
                except ImportError:  # pragma: no cover - a platform without it
                    pass
        entry = _compiled.get(id(restrictions))
        if entry is None or entry[0] is not restrictions:
            entry = _compiled[id(restrictions)] = (restrictions, {})
        cache = entry[1]
        found: dict[str, Target] = {}
        for top, matcher in restrictions.invalid_module_members.children.items():
            cached = cache.get(top)
            if cached is None or not cached[1]:
                out: dict[str, Target] = {}
                complete = _walk_top(top, matcher, out)
                cached = cache[top] = (out, complete)
            found.update(cached[0])
        return found


def _walk_top(top: str, matcher: SandboxMatcher, out: dict[str, Target]) -> bool:
    if top == "__builtins__":
        return _walk(builtins, ["__builtins__"], matcher, out)
    module = sys.modules.get(top)
    if module is None:
        return False
    return _walk(module, [top], matcher, out)


def _walk(obj: Any, path: list[str], matcher: SandboxMatcher, out: dict[str, Target]) -> bool:
    """Collect targets under ``obj``; False if a submodule it names is not imported yet."""
    complete = True
    dotted = ".".join(path)
    call = "" if path[0] == "__builtins__" else ".__call__"
    if "*" in matcher.use or "*" in matcher.access:
        names = {n for n, v in _members(obj) if callable(v)}
        seen: set[type] = set()
        for name, value in sorted(_members(obj)):  # os.environ: an object of the module's own class
            kind = type(value)
            if not callable(value) and kind.__module__ == getattr(obj, "__name__", None) and kind not in seen:
                seen.add(kind)
                for method in _MAPPING_READS:
                    if callable(getattr(value, method, None)):
                        key = f"{dotted}.{name}.{method}"
                        out[key] = Target(key, type(value), method, key)
    else:
        names = set(matcher.use)
    for name in sorted(names - set(matcher.exclude)):
        if callable(getattr(obj, name, None)):
            out[f"{dotted}.{name}"] = Target(f"{dotted}.{name}", obj, name, f"{dotted}.{name}{call}")
    for name, child in matcher.children.items():
        if name in matcher.exclude:
            continue
        sub = getattr(obj, name, None)
        if sub is None and isinstance(obj, types.ModuleType):
            sub = sys.modules.get(f"{obj.__name__}.{name}")
        if sub is None:
            complete = complete and not isinstance(obj, types.ModuleType)
            continue
        here = f"{dotted}.{name}"
        if child.match_self:
            if isinstance(sub, types.ModuleType):  # the whole module (os.path before 3.14)
                for member, value in _members(sub):
                    if callable(value) and not isinstance(value, type):
                        out[f"{here}.{member}"] = Target(f"{here}.{member}", sub, member, here)
            elif callable(sub):
                out[here] = Target(here, obj, name, here, child.leaf_message, child.leaf_warning)
        elif set(child.children) == {"__call__"} and child.children["__call__"].match_self:
            leaf = child.children["__call__"]
            out[here] = Target(here, obj, name, f"{here}.__call__", leaf.leaf_message, leaf.leaf_warning)
        else:
            complete = _walk(sub, [*path, name], child, out) and complete
    return complete


def _members(obj: Any) -> list[tuple[str, Any]]:
    if isinstance(obj, types.ModuleType):
        members = list(vars(obj).items())
        return [(n, v) for n, v in members if not n.startswith("_") and not isinstance(v, types.ModuleType)]
    return [(n, getattr(obj, n, None)) for n in dir(obj) if not n.startswith("_")]
