"""Temporal's list filter: a small recursive-descent parser into a checked syntax tree.

The language is the subset of Temporal's visibility SQL that users write in
``client.list_workflows(query)``::

    query     := [expr] [ORDER BY field [ASC | DESC]] [GROUP BY ExecutionStatus]
    expr      := conj (OR conj)*
    conj      := primary (AND primary)*
    primary   := '(' expr ')' | predicate
    predicate := field op literal                       op: = != <> < <= > >=
               | field [NOT] IN '(' literal (',' literal)* ')'
               | field [NOT] BETWEEN literal AND literal
               | field STARTS_WITH literal
               | field IS [NOT] NULL

Keywords are case-insensitive; strings take single or double quotes; a field name with
spaces goes in backquotes. Built-in fields are checked here (a bad date, an unknown
status); a custom search attribute is checked against the type its value was stored
with when the filter runs, since nothing registers custom attributes ahead of time.

Pure: text in, tree out, :class:`InvalidQuery` naming the problem otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias

__all__ = [
    "And",
    "Between",
    "BUILTIN_FIELDS",
    "Compare",
    "In",
    "InvalidQuery",
    "IsNull",
    "Node",
    "Or",
    "Query",
    "StartsWith",
    "parse",
    "parse_datetime",
    "STATUSES",
]

Literal: TypeAlias = str | int | float | bool


class InvalidQuery(ValueError):
    """The list filter is not valid; the message names the token or field at fault."""


# -- the tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    """``field op value``; op is one of ``= != < <= > >=`` (``<>`` reads as ``!=``)."""

    field: str
    op: str
    value: Literal


@dataclass(frozen=True)
class In:
    """``field [NOT] IN (values)``."""

    field: str
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True)
class Between:
    """``field [NOT] BETWEEN low AND high`` (both ends included)."""

    field: str
    low: Literal
    high: Literal
    negated: bool = False


@dataclass(frozen=True)
class StartsWith:
    """``field STARTS_WITH prefix``."""

    field: str
    prefix: str


@dataclass(frozen=True)
class IsNull:
    """``field IS [NOT] NULL``: whether the execution has no value for the field."""

    field: str
    negated: bool = False


@dataclass(frozen=True)
class And:
    """All of ``items``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any of ``items``."""

    items: tuple[Node, ...]


Node: TypeAlias = Compare | In | Between | StartsWith | IsNull | And | Or


@dataclass(frozen=True)
class Query:
    """A parsed filter: ``where`` (None: every execution) and the order of the listing."""

    where: Node | None = None
    ascending: bool = False
    """``ORDER BY StartTime ASC``; the default is newest start first."""
    group_by: str | None = None
    """``GROUP BY ExecutionStatus`` (counting only)."""


# -- fields ----------------------------------------------------------------------------

KEYWORD, DATETIME, INT, STATUS = "Keyword", "Datetime", "Int", "Status"

BUILTIN_FIELDS = {
    "WorkflowId": KEYWORD,
    "RunId": KEYWORD,
    "WorkflowType": KEYWORD,
    "TaskQueue": KEYWORD,
    "ExecutionStatus": STATUS,
    "StartTime": DATETIME,
    "CloseTime": DATETIME,
    "ExecutionTime": DATETIME,
    "HistoryLength": INT,
}
"""The execution's own fields, by the names Temporal's visibility gives them."""

STATUSES = {
    "running": "RUNNING",
    "completed": "COMPLETED",
    "failed": "FAILED",
    "canceled": "CANCELED",
    "terminated": "TERMINATED",
    "continuedasnew": "CONTINUED_AS_NEW",
    "timedout": "TIMED_OUT",
}
"""Status spellings a filter accepts ('Running', 'RUNNING', 'ContinuedAsNew', ...)."""

_ORDERABLE = {"StartTime"}
_GROUPABLE = {"ExecutionStatus"}


def parse_datetime(text: str) -> float:
    """An RFC 3339 timestamp as epoch seconds (UTC when it has no offset).

    Raises:
        ValueError: not a timestamp.
    """
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


# -- tokens ----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<quoted>`[^`]+`)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)

_KEYWORDS = {
    "AND",
    "OR",
    "NOT",
    "IN",
    "BETWEEN",
    "STARTS_WITH",
    "IS",
    "NULL",
    "ORDER",
    "GROUP",
    "BY",
    "ASC",
    "DESC",
    "TRUE",
    "FALSE",
}


@dataclass(frozen=True)
class _Token:
    kind: str  # string, number, name, keyword, op, punct, end
    text: str
    value: Literal | None
    at: int


def _unquote(text: str) -> str:
    quote = text[0]
    body = text[1:-1].replace(quote * 2, quote)
    return re.sub(r"\\(.)", r"\1", body)


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise InvalidQuery(f"invalid query: unexpected character {text[pos]!r} at position {pos}")
        kind, raw = m.lastgroup or "", m.group()
        if kind == "string":
            out.append(_Token("string", raw, _unquote(raw), pos))
        elif kind == "number":
            number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
            out.append(_Token("number", raw, number, pos))
        elif kind == "name" and raw.upper() in _KEYWORDS:
            out.append(_Token("keyword", raw.upper(), None, pos))
        elif kind == "name":
            out.append(_Token("name", raw, raw, pos))
        elif kind == "quoted":
            out.append(_Token("name", raw, raw[1:-1], pos))
        elif kind in ("op", "punct"):
            out.append(_Token(kind, "!=" if raw == "<>" else raw, None, pos))
        pos = m.end()
    out.append(_Token("end", "end of query", None, len(text)))
    return out


# -- the parser ------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.peek()
        if token.kind == kind and (text is None or token.text == text):
            self.i += 1
            return token
        return None

    def expect(self, kind: str, text: str, what: str) -> _Token:
        token = self.accept(kind, text)
        if token is None:
            raise self.error(f"expected {what}")
        return token

    def error(self, message: str) -> InvalidQuery:
        token = self.peek()
        return InvalidQuery(f"invalid query: {message} at position {token.at}, found {token.text!r}")

    def query(self) -> Query:
        where = None
        if not (self.peek().kind == "end" or self.peek().text in ("ORDER", "GROUP")):
            where = self.expr()
        ascending = False
        if self.accept("keyword", "ORDER"):
            self.expect("keyword", "BY", "BY after ORDER")
            field = self.field()
            if field not in _ORDERABLE:
                raise InvalidQuery(f"invalid query: ORDER BY {field} is not supported; order by StartTime")
            ascending = bool(self.accept("keyword", "ASC"))
            if not ascending:
                self.accept("keyword", "DESC")
        group_by = None
        if self.accept("keyword", "GROUP"):
            self.expect("keyword", "BY", "BY after GROUP")
            group_by = self.field()
            if group_by not in _GROUPABLE:
                raise InvalidQuery(f"invalid query: GROUP BY {group_by} is not supported; group by ExecutionStatus")
        if self.peek().kind != "end":
            raise self.error("expected AND, OR, ORDER BY, GROUP BY or the end of the query")
        return Query(where=where, ascending=ascending, group_by=group_by)

    def expr(self) -> Node:
        items = [self.conj()]
        while self.accept("keyword", "OR"):
            items.append(self.conj())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conj(self) -> Node:
        items = [self.primary()]
        while self.accept("keyword", "AND"):
            items.append(self.primary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def primary(self) -> Node:
        if self.accept("punct", "("):
            node = self.expr()
            self.expect("punct", ")", "')'")
            return node
        return self.predicate()

    def field(self) -> str:
        token = self.peek()
        if token.kind != "name":
            raise self.error("expected a field name")
        self.i += 1
        return str(token.value)

    def literal(self) -> Literal:
        token = self.take()
        if token.kind in ("string", "number"):
            assert token.value is not None
            return token.value
        if token.kind == "keyword" and token.text in ("TRUE", "FALSE"):
            return token.text == "TRUE"
        self.i -= 1
        raise self.error("expected a value (a quoted string, a number, true or false)")

    def predicate(self) -> Node:
        field = self.field()
        token = self.peek()
        if token.kind == "op":
            self.i += 1
            return _check(Compare(field, token.text, self.literal()))
        negated = bool(self.accept("keyword", "NOT"))
        if self.accept("keyword", "IN"):
            self.expect("punct", "(", "'(' after IN")
            values = [self.literal()]
            while self.accept("punct", ","):
                values.append(self.literal())
            self.expect("punct", ")", "')' closing the IN list")
            return _check(In(field, tuple(values), negated))
        if self.accept("keyword", "BETWEEN"):
            low = self.literal()
            self.expect("keyword", "AND", "AND between the bounds of BETWEEN")
            return _check(Between(field, low, self.literal(), negated))
        if negated:
            raise self.error("expected IN or BETWEEN after NOT")
        if self.accept("keyword", "STARTS_WITH"):
            prefix = self.literal()
            if not isinstance(prefix, str):
                raise InvalidQuery(f"invalid query: STARTS_WITH on {field} needs a quoted string")
            return _check(StartsWith(field, prefix))
        if self.accept("keyword", "IS"):
            is_not = bool(self.accept("keyword", "NOT"))
            self.expect("keyword", "NULL", "NULL after IS")
            return IsNull(field, is_not)
        raise self.error(f"expected an operator after {field}")


def _literals(node: Node) -> list[Literal]:
    if isinstance(node, Compare):
        return [node.value]
    if isinstance(node, In):
        return list(node.values)
    if isinstance(node, Between):
        return [node.low, node.high]
    if isinstance(node, StartsWith):
        return [node.prefix]
    return []


def _check(node: Compare | In | Between | StartsWith) -> Node:
    """Type-check a predicate on a built-in field; normalise statuses to their names."""
    kind = BUILTIN_FIELDS.get(node.field)
    if kind is None:
        return node
    if isinstance(node, StartsWith) and kind != KEYWORD:
        raise InvalidQuery(f"invalid query: STARTS_WITH applies to keyword fields, not {node.field}")
    if isinstance(node, Compare) and kind in (KEYWORD, STATUS) and node.op not in ("=", "!="):
        raise InvalidQuery(f"invalid query: {node.field} supports =, !=, IN and STARTS_WITH, not {node.op}")
    for value in _literals(node):
        if kind in (KEYWORD, STATUS) and not isinstance(value, str):
            raise InvalidQuery(f"invalid query: {node.field} takes a quoted string, not {value!r}")
        if kind == INT and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidQuery(f"invalid query: {node.field} takes an integer, not {value!r}")
        if kind == DATETIME:
            if not isinstance(value, str):
                raise InvalidQuery(f"invalid query: {node.field} takes an RFC 3339 time in quotes, not {value!r}")
            try:
                parse_datetime(value)
            except ValueError:
                raise InvalidQuery(
                    f"invalid query: {node.field} value {value!r} is not an RFC 3339 time (e.g. '2024-01-31T12:00:00Z')"
                ) from None
    if kind == STATUS:

        def status(value: Literal) -> str:
            name = STATUSES.get(str(value).replace("_", "").lower())
            if name is None:
                spellings = ", ".join(
                    repr(s)
                    for s in ("Running", "Completed", "Failed", "Canceled", "Terminated", "ContinuedAsNew", "TimedOut")
                )
                raise InvalidQuery(f"invalid query: ExecutionStatus {value!r} is not one of {spellings}")
            return name

        if isinstance(node, Compare):
            return Compare(node.field, node.op, status(node.value))
        if isinstance(node, In):
            return In(node.field, tuple(status(v) for v in node.values), node.negated)
        raise InvalidQuery("invalid query: ExecutionStatus supports =, != and IN")
    return node


def parse(text: str | None) -> Query:
    """Parse a list filter; None or blank text lists every execution.

    Raises:
        InvalidQuery: the filter's syntax, a field's value or the ordering is not valid.
    """
    if text is None or not text.strip():
        return Query()
    return _Parser(text).query()
