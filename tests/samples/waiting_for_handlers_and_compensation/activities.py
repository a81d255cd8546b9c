# Ported from Temporal's samples (temporalio/samples-python):
# message_passing/waiting_for_handlers_and_compensation/activities.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's package -> tests.samples).
import asyncio

from durable import activity


@activity.defn
async def activity_executed_by_update_handler():
    await asyncio.sleep(1)


@activity.defn
async def activity_executed_by_update_handler_to_perform_compensation():
    await asyncio.sleep(1)
