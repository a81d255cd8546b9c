"""The worker's interceptor (temporalio's ``worker.Interceptor``): one object that may wrap
activities (:meth:`Interceptor.intercept_activity`) and workflows
(:meth:`Interceptor.workflow_interceptor_class`). Given to ``Worker(interceptors=)``, to
``Client(interceptors=)`` when it is a client interceptor too, or deployed in
``statemachines/registry.py``'s ``INTERCEPTORS``.
"""

from __future__ import annotations

from durable._activity.interceptor import ActivityInboundInterceptor
from durable._replay.interceptor import WorkflowInboundInterceptor, WorkflowInterceptorClassInput

__all__ = ["Interceptor"]


class Interceptor:
    """Interceptor for workers: extend it and override what it intercepts."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        """Wrap an activity attempt.

        Args:
            next: the inbound interceptor this one delegates to.

        Returns:
            The inbound interceptor the attempt runs through.
        """
        return next

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        """The class to intercept each run with (constructed with the next inbound interceptor),
        or None. ``input.unsafe_extern_functions`` may be extended: workflow code reaches them
        through ``workflow.extern_functions()``."""
        del input
        return None
