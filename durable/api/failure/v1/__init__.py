"""temporalio's ``temporalio.api.failure.v1``: the ``Failure`` message an error carries.

``FailureError.failure`` is a :class:`Failure` for an error that crossed a boundary (an
activity's error in its workflow, a workflow's error at the client), read as temporalio
code reads the protobuf message: ``failure.stack_trace``, ``failure.cause``,
``failure.application_failure_info.type``, ``failure.HasField("cause")``,
``failure.WhichOneof("failure_info")``.
"""

from durable._failure_message import (
    ActivityFailureInfo,
    ApplicationFailureInfo,
    CanceledFailureInfo,
    ChildWorkflowExecutionFailureInfo,
    Failure,
    ServerFailureInfo,
    TerminatedFailureInfo,
    TimeoutFailureInfo,
)

__all__ = [
    "ActivityFailureInfo",
    "ApplicationFailureInfo",
    "CanceledFailureInfo",
    "ChildWorkflowExecutionFailureInfo",
    "Failure",
    "ServerFailureInfo",
    "TerminatedFailureInfo",
    "TimeoutFailureInfo",
]
