"""Temporal's history JSON read into durable's events, for the ``Replayer``.

What the workflow code saw and did maps one to one; what Temporal records for its own
bookkeeping is dropped (workflow task scheduled/started/timed out, activity started),
after lending what durable keeps elsewhere: the workflow task's start (the decision's
``workflow.now()`` and history length, as temporalio reports them), an activity's attempt.

durable numbers operations per run as temporalio's core does (activities and local
activities share one sequence, timers another, children and external signals and
cancels one each), so a Temporal event's sequence number is read from the ids core
writes (``timerId``, the default ``activityId``, a local activity marker's ``seq``) or
counted in order (children, external operations, activities with ids of their own).
The ``TemporalChangeVersion`` search attribute core upserts beside a patch marker is
core's bookkeeping too: durable's ``workflow.patched`` does not upsert it.
"""

from __future__ import annotations

import json
from typing import Any

from durable._history.proto_json import (
    enum_value,
    event_key,
    event_type_from_name,
    failure_from,
    first_payload_from,
    from_duration,
    from_timestamp,
    payload_from,
    payloads_from,
    search_attributes_from,
)
from durable._history.user_metadata import user_metadata_from
from durable._replay import events as ev
from durable._replay.children import ChildWorkflowCancellationType, ParentClosePolicy
from durable._replay.events import Event
from durable._replay.instance import ActivityCancellationType
from durable.common import WorkflowIDReusePolicy
from durable.exceptions import RetryState

__all__ = ["events_from_temporal", "is_temporal_shape"]

CHANGE_VERSION = "TemporalChangeVersion"

# Temporal's bookkeeping: no durable event (what they carry is read by the reader).
_SKIPPED = frozenset(
    {
        "WorkflowTaskScheduled",
        "WorkflowTaskStarted",
        "WorkflowTaskTimedOut",
        "ActivityTaskStarted",
        "WorkflowExecutionUpdateAdmitted",
        "WorkflowExecutionOptionsUpdated",
        "ActivityPropertiesModifiedExternally",
        "WorkflowPropertiesModifiedExternally",
    }
)

_CHILD_CLOSES = {
    ev.CHILD_FAILED: ("Child Workflow execution failed", None),
    ev.CHILD_CANCELED: ("Child Workflow execution cancelled", RetryState.NON_RETRYABLE_FAILURE),
    ev.CHILD_TERMINATED: ("Child Workflow execution terminated", RetryState.NON_RETRYABLE_FAILURE),
    ev.CHILD_TIMED_OUT: ("Child Workflow execution timed out", RetryState.TIMEOUT),
}
"""Child close -> the ChildWorkflowError temporalio raises in the parent (message, default retry state)."""


def is_temporal_shape(data: Any) -> bool:
    """Whether parsed JSON is Temporal's history (camelCase events) rather than durable's."""
    if not isinstance(data, dict) or "format_version" in data:
        return False
    events = data.get("events")
    return isinstance(events, list) and bool(events) and isinstance(events[0], dict) and "eventType" in events[0]


def _retry_policy_from(policy: dict[str, Any] | None) -> dict[str, Any] | None:
    if not policy:
        return None
    initial = from_duration(policy.get("initialInterval")) or 1.0
    return {
        "initial_interval": initial,
        "backoff_coefficient": float(policy.get("backoffCoefficient") or 2.0),
        "maximum_interval": from_duration(policy.get("maximumInterval")) or initial * 100,
        "maximum_attempts": int(policy.get("maximumAttempts") or 0),
        "non_retryable_error_types": list(policy.get("nonRetryableErrorTypes") or []),
    }


def _optional_seconds(text: str | None) -> float | None:
    return from_duration(text) or None  # proto3 writes an unset duration as absent or "0s"


def _build_id_from(attrs: dict[str, Any]) -> dict[str, str]:
    """A workflow task event's build id (``{"build_id": ...}``, or nothing): the worker's version
    stamp, or the binary checksum where a server also keeps an unversioned worker's."""
    build_id = (attrs.get("workerVersion") or {}).get("buildId") or attrs.get("binaryChecksum")
    return {"build_id": build_id} if build_id else {}


def _from_seconds_nanos(value: dict[str, Any] | None) -> float | None:
    if not value:
        return None
    return int(value.get("seconds", 0)) + int(value.get("nanos", 0)) / 1e9


class _Reader:
    def __init__(self, workflow_id: str) -> None:
        self.workflow_id = workflow_id
        self.out: list[Event] = []
        self.task_started_time: float | None = None
        self.task_started_id = 0
        self.task_attempt = 1
        self.activity_seq = 0
        self.activities: dict[int, dict[str, Any]] = {}  # scheduled event id -> seq, type, id
        self.activity_attempts: dict[int, int] = {}  # started event id -> attempt
        self.children: dict[int, dict[str, Any]] = {}  # initiated event id -> seq, workflow id, type
        self.child_seq = 0
        self.externals: dict[int, int] = {}  # initiated event id -> seq
        self.external_seq = {"signal": 0, "cancel": 0}
        self.child_run_ids: dict[int, str] = {}  # initiated event id -> run id, read ahead
        self.admitted: dict[str, dict[str, Any]] = {}  # update id -> request of an admitted update

    def add(self, event_id: int, kind: str, time: float, **attributes: Any) -> None:
        self.out.append({"event_id": event_id, "event_time": time, "event_type": kind, "attributes": attributes})

    def read(self, event: dict[str, Any]) -> None:  # noqa: C901 - one branch per event type
        kind = event_type_from_name(str(event.get("eventType", "")))
        event_id = int(event.get("eventId", 0))
        t = from_timestamp(event["eventTime"]) if event.get("eventTime") else 0.0
        a: dict[str, Any] = event.get(event_key(kind)) or {}
        if kind in _SKIPPED:
            if kind == "WorkflowTaskScheduled":
                self.task_attempt = int(a.get("attempt") or 1)
            elif kind == "WorkflowTaskStarted":
                self.task_started_time, self.task_started_id = t, event_id
            elif kind == "ActivityTaskStarted":
                self.activity_attempts[event_id] = int(a.get("attempt") or 1)
            elif kind == "WorkflowExecutionUpdateAdmitted":  # its acceptance may not repeat the request
                request = a.get("request") or {}
                self.admitted[(request.get("meta") or {}).get("updateId", "")] = request
            return
        if kind == ev.WORKFLOW_STARTED:
            self.started(event_id, t, a)
        elif kind == ev.TASK_COMPLETED:
            # The decision's time and history length are its task's start, as temporalio reports them.
            started: dict[str, Any] = {"history_length": self.task_started_id} if self.task_started_id else {}
            started.update(_build_id_from(a))
            self.add(event_id, kind, self.task_started_time if self.task_started_time is not None else t, **started)
            self.task_started_time, self.task_started_id = None, 0
        elif kind == ev.TASK_FAILED:
            failure = (
                failure_from(a["failure"]) if a.get("failure") else {"message": a.get("cause", ""), "stack_trace": ""}
            )
            reset = (
                {"cause": "ResetWorkflow", "base_run_id": a.get("baseRunId", ""), "new_run_id": a.get("newRunId", "")}
                if a.get("cause") == "WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW" and a.get("newRunId")
                else {}
            )
            self.add(event_id, kind, t, failure=failure, attempt=self.task_attempt, **reset, **_build_id_from(a))
            self.task_started_time, self.task_started_id = None, 0
        elif kind == ev.ACTIVITY_SCHEDULED:
            activity_id = a.get("activityId", "")
            seq = (
                int(activity_id)
                if activity_id.isdigit() and int(activity_id) > self.activity_seq
                else self.activity_seq + 1
            )
            self.activity_seq = max(self.activity_seq, seq)
            activity_type = (a.get("activityType") or {}).get("name", "")
            self.activities[event_id] = {"seq": seq, "type": activity_type, "id": activity_id}
            self.add(
                event_id,
                kind,
                t,
                seq=seq,
                activity_id=activity_id,
                activity_type=activity_type,
                task_queue=(a.get("taskQueue") or {}).get("name", ""),
                input=payloads_from(a.get("input")),
                schedule_to_close_timeout=_optional_seconds(a.get("scheduleToCloseTimeout")),
                start_to_close_timeout=_optional_seconds(a.get("startToCloseTimeout")),
                heartbeat_timeout=_optional_seconds(a.get("heartbeatTimeout")),
                retry_policy=_retry_policy_from(a.get("retryPolicy")) or _retry_policy_from({}),
                # temporalio's default: the choice stays in the worker, the history does not hold it
                cancellation_type=int(ActivityCancellationType.TRY_CANCEL),
                headers={k: payload_from(v) for k, v in ((a.get("header") or {}).get("fields") or {}).items()},
            )
        elif kind in (ev.ACTIVITY_COMPLETED, ev.ACTIVITY_FAILED, ev.ACTIVITY_CANCELED, "ActivityTaskTimedOut"):
            self.activity_outcome(event_id, kind, t, a)
        elif kind == ev.ACTIVITY_CANCEL_REQUESTED:
            act = self.activities.get(int(a.get("scheduledEventId", 0)))
            if act is not None:
                self.add(event_id, kind, t, seq=act["seq"], notify_activity=True)
        elif kind == ev.TIMER_STARTED:
            self.add(
                event_id, kind, t, seq=int(a["timerId"]), duration=from_duration(a.get("startToFireTimeout")) or 0.0
            )
        elif kind in (ev.TIMER_FIRED, ev.TIMER_CANCELED):
            self.add(event_id, kind, t, seq=int(a["timerId"]))
        elif kind == ev.SIGNALED:
            self.add(event_id, kind, t, signal_name=a.get("signalName", ""), input=payloads_from(a.get("input")))
        elif kind == ev.CANCEL_REQUESTED:
            self.add(event_id, kind, t, reason=a.get("cause", ""))
        elif kind == ev.WORKFLOW_COMPLETED:
            self.add(event_id, kind, t, result=first_payload_from(a.get("result")))
        elif kind == ev.WORKFLOW_FAILED:
            self.add(event_id, kind, t, failure=failure_from(a.get("failure") or {}))
        elif kind == ev.WORKFLOW_CANCELED:
            self.add(event_id, kind, t)
        elif kind == ev.WORKFLOW_TERMINATED:
            self.add(event_id, kind, t, reason=a.get("reason", ""), details=payloads_from(a.get("details")))
        elif kind == ev.WORKFLOW_TIMED_OUT:
            self.add(
                event_id,
                kind,
                t,
                retry_state=enum_value("RETRY_STATE", a.get("retryState"), RetryState) or int(RetryState.TIMEOUT),
            )
        elif kind == ev.WORKFLOW_CONTINUED_AS_NEW:
            self.continued_as_new(event_id, t, a)
        elif kind == ev.MARKER_RECORDED:
            self.marker(event_id, t, a)
        elif kind == ev.UPSERT_SEARCH_ATTRIBUTES:
            changes = search_attributes_from(a.get("searchAttributes"))
            changes.pop(CHANGE_VERSION, None)
            if changes:
                self.add(event_id, kind, t, search_attributes=changes)
        elif kind in (ev.SIGNAL_EXTERNAL_INITIATED, ev.CANCEL_EXTERNAL_INITIATED):
            which = "signal" if kind == ev.SIGNAL_EXTERNAL_INITIATED else "cancel"
            self.external_seq[which] += 1
            seq = self.externals[event_id] = self.external_seq[which]
            execution = a.get("workflowExecution") or {}
            extra = (
                {"signal_name": a.get("signalName", ""), "input": payloads_from(a.get("input"))}
                if which == "signal"
                else {}
            )
            self.add(
                event_id,
                kind,
                t,
                seq=seq,
                workflow_id=execution.get("workflowId", ""),
                run_id=execution.get("runId") or None,
                **extra,
            )
        elif kind in ev.EXTERNAL_OUTCOMES:
            seq = self.externals.get(int(a.get("initiatedEventId", 0)), 0)
            if kind in (ev.EXTERNAL_SIGNAL_FAILED, ev.EXTERNAL_CANCEL_FAILED):
                which = "signal" if kind == ev.EXTERNAL_SIGNAL_FAILED else "cancel"
                failure = {
                    "message": f"Unable to {which} external workflow because it was not found",
                    "stack_trace": "",
                    "application": {
                        "type": "NotFound",
                        "non_retryable": False,
                        "details": [],
                        "next_retry_delay": None,
                        "category": 0,
                    },
                }
                self.add(event_id, kind, t, seq=seq, failure=failure)
            else:
                self.add(event_id, kind, t, seq=seq)
        elif kind == ev.START_CHILD_INITIATED:
            self.child_initiated(event_id, t, a)
        elif kind in ev.CHILD_OUTCOMES:
            self.child_outcome(event_id, kind, t, a)
        elif kind == ev.UPDATE_ACCEPTED:
            request = a.get("acceptedRequest") or self.admitted.get(a.get("protocolInstanceId", ""), {})
            update_id = (request.get("meta") or {}).get("updateId") or a.get("protocolInstanceId", "")
            inputs = request.get("input") or {}
            self.add(
                event_id,
                kind,
                t,
                update_id=update_id,
                name=inputs.get("name", ""),
                input=payloads_from(inputs.get("args")),
                dedup=f"update:{update_id}",
            )
        elif kind == ev.UPDATE_COMPLETED:
            outcome = a.get("outcome") or {}
            update_id = (a.get("meta") or {}).get("updateId", "")
            if "failure" in outcome:
                self.add(event_id, kind, t, update_id=update_id, result=None, failure=failure_from(outcome["failure"]))
            else:
                self.add(
                    event_id,
                    kind,
                    t,
                    update_id=update_id,
                    result=first_payload_from(outcome.get("success")),
                    failure=None,
                )
        else:
            raise ValueError(
                f"history event {event_id} is {kind}, which durable does not run "
                "(Nexus operations, memo upserts and other SDKs' markers have no durable counterpart)"
            )

    def started(self, event_id: int, t: float, a: dict[str, Any]) -> None:
        run_id = a.get("originalExecutionRunId", "")
        attrs: dict[str, Any] = {
            "workflow_id": a.get("workflowId") or self.workflow_id,
            "run_id": run_id,
            "workflow_type": (a.get("workflowType") or {}).get("name", ""),
            "task_queue": (a.get("taskQueue") or {}).get("name", ""),
            "input": payloads_from(a.get("input")),
            "start_time": t,
            "attempt": int(a.get("attempt") or 1),
            "first_execution_run_id": a.get("firstExecutionRunId") or run_id,
        }
        if a.get("continuedExecutionRunId"):
            attrs["continued_run_id"] = a["continuedExecutionRunId"]
        if a.get("cronSchedule"):
            attrs["cron_schedule"] = a["cronSchedule"]
            attrs["first_workflow_task_backoff"] = from_duration(a.get("firstWorkflowTaskBackoff")) or 0.0
        if parent := a.get("parentWorkflowExecution"):
            attrs["parent"] = {"workflow_id": parent.get("workflowId", ""), "run_id": parent.get("runId", "")}
        if policy := _retry_policy_from(a.get("retryPolicy")):
            attrs["retry_policy"] = policy
        if a.get("lastCompletionResult"):
            attrs["last_completion_result"] = first_payload_from(a["lastCompletionResult"])
        if a.get("continuedFailure"):
            attrs["last_failure"] = failure_from(a["continuedFailure"])
        if fields := (a.get("memo") or {}).get("fields"):
            attrs["memo"] = {k: payload_from(v) for k, v in fields.items()}
        if stored := search_attributes_from(a.get("searchAttributes")):
            attrs["search_attributes"] = {k: v for k, v in stored.items() if v is not None}
        self.add(event_id, ev.WORKFLOW_STARTED, t, **attrs)

    def activity_outcome(self, event_id: int, kind: str, t: float, a: dict[str, Any]) -> None:
        scheduled_id = int(a.get("scheduledEventId", 0))
        started_id = int(a.get("startedEventId", 0))
        act = self.activities.get(scheduled_id)
        if act is None:
            raise ValueError(
                f"history event {event_id} ({kind}) refers to activity event {scheduled_id}, which it does not hold"
            )
        attempt = self.activity_attempts.get(started_id, 1)
        if kind == ev.ACTIVITY_COMPLETED:
            self.add(event_id, kind, t, seq=act["seq"], attempt=attempt, result=first_payload_from(a.get("result")))
            return
        if kind == ev.ACTIVITY_CANCELED:
            self.add(event_id, kind, t, seq=act["seq"], attempt=attempt)
            return
        state = enum_value("RETRY_STATE", a.get("retryState"), RetryState)
        timed_out = kind == "ActivityTaskTimedOut"
        wrapped = {  # temporalio's ActivityError around what the activity raised
            "message": "Activity task timed out" if timed_out else "Activity task failed",
            "stack_trace": "",
            "activity": {
                "scheduled_event_id": scheduled_id,
                "started_event_id": started_id,
                "identity": a.get("identity", ""),
                "activity_type": act["type"],
                "activity_id": act["id"],
                "retry_state": state or None,
            },
            "cause": failure_from(a.get("failure") or {}),
        }
        self.add(event_id, ev.ACTIVITY_FAILED, t, seq=act["seq"], attempt=attempt, failure=wrapped, retry_state=state)

    def continued_as_new(self, event_id: int, t: float, a: dict[str, Any]) -> None:
        attrs: dict[str, Any] = {
            "new_execution_run_id": a.get("newExecutionRunId", ""),
            "workflow_type": (a.get("workflowType") or {}).get("name", ""),
            "task_queue": (a.get("taskQueue") or {}).get("name", ""),
            "input": payloads_from(a.get("input")),
        }
        if str(a.get("initiator", "")).endswith("CRON_SCHEDULE"):
            attrs["initiator"] = "CRON_SCHEDULE"
            attrs["backoff_start_interval"] = from_duration(a.get("backoffStartInterval")) or 0.0
            attrs["failure"] = failure_from(a["failure"]) if a.get("failure") else None
            attrs["last_completion_result"] = (
                first_payload_from(a["lastCompletionResult"]) if a.get("lastCompletionResult") else None
            )
        self.add(event_id, ev.WORKFLOW_CONTINUED_AS_NEW, t, **attrs)

    def marker(self, event_id: int, t: float, a: dict[str, Any]) -> None:
        name = a.get("markerName", "")
        details = a.get("details") or {}
        if name == "core_patch":
            data = json.loads(payloads_from(details.get("patch-data") or details.get("patch_data"))[0])
            self.add(event_id, ev.MARKER_RECORDED, t, patch_id=data["id"], deprecated=bool(data.get("deprecated")))
            return
        if name != "core_local_activity":
            raise ValueError(
                f"history event {event_id} is a {name!r} marker, which temporalio's Python SDK does not write: "
                "durable replays histories of Python workflows"
            )
        data = json.loads(payloads_from(details.get("data"))[0])
        result = payloads_from(details.get("result"))
        self.activity_seq = max(self.activity_seq, int(data["seq"]))
        self.add(
            event_id,
            ev.MARKER_RECORDED,
            t,
            seq=int(data["seq"]),
            activity_id=str(data.get("activity_id", "")),
            activity_type=data.get("activity_type", ""),
            attempt=int(data.get("attempt") or 1),
            original_schedule_time=_from_seconds_nanos(data.get("original_schedule_time")) or t,
            result=result[0] if result else None,
            failure=failure_from(a["failure"]) if a.get("failure") else None,
            backoff=_from_seconds_nanos(data.get("backoff")),
            marker_name=name,
        )

    def child_initiated(self, event_id: int, t: float, a: dict[str, Any]) -> None:
        self.child_seq += 1
        workflow_type = (a.get("workflowType") or {}).get("name", "")
        self.children[event_id] = {"seq": self.child_seq, "workflow_id": a.get("workflowId", ""), "type": workflow_type}
        self.add(
            event_id,
            ev.START_CHILD_INITIATED,
            t,
            seq=self.child_seq,
            workflow_id=a.get("workflowId", ""),
            run_id=self.child_run_ids.get(event_id, ""),
            workflow_type=workflow_type,
            task_queue=(a.get("taskQueue") or {}).get("name", ""),
            input=payloads_from(a.get("input")),
            parent_close_policy=enum_value("PARENT_CLOSE_POLICY", a.get("parentClosePolicy"), ParentClosePolicy) or 1,
            cancellation_type=int(ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED),  # the default, as above
            id_reuse_policy=enum_value(
                "WORKFLOW_ID_REUSE_POLICY", a.get("workflowIdReusePolicy"), WorkflowIDReusePolicy
            )
            or 1,
            retry_policy=_retry_policy_from(a.get("retryPolicy")),
            execution_timeout=_optional_seconds(a.get("workflowExecutionTimeout")),
            run_timeout=_optional_seconds(a.get("workflowRunTimeout")),
        )

    def child_outcome(self, event_id: int, kind: str, t: float, a: dict[str, Any]) -> None:
        initiated = int(a.get("initiatedEventId", 0))
        child = self.children.get(initiated)
        if child is None:
            raise ValueError(
                f"history event {event_id} ({kind}) refers to child event {initiated}, which it does not hold"
            )
        execution = a.get("workflowExecution") or {}
        workflow_id = execution.get("workflowId") or child["workflow_id"]
        run_id = execution.get("runId", "")
        common = {"seq": child["seq"], "workflow_id": workflow_id}
        if kind == ev.CHILD_STARTED:
            self.add(
                event_id, kind, t, **common, run_id=run_id, workflow_type=child["type"], initiated_event_id=initiated
            )
            return
        if kind == ev.CHILD_START_FAILED:
            self.add(
                event_id,
                kind,
                t,
                **common,
                workflow_type=child["type"],
                cause="WORKFLOW_ALREADY_EXISTS",
                initiated_event_id=initiated,
            )
            return
        if kind == ev.CHILD_COMPLETED:
            self.add(event_id, kind, t, **common, run_id=run_id, result=first_payload_from(a.get("result")))
            return
        message, default_state = _CHILD_CLOSES[kind]
        if kind == ev.CHILD_FAILED:
            cause = failure_from(a.get("failure") or {})
        elif kind == ev.CHILD_CANCELED:
            cause = {
                "message": "Cancelled",
                "stack_trace": "",
                "canceled": {"details": payloads_from(a.get("details"))},
            }
        elif kind == ev.CHILD_TERMINATED:
            cause = {"message": "Terminated", "stack_trace": "", "terminated": {"details": []}}
        else:
            cause = {"message": "Timed out", "stack_trace": "", "timeout": {"type": 1, "last_heartbeat_details": []}}
        state = enum_value("RETRY_STATE", a.get("retryState"), RetryState) or (
            int(default_state) if default_state else None
        )
        failure = {
            "message": message,
            "stack_trace": "",
            "child_workflow": {
                "namespace": a.get("namespace") or "default",
                "workflow_id": workflow_id,
                "run_id": run_id,
                "workflow_type": child["type"],
                "initiated_event_id": initiated,
                "started_event_id": int(a.get("startedEventId", 0)),
                "retry_state": state,
            },
            "cause": cause,
        }
        self.add(event_id, kind, t, **common, run_id=run_id, failure=failure)


def events_from_temporal(data: dict[str, Any], workflow_id: str) -> list[Event]:
    """durable's events for Temporal's history JSON (``{"events": [...]}``).

    Raises:
        ValueError: an event durable cannot replay (another SDK's marker, a Nexus
            operation), or a payload that is not JSON (encrypted: decode it first).
    """
    reader = _Reader(workflow_id)
    events = data["events"]
    # A child's run id is decided by its start; durable's initiated event names it.
    for event in events:
        started = event.get(event_key("ChildWorkflowExecutionStarted"))
        if started:
            reader.child_run_ids[int(started.get("initiatedEventId", 0))] = (
                started.get("workflowExecution") or {}
            ).get("runId", "")
    for event in events:
        before = len(reader.out)
        reader.read(event)
        for added in reader.out[before:]:
            added["attributes"].update(user_metadata_from(added["event_type"], event.get("userMetadata")))
    return reader.out
