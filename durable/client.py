"""Starting workflows and working with them: ``from durable.client import Client``."""

from durable._client import (
    AsyncActivityCancelledError,
    AsyncActivityHandle,
    Client,
    PendingActivityInfo,
    PendingActivityState,
    WorkflowContinuedAsNewError,
    WorkflowExecution,
    WorkflowExecutionAsyncIterator,
    WorkflowExecutionCount,
    WorkflowExecutionCountAggregationGroup,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowHistory,
    WorkflowQueryFailedError,
)

__all__ = [
    "AsyncActivityCancelledError",
    "AsyncActivityHandle",
    "Client",
    "PendingActivityInfo",
    "PendingActivityState",
    "WorkflowContinuedAsNewError",
    "WorkflowExecution",
    "WorkflowExecutionAsyncIterator",
    "WorkflowExecutionCount",
    "WorkflowExecutionCountAggregationGroup",
    "WorkflowExecutionDescription",
    "WorkflowExecutionStatus",
    "WorkflowFailureError",
    "WorkflowHandle",
    "WorkflowHistory",
    "WorkflowQueryFailedError",
]
