"""Workflow tests run on the local backends: moto (the default), in-memory, and the SQLite file of
``durable dev --db-filename`` (a scratch file per test)."""

from __future__ import annotations

import pytest

from durable.testing import WorkflowEnvironment


@pytest.fixture(params=["memory", "moto", "sqlite"])
async def env(request: pytest.FixtureRequest):
    async with await WorkflowEnvironment.start_time_skipping(backend=request.param) as e:
        yield e
