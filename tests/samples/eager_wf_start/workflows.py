# Ported from Temporal's samples (temporalio/samples-python): eager_wf_start/workflows.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's package -> tests.samples).
from datetime import timedelta

from durable import workflow

with workflow.unsafe.imports_passed_through():
    from tests.samples.eager_wf_start.activities import greeting


@workflow.defn
class EagerWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_local_activity(
            greeting, name, schedule_to_close_timeout=timedelta(seconds=5)
        )
