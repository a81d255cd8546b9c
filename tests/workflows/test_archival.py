"""Retention and archival end to end: a run closes, it is archived, the clock moves past the
retention, its table items are gone (swept as DynamoDB's TTL deletes them), and the run still
reads back the same from the archive: through the library, the HTTP API and the CLI, on both
local backends.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from durable import activity, workflow
from durable._client.client import Client
from durable._http.devserver import DevServer
from durable._http.remote import HttpTransport
from durable._local.environment import LocalRuntime
from durable._runtime.ports import ExecutionNotFound
from durable._runtime.services import execution_key
from durable.cli import main
from durable.client import WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

TASK_QUEUE = "archival"
DAY = 24 * 3600.0


@activity.defn
async def shout(text: str) -> str:
    return text.upper()


@workflow.defn
class Archived:
    @workflow.run
    async def run(self, text: str) -> str:
        loud = await workflow.execute_activity(shout, text, start_to_close_timeout=timedelta(seconds=10))
        await workflow.sleep(60)
        return loud


@pytest.fixture(params=["memory", "moto", "sqlite"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    runtime = LocalRuntime(backend=request.param, skipping=True, archival=True, retention_days=1)
    async with WorkflowEnvironment(runtime) as e:
        yield e


def cli(address: str, *args: str) -> Any:
    out, err = io.StringIO(), io.StringIO()
    code = main(["workflow", *args, "--address", address, "--json"], out=out, err=err)
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


async def test_an_expired_run_reads_back_the_same_from_the_archive(env: WorkflowEnvironment) -> None:
    runtime = env.runtime
    workflow_id = f"archived-{uuid.uuid4()}"
    server = DevServer(runtime, port=0).start()
    try:
        async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Archived], activities=[shout]):
            handle = await env.client.start_workflow(Archived.run, "hi", id=workflow_id, task_queue=TASK_QUEUE)
            assert await handle.result() == "HI"
        remote = Client(HttpTransport(server.url))
        before = await handle.fetch_history()
        described = await handle.describe()
        cli_before = await asyncio.to_thread(cli, server.url, "show", "--workflow-id", workflow_id)
        # Over HTTP, event times travel as RFC 3339 (microseconds): compared with what HTTP gave before.
        remote_before = await remote.get_workflow_handle(workflow_id).fetch_history()
        assert len(remote_before.events) == len(before.events)

        # Still in the tables: the archive already has the very same run.
        cli_archived = await asyncio.to_thread(cli, server.url, "show", "--workflow-id", workflow_id, "--archived")
        assert cli_archived == cli_before

        await env.sleep(timedelta(days=2))  # past the retention: the sweep deletes what the TTL would

        services = runtime.backend.services
        with pytest.raises(ExecutionNotFound):
            services.executions.get(workflow_id)
        assert services.history.load(execution_key(workflow_id, handle.result_run_id or "")) == []
        live = [e.id async for e in env.client.list_workflows(f"WorkflowId = '{workflow_id}'")]
        assert live == []

        after = await env.client.get_workflow_handle(workflow_id).fetch_history()
        assert after.events == before.events
        assert after.to_json() == before.to_json()
        again = await env.client.get_workflow_handle(workflow_id).describe()
        assert (again.status, again.run_id, again.close_time) == (
            WorkflowExecutionStatus.COMPLETED,
            described.run_id,
            described.close_time,
        )
        assert (await remote.get_workflow_handle(workflow_id).fetch_history()).events == remote_before.events
        assert (await remote.get_workflow_handle(workflow_id).describe()).status == WorkflowExecutionStatus.COMPLETED

        assert await asyncio.to_thread(cli, server.url, "show", "--workflow-id", workflow_id) == cli_before
        assert (
            await asyncio.to_thread(cli, server.url, "show", "--workflow-id", workflow_id, "--archived") == cli_before
        )
        detail = await asyncio.to_thread(cli, server.url, "describe", "--workflow-id", workflow_id, "--archived")
        assert (detail["status"], detail["result"], detail["input"]) == ("COMPLETED", "HI", ["hi"])
        listed = await asyncio.to_thread(
            cli,
            server.url,
            "list",
            "--archived",
            "--query",
            f"WorkflowId = '{workflow_id}' AND WorkflowType = 'Archived'",
        )
        assert [(e["workflow_id"], e["status"]) for e in listed] == [(workflow_id, "COMPLETED")]
        other = await asyncio.to_thread(cli, server.url, "list", "--archived", "--query", "WorkflowType = 'Other'")
        assert other == []
    finally:
        server.stop()
