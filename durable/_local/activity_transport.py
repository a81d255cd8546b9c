"""Activity pause in process: the client transport's activity half, over the runtime's Control.

:class:`LocalActivityTransport` (a mixin of :class:`~durable._local.transport.LocalTransport`)
runs :mod:`durable._runtime.activity_operations`, as the HTTP API's activity routes do, and
raises the engine's refusals as temporalio's client does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from durable._local.environment import LocalRuntime
from durable._runtime.activity_operations import ActivityNotPending, pause_activity, unpause_activity
from durable._runtime.control import NotRunning
from durable._runtime.ports import ExecutionNotFound
from durable.service import RPCError, RPCStatusCode

__all__ = ["LocalActivityTransport"]


@contextmanager
def _activity_errors() -> Iterator[None]:
    try:
        yield
    except ExecutionNotFound as err:
        raise RPCError(f"workflow not found: {err}", RPCStatusCode.NOT_FOUND, b"") from err
    except (NotRunning, ActivityNotPending) as err:
        raise RPCError(str(err), RPCStatusCode.NOT_FOUND, b"") from err
    except ValueError as err:
        raise RPCError(str(err), RPCStatusCode.INVALID_ARGUMENT, b"") from err


class LocalActivityTransport:
    """:class:`~durable._client.activity_transport.ActivityTransport` over the local runtime."""

    runtime: LocalRuntime

    async def pause_activity(
        self, workflow_id: str, run_id: str | None, activity_id: str, *, reason: str, identity: str
    ) -> None:
        with _activity_errors():
            pause_activity(self.runtime.control, workflow_id, run_id, activity_id, reason=reason, identity=identity)

    async def unpause_activity(
        self,
        workflow_id: str,
        run_id: str | None,
        activity_id: str,
        *,
        reset_attempts: bool,
        reset_heartbeats: bool,
        jitter: float | None,
        identity: str,
    ) -> None:
        with _activity_errors():
            unpause_activity(
                self.runtime.control,
                workflow_id,
                run_id,
                activity_id,
                reset_attempts=reset_attempts,
                reset_heartbeats=reset_heartbeats,
                jitter=jitter,
                identity=identity,
            )
