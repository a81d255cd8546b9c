"""Fault injection at the AWS boundary: crash a handler before its N-th AWS call.

The orchestrator and the activity worker get services whose ports count every call
that is an AWS request on a deployment (DynamoDB, SQS, the timer queue, the idempotency
table, Lambda's Invoke of the orchestrator) and raise :class:`SimulatedCrash` before the
chosen one. It is a BaseException, like the end of a Lambda invocation that times out or runs out of memory: nothing in
the handler can catch it, and the event source mapping redelivers the batch.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from durable._runtime.services import Services


class SimulatedCrash(BaseException):
    """The invocation died here."""


class Injector:
    def __init__(self, crash_at: int | None) -> None:
        self.crash_at = crash_at
        self.calls: list[str] = []
        self.crashed_at: str | None = None
        self._lock = threading.Lock()

    def before(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)
            if self.crash_at is not None and len(self.calls) == self.crash_at and self.crashed_at is None:
                self.crashed_at = name
                raise SimulatedCrash(f"crash before AWS call #{self.crash_at} ({name})")


class _Faulty:
    """Proxy whose listed methods go through the injector first."""

    def __init__(self, inner: Any, injector: Injector, label: str, methods: set[str]) -> None:
        self._inner, self._injector, self._label, self._methods = inner, injector, label, methods

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name not in self._methods:
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            self._injector.before(f"{self._label}.{name}")
            return value(*args, **kwargs)

        return call


def faulty_services(services: Services, injector: Injector) -> Services:
    queue_methods = {"send"}

    def queue_for(name: str) -> Any:
        return _Faulty(services.queue_for(name), injector, name, queue_methods)

    return replace(
        services,
        history=_Faulty(services.history, injector, "history", {"append", "load"}),
        executions=_Faulty(
            services.executions,
            injector,
            "executions",
            {
                "create",
                "close",
                "set_task_failure",
                "set_visibility",
                "record_heartbeat",
                "request_activity_cancel",
                "get_heartbeat",
                "reject_update",
                "get_update_rejection",
                "accept_signal",
                "fence_close",
                "clear_fence",
                "forget_signals",
            },
        ),
        inbox=_Faulty(services.inbox, injector, "inbox", queue_methods),
        timers=_Faulty(services.timers, injector, "timers", {"schedule", "cancel"}),
        queue_for=queue_for,
        idempotency=_Faulty(
            services.idempotency,
            injector,
            "idempotency",
            {"save_inprogress", "save_success", "get_record", "delete_record"},
        ),
        schedules=_Faulty(services.schedules, injector, "schedules", {"create", "get", "put", "delete", "list"}),
        schedule_firing=_Faulty(services.schedule_firing, injector, "schedule_firing", {"arm", "disarm"}),
        invoker=None if services.invoker is None else _Faulty(services.invoker, injector, "invoker", {"deliver"}),
    )
