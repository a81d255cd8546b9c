"""The determinism sandbox: ``from durable.worker.workflow_sandbox import SandboxedWorkflowRunner``.

Inside workflow code the calls that break replay (the wall clock, module-level
``random``, ``uuid.uuid4``, files, sockets, subprocesses, threads) raise
:class:`RestrictedWorkflowAccessError`, which fails the workflow task. The restrictions are
temporalio's (``SandboxRestrictions.default``) and are changed the same way::

    Worker(
        client,
        task_queue="q",
        workflows=[MyWorkflow],
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules("my_lib")
        ),
    )

Unlike temporalio's, this sandbox does not re-import the workflow's module for each run
(that would cost every workflow task on Lambda); module globals are shared between runs.
"""

from durable._sandbox.restrictions import (
    RestrictedWorkflowAccessError,
    SandboxMatcher,
    SandboxRestrictions,
    UnintentionalPassthroughError,
)
from durable._sandbox.runner import SandboxedWorkflowRunner, UnsandboxedWorkflowRunner  # noqa: F401 - both runners here

__all__ = [
    "RestrictedWorkflowAccessError",
    "SandboxMatcher",
    "SandboxRestrictions",
    "SandboxedWorkflowRunner",
    "UnintentionalPassthroughError",
]
