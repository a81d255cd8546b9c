"""What the HTTP API drives: the runtime's Control, the registered code, and how to settle.

On Lambda the API only writes records and messages: the orchestrator runs elsewhere. The
dev server runs the engine in the same process, and settles as the local client does
(a start returns once the first workflow task ran, a query first lets the inbox drain),
so a signal or query sent right after a start meets what Temporal would show.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from durable._runtime.control import Control
from durable._runtime.registry import Registry

__all__ = ["Engine"]


class Engine:
    """The runtime as the API sees it."""

    def __init__(self, control: Control, registry: Registry | None = None) -> None:
        """``registry``: the deployment's workflows, to refuse unknown types and signals (None: accept any)."""
        self.control = control
        self.registry = registry

    def after_start(self, workflow_id: str, run_id: str, *, first_task_deferred: bool = False) -> None:
        """A run was started (the dev server waits for its first workflow task, unless a cron
        schedule defers it to the first tick)."""

    def before_query(self) -> None:
        """A query is about to replay a run (the dev server lets pending inbox messages apply first)."""

    @contextmanager
    def awaiting_result(self) -> Iterator[None]:
        """A caller waits for a run to close (a result long poll): an engine on virtual time
        may skip ahead to its next timer meanwhile, as temporalio's time-skipping server does
        while a client awaits a result. Real time (Lambda, the dev server) does nothing."""
        yield

    def pause(self, seconds: float) -> None:
        """Wait between two looks at a run (long polls)."""
        time.sleep(seconds)

    def wait_for_close(self, workflow_id: str, run_id: str, backoff: float, timeout: float) -> None:
        """Wait before the result route looks at a run again: here (Lambda: nothing tells
        this function that a run closed) ``backoff`` seconds. An engine told of closes waits
        up to ``timeout`` for that run's instead. Either may return early; the caller looks."""
        time.sleep(backoff)
