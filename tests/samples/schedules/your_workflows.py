# Ported from Temporal's samples (temporalio/samples-python): schedules/your_workflows.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's modules -> tests.samples.schedules).
from datetime import timedelta

from durable import workflow
from tests.samples.schedules.your_dataobject import YourParams

with workflow.unsafe.imports_passed_through():
    from tests.samples.schedules.your_activities import your_activity


@workflow.defn
class YourSchedulesWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            your_activity,
            YourParams("Hello", name),
            start_to_close_timeout=timedelta(seconds=10),
        )
