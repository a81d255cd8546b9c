"""Listing the archive of closed runs with the list filter language.

The same filter as the live list (:func:`durable._visibility.listing.list_executions`), over
the archive's runs. The archive is partitioned by close date, so the filter's bounds on the
close time (``CloseTime >= ...``, ``CloseTime BETWEEN ... AND ...``) and on the start time
(a run closes after it starts) pick the close dates whose objects are read at all.
"""

from __future__ import annotations

from collections.abc import Iterator

from durable._runtime.archive import RunArchive
from durable._runtime.ports import ExecutionRecord, Selection
from durable._visibility.listing import Page, list_executions
from durable._visibility.query import And, Between, Compare, Node, parse, parse_datetime

__all__ = ["close_time_bounds", "list_archived"]


def close_time_bounds(query: str | None) -> tuple[float | None, float | None]:
    """(earliest, latest) close time every match of the filter has (None: unbounded)."""
    where = parse(query).where
    conjuncts: tuple[Node, ...] = where.items if isinstance(where, And) else (() if where is None else (where,))
    low: float | None = None
    high: float | None = None
    for node in conjuncts:
        lo = hi = None
        if isinstance(node, Between) and not node.negated and node.field in ("CloseTime", "StartTime"):
            lo = parse_datetime(str(node.low))
            hi = parse_datetime(str(node.high)) if node.field == "CloseTime" else None
        elif isinstance(node, Compare) and node.field in ("CloseTime", "StartTime") and node.op != "!=":
            t = parse_datetime(str(node.value))
            lo = t if node.op in ("=", ">", ">=") else None
            # a run's close is after its start: an upper bound on the start bounds nothing here
            hi = t if node.op in ("=", "<", "<=") and node.field == "CloseTime" else None
        if lo is not None:
            low = lo if low is None else max(low, lo)
        if hi is not None:
            high = hi if high is None else min(high, hi)
    return low, high


class _ClosedBetween:
    """The archive's runs of the close dates from ``low`` to ``high``, as a listing reads them."""

    def __init__(self, archive: RunArchive, low: float | None, high: float | None) -> None:
        self._archive, self._low, self._high = archive, low, high

    def scan(
        self, selection: Selection, *, after: str | None = None, page_size: int = 100
    ) -> Iterator[tuple[ExecutionRecord, str]]:
        return self._archive.scan(selection, after=after, closed_from=self._low, closed_to=self._high)


def list_archived(
    archive: RunArchive, query: str | None, *, page_size: int = 1000, next_page_token: bytes | None = None
) -> Page:
    """One page of the archived runs that match ``query``, newest start first unless ``ORDER BY StartTime ASC``.

    Raises:
        InvalidQuery: the filter or the token is not valid.
    """
    low, high = close_time_bounds(query)
    return list_executions(
        _ClosedBetween(archive, low, high), query, page_size=page_size, next_page_token=next_page_token
    )
