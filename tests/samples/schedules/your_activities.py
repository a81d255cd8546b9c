# Ported from Temporal's samples (temporalio/samples-python): schedules/your_activities.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's modules -> tests.samples.schedules).
from durable import activity

from tests.samples.schedules.your_dataobject import YourParams


@activity.defn
async def your_activity(input: YourParams) -> str:
    return f"{input.greeting}, {input.name}!"
