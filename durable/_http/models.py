"""Request and response bodies of the HTTP API (the OpenAPI document is generated from them)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from durable._limits import MAX_ID_BYTES
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

__all__ = [
    "ActivityPause",
    "ActivityCompleteRequest",
    "ActivityFailRequest",
    "ActivityHeartbeatRequest",
    "ActivityHeartbeatResponse",
    "CancelRequest",
    "Empty",
    "ErrorBody",
    "ErrorDetail",
    "CountGroup",
    "DeadLetter",
    "DeadLetterList",
    "DeadLetterQueue",
    "ExecutionCount",
    "ExecutionDetail",
    "ExecutionList",
    "ExecutionSummary",
    "Failure",
    "History",
    "HistoryEvent",
    "PendingActivity",
    "QueryRequest",
    "QueryResponse",
    "RedriveRequest",
    "RedriveResponse",
    "RedriveResult",
    "ResetRequest",
    "ResetResponse",
    "ResultResponse",
    "SearchAttribute",
    "SignalRequest",
    "StartRequest",
    "StartResponse",
    "Status",
    "StartOptions",
    "TerminateRequest",
    "UpdateFailure",
    "UpdateRequest",
    "UpdateResponse",
    "UpdateResult",
    "UpdateStage",
    "UpdateWithStart",
    "WorkflowHandlers",
]

Status = Literal["RUNNING", "COMPLETED", "FAILED", "CANCELED", "TERMINATED", "CONTINUED_AS_NEW", "TIMED_OUT"]
ReusePolicy = Literal[tuple(p.name for p in WorkflowIDReusePolicy)]  # type: ignore[valid-type]
ConflictPolicy = Literal[tuple(p.name for p in WorkflowIDConflictPolicy)]  # type: ignore[valid-type]


def _id_bytes(value: str | None) -> str | None:
    # Characters are not the limit: AWS's keys count bytes of UTF-8.
    if value is not None and len(value.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        raise ValueError(
            f"at most {MAX_ID_BYTES} bytes of UTF-8 (this one is {len(value.encode('utf-8', 'surrogatepass'))})"
        )
    return value


IdText = Annotated[
    str, AfterValidator(_id_bytes), Field(min_length=1, description=f"at most {MAX_ID_BYTES} bytes of UTF-8")
]
RunIdText = Annotated[str | None, AfterValidator(_id_bytes)]


class _Request(BaseModel):
    # An unknown field is a mistake the caller wants to hear about, not a silent drop.
    model_config = ConfigDict(extra="forbid")


def _request_id() -> Any:
    return Field(
        default=None,
        pattern=r"^[!-~]{1,128}$",
        description="makes the request idempotent: sent again with the same id (1 to 128 printable ASCII "
        "characters, no spaces; a UUID is best), it changes nothing more. The `Idempotency-Key` header does the same",
    )


class ErrorDetail(BaseModel):
    """What went wrong, and which field to fix."""

    code: str = Field(description="short snake_case code, e.g. `execution_not_found`, `already_started`")
    message: str = Field(description="what to fix")
    field: str | None = Field(default=None, description="the body, path or query field at fault")
    run_id: str | None = Field(default=None, description="`already_started`: the run that holds the id")
    failure: Failure | None = Field(default=None, description="`query_failed`: how the query handler failed")


class ErrorBody(BaseModel):
    """Every 4xx response."""

    error: ErrorDetail


class Failure(BaseModel):
    """How something failed, after Temporal's Failure: the kind's own fields (``application``,
    ``timeout``, ``canceled``, ``terminated``, ``activity``, ``child_workflow``, ``server``)
    come beside the common ones, with their details as JSON values."""

    model_config = ConfigDict(extra="allow")

    message: str
    type: str | None = Field(default=None, description="the application error type or the failure's class")
    stack_trace: str | None = None
    cause: Failure | None = None


class SearchAttribute(BaseModel):
    """A search attribute's type (Keyword, Text, Int, Double, Bool, Datetime, KeywordList) and value."""

    type: str
    value: Any


class StartOptions(_Request):
    """What every start carries: the workflow, its input, and what is kept with the run."""

    workflow_type: str = Field(
        min_length=1, description="the workflow's name (``@workflow.defn(name=...)`` or its class name)"
    )
    task_queue: str = Field(min_length=1)
    input: list[Any] = Field(default_factory=list, description="the run method's arguments, as JSON values")
    id_reuse_policy: ReusePolicy = "ALLOW_DUPLICATE"  # type: ignore[valid-type]
    cron_schedule: str = Field(default="", description="a cron expression: runs at each tick (UTC unless `CRON_TZ=`)")
    memo: dict[str, Any] | None = Field(
        default=None,
        description="values kept with the run by key, as JSON values (`workflow.memo()`, describe, listings)",
    )
    search_attributes: dict[str, SearchAttribute] | None = Field(
        default=None,
        description='typed search attributes that list filters match: name -> `{"type": "Keyword", '
        '"value": "gold"}` (types Keyword, Text, Int, Double, Bool, Datetime as RFC 3339, KeywordList)',
    )
    execution_timeout_seconds: float | None = Field(
        default=None,
        gt=0,
        description="the whole chain of runs (continue-as-new, retries, cron runs) closes TIMED_OUT by then",
    )
    run_timeout_seconds: float | None = Field(
        default=None, gt=0, description="each run closes TIMED_OUT after this long (the execution timeout by default)"
    )
    task_timeout_seconds: float | None = Field(
        default=None, gt=0, description="shown as `workflow.info().task_timeout` (10 seconds by default)"
    )
    static_summary: str | None = Field(
        default=None, description="a fixed one-line summary of the run (describe shows it)"
    )
    static_details: str | None = Field(default=None, description="fixed details of the run (describe shows them)")
    headers: dict[str, Any] | None = Field(
        default=None,
        description="what the caller's interceptors attach (header name -> JSON value), handed to the "
        "workflow's inbound interceptors (temporalio's headers)",
    )


class StartRequest(StartOptions):
    """Start a workflow execution."""

    workflow_id: IdText
    id_conflict_policy: ConflictPolicy = "FAIL"  # type: ignore[valid-type]
    start_signal: str | None = Field(default=None, description="signal-with-start: a signal delivered first")
    start_signal_input: list[Any] = Field(default_factory=list)
    accept_unknown_signal: bool = Field(
        default=False,
        description="deliver `start_signal` even when the workflow declares no handler by that name (404 otherwise), "
        "as temporalio's client does: the run keeps it for a handler it sets at run time",
    )
    request_id: str | None = _request_id()
    request_eager_start: bool = Field(
        default=False,
        description="run the first workflow task within this request (saves the inbox hop); "
        "`eagerly_started` in the answer says whether it did",
    )


class StartResponse(BaseModel):
    """The run a start created (or joined, under USE_EXISTING and signal-with-start)."""

    workflow_id: str
    run_id: str
    created: bool = Field(
        default=True, description="false: a running run answered (USE_EXISTING, signal-with-start, a repeated request)"
    )
    eagerly_started: bool = Field(default=False, description="the first workflow task ran within the request")


class ExecutionSummary(BaseModel):
    """One run, as lists show it."""

    workflow_id: str
    run_id: str
    workflow_type: str
    task_queue: str
    status: Status
    start_time: str
    close_time: str | None
    history_length: int
    memo: dict[str, Any] = Field(default_factory=dict, description="memo values, as JSON values")
    search_attributes: dict[str, SearchAttribute] = Field(default_factory=dict)


class ExecutionList(BaseModel):
    """A page of runs, newest start first."""

    executions: list[ExecutionSummary]
    next_page_token: str | None


class ActivityPause(BaseModel):
    """Who paused an activity, when and why."""

    pause_time: str
    identity: str
    reason: str


class PendingActivity(BaseModel):
    """An activity that has not reached its final outcome."""

    activity_id: str
    activity_type: str
    state: Literal["SCHEDULED", "STARTED", "CANCEL_REQUESTED", "PAUSED", "PAUSE_REQUESTED"]
    attempt: int
    scheduled_time: str
    last_heartbeat_time: str | None
    heartbeat_details: list[Any]
    last_failure: Failure | None
    pause: ActivityPause | None = Field(default=None, description="set while an operator has it paused")


class WorkflowHandlers(BaseModel):
    """The handlers the deployment's code of a workflow type declares (sorted names). A handler
    the run sets at run time (``workflow.set_query_handler``, ...) is not among them."""

    queries: list[str]
    signals: list[str]
    updates: list[str]
    dynamic: list[Literal["query", "signal", "update"]] = Field(
        description="the kinds with a dynamic handler, which takes any name"
    )


class ExecutionDetail(ExecutionSummary):
    """One run with its input, outcome, pending activities and the failure of a retried task."""

    execution_time: str | None = Field(
        default=None, description="when the first workflow task is due (a cron run's tick)"
    )
    input: list[Any]
    result: Any = None
    failure: Failure | None
    pending_activities: list[PendingActivity]
    task_failure: Failure | None = Field(description="why the workflow task is being retried (non-determinism, a bug)")
    parent_workflow_id: str | None = Field(default=None, description="a child workflow's parent")
    parent_run_id: str | None = Field(default=None, description="the run of a child workflow's parent")
    static_summary: str | None = Field(default=None, description="the start's fixed summary, if it had one")
    static_details: str | None = Field(default=None, description="the start's fixed details, if it had them")
    base_run_id: str | None = Field(default=None, description="the run this one was reset from, if a reset made it")
    reset_run_id: str | None = Field(default=None, description="the run a reset of this run made, if one ended it")
    build_ids: list[str] = Field(
        default_factory=list,
        description="the build ids of the code that completed its workflow tasks, in order: the first is the build "
        "it started on, the last the most recent (its BuildIds search attribute lists them as 'unversioned:<id>')",
    )
    handlers: WorkflowHandlers | None = Field(
        default=None,
        description="the queries, signals and updates its workflow type declares; null when this deployment "
        "does not have the type's code",
    )


class CountGroup(BaseModel):
    """The count of one status (``GROUP BY ExecutionStatus``)."""

    group_values: list[Any]
    count: int


class ExecutionCount(BaseModel):
    """How many runs match; per status with ``GROUP BY ExecutionStatus``."""

    count: int
    groups: list[CountGroup]


class HistoryEvent(BaseModel):
    """One event, with the engine's type and attribute names; payloads are JSON values."""

    event_id: int
    event_type: str
    event_time: str
    attributes: dict[str, Any]


class History(BaseModel):
    """A run's events, in order."""

    workflow_id: str
    run_id: str
    events: list[HistoryEvent]


class ResultResponse(BaseModel):
    """How the run ended, or RUNNING when the wait ran out (status 202)."""

    status: Status
    run_id: str = Field(description="the run the outcome is of (the last one of a continue-as-new chain)")
    result: Any = None
    failure: Failure | None = None
    new_execution_run_id: str | None = Field(default=None, description="CONTINUED_AS_NEW (with follow_runs=false)")


class SignalRequest(_Request):
    """Send a signal."""

    input: list[Any] = Field(default_factory=list, description="the signal handler's arguments")
    run_id: RunIdText = None
    accept_unknown: bool = Field(
        default=False,
        description="deliver it even when the workflow has no handler by that name (404 otherwise), "
        "as temporalio's client does: the run keeps it for a handler registered later",
    )
    request_id: str | None = _request_id()
    headers: dict[str, Any] | None = Field(
        default=None,
        description="what the caller's interceptors attach (header name -> JSON value), handed to the "
        "workflow's inbound interceptors (temporalio's headers)",
    )


class QueryRequest(_Request):
    """Run a query handler."""

    args: list[Any] = Field(default_factory=list)
    run_id: RunIdText = None
    headers: dict[str, Any] | None = Field(
        default=None,
        description="what the caller's interceptors attach (header name -> JSON value), handed to the "
        "workflow's inbound interceptors (temporalio's headers)",
    )


class QueryResponse(BaseModel):
    """What the query handler returned."""

    result: Any


class CancelRequest(_Request):
    """Request cancellation: the workflow gets ``asyncio.CancelledError`` where it waits."""

    reason: str | None = None
    request_id: str | None = _request_id()
    run_id: RunIdText = None


class TerminateRequest(_Request):
    """End the run now."""

    reason: str | None = None
    request_id: str | None = _request_id()
    run_id: RunIdText = None
    details: list[Any] = Field(default_factory=list)


class ResetRequest(_Request):
    """Reset the run to one of its workflow tasks (as `temporal workflow reset`): give `event_id` or `type`."""

    run_id: RunIdText = None
    event_id: int | None = Field(
        default=None,
        ge=1,
        description="the id of a WorkflowTaskCompleted (or WorkflowTaskFailed) event of the run's history",
    )
    type: Literal["FirstWorkflowTask", "LastWorkflowTask"] | None = Field(
        default=None, description="where to reset to without an event id"
    )
    reason: str | None = None
    reapply_type: Literal["All", "Signal", "None"] = Field(
        default="All", description="what the run received after the point that the new run gets again (signals)"
    )
    request_id: str | None = _request_id()


class ResetResponse(BaseModel):
    """The new run the reset made."""

    run_id: str


class Empty(BaseModel):
    """Accepted."""


class ActivityCompleteRequest(_Request):
    """Complete an activity that called ``activity.raise_complete_async()``."""

    task_token: str = Field(description="base64 of ``activity.info().task_token``")
    result: Any = None


class ActivityFailRequest(_Request):
    """Fail the attempt; the workflow's retry policy applies."""

    task_token: str
    failure: Failure
    heartbeat_details: list[Any] = Field(default_factory=list)


class ActivityHeartbeatRequest(_Request):
    """Record progress (or, at ``cancelled``, report that it stopped after a cancel request)."""

    task_token: str
    details: list[Any] = Field(default_factory=list)


class ActivityHeartbeatResponse(BaseModel):
    """Whether the workflow asked the activity to cancel."""

    cancel_requested: bool


class DeadLetter(BaseModel):
    """A message in a dead-letter queue: moved there after its queue's maximum receive count."""

    message_id: str
    kind: str = Field(
        description="an inbox message's kind (`start`, `signal`, `activity_result`, `timer_fired`, ...), "
        "`activity_task`, `timer`, or `unreadable`"
    )
    workflow_id: str | None
    run_id: str | None
    receive_count: int = Field(description="how many times it was received before it was dead-lettered")
    body: str = Field(description="the body's first 200 characters")


class DeadLetterQueue(BaseModel):
    """A queue's dead letters (a FIFO queue's listing shows at most ten per message group)."""

    queue: str = Field(description="`inbox`, `timers` or `activities-<task queue>`")
    count: int = Field(description="how many its dead-letter queue holds (approximate on SQS)")
    messages: list[DeadLetter]


class DeadLetterList(BaseModel):
    """The dead letters of each queue."""

    queues: list[DeadLetterQueue]


class RedriveRequest(_Request):
    """Move dead letters back to their queue, once their cause is fixed."""

    queue: str | None = Field(
        default=None, description="one queue (`inbox`, `timers`, `activities-<task queue>`); default: all"
    )


class RedriveResult(BaseModel):
    """How many dead letters went back to one queue."""

    queue: str
    moved: int


class RedriveResponse(BaseModel):
    """What a redrive moved, per queue."""

    queues: list[RedriveResult]


UpdateStage = Literal["ADMITTED", "ACCEPTED", "COMPLETED"]


class UpdateWithStart(StartOptions):
    """Update-with-start: the run to start when the workflow id does not run (its first
    workflow task takes the update), and what to do when it does."""

    id_conflict_policy: Literal["FAIL", "USE_EXISTING", "TERMINATE_EXISTING"] = Field(
        description="the id runs: FAIL (409 already_started), USE_EXISTING (the update goes to that run) "
        "or TERMINATE_EXISTING (a new run replaces it)"
    )


class UpdateRequest(_Request):
    """Send an update and wait until it reaches a stage."""

    run_id: RunIdText = None
    update_id: Annotated[str | None, AfterValidator(_id_bytes)] = Field(
        default=None,
        min_length=1,
        description="the update's id (the server makes one when absent): an id the run knows already answers "
        "with that update's outcome instead of running it again",
    )
    args: list[Any] = Field(default_factory=list, description="the update handler's arguments")
    wait_for_stage: Literal["ACCEPTED", "COMPLETED"] = Field(
        default="COMPLETED",
        description="ACCEPTED: answer once the validator passed and the handler runs; COMPLETED: once it returned",
    )
    wait_seconds: float | None = Field(
        default=None, ge=0, le=20, description="how long to wait for the stage (default and most: 20 s)"
    )
    accept_unknown: bool = Field(
        default=False,
        description="send it even when the workflow declares no update by that name (404 otherwise), as "
        "temporalio's client does: the run rejects it unless a handler is set at run time",
    )
    request_id: str | None = _request_id()
    start_workflow: UpdateWithStart | None = Field(
        default=None, description="update-with-start: start the workflow with this update when it does not run"
    )
    headers: dict[str, Any] | None = Field(
        default=None,
        description="what the caller's interceptors attach (header name -> JSON value), handed to the "
        "workflow's inbound interceptors (temporalio's headers)",
    )


class UpdateResult(BaseModel):
    """The update's handler returned."""

    model_config = ConfigDict(extra="forbid")

    result: Any


class UpdateFailure(BaseModel):
    """The validator rejected the update, or its handler failed."""

    model_config = ConfigDict(extra="forbid")

    failure: Failure


class UpdateResponse(BaseModel):
    """Where an update stands: ADMITTED (sent, not yet taken by a workflow task: the wait ran
    out), ACCEPTED (its handler runs) or COMPLETED with its outcome."""

    workflow_id: str
    run_id: str
    update_id: str
    stage: UpdateStage
    outcome: UpdateResult | UpdateFailure | None = None
