# Ported from Temporal's samples (temporalio/samples-python): schedules/describe_schedule.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's modules -> tests.samples.schedules).
import asyncio

from durable.client import Client
from durable.envconfig import ClientConfigProfile


async def main():
    config_dict = ClientConfigProfile.load().to_dict()
    config_dict.setdefault("address", "localhost:7233")
    config = ClientConfigProfile.from_dict(config_dict)
    client = await Client.connect(**config.to_client_connect_config())

    handle = client.get_schedule_handle(
        "workflow-schedule-id",
    )

    desc = await handle.describe()

    print(f"Returns the note: {desc.schedule.state.note}")


if __name__ == "__main__":
    asyncio.run(main())
