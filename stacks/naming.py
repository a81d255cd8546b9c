"""Namespaces and the physical names they give to a stack's resources.

Every name a deployment's resources carry starts with ``durable-<namespace>``, so two
namespaces in one account and region never share a table, a queue or a function. The
logical queue names come from the engine (``durable._runtime.services``), so the stack
and the runtime agree on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from durable._aws.provision import dlq_name
from durable._runtime.services import INBOX, activity_queue_name

__all__ = ["DEFAULT_NAMESPACE", "Names", "dlq_name"]

DEFAULT_NAMESPACE = "dev"

# Short enough that the longest derived name stays within AWS's limits (SQS 80, Lambda 64,
# DynamoDB 255 characters) with task queue names of up to 30 characters.
_NAMESPACE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_TASK_QUEUE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


@dataclass(frozen=True)
class Names:
    """Physical names of one namespace's resources."""

    namespace: str

    def __post_init__(self) -> None:
        if not _NAMESPACE.match(self.namespace):
            raise ValueError(
                f"namespace {self.namespace!r}: use 1-20 lowercase letters, digits or '-', starting with a letter"
            )

    @property
    def prefix(self) -> str:
        return f"durable-{self.namespace}"

    @property
    def stack(self) -> str:
        return self.prefix

    def table(self, role: str) -> str:
        return f"{self.prefix}-{role}"

    def queue(self, logical: str) -> str:
        """``inbox.fifo`` -> ``durable-dev-inbox.fifo``; ``timers`` -> ``durable-dev-timers``."""
        return f"{self.prefix}-{logical}"

    @property
    def inbox(self) -> str:
        return self.queue(INBOX)

    @property
    def timers(self) -> str:
        return self.queue("timers")

    def activity_queue(self, task_queue: str) -> str:
        check_task_queue(task_queue)
        return self.queue(activity_queue_name(task_queue))

    def function(self, role: str) -> str:
        return f"{self.prefix}-{role}"


def check_task_queue(task_queue: str) -> str:
    """A task queue names a queue, a function and a Python package: keep it to all three's rules."""
    if not _TASK_QUEUE.match(task_queue):
        raise ValueError(
            f"task queue {task_queue!r}: use 1-30 lowercase letters, digits or '_', starting with a letter"
            " (it names the package functions/activities/<task queue>/ and the queue and function)"
        )
    return task_queue
