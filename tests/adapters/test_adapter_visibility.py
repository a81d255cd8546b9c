"""Listing contract: ExecutionStore.scan and the listing over it, on moto and in memory.

On moto the executions table has the stack's GSIs, so these tests also hold the index
choice (status, type, every run) and DynamoDB's paging to the in-memory behaviour.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from durable._aws.index_shards import shard_of
from durable._runtime.ports import ExecutionRecord, Selection
from durable._statuses import WorkflowExecutionStatus
from durable._visibility.listing import count_executions, list_executions
from durable._visibility.query import InvalidQuery, parse_datetime

T0 = parse_datetime("2024-01-01T00:00:00Z")


def run(workflow_id: str, start: float, **changes) -> ExecutionRecord:
    record = ExecutionRecord(
        workflow_id=workflow_id,
        run_id=changes.pop("run_id", "run-1"),
        workflow_type=changes.pop("workflow_type", "OrderWorkflow"),
        task_queue="orders",
        status=WorkflowExecutionStatus.RUNNING,
        start_time=T0 + start,
    )
    return dataclasses.replace(record, **changes)


@pytest.fixture
def store(backend):
    """Seven runs: types, statuses, search attributes, and an id with two runs."""
    store = backend.executions()
    store.create(run("o1", 10, search_attributes={"Tier": {"type": "Keyword", "value": "gold"}}))
    store.create(run("o2", 20, search_attributes={"Tier": {"type": "Keyword", "value": "silver"}}))
    store.create(run("o3", 30))
    store.close("o3", "run-1", WorkflowExecutionStatus.COMPLETED, T0 + 31, 9)
    store.create(run("p1", 40, workflow_type="PaymentWorkflow"))
    store.create(run("p2", 50, workflow_type="PaymentWorkflow"))
    store.close("p2", "run-1", WorkflowExecutionStatus.CONTINUED_AS_NEW, T0 + 55, 12)
    store.create(run("p2", 55, run_id="run-2", workflow_type="PaymentWorkflow"))
    store.create(run("o4", 60, search_attributes={"Count": {"type": "Int", "value": 3}}))
    store.set_visibility(
        "o4", "run-1", {"Count": {"type": "Int", "value": 4}, "Tier": {"type": "Keyword", "value": "gold"}}
    )
    store.record_heartbeat("o1#run-1", "act-1", 1, [], T0)  # not an execution: never listed
    return store


def ids(records) -> list[str]:
    return [f"{r.workflow_id}/{r.run_id}" for r in records]


def test_scan_every_run_newest_first_and_oldest_first(store):
    everything = ["o4/run-1", "p2/run-2", "p2/run-1", "p1/run-1", "o3/run-1", "o2/run-1", "o1/run-1"]
    assert ids(r for r, _ in store.scan(Selection())) == everything
    assert ids(r for r, _ in store.scan(Selection(ascending=True))) == everything[::-1]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (
            Selection(status=WorkflowExecutionStatus.RUNNING),
            ["o4/run-1", "p2/run-2", "p1/run-1", "o2/run-1", "o1/run-1"],
        ),
        (Selection(status=WorkflowExecutionStatus.CONTINUED_AS_NEW), ["p2/run-1"]),
        (Selection(workflow_type="PaymentWorkflow"), ["p2/run-2", "p2/run-1", "p1/run-1"]),
        (Selection(workflow_type="PaymentWorkflow", status=WorkflowExecutionStatus.RUNNING), ["p2/run-2", "p1/run-1"]),
        (Selection(workflow_id="p2"), ["p2/run-2", "p2/run-1"]),
        (Selection(workflow_id="p2", ascending=True), ["p2/run-1", "p2/run-2"]),
        (Selection(workflow_id="p2", status=WorkflowExecutionStatus.RUNNING), ["p2/run-2"]),
        (Selection(start_from=T0 + 20, start_to=T0 + 40), ["p1/run-1", "o3/run-1", "o2/run-1"]),
        (Selection(start_from=T0 + 50), ["o4/run-1", "p2/run-2", "p2/run-1"]),
        (Selection(status=WorkflowExecutionStatus.RUNNING, start_to=T0 + 20, ascending=True), ["o1/run-1", "o2/run-1"]),
        (Selection(workflow_id="nobody"), []),
    ],
)
def test_scan_selections(store, selection, expected):
    assert ids(r for r, _ in store.scan(selection)) == expected


@pytest.mark.parametrize(
    "selection",
    [Selection(), Selection(status=WorkflowExecutionStatus.RUNNING, ascending=True), Selection(workflow_id="p2")],
)
def test_scan_resumes_after_any_cursor(store, selection):
    whole = list(store.scan(selection, page_size=2))
    for i, (_, cursor) in enumerate(whole):
        assert ids(r for r, _ in store.scan(selection, after=cursor, page_size=2)) == ids(r for r, _ in whole[i + 1 :])


def test_set_visibility_replaces_the_attributes_of_the_current_run_only(store):
    assert store.get("o4").search_attributes == {
        "Count": {"type": "Int", "value": 4},
        "Tier": {"type": "Keyword", "value": "gold"},
    }
    store.set_visibility("p2", "run-1", {"Tier": {"type": "Keyword", "value": "stale"}})  # an earlier run
    store.set_visibility("ghost", "run-1", {"Tier": {"type": "Keyword", "value": "nobody"}})
    assert store.get("p2").search_attributes == {}
    store.set_visibility("o4", "run-1", {})
    assert store.get("o4").search_attributes == {}


def test_list_pages_through_matches_with_tokens(store):
    query = "ExecutionStatus = 'Running' OR Tier = 'gold'"
    seen, token, pages = [], None, 0
    while True:
        page = list_executions(store, query, page_size=2, next_page_token=token)
        seen += ids(page.executions)
        pages += 1
        token = page.next_page_token
        if token is None:
            break
    assert seen == ["o4/run-1", "p2/run-2", "p1/run-1", "o2/run-1", "o1/run-1"]
    assert pages == 3


def test_list_uses_the_whole_filter_beyond_the_index(store):
    page = list_executions(store, "WorkflowType = 'OrderWorkflow' AND Tier = 'gold' ORDER BY StartTime ASC")
    assert ids(page.executions) == ["o1/run-1", "o4/run-1"]
    assert page.next_page_token is None
    page = list_executions(store, "WorkflowId = 'p2' AND ExecutionStatus = 'ContinuedAsNew'")
    assert ids(page.executions) == ["p2/run-1"]
    page = list_executions(store, "StartTime > '2024-01-01T00:00:30Z' AND StartTime < '2024-01-01T00:00:55Z'")
    assert ids(page.executions) == ["p2/run-1", "p1/run-1"]
    page = list_executions(store, "CloseTime BETWEEN '2024-01-01T00:00:31Z' AND '2024-01-01T00:00:55Z'")
    assert ids(page.executions) == ["p2/run-1", "o3/run-1"]
    page = list_executions(store, "Count >= 4 AND Tier IS NOT NULL")
    assert ids(page.executions) == ["o4/run-1"]


def test_a_page_stops_after_examining_its_budget_and_carries_on(store):
    page = list_executions(store, "Tier = 'gold'", page_size=10, max_examined=3)
    assert ids(page.executions) == ["o4/run-1"]
    assert page.next_page_token is not None
    rest = list_executions(store, "Tier = 'gold'", page_size=10, next_page_token=page.next_page_token)
    assert ids(rest.executions) == ["o1/run-1"]


def test_a_token_of_another_query_or_a_forged_one_is_refused(store):
    token = list_executions(store, "ExecutionStatus = 'Running'", page_size=1).next_page_token
    assert token is not None
    with pytest.raises(InvalidQuery, match="belongs to a listing with another query"):
        list_executions(store, "ExecutionStatus = 'Completed'", next_page_token=token)
    with pytest.raises(InvalidQuery, match="invalid next_page_token"):
        list_executions(store, None, next_page_token=b"not a token")
    with pytest.raises(InvalidQuery, match="page_size"):
        list_executions(store, None, page_size=0)


def test_count_and_count_grouped_by_status(store):
    assert count_executions(store, None).count == 7
    assert count_executions(store, "WorkflowType = 'PaymentWorkflow'").count == 3
    grouped = count_executions(store, "WorkflowType = 'PaymentWorkflow' GROUP BY ExecutionStatus")
    assert (grouped.count, grouped.groups) == (3, {"RUNNING": 2, "CONTINUED_AS_NEW": 1})
    assert count_executions(store, "Tier = 'platinum'").count == 0


def test_many_runs_page_in_order_across_dynamodb_pages(backend):
    store = backend.executions()
    for i in range(25):
        store.create(run(f"w{i:02}", i, workflow_type="Bulk"))
    pages = [list_executions(store, "WorkflowType = 'Bulk' ORDER BY StartTime ASC", page_size=10)]
    while pages[-1].next_page_token:
        pages.append(
            list_executions(
                store,
                "WorkflowType = 'Bulk' ORDER BY StartTime ASC",
                page_size=10,
                next_page_token=pages[-1].next_page_token,
            )
        )
    got = [r.workflow_id for r in itertools.chain.from_iterable(p.executions for p in pages)]
    assert got == [f"w{i:02}" for i in range(25)]
    assert [len(p.executions) for p in pages] == [10, 10, 5]


def _pages(store, query: str, page_size: int) -> list[list[str]]:
    pages = [list_executions(store, query, page_size=page_size)]
    while pages[-1].next_page_token:
        pages.append(list_executions(store, query, page_size=page_size, next_page_token=pages[-1].next_page_token))
    return [[r.workflow_id for r in p.executions] for p in pages]


@pytest.mark.parametrize(
    "query",
    ["", "ExecutionStatus = 'Running'", "ExecutionStatus = 'Completed'", "WorkflowType = 'Bulk'"],
    ids=["every run", "running", "completed", "type"],
)
def test_runs_of_many_shards_list_in_start_order_across_pages_both_ways(backend, query):
    # On DynamoDB each index key is split into shards by workflow id: a listing reads them all
    # and merges them, so pages come out in the order one partition gave, tokens included.
    store = backend.executions()
    wids = [f"s{i:02}" for i in range(40)]
    assert len({shard_of(w) for w in wids}) >= 8  # the runs land in many shards
    for i, wid in enumerate(wids):
        store.create(run(wid, i, workflow_type="Bulk"))
        if i % 3 == 0:  # a close moves the run to its new status's shard
            store.close(wid, "run-1", WorkflowExecutionStatus.COMPLETED, T0 + i + 0.5, 3)
    expected = {
        "": wids,
        "ExecutionStatus = 'Running'": [w for i, w in enumerate(wids) if i % 3],
        "ExecutionStatus = 'Completed'": [w for i, w in enumerate(wids) if i % 3 == 0],
        "WorkflowType = 'Bulk'": wids,
    }[query]
    where = f"{query} " if query else ""

    newest_first = _pages(store, query, page_size=4)
    oldest_first = _pages(store, f"{where}ORDER BY StartTime ASC", page_size=7)

    assert [w for page in newest_first for w in page] == expected[::-1]
    assert all(len(page) == 4 for page in newest_first[:-1])
    assert [w for page in oldest_first for w in page] == expected
    assert all(len(page) == 7 for page in oldest_first[:-1])


class _RivalFirst:
    """A DynamoDB client whose first transaction lets a rival start commit just before it.

    moto is not thread-safe (a failed transaction restores a copy of every table, undoing
    writes made meanwhile by other threads), so the race is staged at the one moment that
    matters: after this start read the old run, before its transaction.
    """

    def __init__(self, client, rival) -> None:
        self._client, self._rival = client, rival

    def __getattr__(self, name):
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs):
        rival, self._rival = self._rival, None
        if rival is not None:
            rival()
        return self._client.transact_write_items(**kwargs)


def test_a_start_racing_another_over_a_closed_run_loses_and_the_old_run_is_kept_once(backend):
    from durable._aws.executions import DynamoExecutionStore
    from durable._runtime.ports import ExecutionAlreadyRunning

    store = backend.executions()
    store.create(run("race", 1))
    store.close("race", "run-1", WorkflowExecutionStatus.COMPLETED, T0 + 2, 4)
    rival = lambda: store.create(run("race", 10, run_id="run-rival"))  # noqa: E731
    if backend.name == "moto":
        racer = DynamoExecutionStore(store.table_name, _RivalFirst(backend.dynamodb, rival))
    else:  # the memory store decides under one lock: the rival can only come first
        racer = store
        rival()

    with pytest.raises(ExecutionAlreadyRunning) as raised:
        racer.create(run("race", 11, run_id="run-late"))

    assert raised.value.run_id == "run-rival"
    runs = [r for r, _ in store.scan(Selection(workflow_id="race"))]
    assert [(r.run_id, r.status) for r in runs] == [
        ("run-rival", WorkflowExecutionStatus.RUNNING),
        ("run-1", WorkflowExecutionStatus.COMPLETED),
    ]
