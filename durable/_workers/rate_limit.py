"""A task queue's activities per second, across every invocation (``max_task_queue_activities_per_second``).

Many Lambda instances run one task queue's attempts, so the limit lives in one shared item:
the queue's next free admission time. An attempt *reserves* a slot before it is claimed: the
store hands out slots ``1 / rate`` seconds apart, never earlier than now (one conditional
write, :class:`RateLimitStore`). A slot that is now runs at once; a later one puts the task
back on the task queue for then, through the timer service, marked as admitted, and the
delivery ends without claiming the attempt: the attempt is neither counted nor failed, and
never dropped. Admissions spaced ``1 / rate`` apart mean no second (any interval of one
second) admits more than ``rate`` attempts, whatever number of instances take tasks.

A queue with no rate spends nothing on it: no read, no write.

The put-back task goes through the engine's timer service, which encodes its payloads again
with the deployment's codec, as the orchestrator's dispatch did. A crash after the put-back
and before the delivery is deleted gives two tasks of one attempt: the attempt's claim
(:mod:`durable._runtime.activity_worker`) runs one of them.

On AWS a timer fires up to a second late (SQS delays are whole seconds), so attempts start
within a second after their slots; the slots themselves are what the rate bounds.
"""

from __future__ import annotations

import json

from durable._limits import short_key
from durable._runtime.attempt import ActivityTask
from durable._runtime.registry import Registry
from durable._runtime.services import Services, activity_queue_name
from durable._workers.ports import RateLimitStore

__all__ = ["ADMITTED_AT", "RATE_KEY_PREFIX", "RateLimitStore", "defer_over_rate", "rate_key"]

ADMITTED_AT = "admitted_at"
"""The field a put-back task carries: the slot it reserved (it is not reserved again)."""


RATE_KEY_PREFIX = "rate#"
"""Every slots key starts so (the stack lets activity functions update those items only)."""


def rate_key(task_queue: str) -> str:
    """The slots' key of a task queue (within DynamoDB's key limits whatever its name)."""
    return f"{RATE_KEY_PREFIX}{short_key(task_queue)}"


def defer_over_rate(services: Services, registry: Registry, task: ActivityTask, *, receive_count: int = 1) -> bool:
    """Reserve the task's admission if its queue has a rate; True when it was put back for later
    (the delivery is then done: it neither runs nor claims the attempt).

    A task received before (``receive_count`` above 1) is not admitted again: that delivery was
    admitted, or put back and not yet deleted (its put-back copy is then the duplicate), or its
    attempt was claimed and the worker died, which the claim check must see as it is.

    ``services`` are the engine's (with the codec), ``task`` the decoded activity task.
    """
    rate = registry.activity_limits(task["task_queue"]).per_second
    if rate is None or task.get(ADMITTED_AT) is not None or receive_count > 1:
        return False
    store = services.rate_limits
    if store is None:
        raise RuntimeError(
            f"task queue {task['task_queue']!r} has max_task_queue_activities_per_second but this deployment "
            "has no rate limit store"
        )
    now = services.clock.now()
    slot = store.reserve(rate_key(task["task_queue"]), 1.0 / rate, now)
    if slot <= now:
        return False
    admitted: ActivityTask = {**task, "admitted_at": slot}
    services.timers.schedule(slot, activity_queue_name(task["task_queue"]), json.dumps(admitted, separators=(",", ":")))
    services.metrics.count("ActivityTasksDeferredByRate")
    return True
