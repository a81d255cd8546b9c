# Ported from Temporal's samples (temporalio/samples-python):
# message_passing/waiting_for_handlers_and_compensation/__init__.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Unchanged.
from dataclasses import dataclass
from enum import IntEnum

TASK_QUEUE = "my-task-queue"
WORKFLOW_ID = "my-workflow-id"


class WorkflowExitType(IntEnum):
    SUCCESS = 0
    FAILURE = 1
    CANCELLATION = 2
    CONTINUE_AS_NEW = 3


@dataclass
class WorkflowInput:
    exit_type: WorkflowExitType
