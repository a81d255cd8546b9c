"""The README's "Work longer than 15 minutes" example, run as written: its python block is
imported as a module, its workflow run on every local backend under time skipping, with the
task queue's function timeout of a deployment (15 minutes) in force."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import re
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest

from durable.deployment import TaskQueueConfig
from durable.testing import ActivityEnvironment
from durable.worker import Worker

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    section = README.read_text().split("### Work longer than 15 minutes", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None, "the section has a python block"
    path = tmp_path_factory.mktemp("readme") / "readme_long_work.py"
    path.write_text(code.group(1))
    spec = importlib.util.spec_from_file_location("readme_long_work", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_long_work"] = module  # the sandbox imports the workflow's module by name
    spec.loader.exec_module(module)
    return module


async def test_the_readme_example_resizes_then_completes_the_transcode_from_another_worker(env, example):
    env.runtime.registry.configure("media", TaskQueueConfig(function_timeout=timedelta(minutes=15)))
    async with Worker(
        env.client,
        task_queue="media",
        workflows=[example.PublishVideo],
        activities=[example.resize_images, example.transcode],
    ):
        handle = await env.client.start_workflow(
            example.PublishVideo.run, args=["intro.mov", ["a.png", "b.png", "c.png"]], id="publish", task_queue="media"
        )
        await asyncio.wait_for(example.transcoding_worker(env.client), timeout=30)
        assert await handle.result() == "intro.mov.mp4 with 3 thumbnails"


async def test_a_resize_attempt_starts_where_the_last_heartbeat_left_off(example):
    activity_env = ActivityEnvironment()
    beats: list[int] = []
    activity_env.on_heartbeat = lambda *details: beats.append(details[0])
    activity_env.info = dataclasses.replace(activity_env.info, heartbeat_details=[2])
    assert await activity_env.run(example.resize_images, ["a", "b", "c", "d"]) == 4
    assert beats == [3, 4]  # items 0 and 1 were done by the attempt before
