"""asyncio.Task as a generic base class, for the checker and at run time (temporalio's way).

typeshed declares ``asyncio.Task`` generic but the C class is not: a handle that is a task
of a result type subclasses :class:`GenericTask` to be both a real task and ``Handle[T]``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Generic, TypeVar

__all__ = ["GenericTask"]

_T = TypeVar("_T")

# https://mypy.readthedocs.io/en/latest/runtime_troubles.html#using-classes-that-are-generic-in-stubs-but-not-at-runtime
if TYPE_CHECKING:

    class GenericTask(asyncio.Task[_T]):
        """A task whose result is a ``_T``."""

else:

    class GenericTask(Generic[_T], asyncio.Task):
        """A task whose result is a ``_T``."""
