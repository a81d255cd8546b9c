"""Workflow tests run on both local backends: moto (the default) and in-memory."""

from __future__ import annotations

import pytest

from durable.testing import WorkflowEnvironment


@pytest.fixture(params=["memory", "moto"])
async def env(request: pytest.FixtureRequest):
    async with await WorkflowEnvironment.start_time_skipping(backend=request.param) as e:
        yield e
