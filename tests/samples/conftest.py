"""The samples' own fixtures (their tests/conftest.py), on durable: ``env`` is a time-skipping
WorkflowEnvironment (in-memory, or moto with DURABLE_TEST_BACKEND=moto), ``client`` its client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from durable.client import Client
from durable.testing import WorkflowEnvironment


@pytest_asyncio.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping()
    yield env
    await env.shutdown()


@pytest_asyncio.fixture
async def client(env: WorkflowEnvironment) -> Client:
    return env.client
