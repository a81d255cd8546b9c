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

import pytest_asyncio

from durable._client.client import Client
from durable._http.devserver import DevServer
from durable._http.remote import HttpTransport
from durable._local.environment import LocalRuntime
from durable.testing import WorkflowEnvironment
from tests.workflows.test_schedule_backfill import *
from tests.workflows.test_schedules import *


class _EngineSideHttpTransport(HttpTransport):
    """The HTTP transport, plus the engine behind the server, so a Worker registers there."""

    def __init__(self, url: str, runtime: LocalRuntime) -> None:
        super().__init__(url)
        self.runtime = runtime


class _HttpEnvironment:
    """What the schedule tests use of a WorkflowEnvironment, with the client over HTTP."""

    def __init__(self, env: WorkflowEnvironment, client: Client) -> None:
        self._env = env
        self.client = client
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
        yield _HttpEnvironment(local, client)
    finally:
        server.stop()
        await local.shutdown()
