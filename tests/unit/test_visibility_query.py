"""The list filter: parsing, checking, evaluating on execution records, index selection."""

from __future__ import annotations

import pytest

from durable._runtime.ports import ExecutionRecord, Selection
from durable._statuses import WorkflowExecutionStatus
from durable._visibility.evaluate import matches
from durable._visibility.listing import selection_of
from durable._visibility.query import (
    And,
    Between,
    Compare,
    In,
    InvalidQuery,
    IsNull,
    Or,
    Query,
    StartsWith,
    parse,
    parse_datetime,
)

JAN1 = parse_datetime("2024-01-01T00:00:00Z")


def record(**changes) -> ExecutionRecord:
    base = dict(
        workflow_id="order-1",
        run_id="run-1",
        workflow_type="OrderWorkflow",
        task_queue="orders",
        status=WorkflowExecutionStatus.RUNNING,
        start_time=JAN1 + 3600,
        search_attributes={
            "CustomKeywordField": {"type": "Keyword", "value": "gold"},
            "CustomIntField": {"type": "Int", "value": 7},
            "CustomDoubleField": {"type": "Double", "value": 1.5},
            "CustomBoolField": {"type": "Bool", "value": True},
            "CustomDatetimeField": {"type": "Datetime", "value": "2024-02-01T00:00:00+00:00"},
            "CustomTextField": {"type": "Text", "value": "Hello brave new World"},
            "Tags": {"type": "KeywordList", "value": ["a", "b"]},
        },
    )
    base.update(changes)
    return ExecutionRecord(**base)


# -- parsing -------------------------------------------------------------------------


def test_blank_or_missing_query_lists_everything_newest_first():
    assert parse(None) == Query()
    assert parse("   ") == Query()


def test_comparisons_and_precedence_of_and_over_or():
    q = parse("WorkflowType = 'A' OR WorkflowType = \"B\" AND CustomIntField >= 3")
    assert q.where == Or(
        (
            Compare("WorkflowType", "=", "A"),
            And((Compare("WorkflowType", "=", "B"), Compare("CustomIntField", ">=", 3))),
        )
    )


def test_parentheses_group():
    q = parse("(WorkflowType = 'A' OR WorkflowType = 'B') AND CustomIntField <> 3")
    assert q.where == And(
        (Or((Compare("WorkflowType", "=", "A"), Compare("WorkflowType", "=", "B"))), Compare("CustomIntField", "!=", 3))
    )


def test_in_between_starts_with_is_null_and_order_by():
    q = parse(
        "WorkflowId IN ('a', 'b') and CustomIntField not between 1 and 5 and WorkflowId starts_with 'or' "
        "and CustomKeywordField is not null and `My Field` IS NULL order by StartTime asc"
    )
    assert q == Query(
        where=And(
            (
                In("WorkflowId", ("a", "b")),
                Between("CustomIntField", 1, 5, negated=True),
                StartsWith("WorkflowId", "or"),
                IsNull("CustomKeywordField", negated=True),
                IsNull("My Field"),
            )
        ),
        ascending=True,
    )


def test_statuses_are_normalised_from_temporal_spellings():
    assert parse("ExecutionStatus = 'Running'").where == Compare("ExecutionStatus", "=", "RUNNING")
    assert parse("ExecutionStatus IN ('ContinuedAsNew', 'TIMED_OUT')").where == In(
        "ExecutionStatus", ("CONTINUED_AS_NEW", "TIMED_OUT")
    )


def test_quotes_escape_inside_strings():
    assert parse("WorkflowId = 'it''s'").where == Compare("WorkflowId", "=", "it's")
    assert parse(r"WorkflowId = 'a\'b'").where == Compare("WorkflowId", "=", "a'b")


def test_group_by_execution_status():
    assert parse("GROUP BY ExecutionStatus").group_by == "ExecutionStatus"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("WorkflowId = ", "expected a value"),
        ("WorkflowId == 'a'", "expected a value"),
        ("WorkflowId = 'a' AND", "expected a field name"),
        ("(WorkflowId = 'a'", "expected ')'"),
        ("WorkflowId 'a'", "expected an operator after WorkflowId"),
        ("WorkflowId = 'a' LIMIT 3", "expected AND, OR, ORDER BY"),
        ("WorkflowId = 'a' ; drop", "unexpected character ';'"),
        ("StartTime > 'yesterday'", "StartTime value 'yesterday' is not an RFC 3339 time"),
        ("StartTime > 5", "StartTime takes an RFC 3339 time"),
        ("ExecutionStatus = 'Sleeping'", "ExecutionStatus 'Sleeping' is not one of"),
        ("WorkflowType > 'A'", "WorkflowType supports =, !=, IN and STARTS_WITH, not >"),
        ("WorkflowId = 3", "WorkflowId takes a quoted string"),
        ("HistoryLength = 'x'", "HistoryLength takes an integer"),
        ("StartTime STARTS_WITH '2024'", "STARTS_WITH applies to keyword fields"),
        ("ORDER BY WorkflowId", "ORDER BY WorkflowId is not supported"),
        ("GROUP BY WorkflowType", "GROUP BY WorkflowType is not supported"),
        ("WorkflowId NOT = 'a'", "expected IN or BETWEEN after NOT"),
    ],
)
def test_bad_queries_name_what_is_wrong(text, names):
    with pytest.raises(InvalidQuery) as raised:
        parse(text)
    assert names in str(raised.value)


# -- evaluating ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WorkflowId = 'order-1'", True),
        ("WorkflowId != 'order-1'", False),
        ("WorkflowId STARTS_WITH 'order-'", True),
        ("WorkflowId STARTS_WITH 'pay-'", False),
        ("WorkflowType IN ('X', 'OrderWorkflow')", True),
        ("WorkflowType NOT IN ('X', 'OrderWorkflow')", False),
        ("TaskQueue = 'orders'", True),
        ("RunId = 'run-1'", True),
        ("ExecutionStatus = 'Running'", True),
        ("ExecutionStatus = 'Completed'", False),
        ("StartTime > '2024-01-01T00:00:00Z'", True),
        ("StartTime > '2024-01-01T01:00:00Z'", False),
        ("StartTime >= '2024-01-01T01:00:00Z'", True),
        ("StartTime = '2024-01-01T02:00:00+01:00'", True),
        ("StartTime BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-01T01:00:00Z'", True),
        ("ExecutionTime < '2024-01-01T00:00:00'", False),
        ("CloseTime > '2000-01-01T00:00:00Z'", False),  # running: no close time
        ("CloseTime IS NULL", True),
        ("CloseTime IS NOT NULL", False),
        ("HistoryLength = 0", True),
        ("CustomKeywordField = 'gold'", True),
        ("CustomKeywordField != 'gold'", False),
        ("CustomKeywordField IN ('silver', 'gold')", True),
        ("CustomKeywordField = 3", False),  # another type matches nothing
        ("CustomIntField > 6 AND CustomIntField < 8", True),
        ("CustomIntField BETWEEN 8 AND 10", False),
        ("CustomIntField = 7.0", True),
        ("CustomDoubleField >= 1.5", True),
        ("CustomDoubleField < 1", False),
        ("CustomBoolField = true", True),
        ("CustomBoolField = 'false'", False),
        ("CustomDatetimeField > '2024-01-31T00:00:00Z'", True),
        ("CustomDatetimeField < '2024-01-31T00:00:00Z'", False),
        ("CustomTextField = 'brave world'", True),
        ("CustomTextField = 'brave dog'", False),
        ("Tags = 'a'", True),
        ("Tags = 'c'", False),
        ("Tags IN ('c', 'b')", True),
        ("Tags != 'c'", True),
        ("Missing = 'x'", False),  # an attribute never set matches no comparison...
        ("Missing != 'x'", False),
        ("Missing IS NULL", True),  # ...only IS NULL
        ("CustomKeywordField IS NULL", False),
        ("(WorkflowType = 'X' OR CustomIntField = 7) AND ExecutionStatus = 'Running'", True),
        ("WorkflowType = 'X' OR (CustomIntField = 7 AND ExecutionStatus = 'Failed')", False),
    ],
)
def test_matches(text, expected):
    assert matches(parse(text).where, record()) is expected


def test_closed_run_matches_on_close_time_and_status():
    closed = record(status=WorkflowExecutionStatus.COMPLETED, close_time=JAN1 + 7200)
    assert matches(parse("CloseTime >= '2024-01-01T02:00:00Z' AND ExecutionStatus = 'Completed'").where, closed)


# -- what the index can answer -------------------------------------------------------


def test_selection_takes_top_level_equalities_and_start_bounds():
    q = parse(
        "WorkflowType = 'A' AND ExecutionStatus = 'Running' AND StartTime > '2024-01-01T00:00:00Z' "
        "AND StartTime <= '2024-01-02T00:00:00Z' AND CustomIntField = 1 ORDER BY StartTime ASC"
    )
    assert selection_of(q) == Selection(
        workflow_type="A",
        status=WorkflowExecutionStatus.RUNNING,
        start_from=JAN1,
        start_to=JAN1 + 86400,
        ascending=True,
    )


def test_selection_of_a_disjunction_is_everything():
    assert selection_of(parse("WorkflowId = 'a' OR WorkflowId = 'b'")) == Selection()


def test_selection_of_between_and_single_value_in():
    q = parse("WorkflowId IN ('a') AND StartTime BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-01T00:00:10Z'")
    assert selection_of(q) == Selection(workflow_id="a", start_from=JAN1, start_to=JAN1 + 10)
