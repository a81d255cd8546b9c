"""The list and count routes' filters, as one Temporal list filter for ``Control.list_workflows``.

The query-string filters (status, workflow type, workflow id or prefix, start time range)
become conjuncts of the list filter language, joined with the caller's own ``query``
(its ``ORDER BY`` kept last), so the indexes behind the visibility store narrow them all.
"""

from __future__ import annotations

import re

from durable._http import wire
from durable._http.errors import ApiError
from durable._visibility.query import InvalidQuery

__all__ = ["filter_query", "invalid_query"]

_ORDER_BY = re.compile(r"\s+((?:ORDER|GROUP)\s+BY\s+.*)$", re.IGNORECASE | re.DOTALL)


def _literal(value: str, field: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ApiError(400, "invalid_request", f"{field}: a value cannot hold both kinds of quotes", field)


def _time(text: str | None, field: str) -> str | None:
    if not text:
        return None
    try:
        return wire.rfc3339(wire.parse_time(text), micro=True)
    except ValueError as err:
        raise ApiError(
            400, "invalid_request", f"{field}: not an RFC 3339 time ({text!r}), e.g. 2026-12-02T15:04:05Z", field
        ) from err


def filter_query(
    *,
    status: str | None = None,
    workflow_type: str | None = None,
    workflow_id: str | None = None,
    start_time_from: str | None = None,
    start_time_to: str | None = None,
    query: str | None = None,
) -> str | None:
    """One list filter for the query-string filters and the caller's ``query`` (None: everything).

    Raises:
        ApiError: a time that is not RFC 3339.
    """
    conjuncts: list[str] = []
    if status:
        conjuncts.append(f"ExecutionStatus = '{status}'")
    if workflow_type:
        conjuncts.append(f"WorkflowType = {_literal(workflow_type, 'workflow_type')}")
    if workflow_id:
        conjuncts.append(f"WorkflowId STARTS_WITH {_literal(workflow_id, 'workflow_id')}")
    if (low := _time(start_time_from, "start_time_from")) is not None:
        conjuncts.append(f"StartTime >= '{low}'")
    if (high := _time(start_time_to, "start_time_to")) is not None:
        conjuncts.append(f"StartTime < '{high}'")
    order = ""
    text = (query or "").strip()
    if text:
        found = _ORDER_BY.search(" " + text)
        if found:
            order = " " + found.group(1)
            text = (" " + text)[: found.start()].strip()
        if text:
            conjuncts.insert(0, f"({text})")
    if not conjuncts:
        return order.strip() or None
    return " AND ".join(conjuncts) + order


def invalid_query(err: InvalidQuery, *, has_query: bool) -> ApiError:
    """The 400 of a filter or page token the visibility store refused."""
    message = str(err)
    if "next_page_token" in message:
        field: str | None = "next_page_token"
    elif "page_size" in message:
        field = "page_size"
    else:
        field = "query" if has_query else None
    return ApiError(400, "invalid_query", message, field)
