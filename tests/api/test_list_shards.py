"""The list route over DynamoDB's write-sharded listing indexes (moto): pages in start order.

The executions table's listing indexes split each key into shards by workflow id
(``durable._aws.index_shards``); the route's pages, tokens included, must come out as one
partition gave them. The other API tests run in memory, where there are no shards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from durable._aws.index_shards import shard_of
from durable._http.app import HttpApi
from durable._http.engine import Engine
from durable._local.environment import LocalRuntime

from .conftest import Caller
from .workflows import ACTIVITIES, TASK_QUEUE, WORKFLOWS

WORKFLOW_IDS = [f"shard-mail-{i:02}" for i in range(18)]


@pytest.fixture
def moto_call(ui_dir: Path) -> Iterator[Caller]:
    runtime = LocalRuntime(backend="moto", skipping=False)
    runtime.register(TASK_QUEUE, WORKFLOWS, ACTIVITIES, None)
    try:
        yield Caller(HttpApi(Engine(runtime.control, runtime.registry), ui_dir=ui_dir))
    finally:
        runtime.shutdown()


def _pages(call: Caller, **query: str) -> list[list[str]]:
    pages: list[list[str]] = []
    token = None
    while True:
        body = call("GET", "/api/v1/workflows", query={**query, **({"next_page_token": token} if token else {})}).body
        pages.append([e["workflow_id"] for e in body["executions"]])
        token = body["next_page_token"]
        if token is None:
            return pages


def test_the_list_route_pages_runs_of_many_shards_in_start_order_with_tokens(moto_call):
    assert len({shard_of(w) for w in WORKFLOW_IDS}) >= 6  # the runs land in many shards
    for wid in WORKFLOW_IDS:  # each start is later than the one before (the order is by start time)
        assert moto_call.start("Mailbox", wid, "hi").status == 201

    oldest_first = _pages(moto_call, query="WorkflowType = 'Mailbox' ORDER BY StartTime ASC", page_size="5")
    running = _pages(moto_call, status="RUNNING", page_size="4")

    assert [w for page in oldest_first for w in page] == WORKFLOW_IDS
    assert [len(page) for page in oldest_first][:3] == [5, 5, 5]
    assert [w for page in running for w in page if w.startswith("shard-mail")] == WORKFLOW_IDS[::-1]
