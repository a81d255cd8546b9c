"""``workflow.logger``: temporalio's workflow LoggerAdapter.

Each record carries a ``temporal_workflow`` dict (workflow id, run id, type, namespace, task
queue, attempt; and the update's id and name inside an update handler), which is appended
to the message too; a Lambda's powertools Logger writes it as a JSON field. Silent while the
run replays, unless ``log_during_replay``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import Any

from durable._replay import runtime as _runtime
from durable._replay.context import Info, current_update_info

__all__ = ["LoggerAdapter", "workflow_log_details"]


def workflow_log_details(info: Info) -> dict[str, Any]:
    """What temporalio's workflow logger puts in ``temporal_workflow``."""
    return {
        "attempt": info.attempt,
        "namespace": info.namespace,
        "run_id": info.run_id,
        "task_queue": info.task_queue,
        "workflow_id": info.workflow_id,
        "workflow_type": info.workflow_type,
    }


class LoggerAdapter(logging.LoggerAdapter[logging.Logger]):
    """Adapter that adds details about the running workflow to each record (temporalio's).

    Attributes:
        workflow_info_on_message: append the workflow's details to each message (default True).
        workflow_info_on_extra: put them on the record as ``temporal_workflow`` (default True).
        full_workflow_info_on_extra: put ``workflow.info()`` on the record as
            ``workflow_info`` (default False).
        log_during_replay: log while the run replays history too (default False).

    Values added to ``extra`` are merged with the logging call's ``extra``, whose values win.
    """

    def __init__(self, logger: logging.Logger, extra: Mapping[str, Any] | None) -> None:
        super().__init__(logger, extra or {})
        self.workflow_info_on_message = True
        self.workflow_info_on_extra = True
        self.full_workflow_info_on_extra = False
        self.log_during_replay = False

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        if not _runtime.in_workflow():
            return msg, kwargs
        info = _runtime.current().info
        details = workflow_log_details(info)
        if (update := current_update_info()) is not None:
            details.update({"update_id": update.id, "update_name": update.name})
        extra: dict[str, Any] = {}
        if self.workflow_info_on_extra:
            extra["temporal_workflow"] = details
        if self.full_workflow_info_on_extra:
            extra["workflow_info"] = info
        kwargs["extra"] = {**extra, **(kwargs.get("extra") or {})}
        if self.workflow_info_on_message:
            msg = f"{msg} ({details})"
        return msg, kwargs

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - logging's name
        if not self.log_during_replay and _runtime.in_workflow() and _runtime.current().is_replaying:
            return False
        return super().isEnabledFor(level)

    @property
    def base_logger(self) -> logging.Logger:
        """The underlying logger, to add handlers or formatters to."""
        return self.logger
