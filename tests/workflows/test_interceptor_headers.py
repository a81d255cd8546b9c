"""Interceptor headers where temporalio's test server cannot show a real server's behaviour
(see tests/compat/test_interceptors.py), on both backends:

- a workflow's signal to its child and to another workflow carries the headers its outbound
  interceptor attached to the receiver's ``handle_signal``, as a real server hands them on;
- the headers are kept in the history: replayed from scratch (``Replayer``), the run's
  inbound interceptors see the start's, the signal's and the update's headers again, with
  nothing new from the client.
"""

from __future__ import annotations

import uuid
from typing import Any

from durable import workflow
from durable._converter import payload_converter
from durable.api.common.v1 import Payload
from durable.client import Client, Interceptor, OutboundInterceptor
from durable.worker import (
    Interceptor as WorkerInterceptor,
)
from durable.worker import (
    Replayer,
    Worker,
    WorkflowInboundInterceptor,
    WorkflowOutboundInterceptor,
)

HEADER = "test-header"
SEEN: list[tuple[str, str, Any]] = []


def _record(where: str, name: str, headers: Any) -> None:
    if HEADER in headers:
        SEEN.append((where, name, payload_converter.from_payload(headers[HEADER])))


def _with(headers: Any, value: str) -> dict[str, Any]:
    return {**headers, HEADER: payload_converter.to_payload(value)}


class _Outbound(WorkflowOutboundInterceptor):
    async def signal_child_workflow(self, input: Any) -> None:
        input.headers = _with(input.headers, f"child-signal:{input.signal}")
        await super().signal_child_workflow(input)

    async def signal_external_workflow(self, input: Any) -> None:
        input.headers = _with(input.headers, f"external-signal:{input.signal}")
        await super().signal_external_workflow(input)


class _Inbound(WorkflowInboundInterceptor):
    def init(self, outbound: Any) -> None:
        super().init(_Outbound(outbound))

    async def execute_workflow(self, input: Any) -> Any:
        _record("execute_workflow", workflow.info().workflow_type, input.headers)
        return await super().execute_workflow(input)

    async def handle_signal(self, input: Any) -> None:
        _record("handle_signal", input.signal, input.headers)
        await super().handle_signal(input)

    async def handle_update_handler(self, input: Any) -> Any:
        _record("handle_update_handler", input.update, input.headers)
        return await super().handle_update_handler(input)


class Recorder(WorkerInterceptor):
    def workflow_interceptor_class(self, input: Any) -> Any:
        return _Inbound


class _ClientOutbound(OutboundInterceptor):
    async def start_workflow(self, input: Any) -> Any:
        input.headers = _with(input.headers, "client:start")
        return await super().start_workflow(input)

    async def signal_workflow(self, input: Any) -> None:
        input.headers = _with(input.headers, "client:signal")
        await super().signal_workflow(input)

    async def start_workflow_update(self, input: Any) -> Any:
        input.headers = _with(input.headers, "client:update")
        return await super().start_workflow_update(input)


class ClientHeaders(Interceptor):
    def intercept_client(self, next: Any) -> Any:
        return _ClientOutbound(next)


@workflow.defn
class Pinger:
    def __init__(self) -> None:
        self.pinged = False

    @workflow.run
    async def run(self, parent_id: str) -> None:
        await workflow.wait_condition(lambda: self.pinged)
        await workflow.get_external_workflow_handle(parent_id).signal(Parent.pong)

    @workflow.signal
    def ping(self) -> None:
        self.pinged = True


@workflow.defn
class Parent:
    def __init__(self) -> None:
        self.ponged = False
        self.released = False
        self.notes: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        child = await workflow.start_child_workflow(
            Pinger.run, workflow.info().workflow_id, id=f"{workflow.info().workflow_id}-pinger"
        )
        await child.signal(Pinger.ping)
        await child
        await workflow.wait_condition(lambda: self.ponged and self.released)
        return self.notes

    @workflow.signal
    def pong(self) -> None:
        self.ponged = True

    @workflow.signal
    def release(self) -> None:
        self.released = True

    @workflow.update
    def note(self, text: str) -> int:
        self.notes.append(text)
        return len(self.notes)


def _client(env: Any) -> Client:
    config = env.client.config()
    config["interceptors"] = [ClientHeaders()]
    return Client(**config)


async def test_a_workflows_signals_to_a_child_and_to_another_workflow_carry_its_headers(env) -> None:
    SEEN.clear()
    client = _client(env)
    task_queue = f"headers-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[Parent, Pinger], interceptors=[Recorder()]):
        handle = await client.start_workflow(Parent.run, id=f"parent-{uuid.uuid4()}", task_queue=task_queue)
        await handle.signal(Parent.release)
        assert await handle.result() == []
    assert ("handle_signal", "ping", "child-signal:ping") in SEEN
    assert ("handle_signal", "pong", "external-signal:pong") in SEEN
    assert ("handle_signal", "release", "client:signal") in SEEN


async def test_a_run_replayed_from_its_history_hands_the_same_headers_to_its_interceptors(env) -> None:
    client = _client(env)
    task_queue = f"headers-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[Parent, Pinger], interceptors=[Recorder()]):
        handle = await client.start_workflow(Parent.run, id=f"parent-{uuid.uuid4()}", task_queue=task_queue)
        assert await handle.execute_update(Parent.note, "hi") == 1
        await handle.signal(Parent.release)
        assert await handle.result() == ["hi"]
        history = await handle.fetch_history()
    SEEN.clear()
    await Replayer(workflows=[Parent, Pinger], interceptors=[Recorder()]).replay_workflow(history)
    assert ("execute_workflow", "Parent", "client:start") in SEEN
    assert ("handle_update_handler", "note", "client:update") in SEEN
    assert ("handle_signal", "release", "client:signal") in SEEN
    assert ("handle_signal", "pong", "external-signal:pong") in SEEN


RAW = Payload(metadata={"encoding": b"binary/plain", "key-id": b"k1"}, data=b"\x00\xffsecret")
RAW_SEEN: list[Any] = []


class _RawInbound(WorkflowInboundInterceptor):
    async def execute_workflow(self, input: Any) -> Any:
        RAW_SEEN.append(input.headers.get("raw"))
        return await super().execute_workflow(input)


class RawRecorder(WorkerInterceptor):
    def workflow_interceptor_class(self, input: Any) -> Any:
        return _RawInbound


class _RawStart(OutboundInterceptor):
    async def start_workflow(self, input: Any) -> Any:
        input.headers = {**input.headers, "raw": RAW}
        return await super().start_workflow(input)


class RawHeaders(Interceptor):
    def intercept_client(self, next: Any) -> Any:
        return _RawStart(next)


@workflow.defn
class Quiet:
    @workflow.run
    async def run(self) -> str:
        return "done"


async def test_a_header_that_is_not_json_reaches_the_interceptors_with_its_metadata_and_bytes(env) -> None:
    RAW_SEEN.clear()
    config = env.client.config()
    config["interceptors"] = [RawHeaders()]
    client = Client(**config)
    task_queue = f"raw-headers-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[Quiet], interceptors=[RawRecorder()]):
        handle = await client.start_workflow(Quiet.run, id=f"quiet-{uuid.uuid4()}", task_queue=task_queue)
        assert await handle.result() == "done"
        history = await handle.fetch_history()
    assert RAW_SEEN == [RAW]
    RAW_SEEN.clear()
    await Replayer(workflows=[Quiet], interceptors=[RawRecorder()]).replay_workflow(history)
    assert RAW_SEEN == [RAW]
