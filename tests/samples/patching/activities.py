# Ported from Temporal's samples (temporalio/samples-python): patching/activities.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable; the sample's package -> tests.samples).
from durable import activity


@activity.defn
async def pre_patch_activity() -> str:
    return "pre-patch"


@activity.defn
async def post_patch_activity() -> str:
    return "post-patch"
