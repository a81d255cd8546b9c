"""What the HTTP client must carry unchanged: histories, descriptions, errors."""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from datetime import timedelta
from typing import Any

import pytest

from durable import activity, workflow
from durable._http.devserver import DevServer
from durable.client import Client, WorkflowFailureError
from durable.common import RetryPolicy
from durable.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from durable.testing import WorkflowEnvironment
from durable.worker import Replayer, Worker


@activity.defn
async def shout(text: str) -> str:
    if text == "fail":
        raise ApplicationError("refused", {"why": "policy"}, type="Refused", non_retryable=True)
    return text.upper()


@workflow.defn
class Shouter:
    @workflow.run
    async def run(self, words: list[str]) -> list[str]:
        out = []
        for w in words:
            out.append(
                await workflow.execute_activity(
                    shout, w, start_to_close_timeout=timedelta(seconds=5), retry_policy=RetryPolicy(maximum_attempts=1)
                )
            )
        return out


async def test_history_over_http_is_the_engines_and_replays(env, client, task_queue):
    async with Worker(client, task_queue=task_queue, workflows=[Shouter], activities=[shout]):
        handle = await client.start_workflow(Shouter.run, ["a", "b"], id="remote-hist", task_queue=task_queue)
        assert await handle.result() == ["A", "B"]
        remote = await handle.fetch_history()
    _, local = env._env.runtime.control.history("remote-hist", None)
    assert [e["event_type"] for e in remote.events] == [e["event_type"] for e in local]
    assert [e["attributes"] for e in remote.events] == [e["attributes"] for e in local]
    assert all(abs(r["event_time"] - e["event_time"]) < 1e-5 for r, e in zip(remote.events, local, strict=True))
    await Replayer(workflows=[Shouter]).replay_workflow(remote)


async def test_failures_keep_their_chain_and_details(client, task_queue):
    async with Worker(client, task_queue=task_queue, workflows=[Shouter], activities=[shout]):
        handle = await client.start_workflow(Shouter.run, ["fail"], id="remote-fail", task_queue=task_queue)
        with pytest.raises(WorkflowFailureError) as raised:
            await handle.result()
    activity_error = raised.value.cause
    assert isinstance(activity_error, ActivityError)
    app = activity_error.cause
    assert isinstance(app, ApplicationError)
    assert (app.type, app.message, list(app.details), app.non_retryable) == (
        "Refused",
        "refused",
        [{"why": "policy"}],
        True,
    )


async def test_already_started_names_the_running_run(client, task_queue):
    async with Worker(client, task_queue=task_queue, workflows=[Shouter], activities=[shout]):
        first = await client.start_workflow(Shouter.run, [], id="remote-dup", task_queue=task_queue)
        await first.result()
        from durable.common import WorkflowIDReusePolicy

        with pytest.raises(WorkflowAlreadyStartedError) as raised:
            await client.start_workflow(
                Shouter.run,
                [],
                id="remote-dup",
                task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
    assert raised.value.run_id == first.result_run_id
    assert raised.value.workflow_id == "remote-dup" and raised.value.workflow_type == "Shouter"


async def test_list_and_count_over_http(client, task_queue):
    async with Worker(client, task_queue=task_queue, workflows=[Shouter], activities=[shout]):
        for i in range(3):
            await (
                await client.start_workflow(Shouter.run, ["x"], id=f"remote-list-{i}", task_queue=task_queue)
            ).result()
        listed = [w.id async for w in client.list_workflows("WorkflowId STARTS_WITH 'remote-list-'", page_size=2)]
        assert listed == ["remote-list-2", "remote-list-1", "remote-list-0"]
        counted = await client.count_workflows("WorkflowType = 'Shouter'")
        assert counted.count == 3
        from durable.service import RPCError, RPCStatusCode

        with pytest.raises(RPCError) as raised:
            [w async for w in client.list_workflows("WorkflowType =")]
        assert raised.value.status == RPCStatusCode.INVALID_ARGUMENT


@workflow.defn
class Counter:
    def __init__(self) -> None:
        self.count = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.count >= 2)
        return self.count

    @workflow.signal
    def bump(self) -> None:
        self.count += 1

    @workflow.query
    def current(self) -> int:
        return self.count

    @workflow.update
    def add(self, n: int) -> int:
        self.count += n
        return self.count


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url) as answer:
        return json.load(answer)


async def test_the_api_s_describe_lists_the_handlers_and_both_clients_describe_as_temporalio_does():
    # The handlers are the API's (and the web UI's): temporalio's description has no such field.
    local = await WorkflowEnvironment.start_time_skipping(backend=os.environ.get("DURABLE_TEST_BACKEND", "memory"))
    server = DevServer(local.runtime, port=0).start()  # strict: it has the registry, which knows the handlers
    try:
        remote = await Client.connect(server.url)
        async with Worker(local.client, task_queue="handlers", workflows=[Counter]):
            await remote.start_workflow(Counter.run, id="counted", task_queue="handlers")
            detail = await asyncio.to_thread(_get_json, f"{server.url}/api/v1/workflows/counted")
            over_http = await remote.get_workflow_handle("counted").describe()
            in_process = await local.client.get_workflow_handle("counted").describe()
    finally:
        server.stop()
        await local.shutdown()
    assert detail["handlers"] == {"queries": ["current"], "signals": ["bump"], "updates": ["add"], "dynamic": []}
    for described in (over_http, in_process):
        assert (described.id, described.workflow_type, described.run_id) == ("counted", "Counter", detail["run_id"])
        assert not hasattr(described, "handlers")
