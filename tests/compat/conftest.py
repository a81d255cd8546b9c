"""Fixtures for the compatibility suite (backend chosen in sdk.py).

Tests are plain ``async def``. The asyncio marker is added here to every module of this
folder, so the suite runs under pytest-asyncio's strict mode as well as with
``asyncio_mode = "auto"`` configured elsewhere.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import sys
import uuid
from pathlib import Path

import pytest
import pytest_asyncio

_HERE = Path(__file__).parent
_ROOT = _HERE.parents[1]
if str(_ROOT) not in sys.path:  # so that `durable` imports without an installed package
    sys.path.insert(0, str(_ROOT))

from . import sdk  # noqa: E402


def pytest_collectstart(collector: pytest.Collector) -> None:
    # Marking the module (before its functions are collected) lets pytest-asyncio turn
    # its coroutine tests into asyncio tests; marking items later would be too late.
    if isinstance(collector, pytest.Module) and Path(collector.path).parent == _HERE:
        collector.add_marker(pytest.mark.asyncio)


def pytest_report_header(config: pytest.Config) -> str:
    return f"durable compat backend: {sdk.BACKEND}"


# Every test here takes about a second on real Temporal; a backend that hangs (a result
# that never comes) fails the one test instead of stalling the suite.
TEST_TIMEOUT_S = float(os.environ.get("DURABLE_COMPAT_TEST_TIMEOUT", "20"))


def _with_timeout(fn):
    @functools.wraps(fn)
    async def wrapper(*args, **kwargs):
        async with asyncio.timeout(TEST_TIMEOUT_S) as cm:
            try:
                return await fn(*args, **kwargs)
            except (TimeoutError, asyncio.CancelledError):
                if cm.expired():
                    pytest.fail(
                        f"timed out after {TEST_TIMEOUT_S:g} s (DURABLE_COMPAT_TEST_TIMEOUT)",
                        pytrace=False,
                    )
                raise

    return wrapper


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and Path(item.path).parent == _HERE
            and inspect.iscoroutinefunction(item.obj)
        ):
            item.obj = _with_timeout(item.obj)


@pytest_asyncio.fixture(loop_scope="function")
async def env():
    """A fresh time-skipping environment per test (the temporal one starts in ~0.1 s)."""
    e = await sdk.start_env()
    try:
        yield e
    finally:
        await e.shutdown()


@pytest_asyncio.fixture(loop_scope="function")
async def client(env):
    return env.client


@pytest_asyncio.fixture(loop_scope="function")
async def pydantic_env():
    """An environment whose client can carry pydantic models (see sdk.start_env)."""
    e = await sdk.start_env(pydantic=True)
    try:
        yield e
    finally:
        await e.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"
