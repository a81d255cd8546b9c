"""The schedule tests of tests/workflows, with a client that speaks the HTTP API.

Temporal's time-skipping test server implements no schedule call, so the schedule tests
live in tests/workflows (on both local backends); here the same tests run with every
client call going through the dev server's schedule routes and back through the remote
transport (``Client.connect``'s), on a time-skipping engine: the server and the Workers
share its clock, so ``env.sleep`` skips hours as it does in process.
"""

# ruff: noqa: F401, F403
from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest_asyncio

from durable._client.client import Client
from durable._http.devserver import DevServer
from durable._http.remote import HttpTransport
from durable._local.environment import LocalRuntime
from durable.client import Schedule, ScheduleActionStartWorkflow, ScheduleOverlapPolicy, ScheduleSpec, ScheduleState
from durable.testing import WorkflowEnvironment
from tests.client.dropping_proxy import DroppingProxy
from tests.workflows.test_schedule_backfill import *
from tests.workflows.test_schedules import *


class _EngineSideHttpTransport(HttpTransport):
    """The HTTP transport, plus the engine behind the server, so a Worker registers there."""

    def __init__(self, url: str, runtime: LocalRuntime) -> None:
        super().__init__(url)
        self.runtime = runtime


class _HttpEnvironment:
    """What the schedule tests use of a WorkflowEnvironment, with the client over HTTP."""

    def __init__(self, env: WorkflowEnvironment, client: Client, url: str) -> None:
        self._env = env
        self.client = client
        self.url = url
        self.runtime = env.runtime
        self.supports_time_skipping = env.supports_time_skipping

    async def sleep(self, duration: timedelta | float) -> None:
        await self._env.sleep(duration)

    async def get_current_time(self) -> datetime:
        return await self._env.get_current_time()


@pytest_asyncio.fixture(loop_scope="function")
async def env() -> AsyncIterator[_HttpEnvironment]:
    local = await WorkflowEnvironment.start_time_skipping(backend=os.environ.get("DURABLE_TEST_BACKEND", "memory"))
    # Not strict: the tests start schedules before their Workers register the workflow.
    server = DevServer(local.runtime, port=0, strict=False).start()
    try:
        client = Client(_EngineSideHttpTransport(server.url, local.runtime))
        yield _HttpEnvironment(local, client, server.url)
    finally:
        server.stop()
        await local.shutdown()


async def test_a_trigger_whose_answer_was_lost_is_sent_again_and_takes_one_action(env):
    action = ScheduleActionStartWorkflow("Job", 60, id="lost", task_queue="sched")
    handle = await env.client.create_schedule(
        "lost-answer", Schedule(action=action, spec=ScheduleSpec(), state=ScheduleState(paused=True))
    )
    parts = urlsplit(env.url)
    assert parts.hostname is not None and parts.port is not None
    with DroppingProxy((parts.hostname, parts.port), lambda line: line.endswith("/trigger HTTP/1.1")) as proxy:
        remote = Client(HttpTransport(proxy.url, retry_backoff=0.01))
        await remote.get_schedule_handle("lost-answer").trigger(overlap=ScheduleOverlapPolicy.ALLOW_ALL)
    assert proxy.dropped == ["POST /api/v1/schedules/lost-answer/trigger HTTP/1.1"]
    assert proxy.requests.count(proxy.dropped[0]) == 2  # sent, answer lost, sent again
    info = (await handle.describe()).info
    assert (info.num_actions, info.num_actions_skipped_overlap) == (1, 0)
