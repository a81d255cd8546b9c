# The sample patching of Temporal's samples (temporalio/samples-python): a workflow changed in four
# stages (initial, patched, patch deprecated, patch complete), each stage's worker answering
# queries of the workflows the stage before started, by replaying them with its own code. The
# sample has no test; ours walks the README's stages with the sample's own starter.py (run as its
# command line, `--start-workflow ID` / `--query-workflow ID`), which loads its connection with
# envconfig (ClientConfig.load_client_connect_config, target_host "localhost:7233") and so talks
# HTTP to a dev server in this process on port 7233, in front of the time-skipping engine the
# stage's Worker polls.
import importlib
import sys

import pytest
from durable._http.devserver import DevServer
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

from tests.samples.patching.activities import post_patch_activity, pre_patch_activity
from tests.samples.patching.starter import main

STAGES = {
    "initial": "workflow_1_initial",
    "patched": "workflow_2_patched",
    "patch-deprecated": "workflow_3_patch_deprecated",
    "patch-complete": "workflow_4_patch_complete",
}


def worker_for(env: WorkflowEnvironment, stage: str) -> Worker:
    """What the sample's `worker.py --workflow <stage>` runs."""
    workflow = importlib.import_module(f"tests.samples.patching.{STAGES[stage]}").MyWorkflow
    return Worker(env.client, task_queue="patching-task-queue", workflows=[workflow], activities=[pre_patch_activity, post_patch_activity])


@pytest.fixture
def starter(env: WorkflowEnvironment, monkeypatch, capsys):
    """`starter.py <args>`: its main() as the command line runs it; what it printed."""
    server = DevServer(env.runtime, port=7233).start()

    async def run(*args: str) -> str:
        monkeypatch.setattr(sys, "argv", ["starter.py", *args])
        await main()
        return capsys.readouterr().out.strip()

    yield run
    server.stop()


async def test_the_four_stages_of_the_readme(env: WorkflowEnvironment, starter):
    # Stage 1 - Initial code
    async with worker_for(env, "initial"):
        started = await starter("--start-workflow", "initial-workflow-id")
        assert started.startswith("Started workflow with ID initial-workflow-id and run ID ")
        await env.client.get_workflow_handle("initial-workflow-id").result()
        assert await starter("--query-workflow", "initial-workflow-id") == "Query result for ID initial-workflow-id: pre-patch"

    # Stage 2 - Patch the workflow: the old run keeps its old path, a new run takes the new one
    async with worker_for(env, "patched"):
        await starter("--start-workflow", "patched-workflow-id")
        await env.client.get_workflow_handle("patched-workflow-id").result()
        assert await starter("--query-workflow", "initial-workflow-id") == "Query result for ID initial-workflow-id: pre-patch"
        assert await starter("--query-workflow", "patched-workflow-id") == "Query result for ID patched-workflow-id: post-patch"

    # Stage 3 - Deprecation
    async with worker_for(env, "patch-deprecated"):
        await starter("--start-workflow", "patch-deprecated-workflow-id")
        await env.client.get_workflow_handle("patch-deprecated-workflow-id").result()
        assert await starter("--query-workflow", "patched-workflow-id") == "Query result for ID patched-workflow-id: post-patch"
        assert (
            await starter("--query-workflow", "patch-deprecated-workflow-id")
            == "Query result for ID patch-deprecated-workflow-id: post-patch"
        )

    # Stage 4 - Patch complete
    async with worker_for(env, "patch-complete"):
        await starter("--start-workflow", "patch-complete-workflow-id")
        await env.client.get_workflow_handle("patch-complete-workflow-id").result()
        assert (
            await starter("--query-workflow", "patch-deprecated-workflow-id")
            == "Query result for ID patch-deprecated-workflow-id: post-patch"
        )
        assert (
            await starter("--query-workflow", "patch-complete-workflow-id")
            == "Query result for ID patch-complete-workflow-id: post-patch"
        )
