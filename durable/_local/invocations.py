"""The local stand-in for Lambda's asynchronous invocations of the orchestrator.

Lambda keeps an accepted ``Event`` invocation in a queue of its own and runs the function
with it, retrying a failure twice before the function's dead-letter queue takes it. Here
that queue is a local one (in memory, or in the SQLite file of a dev server that
remembers) which the dispatcher drains, calling the orchestrator's handler; on moto the
Invoke request itself goes to moto first (which never runs a function), so it is made
and counted as a deployment makes it.
"""

from __future__ import annotations

from durable._limits import check_invocation_payload
from durable._runtime.delivery_event import delivery_event
from durable._runtime.ports import OrchestratorInvoker, Queue

__all__ = ["FAILED_DELIVERIES", "INVOCATIONS", "LAMBDA_ATTEMPTS", "LocalInvoker"]

INVOCATIONS = "orchestrator-invocations"
"""The local queue of accepted invocations (the dispatcher knows it by this name)."""

FAILED_DELIVERIES = "orchestrator-dlq"
"""The orchestrator's dead-letter queue for invocations that failed every attempt."""

LAMBDA_ATTEMPTS = 3
"""Lambda runs an asynchronous invocation at most this often (two retries) before dead-lettering it."""


class LocalInvoker:
    """:class:`~durable._runtime.ports.OrchestratorInvoker` that queues invocations for the local dispatcher."""

    def __init__(self, pending: Queue, *, aws: OrchestratorInvoker | None = None) -> None:
        """``pending``: where accepted invocations wait; ``aws``: moto's Invoke, made first."""
        self.pending = pending
        self.aws = aws

    def deliver(self, bodies: list[str]) -> None:
        """Accept one invocation (refused as Lambda refuses it: a payload over 1 MB)."""
        payload = delivery_event(bodies)
        check_invocation_payload(payload)
        if self.aws is not None:
            self.aws.deliver(bodies)
        self.pending.send(payload)
