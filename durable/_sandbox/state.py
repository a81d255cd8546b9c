"""Per-thread sandbox state: which workflow activation runs here, and the escape hatches.

Kept free of other durable imports: the workflow instance enters and leaves the sandbox
around every activation, and the guards read this state on every restricted call.
"""

from __future__ import annotations

import builtins
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import CodeType, FrameType, ModuleType
from typing import Protocol

__all__ = ["STATE", "ActiveSandbox", "enter", "leave", "passed_through", "passing_imports_through", "unrestricted"]


class ActiveSandbox(Protocol):
    """What the guards ask of the running activation's sandbox (``guards.Sandbox``, which
    imports this module, so it is named here by its shape)."""

    @property
    def names(self) -> frozenset[str]:
        """The keys of the restricted members."""

    @property
    def passing(self) -> set[CodeType]:
        """Call sites whose calls pass without a check."""

    def check(self, key: str, frame: FrameType) -> None:
        """Refuse the call of ``key`` made from ``frame`` if workflow code made it."""


class _State(threading.local):
    sandbox: ActiveSandbox | None = None
    """The ``Sandbox`` of the workflow activation running on this thread, or None."""
    unrestricted: bool = False
    """Inside ``workflow.unsafe.sandbox_unrestricted()``."""
    passing_imports: bool = False
    """Inside ``workflow.unsafe.imports_passed_through()``."""


# One state per process, even when this module is imported a second time (a process that
# drops durable from sys.modules and imports it again, as a test of the Lambda layer does):
# the guards the first import put on the standard library read the state they were made
# with, so a second, separate state would let every call through unseen.
_SHARED = "_durable_sandbox_state"
if not hasattr(sys, _SHARED):
    setattr(sys, _SHARED, (_State(), set(), [0]))

STATE: _State = getattr(sys, _SHARED)[0]

passed_through: set[str] = getattr(sys, _SHARED)[1]
"""Modules imported inside ``imports_passed_through()``: their code runs unrestricted."""
passed_through_version: list[int] = getattr(sys, _SHARED)[
    2
]  # bumped when the set grows: sandboxes drop cached decisions


def enter(sandbox: ActiveSandbox | None) -> ActiveSandbox | None:
    """Make ``sandbox`` (None: none) this thread's; returns what to hand :func:`leave`."""
    previous = STATE.sandbox
    STATE.sandbox = sandbox
    return previous


def leave(previous: ActiveSandbox | None) -> None:
    """Restore the sandbox :func:`enter` replaced."""
    STATE.sandbox = previous


@contextmanager
def unrestricted() -> Iterator[None]:
    """Run a block without restrictions (nested blocks stay unrestricted)."""
    if STATE.unrestricted:
        yield None
        return
    STATE.unrestricted = True
    try:
        yield None
    finally:
        STATE.unrestricted = False


_original_import = builtins.__import__
_import_hook_installed = False
_hook_lock = threading.Lock()


def _recording_import(
    name: str,
    globals: Mapping[str, object] | None = None,
    locals: Mapping[str, object] | None = None,
    fromlist: Sequence[str] | None = (),
    level: int = 0,
) -> ModuleType:
    module = _original_import(name, globals, locals, fromlist, level)
    if STATE.passing_imports:
        if fromlist:
            for item in fromlist:
                sub = getattr(module, item, None)
                _record(sub.__name__ if isinstance(sub, type(sys)) else module.__name__)
        elif level == 0:
            _record(name)
        else:
            _record(module.__name__)
    return module


def _record(name: str) -> None:
    if name not in passed_through:
        passed_through.add(name)
        passed_through_version[0] += 1


@contextmanager
def passing_imports_through() -> Iterator[None]:
    """Mark the modules imported in the block (and what they import) as passed through.

    An import statement goes through ``builtins.__import__``, wrapped once for the process
    the first time this is used; modules that appear in ``sys.modules`` during the block
    (``importlib.import_module``) are marked too.
    """
    global _import_hook_installed
    if STATE.passing_imports:
        yield None
        return
    with _hook_lock:
        if not _import_hook_installed:
            builtins.__import__ = _recording_import
            _import_hook_installed = True
    before = set(sys.modules)
    STATE.passing_imports = True
    try:
        yield None
    finally:
        STATE.passing_imports = False
        for name in set(sys.modules) - before:
            # A package imported on the way to a module is not itself passed through:
            # it would pass every module under it (a prefix), workflow helpers included.
            if not hasattr(sys.modules.get(name), "__path__"):
                _record(name)
