"""Workflow runners (temporalio's ``Worker(workflow_runner=...)``): sandboxed or not.

A runner here decides one thing: whether a workflow's activations run inside a
:class:`~durable._sandbox.guards.Sandbox` with its restrictions, or free. Every path that
runs workflow code (a local ``Worker``, the deployed orchestrator, the ``Replayer``)
asks :func:`sandbox_of` when it builds a run's instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from durable._replay.definition import WorkflowDefinition
from durable._sandbox.guards import Sandbox
from durable._sandbox.restrictions import SandboxRestrictions

__all__ = ["SandboxedWorkflowRunner", "UnsandboxedWorkflowRunner", "WorkflowRunner", "sandbox_of"]


class WorkflowRunner:
    """Base of the runners a Worker or Replayer accepts."""

    def prepare_workflow(self, defn: WorkflowDefinition) -> None:
        """Check a workflow before it runs (nothing to check here)."""
        del defn


class UnsandboxedWorkflowRunner(WorkflowRunner):
    """Runs workflow code without restrictions: determinism is the code's own business."""


@dataclass(frozen=True)
class SandboxedWorkflowRunner(WorkflowRunner):
    """Runs workflow code with the calls that break determinism refused (the default).

    Inside workflow code, ``time.time()``, ``datetime.now()``, module-level ``random``
    functions, ``uuid.uuid4()``, file, network, subprocess and thread calls raise
    :class:`RestrictedWorkflowAccessError`, which fails the workflow task.
    """

    restrictions: SandboxRestrictions = SandboxRestrictions.default
    """Set of restrictions to apply to this sandbox."""

    runner_class: type[WorkflowRunner] = UnsandboxedWorkflowRunner
    """Accepted for temporalio compatibility (the runner inside temporalio's sandbox)."""

    _sandboxes: dict[type, Sandbox] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def sandbox(self, cls: type) -> Sandbox:
        """The sandbox a workflow class runs in under this runner (one per class, kept)."""
        found = self._sandboxes.get(cls)
        if found is None:
            modules = {c.__module__ for c in cls.__mro__ if c is not object and not c.__module__.startswith("durable.")}
            found = self._sandboxes[cls] = Sandbox(self.restrictions, modules)
        found.refresh()
        return found


_DEFAULT = SandboxedWorkflowRunner()


def sandbox_of(definition: WorkflowDefinition) -> Sandbox | None:
    """The sandbox a run of ``definition`` activates in, or None to run unrestricted.

    A definition carries the runner it was registered with (``workflow_runner``; the
    default sandboxed one when None) and ``@workflow.defn(sandboxed=False)``.
    """
    runner = definition.workflow_runner or _DEFAULT
    if not definition.sandboxed or not isinstance(runner, SandboxedWorkflowRunner):
        return None
    return runner.sandbox(definition.cls)
