"""The HTTP API shows which builds ran a run (describe's ``build_ids`` and its ``BuildIds``
search attribute) and filters listings and counts by ``BuildIds``, as Temporal's list filter does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from durable._http.app import HttpApi
from durable._http.engine import Engine
from durable._local.environment import LocalRuntime

from .conftest import Caller
from .workflows import BrokenFirstTask, Failing


@pytest.fixture(params=["memory", "moto"])
def two_builds(request: pytest.FixtureRequest) -> Iterator[LocalRuntime]:
    runtime = LocalRuntime(backend=request.param, skipping=False)
    runtime.register("blue", [Failing, BrokenFirstTask], [], None, build_id="build-a")
    runtime.register("green", [Failing], [], None, build_id="build-b")
    try:
        yield runtime
    finally:
        runtime.shutdown()


@pytest.fixture
def call(two_builds: LocalRuntime, tmp_path: Path) -> Caller:
    return Caller(HttpApi(Engine(two_builds.control, two_builds.registry), ui_dir=tmp_path))


def listed(call: Caller, query: str) -> list[str]:
    reply = call("GET", "/api/v1/workflows", query={"query": query})
    assert reply.status == 200, reply.body
    return sorted(e["workflow_id"] for e in reply.body["executions"])


def test_describe_names_the_build_and_listings_filter_by_it(call):
    call.start("Failing", "on-a", "no", task_queue="blue")
    call.start("Failing", "on-b", "no", task_queue="green")
    call.result("on-a")
    call.result("on-b")

    described = call("GET", "/api/v1/workflows/on-a").body
    assert described["build_ids"] == ["build-a"]
    assert described["search_attributes"]["BuildIds"] == {
        "type": "KeywordList",
        "value": ["unversioned", "unversioned:build-a"],
    }
    assert listed(call, "BuildIds = 'unversioned:build-a'") == ["on-a"]
    assert listed(call, "BuildIds = 'unversioned:build-b'") == ["on-b"]
    assert listed(call, "BuildIds = 'unversioned'") == ["on-a", "on-b"]
    counted = call("GET", "/api/v1/workflow-counts", query={"query": "BuildIds = 'unversioned:build-b'"}).body
    assert counted == {"count": 1, "groups": []}


def test_a_run_has_no_build_until_a_workflow_task_completes(call):
    call.start("BrokenFirstTask", "not-yet", task_queue="blue")
    described = call("GET", "/api/v1/workflows/not-yet").body
    while described["task_failure"] is None:  # its first task failed: none completed
        described = call("GET", "/api/v1/workflows/not-yet").body
    assert described["build_ids"] == [] and "BuildIds" not in described["search_attributes"]
    assert listed(call, "BuildIds = 'unversioned'") == []
