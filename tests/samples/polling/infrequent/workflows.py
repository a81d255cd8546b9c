# Ported from Temporal's samples (temporalio/samples-python): polling/infrequent/workflows.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's package -> tests.samples).
from datetime import timedelta

from durable import workflow
from durable.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from tests.samples.polling.infrequent.activities import compose_greeting
    from tests.samples.polling.test_service import ComposeGreetingInput


@workflow.defn
class GreetingWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            compose_greeting,
            ComposeGreetingInput("Hello", name),
            start_to_close_timeout=timedelta(seconds=2),
            retry_policy=RetryPolicy(
                backoff_coefficient=1.0,
                initial_interval=timedelta(seconds=60),
            ),
        )
