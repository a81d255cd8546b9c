"""``workflow.unsafe``: the sandbox's escape hatches and replay introspection (temporalio's names)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from durable._replay import context as _context
from durable._sandbox import state
from durable._sandbox.restrictions import SandboxImportNotificationPolicy

__all__ = ["unsafe"]

_policy_override: list[SandboxImportNotificationPolicy | None] = [None]


class unsafe:  # noqa: N801 - temporalio's name
    """Contains static methods that should not normally be called during
    workflow execution except in advanced cases.
    """

    def __init__(self) -> None:  # noqa: D107
        raise NotImplementedError

    @staticmethod
    def in_sandbox() -> bool:
        """Whether the code runs in a sandboxed workflow activation."""
        return state.STATE.sandbox is not None

    @staticmethod
    def is_replaying() -> bool:
        """Whether the workflow is currently replaying (queries and update validators included)."""
        return _context.current().is_replaying

    @staticmethod
    def is_replaying_history_events() -> bool:
        """Whether the workflow is replaying history events (queries and validators excluded)."""
        instance = _context.current()
        return instance.is_replaying and not instance.read_only

    @staticmethod
    def is_read_only() -> bool:
        """Whether the workflow is in read-only mode (a query or an update validator runs)."""
        return _context.current().read_only

    @staticmethod
    def is_sandbox_unrestricted() -> bool:
        """Whether the current block of code is not restricted via sandbox."""
        return state.STATE.unrestricted

    @staticmethod
    @contextmanager
    def sandbox_unrestricted() -> Iterator[None]:
        """A context manager to run code without sandbox restrictions."""
        with state.unrestricted():
            yield None

    @staticmethod
    def is_imports_passed_through() -> bool:
        """Whether the current block of code is in :meth:`imports_passed_through`."""
        return state.STATE.passing_imports

    @staticmethod
    @contextmanager
    def imports_passed_through() -> Iterator[None]:
        """Context manager to mark all imports that occur within it as passed through.

        The code of a module imported here runs unrestricted even when workflow code calls
        it: the place for modules of activities, data types and libraries that a workflow
        module imports but whose functions the workflow does not call non-deterministically.
        """
        with state.passing_imports_through():
            yield None

    @staticmethod
    def current_import_notification_policy_override() -> SandboxImportNotificationPolicy | None:
        """Gets the current import notification policy override if one is set."""
        return _policy_override[0]

    @staticmethod
    @contextmanager
    def sandbox_import_notification_policy(policy: SandboxImportNotificationPolicy) -> Iterator[None]:
        """Context manager to apply the given import notification policy (accepted; no re-imports here)."""
        previous = _policy_override[0]
        _policy_override[0] = policy
        try:
            yield None
        finally:
            _policy_override[0] = previous
