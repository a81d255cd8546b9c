# Ported from Temporal's samples (temporalio/samples-python): eager_wf_start/activities.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's package -> tests.samples).
from durable import activity


@activity.defn()
async def greeting(name: str) -> str:
    return f"Hello {name}!"
