"""``env``: a time-skipping WorkflowEnvironment (in-memory, or moto with
DURABLE_TEST_BACKEND=moto); ``client``: its client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from durable.client import Client
from durable.testing import WorkflowEnvironment


@pytest_asyncio.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping()
    yield environment
    await environment.shutdown()


@pytest_asyncio.fixture
async def client(env: WorkflowEnvironment) -> Client:
    return env.client
