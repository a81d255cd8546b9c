"""Listing and counting executions for a list filter, page by page, over the executions store.

The filter's top-level conjuncts choose what the store's indexes can narrow by
themselves (a workflow id, a type, a status, a start time range: a
:class:`~durable._runtime.ports.Selection`); the whole filter is then evaluated on
each run the index yields. A page stops at ``page_size`` matches or after reading
``max_examined`` runs, whichever comes first, so a rare match never makes one call read
the whole index: such a page is short (even empty) and carries a token, as Temporal's
pages may.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from durable._runtime.ports import ExecutionRecord, Selection
from durable._statuses import WorkflowExecutionStatus
from durable._visibility.evaluate import matches
from durable._visibility.query import And, Between, Compare, In, InvalidQuery, Node, Query, parse, parse_datetime

__all__ = ["Count", "Page", "count_executions", "list_executions", "selection_of"]

_DEFAULT_MAX_EXAMINED = 10_000


class RunSource(Protocol):
    """What a listing reads runs from: the executions store, or the archive of closed runs."""

    def scan(
        self, selection: Selection, *, after: str | None = None, page_size: int = 100
    ) -> Iterator[tuple[ExecutionRecord, str]]:
        """Runs the selection picks, in start order, each with its cursor (:meth:`ExecutionStore.scan`)."""
        ...


@dataclass(frozen=True)
class Page:
    """One page of a listing; ``next_page_token`` is None on the last one."""

    executions: list[ExecutionRecord]
    next_page_token: bytes | None


@dataclass(frozen=True)
class Count:
    """How many runs match; with ``GROUP BY ExecutionStatus``, how many per status."""

    count: int
    groups: dict[str, int]


def selection_of(query: Query) -> Selection:
    """What of the filter an index can answer: equalities and start bounds that every match satisfies."""
    where = query.where
    conjuncts: tuple[Node, ...] = where.items if isinstance(where, And) else (() if where is None else (where,))
    picked: dict[str, str] = {}
    start_from: float | None = None
    start_to: float | None = None
    for node in conjuncts:
        equal = _equality(node)
        if equal is not None and equal[0] in ("WorkflowId", "WorkflowType", "ExecutionStatus"):
            picked.setdefault(*equal)
            continue
        bounds = _start_bounds(node)
        if bounds is None:
            continue
        low, high = bounds
        if low is not None:
            start_from = low if start_from is None else max(start_from, low)
        if high is not None:
            start_to = high if start_to is None else min(start_to, high)
    status = picked.get("ExecutionStatus")  # a status's name: the parser checked it
    return Selection(
        workflow_id=picked.get("WorkflowId"),
        workflow_type=picked.get("WorkflowType"),
        status=None if status is None else WorkflowExecutionStatus[status],
        start_from=start_from,
        start_to=start_to,
        ascending=query.ascending,
    )


def _equality(node: Node) -> tuple[str, str] | None:
    """(field, value) of ``field = value`` or ``field IN (value)``."""
    if isinstance(node, Compare) and node.op == "=":
        return node.field, str(node.value)
    if isinstance(node, In) and not node.negated and len(node.values) == 1:
        return node.field, str(node.values[0])
    return None


def _start_bounds(node: Node) -> tuple[float | None, float | None] | None:
    """(low, high) start times (inclusive; None: open) that a StartTime predicate implies."""
    if isinstance(node, Between) and node.field == "StartTime" and not node.negated:
        return parse_datetime(str(node.low)), parse_datetime(str(node.high))
    if isinstance(node, Compare) and node.field == "StartTime" and node.op != "!=":
        t = parse_datetime(str(node.value))
        return (t if node.op in ("=", ">", ">=") else None), (t if node.op in ("=", "<", "<=") else None)
    return None


def _fingerprint(text: str | None) -> str:
    return hashlib.sha256((text or "").strip().encode()).hexdigest()[:16]


def _encode_token(text: str | None, cursor: str) -> bytes:
    return base64.urlsafe_b64encode(json.dumps({"q": _fingerprint(text), "c": cursor}).encode())


def _decode_token(text: str | None, token: bytes) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(token))
        fingerprint, cursor = data["q"], data["c"]
        assert isinstance(cursor, str)
    except (binascii.Error, ValueError, KeyError, TypeError, AssertionError):
        raise InvalidQuery("invalid next_page_token: pass the token a listing returned, unchanged") from None
    if fingerprint != _fingerprint(text):
        raise InvalidQuery("invalid next_page_token: it belongs to a listing with another query")
    return cursor


def list_executions(
    store: RunSource,
    query: str | None,
    *,
    page_size: int = 1000,
    next_page_token: bytes | None = None,
    max_examined: int = _DEFAULT_MAX_EXAMINED,
) -> Page:
    """One page of the runs that match ``query``, newest start first unless ``ORDER BY StartTime ASC``.

    Raises:
        InvalidQuery: the filter or the token is not valid.
    """
    parsed = parse(query)
    if parsed.group_by is not None:
        raise InvalidQuery("invalid query: GROUP BY is for counting; list without it")
    if page_size < 1:
        raise InvalidQuery(f"invalid page_size {page_size}: it must be at least 1")
    after = _decode_token(query, next_page_token) if next_page_token else None
    selection = selection_of(parsed)
    found: list[ExecutionRecord] = []
    examined = 0
    for record, cursor in store.scan(selection, after=after, page_size=min(page_size, 1000)):
        examined += 1
        if matches(parsed.where, record):
            found.append(record)
        if len(found) >= page_size or examined >= max_examined:
            # More may follow; a token that turns out to lead nowhere costs one empty page.
            return Page(found, _encode_token(query, cursor))
    return Page(found, None)


def count_executions(store: RunSource, query: str | None) -> Count:
    """How many runs match ``query`` (grouped by status with ``GROUP BY ExecutionStatus``).

    Raises:
        InvalidQuery: the filter is not valid.
    """
    parsed = parse(query)
    per_status: Counter[str] = Counter()
    for record, _ in store.scan(selection_of(parsed), page_size=1000):
        if matches(parsed.where, record):
            per_status[record.status.name] += 1
    groups = dict(per_status) if parsed.group_by is not None else {}
    return Count(count=sum(per_status.values()), groups=groups)
