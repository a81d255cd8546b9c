# Ported from Temporal's samples (temporalio/samples-python): patching/starter.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's package -> tests.samples).
import argparse
import asyncio
from pathlib import Path

from durable.client import Client
from durable.envconfig import ClientConfig

# Since it's just used for typing purposes, it doesn't matter which one we
# import
from tests.samples.patching.workflow_1_initial import MyWorkflow


async def main():
    parser = argparse.ArgumentParser(description="Run worker")
    parser.add_argument("--start-workflow", help="Start workflow with this ID")
    parser.add_argument("--query-workflow", help="Query workflow with this ID")
    args = parser.parse_args()
    if not args.start_workflow and not args.query_workflow:
        raise RuntimeError("Either --start-workflow or --query-workflow is required")

    # Connect client
    # Get repo root - 1 level deep from root
    repo_root = Path(__file__).resolve().parent.parent
    config_file = repo_root / "temporal.toml"
    config = ClientConfig.load_client_connect_config(config_file=str(config_file))
    config["target_host"] = "localhost:7233"
    client = await Client.connect(**config)

    if args.start_workflow:
        handle = await client.start_workflow(
            MyWorkflow.run, id=args.start_workflow, task_queue="patching-task-queue"
        )
        print(f"Started workflow with ID {handle.id} and run ID {handle.result_run_id}")
    if args.query_workflow:
        handle = client.get_workflow_handle_for(MyWorkflow.run, args.query_workflow)
        result = await handle.query(MyWorkflow.result)
        print(f"Query result for ID {handle.id}: {result}")


if __name__ == "__main__":
    asyncio.run(main())
