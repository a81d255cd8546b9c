"""What a deployment declares beyond temporalio's model: ``from durable.deployment import TaskQueueConfig``.

One task queue is one activity Lambda function. ``TASK_QUEUES`` in ``statemachines/registry.py``
maps task queue names to a :class:`TaskQueueConfig`: its concurrency and rate (temporalio's
``Worker`` option names), and its function's reserved concurrency, timeout and memory. The stack
builds each function from it, and the engine enforces it, deployed and in ``durable dev``.

temporalio has no such module; this one is ``durable``'s own. It imports nothing heavy, so every
function can read the registry without paying for the local engine.
"""

from __future__ import annotations

from durable._workers.config import TaskQueueConfig

__all__ = ["TaskQueueConfig"]
