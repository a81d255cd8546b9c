"""What a command runs with: the client and the raw HTTP transport, for one command.

Imported only when a command runs (see :mod:`durable._cli.run`): the client brings pydantic,
the engine's exceptions and boto3, which building the parser (``durable --help``) does without.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from durable._cli.schedule_build import backfill, build_schedule, replacing
from durable._cli.schedule_options import ScheduleOptions
from durable._client.client import Client
from durable._client.handles import WithStartWorkflowOperation
from durable._client.schedules import Schedule, ScheduleBackfill, ScheduleUpdate, ScheduleUpdateInput
from durable._codec.remote import decode_through
from durable._http.remote import HttpTransport
from durable._id_policies import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from durable._runtime.reset import ResetReapplyType, ResetType

__all__ = ["Session"]


class Session:
    """The client, the raw transport and where output goes, for one command."""

    def __init__(self, address: str, options: dict[str, Any], *, json: bool, out: TextIO) -> None:
        """``options``: the transport's keywords (TLS, metadata), as the profile gives them."""
        self.address = address
        self.json = json
        self.out = out
        self.transport = HttpTransport(address, **options)
        self.client = Client(self.transport)

    def schedule(self, options: ScheduleOptions) -> Schedule:
        """The client's schedule that ``durable schedule create|update``'s flags describe."""
        return build_schedule(options)

    def schedule_update(self, options: ScheduleOptions) -> Callable[[ScheduleUpdateInput], ScheduleUpdate]:
        """An updater that makes a schedule the one ``durable schedule update``'s flags describe."""
        return replacing(options)

    def schedule_backfill(self, start_at: datetime, end_at: datetime, overlap: str | None) -> ScheduleBackfill:
        """The period ``durable schedule backfill`` names (``overlap``: a policy's name, None: the schedule's)."""
        return backfill(start_at, end_at, overlap)

    def start_operation(
        self,
        workflow_type: str,
        *,
        args: list[Any],
        id: str,
        task_queue: str,
        id_conflict_policy: str,
        id_reuse_policy: str,
    ) -> WithStartWorkflowOperation[Any, Any]:
        """The start of ``durable workflow execute-update-with-start`` (policies by their names)."""
        return WithStartWorkflowOperation(
            workflow_type,
            args=args,
            id=id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy[id_conflict_policy],
            id_reuse_policy=WorkflowIDReusePolicy[id_reuse_policy],
        )

    def reset_options(
        self, event_id: int | None, reset_type: str | None, reason: str, reapply_type: str
    ) -> dict[str, Any]:
        """``WorkflowHandle.reset``'s keywords from ``durable workflow reset``'s flags (types by their names)."""
        return {
            "event_id": event_id,
            "reset_type": None if reset_type is None else ResetType(reset_type),
            "reason": reason,
            "reapply_type": ResetReapplyType(reapply_type),
        }

    async def decoded(self, document: Any, codec_endpoint: str | None) -> Any:
        """The API's JSON with its encoded payloads decoded by the codec server at
        ``codec_endpoint``; as it is without one."""
        if not codec_endpoint:
            return document
        return await asyncio.to_thread(decode_through, codec_endpoint, document)

    async def get(self, path: str, **query: Any) -> Any:
        """The JSON body of a GET of the API."""
        _, body = await self.transport.call("GET", path, query=query)
        return body
