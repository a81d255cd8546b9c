"""``env``: a time-skipping WorkflowEnvironment (in-memory, or moto with
DURABLE_TEST_BACKEND=moto); ``client``: its client.

Every test here has a time limit: one that hangs (a result that never comes) fails
instead of stalling the suite."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from durable.client import Client
from durable.testing import WorkflowEnvironment

# The slowest test here takes a few seconds on moto; a minute is a hang, not a slow machine.
TEST_TIMEOUT_S = 60.0
_HERE = Path(__file__).parent


def _with_timeout(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        async with asyncio.timeout(TEST_TIMEOUT_S) as limit:
            try:
                return await fn(*args, **kwargs)
            except (TimeoutError, asyncio.CancelledError):
                if limit.expired():
                    pytest.fail(f"timed out after {TEST_TIMEOUT_S:g} s", pytrace=False)
                raise

    return wrapper


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function) and item.path.parent == _HERE and inspect.iscoroutinefunction(item.obj):
            item.obj = _with_timeout(item.obj)


@pytest_asyncio.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping()
    yield environment
    await environment.shutdown()


@pytest_asyncio.fixture
async def client(env: WorkflowEnvironment) -> Client:
    return env.client
