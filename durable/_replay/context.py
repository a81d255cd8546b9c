"""Which workflow is running now, and what it knows about itself (``workflow.info()``).

The running workflow itself is found through :mod:`durable._replay.runtime`
(:func:`current`, :func:`in_workflow`, re-exported here).
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from durable._converter import Payload
from durable._replay.runtime import current, in_workflow
from durable._search_attributes import TypedSearchAttributes

__all__ = ["Info", "ParentInfo", "UpdateInfo", "current", "current_update_info", "in_workflow"]


@dataclass(frozen=True)
class ParentInfo:
    """The parent of a child workflow (temporalio's ``workflow.ParentInfo``)."""

    namespace: str
    run_id: str
    workflow_id: str


@dataclass(frozen=True)
class Info:
    """Information about the running workflow (temporalio's ``workflow.Info``, the fields we have)."""

    attempt: int
    continued_run_id: str | None
    cron_schedule: str | None
    execution_timeout: timedelta | None
    first_execution_run_id: str
    namespace: str
    parent: ParentInfo | None
    retry_policy: Any
    run_id: str
    run_timeout: timedelta | None
    start_time: datetime
    task_queue: str
    task_timeout: timedelta
    workflow_id: str
    workflow_start_time: datetime
    workflow_type: str
    search_attributes: Mapping[str, Any] = field(default_factory=dict)
    """Search attributes in the older untyped form (deprecated in temporalio); kept current by
    ``workflow.upsert_search_attributes``."""
    typed_search_attributes: TypedSearchAttributes = TypedSearchAttributes.empty
    """The run's search attributes; kept current by ``workflow.upsert_search_attributes``."""
    headers: Mapping[str, Payload] = field(default_factory=dict)
    """What the starter's interceptors attached to the run's start (or its continue-as-new)."""

    def get_current_history_length(self) -> int:
        """Number of events in the history up to the current decision."""
        return current().history_length

    def is_continue_as_new_suggested(self) -> bool:
        """Whether the history is long enough to warrant continue-as-new."""
        return current().history_length > 10_240


@dataclass(frozen=True)
class UpdateInfo:
    """Information about a workflow update (temporalio's ``workflow.UpdateInfo``)."""

    id: str
    """Update ID."""

    name: str
    """Update type name."""

    @property
    def _logger_details(self) -> Mapping[str, Any]:
        return {"update_id": self.id, "update_name": self.name}


_current_update: contextvars.ContextVar[UpdateInfo] = contextvars.ContextVar("durable_current_update_info")


def current_update_info() -> UpdateInfo | None:
    """The update whose handler (or a task it started) is running, if any.

    A context variable: each workflow task copies it when created, so it holds inside the
    handler and the tasks it starts, and nowhere else.
    """
    return _current_update.get(None)
