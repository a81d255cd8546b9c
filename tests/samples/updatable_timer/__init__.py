# Ported from Temporal's samples (temporalio/samples-python): updatable_timer/__init__.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Unchanged.
TASK_QUEUE = "updatable-timer"
