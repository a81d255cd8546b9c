# From Temporal's samples (temporalio/samples-python): message_passing/update_with_start/lazy_initialization/.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# The sample's package defines TASK_QUEUE here; its value is not at hand, so this one is ours.
TASK_QUEUE = "update-with-start-lazy-initialization"
