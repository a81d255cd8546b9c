# Ported from Temporal's samples (temporalio/samples-python): replay/replayer.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's package -> tests.samples).
import asyncio

from durable.client import Client
from durable.envconfig import ClientConfigProfile
from durable.worker import Replayer

from tests.samples.replay.worker import JustActivity, JustTimer, TimerThenActivity


async def main():
    # Connect client
    config = ClientConfigProfile.load()
    config["address"] = "localhost:7233"
    client = await Client.connect(**config.to_client_connect_config())

    # Fetch the histories of the workflows to be replayed
    workflows = client.list_workflows('WorkflowId="replayer-workflow-id"')
    histories = workflows.map_histories()
    replayer = Replayer(workflows=[JustActivity, JustTimer, TimerThenActivity])
    results = await replayer.replay_workflows(histories, raise_on_replay_failure=False)
    print(results)


if __name__ == "__main__":
    asyncio.run(main())
