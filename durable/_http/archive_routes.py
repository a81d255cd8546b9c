"""What the workflow routes add for archived runs: the ``archived`` query parameter.

Without it, describe and history read a run from the tables and, once its items expired,
from the archive; with ``archived=true`` they read the archive only (as ``temporal workflow
show --archived`` does), and the list route lists the archive's runs with the same filter.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from durable._replay.events import Event
from durable._runtime.control import Control

__all__ = ["Archived", "archived_history"]

Archived = Annotated[
    bool,
    Query(
        description="read the archive of closed runs (kept after the retention period) instead of the tables",
    ),
]


def archived_history(control: Control, workflow_id: str, run_id: str | None, archived: bool) -> tuple[str, list[Event]]:
    """The run id and events of a run: from the archive when ``archived``, else as :meth:`Control.history`."""
    if not archived:
        return control.history(workflow_id, run_id)
    run = control.archived(workflow_id, run_id)
    return run.record.run_id, run.events
