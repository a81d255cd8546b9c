"""What a child workflow's start, or a continue-as-new, carries beyond its type, queue and
arguments: checked and encoded as a top-level start's (cron schedule, memo, search
attributes, static summary and details; a continue-as-new's timeouts and back-off)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from durable import _converter
from durable._conversion.payload_converter import PayloadConverter
from durable._replay.commands import ChildStartOptions, ContinueAsNewOptions
from durable._schedules.cron import CronExpression
from durable._search_attributes import SearchAttributes, TypedSearchAttributes, to_stored

__all__ = ["child_start_options", "continue_as_new_options"]


def child_start_options(
    *,
    cron_schedule: str,
    memo: Mapping[str, Any] | None,
    search_attributes: TypedSearchAttributes | SearchAttributes | None,
    static_summary: str | None,
    static_details: str | None,
    converter: PayloadConverter | None = None,
) -> ChildStartOptions:
    """The options given (defaults left out, so the child's start event stays as before).

    Raises:
        InvalidCronExpression (a ValueError): ``cron_schedule`` does not parse.
        TypeError: a memo value cannot be encoded, or a search attribute does not fit its key's type.
    """
    options: ChildStartOptions = {}
    if cron_schedule:
        CronExpression.parse(cron_schedule)
        options["cron_schedule"] = cron_schedule
    if memo:
        options["memo"] = {k: _converter.encode(v, converter) for k, v in memo.items()}
    if search_attributes:
        options["search_attributes"] = to_stored(search_attributes)
    if static_summary is not None:
        options["static_summary"] = static_summary
    if static_details is not None:
        options["static_details"] = static_details
    return options


def continue_as_new_options(
    *,
    run_timeout: timedelta | None,
    task_timeout: timedelta | None,
    backoff_start_interval: timedelta | None,
    memo: Mapping[str, Any] | None,
    search_attributes: TypedSearchAttributes | SearchAttributes | None,
    converter: PayloadConverter | None = None,
) -> ContinueAsNewOptions:
    """The options given; those left out are the current run's (Temporal's defaults).

    Raises:
        TypeError: a memo value cannot be encoded, or a search attribute does not fit its key's type.
    """
    options: ContinueAsNewOptions = {}
    if run_timeout:
        options["run_timeout"] = run_timeout.total_seconds()
    if task_timeout:
        options["task_timeout"] = task_timeout.total_seconds()
    if backoff_start_interval:
        options["backoff_start_interval"] = backoff_start_interval.total_seconds()
    if memo is not None:
        options["memo"] = {k: _converter.encode(v, converter) for k, v in memo.items()}
    if search_attributes is not None:
        options["search_attributes"] = to_stored(search_attributes)
    return options
