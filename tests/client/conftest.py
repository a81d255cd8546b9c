"""A client that reaches the engine over HTTP: the dev server in this process, on a free port,
over a time-skipping engine.

The compatibility tests imported into this folder get these fixtures instead of
tests/compat's: their ``client`` is ``Client.connect``'s, every call goes through the
HTTP API, and their Workers register with the engine behind the dev server.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from durable._client.client import Client
from durable._http.devserver import DevServer
from durable._http.remote import HttpTransport
from durable._local.environment import LocalRuntime
from durable.testing import WorkflowEnvironment

TEST_TIMEOUT_S = 30.0


class InProcessHttpTransport(HttpTransport):
    """The HTTP transport, plus the engine it reaches, so a Worker can register there."""

    def __init__(self, url: str, runtime: LocalRuntime) -> None:
        super().__init__(url)
        self.runtime = runtime


class RemoteEnvironment:
    """What the compat tests use of a WorkflowEnvironment, with the client over HTTP."""

    def __init__(self, env: WorkflowEnvironment, client: Client) -> None:
        self._env = env
        self.client = client
        self.supports_time_skipping = env.supports_time_skipping

    async def sleep(self, duration: Any) -> None:
        await self._env.sleep(duration)

    async def get_current_time(self) -> Any:
        return await self._env.get_current_time()


@pytest_asyncio.fixture(loop_scope="function")
async def env() -> AsyncIterator[RemoteEnvironment]:
    # Virtual time, as tests/compat's environment: the dev server's result route lets time
    # skip while a client waits for a result (LocalEngine.awaiting_result), as the local
    # client does, and env.sleep() skips it.
    local = await WorkflowEnvironment.start_time_skipping(backend="memory")
    # Not strict: a compat test may start a workflow before its Worker registers it.
    server = DevServer(local.runtime, port=0, strict=False).start()
    try:
        connected = await Client.connect(server.url)  # checks the server answers
        client = Client(InProcessHttpTransport(server.url, local.runtime))
        assert isinstance(connected._transport, HttpTransport)
        yield RemoteEnvironment(local, client)
    finally:
        server.stop()
        await local.shutdown()


@pytest_asyncio.fixture(loop_scope="function")
async def client(env: RemoteEnvironment) -> Client:
    return env.client


@pytest_asyncio.fixture(loop_scope="function")
async def pydantic_env(env: RemoteEnvironment) -> RemoteEnvironment:
    return env


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"


def _with_timeout(fn: Any) -> Any:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        async with asyncio.timeout(TEST_TIMEOUT_S):
            return await fn(*args, **kwargs)

    return wrapper


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and "tests/client" in str(item.path)
            and inspect.iscoroutinefunction(item.obj)
        ):
            item.obj = _with_timeout(item.obj)
