# Ported from Temporal's samples (temporalio/samples-python): polling/infrequent/activities.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's package -> tests.samples).
from durable import activity

from tests.samples.polling.test_service import ComposeGreetingInput, get_service_result


@activity.defn
async def compose_greeting(input: ComposeGreetingInput) -> str:
    # If this raises an exception because it's not done yet, the activity will
    # continually be scheduled for retry
    return await get_service_result(input)
