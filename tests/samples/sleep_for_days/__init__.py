# Ported from Temporal's samples (temporalio/samples-python): sleep_for_days/__init__.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Unchanged.
TASK_QUEUE = "sleep-for-days-task-queue"
