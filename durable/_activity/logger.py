"""``activity.logger``: temporalio's activity LoggerAdapter.

Each record carries a ``temporal_activity`` dict (activity id and type, attempt, namespace,
task queue, and the workflow's id, run id and type), which is appended to the message too;
a Lambda's powertools Logger writes it as a JSON field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import Any

from durable._activity import context as _context
from durable._activity.context import Info

__all__ = ["LoggerAdapter", "activity_log_details"]


def activity_log_details(info: Info) -> dict[str, Any]:
    """What temporalio's activity logger puts in ``temporal_activity``."""
    return {
        "activity_id": info.activity_id,
        "activity_type": info.activity_type,
        "attempt": info.attempt,
        "namespace": info.namespace,
        "task_queue": info.task_queue,
        "workflow_id": info.workflow_id,
        "workflow_run_id": info.workflow_run_id,
        "workflow_type": info.workflow_type,
    }


class LoggerAdapter(logging.LoggerAdapter[logging.Logger]):
    """Adapter that adds details about the running activity to each record (temporalio's).

    Attributes:
        activity_info_on_message: append the activity's details to each message (default True).
        activity_info_on_extra: put them on the record as ``temporal_activity`` (default True).
        full_activity_info_on_extra: put ``activity.info()`` on the record as
            ``activity_info`` (default False).
    """

    def __init__(self, logger: logging.Logger, extra: Mapping[str, Any] | None) -> None:
        super().__init__(logger, extra or {})
        self.activity_info_on_message = True
        self.activity_info_on_extra = True
        self.full_activity_info_on_extra = False

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        try:
            info = _context.current().info
        except RuntimeError:  # not in activity code
            return msg, kwargs
        details = activity_log_details(info)
        if self.activity_info_on_message:
            msg = f"{msg} ({details})"
        if self.activity_info_on_extra or self.full_activity_info_on_extra:
            extra = dict(kwargs.get("extra") or {})  # the caller's dict is not changed
            if self.activity_info_on_extra:
                extra["temporal_activity"] = details
            if self.full_activity_info_on_extra:
                extra["activity_info"] = info
            kwargs["extra"] = extra
        return msg, kwargs

    @property
    def base_logger(self) -> logging.Logger:
        """The underlying logger, to add handlers or formatters to."""
        return self.logger
