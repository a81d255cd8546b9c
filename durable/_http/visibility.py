"""The list route's filters and pages over the execution store.

The filters (status, workflow type, workflow id or prefix, start time range) run over
``ExecutionStore.list`` (newest start first); the page token is the position of the
next page's first run in that order.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from durable._http import wire
from durable._http.errors import ApiError
from durable._runtime.control import Control
from durable._runtime.ports import ExecutionRecord

__all__ = ["Filters", "Page", "list_page"]


@dataclass(frozen=True)
class Filters:
    """What the caller asked to see."""

    status: str | None = None
    workflow_type: str | None = None
    workflow_id: str | None = None
    start_from: float | None = None
    start_to: float | None = None

    @staticmethod
    def parse(
        *,
        status: str | None,
        workflow_type: str | None,
        workflow_id: str | None,
        start_time_from: str | None,
        start_time_to: str | None,
        query: str | None,
    ) -> Filters:
        """Filters from the query string.

        Raises:
            ApiError: a time that is not RFC 3339, or a list filter query (not supported here).
        """
        if query:
            raise ApiError(
                400, "invalid_query",
                "list filter queries are not supported by this deployment yet: "
                "use status, workflow_type, workflow_id, start_time_from and start_time_to",
                "query",
            )
        return Filters(
            status=status,
            workflow_type=workflow_type or None,
            workflow_id=workflow_id or None,
            start_from=_time(start_time_from, "start_time_from"),
            start_to=_time(start_time_to, "start_time_to"),
        )

    def match(self, record: ExecutionRecord) -> bool:
        """Whether the run passes every filter."""
        return (
            (self.workflow_type is None or record.workflow_type == self.workflow_type)
            and (self.workflow_id is None or record.workflow_id.startswith(self.workflow_id))
            and (self.start_from is None or record.start_time >= self.start_from)
            and (self.start_to is None or record.start_time < self.start_to)
        )


@dataclass(frozen=True)
class Page:
    """One page of runs and the token of the next (None on the last page)."""

    records: list[ExecutionRecord]
    next_page_token: str | None


def _time(text: str | None, field: str) -> float | None:
    if not text:
        return None
    try:
        return wire.parse_time(text)
    except ValueError as err:
        raise ApiError(400, "invalid_request", f"{field}: not an RFC 3339 time ({text!r}), e.g. 2026-12-02T15:04:05Z", field) from err


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
        if not isinstance(offset, int) or offset < 0:
            raise ValueError(offset)
        return offset
    except (binascii.Error, ValueError, KeyError, TypeError) as err:
        raise ApiError(400, "invalid_request", "next_page_token: pass the token of the previous page unchanged", "next_page_token") from err


def list_page(control: Control, filters: Filters, *, page_size: int, next_page_token: str | None) -> Page:
    """The page of matching runs that starts at the token."""
    offset = _offset(next_page_token)
    matching = [r for r in control.services.executions.list(status=filters.status, limit=1_000_000) if filters.match(r)]
    records = matching[offset : offset + page_size]
    more = offset + page_size < len(matching)
    token = base64.urlsafe_b64encode(json.dumps({"offset": offset + page_size}).encode()).decode() if more else None
    return Page(records=records, next_page_token=token)
