"""Activity pause over the HTTP API: the activity half of the remote client transport.

:class:`RemoteActivityTransport` implements
:class:`~durable._client.activity_transport.ActivityTransport` with the routes of
:mod:`durable._http.activity_routes`, through the request method of the transport it is mixed
into (:meth:`durable._http.remote.HttpTransport.call`, which raises the API's 404 and 409 as
``RPCError`` NOT_FOUND and its 400 as INVALID_ARGUMENT).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

__all__ = ["RemoteActivityTransport"]


def _path(workflow_id: str, activity_id: str, action: str) -> str:
    return f"/workflows/{quote(workflow_id, safe='')}/activities/{quote(activity_id, safe='')}/{action}"


class RemoteActivityTransport:
    """:class:`~durable._client.activity_transport.ActivityTransport` over the HTTP API."""

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        *,
        context: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> tuple[int, Any]:
        """One API call (the transport this is mixed into sends it)."""
        raise NotImplementedError("RemoteActivityTransport is a mixin of the HTTP transport, which sends requests")

    async def pause_activity(
        self, workflow_id: str, run_id: str | None, activity_id: str, *, reason: str, identity: str
    ) -> None:
        body = {"run_id": run_id, "reason": reason or None, "identity": identity or None}
        # call() gives a POST one request id for its retries: a retried pause is applied once.
        await self.call("POST", _path(workflow_id, activity_id, "pause"), body)

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
        body = {
            "run_id": run_id,
            "reset_attempts": reset_attempts,
            "reset_heartbeats": reset_heartbeats,
            "jitter_seconds": jitter,
            "identity": identity or None,
        }
        await self.call("POST", _path(workflow_id, activity_id, "unpause"), body)
