"""Whether an execution record matches a parsed list filter.

SQL's rules for a missing value: an execution without the field (a running one's
CloseTime, a search attribute never set) matches no comparison, only ``IS NULL``.
A custom attribute is compared by the type its value was stored with; a literal of
another type (a string against an Int attribute) matches nothing.
Pure: no I/O.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from durable._runtime.ports import ExecutionRecord
from durable._visibility.query import (
    BUILTIN_FIELDS,
    DATETIME,
    And,
    Between,
    Compare,
    In,
    IsNull,
    Literal,
    Node,
    Or,
    StartsWith,
    parse_datetime,
)

__all__ = ["matches"]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Mismatch(Exception):
    """A literal that cannot be compared with the field's value."""


def _builtin(record: ExecutionRecord, field: str) -> Any:
    return {
        "WorkflowId": record.workflow_id,
        "RunId": record.run_id,
        "WorkflowType": record.workflow_type,
        "TaskQueue": record.task_queue,
        "ExecutionStatus": record.status.name,  # the filter names statuses as they are stored
        "StartTime": record.start_time,
        "CloseTime": record.close_time,
        "ExecutionTime": record.start_time,
        "HistoryLength": record.history_length,
    }[field]


def _field(record: ExecutionRecord, field: str) -> tuple[str, Any]:
    """(type, value) of a field; value None when the execution has none."""
    kind = BUILTIN_FIELDS.get(field)
    if kind is not None:
        return kind, _builtin(record, field)
    stored = record.search_attributes.get(field)
    if stored is None:
        return "", None
    value = stored["value"]
    if stored["type"] == "Datetime":
        value = parse_datetime(value)
    return stored["type"], value


def _coerce(kind: str, literal: Literal) -> Any:
    """The literal as a value comparable with a field of type ``kind``."""
    if kind in (DATETIME, "Datetime"):
        if isinstance(literal, str):
            try:
                return parse_datetime(literal)
            except ValueError:
                raise _Mismatch from None
        if isinstance(literal, int) and not isinstance(literal, bool):
            return literal / 1e9  # Temporal also takes epoch nanoseconds
        raise _Mismatch
    if kind in ("Int", "Double"):
        if isinstance(literal, bool) or not isinstance(literal, (int, float)):
            raise _Mismatch
        return literal
    if kind == "Bool":
        if isinstance(literal, bool):
            return literal
        if isinstance(literal, str) and literal.lower() in ("true", "false"):
            return literal.lower() == "true"
        raise _Mismatch
    if not isinstance(literal, str):  # Keyword, KeywordList, Text, Status
        raise _Mismatch
    return literal


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def _compare(kind: str, value: Any, op: str, literal: Literal) -> bool:
    try:
        wanted = _coerce(kind, literal)
    except _Mismatch:
        return False
    if kind == "KeywordList":  # = and != test membership, as Temporal does
        if op == "=":
            return wanted in value
        if op == "!=":
            return wanted not in value
        return False
    if kind == "Text" and op in ("=", "!="):  # full-text: every word of the literal appears
        found = _words(wanted) <= _words(value)
        return found if op == "=" else not found
    try:
        return _OPS[op](value, wanted)
    except TypeError:
        return False


def matches(node: Node | None, record: ExecutionRecord) -> bool:
    """Whether ``record`` satisfies the filter ``node`` (None matches everything)."""
    if node is None:
        return True
    if isinstance(node, And):
        return all(matches(item, record) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, record) for item in node.items)
    kind, value = _field(record, node.field)
    if isinstance(node, IsNull):
        return (value is None) != node.negated
    if value is None:
        return False
    if isinstance(node, Compare):
        return _compare(kind, value, node.op, node.value)
    if isinstance(node, In):
        return any(_compare(kind, value, "=", v) for v in node.values) != node.negated
    if isinstance(node, Between):
        inside = _compare(kind, value, ">=", node.low) and _compare(kind, value, "<=", node.high)
        return inside != node.negated
    if isinstance(node, StartsWith):
        if kind == "KeywordList":
            return any(str(v).startswith(node.prefix) for v in value)
        return isinstance(value, str) and value.startswith(node.prefix)
    raise TypeError(f"not a filter node: {node!r}")
