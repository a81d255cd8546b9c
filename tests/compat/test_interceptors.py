"""temporalio's interceptors: headers a client or a workflow attaches reach the other side.

A client interceptor puts a header on each start, signal, query and update; the worker's
workflow inbound interceptor records what arrives with ``execute_workflow`` and the
``handle_*`` calls. The workflow's outbound interceptor puts one on each activity, local
activity, child, signal to a child or another workflow and continue-as-new; the activity
inbound interceptor and the children's inbound interceptors record those.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, NoReturn

from . import sdk
from .sdk import activity, workflow

HEADER = "test-header"
SEEN: list[tuple[str, str, Any]] = []
"""(what was called, on which name, the header's value): what the inbound interceptors saw."""


def _record(where: str, name: str, headers: Any) -> None:
    if HEADER in headers:
        SEEN.append((where, name, sdk.header_value(headers[HEADER])))


def _with_header(headers: Any, value: str) -> dict[str, Any]:
    return {**headers, HEADER: sdk.header_payload(value)}


# -- client side ------------------------------------------------------------------------------


class _ClientOutbound(sdk.client_module.OutboundInterceptor):
    async def start_workflow(self, input: Any) -> Any:
        input.headers = _with_header(input.headers, "client:start")
        return await super().start_workflow(input)

    async def signal_workflow(self, input: Any) -> None:
        input.headers = _with_header(input.headers, "client:signal")
        await super().signal_workflow(input)

    async def query_workflow(self, input: Any) -> Any:
        input.headers = _with_header(input.headers, "client:query")
        return await super().query_workflow(input)

    async def start_workflow_update(self, input: Any) -> Any:
        input.headers = _with_header(input.headers, "client:update")
        return await super().start_workflow_update(input)

    async def start_update_with_start_workflow(self, input: Any) -> Any:
        input.start_workflow_input.headers = _with_header(input.start_workflow_input.headers, "client:uws-start")
        input.update_workflow_input.headers = _with_header(input.update_workflow_input.headers, "client:uws-update")
        return await super().start_update_with_start_workflow(input)


class ClientHeaders(sdk.client_module.Interceptor):
    def intercept_client(self, next: Any) -> Any:
        return _ClientOutbound(next)


# -- worker side ------------------------------------------------------------------------------


class _WorkflowOutbound(sdk.worker_module.WorkflowOutboundInterceptor):
    def start_activity(self, input: Any) -> Any:
        input.headers = _with_header(input.headers, f"workflow:activity:{input.activity}")
        return super().start_activity(input)

    def start_local_activity(self, input: Any) -> Any:
        input.headers = _with_header(input.headers, f"workflow:local-activity:{input.activity}")
        return super().start_local_activity(input)

    async def start_child_workflow(self, input: Any) -> Any:
        input.headers = _with_header(input.headers, f"workflow:child:{input.workflow}")
        return await super().start_child_workflow(input)

    async def signal_child_workflow(self, input: Any) -> None:
        input.headers = _with_header(input.headers, f"workflow:child-signal:{input.signal}")
        await super().signal_child_workflow(input)

    async def signal_external_workflow(self, input: Any) -> None:
        input.headers = _with_header(input.headers, f"workflow:external-signal:{input.signal}")
        await super().signal_external_workflow(input)

    def continue_as_new(self, input: Any) -> NoReturn:
        input.headers = _with_header(input.headers, "workflow:continue-as-new")
        super().continue_as_new(input)

    def info(self) -> Any:
        info = super().info()
        SEEN.append(("workflow_outbound.info", info.workflow_type, None))
        return info


class _WorkflowInbound(sdk.worker_module.WorkflowInboundInterceptor):
    def init(self, outbound: Any) -> None:
        super().init(_WorkflowOutbound(outbound))

    async def execute_workflow(self, input: Any) -> Any:
        _record("execute_workflow", workflow.info().workflow_type, input.headers)
        _record("info.headers", workflow.info().workflow_type, workflow.info().headers)
        return await super().execute_workflow(input)

    async def handle_signal(self, input: Any) -> None:
        _record("handle_signal", input.signal, input.headers)
        await super().handle_signal(input)

    async def handle_query(self, input: Any) -> Any:
        _record("handle_query", input.query, input.headers)
        return await super().handle_query(input)

    def handle_update_validator(self, input: Any) -> None:
        _record("handle_update_validator", input.update, input.headers)
        super().handle_update_validator(input)

    async def handle_update_handler(self, input: Any) -> Any:
        _record("handle_update_handler", input.update, input.headers)
        return await super().handle_update_handler(input)


class _ActivityOutbound(sdk.worker_module.ActivityOutboundInterceptor):
    def info(self) -> Any:
        info = super().info()
        SEEN.append(("activity_outbound.info", info.activity_type, None))
        return info

    def heartbeat(self, *details: Any) -> None:
        SEEN.append(("activity_outbound.heartbeat", "", details))
        super().heartbeat(*details)


class _ActivityInbound(sdk.worker_module.ActivityInboundInterceptor):
    def init(self, outbound: Any) -> None:
        super().init(_ActivityOutbound(outbound))

    async def execute_activity(self, input: Any) -> Any:
        _record("execute_activity", activity.info().activity_type, input.headers)
        return await super().execute_activity(input)


class WorkerRecorder(sdk.worker_module.Interceptor):
    def intercept_activity(self, next: Any) -> Any:
        return _ActivityInbound(next)

    def workflow_interceptor_class(self, input: Any) -> Any:
        return _WorkflowInbound


class ClientAndWorker(ClientHeaders, WorkerRecorder):
    """Both at once: given to the client only, it applies to the client's workers too."""


# -- workflows --------------------------------------------------------------------------------


@activity.defn
async def greet(name: str) -> str:
    activity.heartbeat("greeting", name)
    return f"hello {name}"


@workflow.defn
class Child:
    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self, parent_id: str, continued: bool) -> str:
        if not continued:
            await workflow.wait_condition(lambda: self.go)
            workflow.continue_as_new(args=[parent_id, True])
        await workflow.get_external_workflow_handle(parent_id).signal(Greeter.child_done)
        return "child done"

    @workflow.signal
    def start(self) -> None:
        self.go = True


@workflow.defn
class Greeter:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.finished = False
        self.child_finished = False

    @workflow.run
    async def run(self, name: str) -> list[str]:
        await workflow.wait_condition(lambda: self.finished)
        remote = await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=10))
        local = await workflow.execute_local_activity(greet, name, start_to_close_timeout=timedelta(seconds=10))
        child = await workflow.start_child_workflow(
            Child.run, args=[workflow.info().workflow_id, False], id=f"{workflow.info().workflow_id}-child"
        )
        await child.signal(Child.start)
        done = await child
        await workflow.wait_condition(lambda: self.child_finished)
        return [remote, local, done, *self.names]

    @workflow.signal
    def finish(self) -> None:
        self.finished = True

    @workflow.signal
    def child_done(self) -> None:
        self.child_finished = True

    @workflow.query
    def names_so_far(self) -> list[str]:
        return list(self.names)

    @workflow.update
    def add(self, name: str) -> int:
        self.names.append(name)
        return len(self.names)

    @add.validator
    def check_add(self, name: str) -> None:
        if not name:
            raise ValueError("a name")


# -- tests ------------------------------------------------------------------------------------


async def _run_greeter(client: Any, task_queue: str) -> list[str]:
    handle = await client.start_workflow(Greeter.run, "ada", id=f"greeter-{uuid.uuid4()}", task_queue=task_queue)
    assert await handle.execute_update(Greeter.add, "grace") == 1
    assert await handle.query(Greeter.names_so_far) == ["grace"]
    await handle.signal(Greeter.finish)
    return await handle.result()  # type: ignore[no-any-return]


def _client_with(client: Any, interceptors: list[Any]) -> Any:
    config = client.config()
    config["interceptors"] = interceptors
    return type(client)(**config)


async def test_headers_from_the_client_and_from_the_workflow_reach_the_inbound_interceptors(client, task_queue):
    SEEN.clear()
    client = _client_with(client, [ClientHeaders()])
    worker = sdk.new_worker(
        client,
        task_queue=task_queue,
        workflows=[Greeter, Child],
        activities=[greet],
        interceptors=[WorkerRecorder()],
    )
    async with worker:
        assert await _run_greeter(client, task_queue) == ["hello ada", "hello ada", "child done", "grace"]
    seen = set(SEEN)
    # From the client, with each kind of call.
    assert ("execute_workflow", "Greeter", "client:start") in seen
    assert ("info.headers", "Greeter", "client:start") in seen
    assert ("handle_update_validator", "add", "client:update") in seen
    assert ("handle_update_handler", "add", "client:update") in seen
    assert ("handle_query", "names_so_far", "client:query") in seen
    assert ("handle_signal", "finish", "client:signal") in seen
    # From the workflow, with what it starts and signals.
    assert ("execute_activity", "greet", "workflow:activity:greet") in seen
    assert ("execute_activity", "greet", "workflow:local-activity:greet") in seen
    assert ("execute_workflow", "Child", "workflow:child:Child") in seen
    assert ("execute_workflow", "Child", "workflow:continue-as-new") in seen
    # What workflow and activity code call goes through the outbound interceptors.
    assert ("workflow_outbound.info", "Greeter", None) in seen
    assert ("activity_outbound.info", "greet", None) in seen
    assert ("activity_outbound.heartbeat", "", ("greeting", "ada")) in seen
    # The headers of a workflow's signals to a child or another workflow reach a real server's
    # receiver, not the Java test server's: tests/workflows/test_interceptor_headers.py.


async def test_a_client_interceptor_that_is_also_a_worker_interceptor_applies_to_the_clients_workers(
    client, task_queue
):
    SEEN.clear()
    client = _client_with(client, [ClientAndWorker()])
    assert [type(i) for i in client.config()["interceptors"]] == [ClientAndWorker]
    async with sdk.new_worker(client, task_queue=task_queue, workflows=[Greeter, Child], activities=[greet]):
        await _run_greeter(client, task_queue)
    seen = set(SEEN)
    assert ("execute_workflow", "Greeter", "client:start") in seen
    assert ("execute_activity", "greet", "workflow:activity:greet") in seen


async def test_update_with_start_carries_the_start_and_the_update_headers(client, task_queue):
    SEEN.clear()
    client = _client_with(client, [ClientHeaders()])
    async with sdk.new_worker(
        client, task_queue=task_queue, workflows=[Greeter, Child], interceptors=[WorkerRecorder()]
    ):
        op = sdk.WithStartWorkflowOperation(
            Greeter.run,
            "ada",
            id=f"greeter-{uuid.uuid4()}",
            task_queue=task_queue,
            id_conflict_policy=sdk.common.WorkflowIDConflictPolicy.FAIL,
        )
        assert await client.execute_update_with_start_workflow(Greeter.add, "grace", start_workflow_operation=op) == 1
        handle = await op.workflow_handle()
        await handle.terminate()
    seen = set(SEEN)
    assert ("execute_workflow", "Greeter", "client:uws-start") in seen
    assert ("handle_update_handler", "add", "client:uws-update") in seen
