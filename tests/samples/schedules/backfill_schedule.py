# Ported from Temporal's samples (temporalio/samples-python): schedules/backfill_schedule.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's modules -> tests.samples.schedules).
import asyncio
from datetime import datetime, timedelta

from durable.client import Client, ScheduleBackfill, ScheduleOverlapPolicy
from durable.envconfig import ClientConfig


async def main():
    config = ClientConfig.load_client_connect_config()
    config.setdefault("target_host", "localhost:7233")
    client = await Client.connect(**config)

    handle = client.get_schedule_handle(
        "workflow-schedule-id",
    )
    now = datetime.utcnow()
    await handle.backfill(
        ScheduleBackfill(
            start_at=now - timedelta(minutes=10),
            end_at=now - timedelta(minutes=9),
            overlap=ScheduleOverlapPolicy.ALLOW_ALL,
        ),
    )


if __name__ == "__main__":
    asyncio.run(main())
