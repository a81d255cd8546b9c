"""Operations on a workflow's pending activity: the client transport's activity half.

The in-process transport (:class:`durable._local.activity_transport.LocalActivityTransport`)
and the HTTP one (:class:`durable._http.remote_activities.RemoteActivityTransport`) implement
:class:`ActivityTransport`. Both raise ``RPCError`` NOT_FOUND when the workflow or run does not
exist, has closed, or has no pending activity by that id (as Temporal's server answers a
``PauseActivity`` for it), and INVALID_ARGUMENT for an argument the engine refuses.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["ActivityTransport"]


class ActivityTransport(Protocol):
    """How a client pauses and unpauses a workflow's activity."""

    async def pause_activity(
        self, workflow_id: str, run_id: str | None, activity_id: str, *, reason: str, identity: str
    ) -> None:
        """Pause the activity: no retry is scheduled until it is unpaused."""
        ...

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
        """Unpause the activity: its next attempt is dispatched at once (or within ``jitter`` seconds)."""
        ...
