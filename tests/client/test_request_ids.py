"""Retries change nothing: a start, signal, cancel or terminate sent again with its request id
is applied once, in process, over the HTTP API, and through a connection that drops answers."""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest

from durable import workflow
from durable._client.client import Client
from durable._client.transport import StartWorkflowInput
from durable._converter import encode_args
from durable._http.remote import HttpTransport
from durable._runtime.control import Control, InvalidRequestId
from durable.client import WorkflowExecutionStatus, WorkflowFailureError
from durable.exceptions import CancelledError, TerminatedError
from durable.service import RPCError, RPCStatusCode
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.client.dropping_proxy import DroppingProxy


@workflow.defn
class Collector:
    """Collects signalled items until it has ``n`` of them."""

    def __init__(self) -> None:
        self.items: list[str] = []

    @workflow.run
    async def run(self, n: int) -> list[str]:
        await workflow.wait_condition(lambda: len(self.items) >= n)
        return self.items

    @workflow.signal
    def add(self, item: str) -> None:
        self.items.append(item)

    @workflow.query
    def collected(self) -> list[str]:
        return self.items


def _start(workflow_id: str, n: int, **options: Any) -> StartWorkflowInput:
    return StartWorkflowInput(
        workflow_type="Collector", workflow_id=workflow_id, task_queue="collect", args=encode_args([n]), **options
    )


class QueueThatForgot:
    """The inbox once SQS's deduplication window has passed: every message gets through."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.sent = 0

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        self.sent += 1
        self._inner.send(body, group_id=group_id, dedup_id=f"{dedup_id}-later"[-128:])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def _runs_of(client: Client, workflow_id: str) -> int:
    return (await client.count_workflows(f"WorkflowId = '{workflow_id}'")).count


# -- in process ------------------------------------------------------------------------------


async def test_a_signal_sent_again_with_its_request_id_is_applied_once_even_after_the_queues_dedup_window() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        transport = env.client._transport
        async with Worker(env.client, task_queue="collect", workflows=[Collector]):
            await transport.start(_start("sig-once", 2))
            handle = env.client.get_workflow_handle("sig-once")
            await transport.signal("sig-once", None, "add", encode_args(["a"]), request_id="req-a")
            await transport.signal("sig-once", None, "add", encode_args(["a"]), request_id="req-a")
            assert await handle.query(Collector.collected) == ["a"]
            # Past SQS FIFO's five minutes of deduplication the repeat reaches the run: its
            # history still knows the id.
            services = env.runtime.backend.services
            later = Control(
                dataclasses.replace(services, inbox=QueueThatForgot(services.inbox)), env.runtime.orchestrator
            )
            later.signal("sig-once", None, "add", encode_args(["a"]), request_id="req-a")
            assert await handle.query(Collector.collected) == ["a"]
            assert later.services.inbox.sent == 1  # type: ignore[attr-defined]
            await transport.signal("sig-once", None, "add", encode_args(["b"]), request_id="req-b")
            assert await handle.result() == ["a", "b"]
            # The run closed after applying req-b: its repeat succeeds, a new signal does not.
            await transport.signal("sig-once", None, "add", encode_args(["b"]), request_id="req-b")
            with pytest.raises(RPCError, match="already completed"):
                await transport.signal("sig-once", None, "add", encode_args(["c"]), request_id="req-c")


async def test_a_start_sent_again_with_its_request_id_after_the_run_completed_answers_with_that_run() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        transport = env.client._transport
        async with Worker(env.client, task_queue="collect", workflows=[Collector]):
            first = (await transport.start(_start("start-once", 0, request_id="start-1"))).run_id
            assert await env.client.get_workflow_handle("start-once").result() == []
            again = (await transport.start(_start("start-once", 0, request_id="start-1"))).run_id
            assert again == first
            assert await _runs_of(env.client, "start-once") == 1
            # Another start (another request id) of the closed id starts a new run, as ALLOW_DUPLICATE says.
            other = (await transport.start(_start("start-once", 0, request_id="start-2"))).run_id
            assert other != first
            assert await _runs_of(env.client, "start-once") == 2


async def test_a_start_or_signal_with_start_repeated_while_its_run_runs_changes_nothing() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        transport = env.client._transport
        async with Worker(env.client, task_queue="collect", workflows=[Collector]):
            first = (await transport.start(_start("running", 3, request_id="run-1"))).run_id
            # Not WorkflowAlreadyStartedError: it is the same start.
            assert (await transport.start(_start("running", 3, request_id="run-1"))).run_id == first
            with_signal: dict[str, Any] = {"start_signal": "add", "start_signal_args": encode_args(["s"])}
            for _ in range(2):  # signal-with-start on the running run: the signal lands once
                again = (await transport.start(_start("running", 3, request_id="sws-1", **with_signal))).run_id
                assert again == first
            handle = env.client.get_workflow_handle("running")
            assert await handle.query(Collector.collected) == ["s"]
            assert await _runs_of(env.client, "running") == 1


async def test_cancel_and_terminate_sent_again_with_their_request_ids_succeed_without_doing_more() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        transport = env.client._transport
        async with Worker(env.client, task_queue="collect", workflows=[Collector]):
            await transport.start(_start("to-cancel", 1))
            await transport.cancel("to-cancel", None, request_id="cancel-1")
            with pytest.raises(WorkflowFailureError) as failed:
                await env.client.get_workflow_handle("to-cancel").result()
            assert isinstance(failed.value.cause, CancelledError)
            await transport.cancel("to-cancel", None, request_id="cancel-1")  # the run closed on it: a no-op
            with pytest.raises(RPCError, match="already completed"):
                await transport.cancel("to-cancel", None, request_id="cancel-2")

            await transport.start(_start("to-terminate", 1))
            await transport.terminate("to-terminate", None, "enough", [], request_id="term-1")
            await transport.terminate("to-terminate", None, "enough", [], request_id="term-1")
            with pytest.raises(RPCError, match="already completed"):
                await transport.terminate("to-terminate", None, "enough", [], request_id="term-2")
            history = (await env.client.get_workflow_handle("to-terminate").fetch_history()).events
            assert [e["event_type"] for e in history].count("WorkflowExecutionTerminated") == 1


async def test_a_request_id_that_cannot_be_a_deduplication_id_is_refused_with_what_to_use() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        transport = env.client._transport
        async with Worker(env.client, task_queue="collect", workflows=[Collector]):
            await transport.start(_start("bad-ids", 1))
            for bad in ("has space", "é", "x" * 129, ""):
                with pytest.raises(InvalidRequestId, match="use a UUID"):
                    await transport.signal("bad-ids", None, "add", encode_args(["a"]), request_id=bad)
            with pytest.raises(InvalidRequestId):
                await transport.start(_start("bad-ids-2", 1, request_id="a b"))
            assert await env.client.get_workflow_handle("bad-ids").query(Collector.collected) == []


# -- over the HTTP API -------------------------------------------------------------------------


def _post(base: str, path: str, body: dict[str, Any], key: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(
        f"{base}/api/v1{path}", data=json.dumps(body).encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _base(client: Client) -> str:
    transport = client._transport
    assert isinstance(transport, HttpTransport)
    return transport.target.base_url


async def test_the_api_applies_a_signal_once_per_idempotency_key_or_body_request_id(client, task_queue) -> None:
    base = _base(client)
    async with Worker(client, task_queue=task_queue, workflows=[Collector]):
        handle = await client.start_workflow(Collector.run, 3, id="api-sig", task_queue=task_queue)
        for _ in range(2):
            status, _ = _post(base, "/workflows/api-sig/signals/add", {"input": ["a"]}, key="key-a")
            assert status == 202
        for _ in range(2):
            status, _ = _post(base, "/workflows/api-sig/signals/add", {"input": ["b"], "request_id": "key-b"})
            assert status == 202
        assert await handle.query(Collector.collected) == ["a", "b"]
        status, reply = _post(
            base, "/workflows/api-sig/signals/add", {"input": ["c"], "request_id": "one"}, key="another"
        )
        assert (status, reply["error"]["field"]) == (400, "request_id")
        status, reply = _post(base, "/workflows/api-sig/signals/add", {"input": ["c"]}, key="not valid")
        assert (status, reply["error"]["field"]) == (400, "Idempotency-Key")
        assert "use a UUID" in reply["error"]["message"]
        status, reply = _post(base, "/workflows/api-sig/signals/add", {"input": ["c"], "request_id": "x" * 129})
        assert (status, reply["error"]["field"]) == (400, "request_id")
        await handle.signal(Collector.add, "c")
        assert await handle.result() == ["a", "b", "c"]


async def test_the_api_answers_a_repeated_start_with_the_run_it_made_even_after_it_completed(
    client, task_queue
) -> None:
    base = _base(client)
    body = {"workflow_type": "Collector", "workflow_id": "api-start", "task_queue": task_queue, "input": [0]}
    async with Worker(client, task_queue=task_queue, workflows=[Collector]):
        status, first = _post(base, "/workflows", body, key="start-key")
        assert status == 201
        assert await client.get_workflow_handle("api-start").result() == []
        status, again = _post(base, "/workflows", body, key="start-key")
        assert (status, again["run_id"]) == (201, first["run_id"])
        status, again = _post(base, "/workflows", {**body, "request_id": "start-key"})
        assert (status, again["run_id"]) == (201, first["run_id"])
        assert await _runs_of(client, "api-start") == 1


# -- the remote client through a connection that drops answers --------------------------------


def _proxied(client: Client, drop: Any, times: int = 1) -> DroppingProxy:
    parts = urlsplit(_base(client))
    assert parts.hostname is not None and parts.port is not None
    return DroppingProxy((parts.hostname, parts.port), drop, times=times)


async def test_the_remote_client_retries_a_signal_whose_answer_was_lost_and_it_is_applied_once(
    client, task_queue
) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Collector]):
        handle = await client.start_workflow(Collector.run, 2, id="drop-sig", task_queue=task_queue)
        with _proxied(client, lambda line: "/signals/" in line) as proxy:
            remote = Client(HttpTransport(proxy.url, retry_backoff=0.01))
            await remote.get_workflow_handle("drop-sig").signal(Collector.add, "a")
        assert proxy.dropped == ["POST /api/v1/workflows/drop-sig/signals/add HTTP/1.1"]
        assert proxy.requests.count(proxy.dropped[0]) == 2  # sent, answer lost, sent again
        assert await handle.query(Collector.collected) == ["a"]
        await handle.signal(Collector.add, "b")
        assert await handle.result() == ["a", "b"]


async def test_the_remote_client_retries_a_start_whose_answer_was_lost_and_one_run_is_made(client, task_queue) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Collector]):
        with _proxied(client, lambda line: line.startswith("POST /api/v1/workflows ")) as proxy:
            remote = Client(HttpTransport(proxy.url, retry_backoff=0.01))
            handle = await remote.start_workflow(Collector.run, 0, id="drop-start", task_queue=task_queue)
            assert await handle.result() == []
        assert len(proxy.dropped) == 1
        assert await _runs_of(client, "drop-start") == 1
        assert handle.result_run_id == (await client.get_workflow_handle("drop-start").describe()).run_id


async def test_the_remote_client_retries_a_terminate_whose_answer_was_lost_without_an_error(client, task_queue) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Collector]):
        handle = await client.start_workflow(Collector.run, 1, id="drop-term", task_queue=task_queue)
        with _proxied(client, lambda line: "/terminate" in line) as proxy:
            remote = Client(HttpTransport(proxy.url, retry_backoff=0.01))
            await remote.get_workflow_handle("drop-term").terminate(reason="enough")
        assert len(proxy.dropped) == 1
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
        assert isinstance(failed.value.cause, TerminatedError)
        assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED


async def test_the_remote_client_does_not_retry_a_4xx_and_gives_up_on_a_dead_address(client) -> None:
    with _proxied(client, lambda line: False) as proxy:
        remote = Client(HttpTransport(proxy.url, retry_backoff=0.01))
        with pytest.raises(RPCError) as raised:
            await remote.get_workflow_handle("no-such-workflow").signal("add", "a")
        assert raised.value.status == RPCStatusCode.NOT_FOUND
        assert len(proxy.requests) == 1
        dead = proxy.url
    # The proxy's port is closed now: every attempt is refused.
    remote = Client(HttpTransport(dead, retries=2, retry_backoff=0.01))
    with pytest.raises(RPCError) as raised:
        await remote.get_workflow_handle("x").signal("add", "a")
    assert raised.value.status == RPCStatusCode.UNAVAILABLE
    assert "after 3 attempts" in str(raised.value)
