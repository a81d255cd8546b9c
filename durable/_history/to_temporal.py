"""durable's events written as Temporal's history JSON.

Each durable event becomes the Temporal event of the same name, with Temporal's
attributes. Temporal records bookkeeping durable's engine does not keep, and the JSON
gets it back so that it reads as a cluster's export: a ``WorkflowTaskScheduled`` and
``WorkflowTaskStarted`` before each ``WorkflowTaskCompleted`` (or ``Failed``), an
``ActivityTaskStarted`` (its attempt, the last attempt's failure) before an activity's
outcome; the attempts durable logs one by one (``ActivityTaskAttemptFailed``) are not
history in Temporal and are folded into that started event. Event ids are therefore
renumbered, and every reference (``scheduledEventId``, ``startedEventId``,
``initiatedEventId``, ``workflowTaskCompletedEventId``) follows.
"""

from __future__ import annotations

import json
from typing import Any

from durable._history.proto_json import (
    duration,
    enum_name,
    event_key,
    event_type_name,
    failure_to,
    payload_to,
    payloads_to,
    search_attributes_to,
    timestamp,
)
from durable._history.user_metadata import user_metadata_to
from durable._replay import events as ev
from durable._replay.children import ParentClosePolicy
from durable._replay.events import Event
from durable.common import WorkflowIDReusePolicy
from durable.exceptions import RetryState

__all__ = ["IDENTITY", "events_to_temporal", "retry_policy_to"]

IDENTITY = "durable"
"""The worker identity Temporal's events name: durable's engine has no per-worker identity."""

_TASK_TIMEOUT = "10s"


def retry_policy_to(policy: dict[str, Any]) -> dict[str, Any]:
    """durable's stored retry policy as Temporal's ``RetryPolicy``."""
    out: dict[str, Any] = {
        "initialInterval": duration(policy["initial_interval"]),
        "backoffCoefficient": float(policy["backoff_coefficient"]),
        "maximumInterval": duration(policy["maximum_interval"]),
    }
    if policy.get("maximum_attempts"):
        out["maximumAttempts"] = int(policy["maximum_attempts"])
    if policy.get("non_retryable_error_types"):
        out["nonRetryableErrorTypes"] = list(policy["non_retryable_error_types"])
    return out


def _reset_fields(attrs: dict[str, Any]) -> dict[str, Any]:
    """A reset's WorkflowTaskFailed as Temporal writes it: its cause and the runs it links."""
    if attrs.get("cause") != "ResetWorkflow":
        return {}
    return {
        "cause": "WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW",
        "baseRunId": attrs["base_run_id"],
        "newRunId": attrs["new_run_id"],
    }


def _execution(workflow_id: str, run_id: str | None) -> dict[str, Any]:
    return {"workflowId": workflow_id, **({"runId": run_id} if run_id else {})}


def _retry_state(value: int | None) -> dict[str, Any]:
    name = enum_name("RETRY_STATE", value, RetryState)
    return {"retryState": name} if name else {}


def _build_id(build_id: str | None) -> dict[str, Any]:
    """A completed task's build id, where Temporal keeps an unversioned worker's (both fields)."""
    return {"binaryChecksum": build_id, "workerVersion": {"buildId": build_id}} if build_id else {}


def _timeout(name: str, seconds: float | None) -> dict[str, Any]:
    return {name: duration(seconds)} if seconds else {}


class _Writer:
    """Renumbers events as it writes them and remembers what later events refer to."""

    def __init__(self) -> None:
        self.out: list[dict[str, Any]] = []
        self.task_queue = ""
        self.task_completed = "0"  # id of the last WorkflowTaskCompleted
        self.task_scheduled = "0"  # and of its WorkflowTaskScheduled
        self.activities: dict[int, dict[str, Any]] = {}  # seq -> {"scheduled": id, "type", "id", "last_failure"}
        self.timers: dict[int, str] = {}
        self.children: dict[int, dict[str, Any]] = {}
        self.externals: dict[tuple[str, int], dict[str, Any]] = {}
        self.updates: dict[str, str] = {}

    def add(self, event_type: str, time: float, attrs: dict[str, Any], source: dict[str, Any] | None = None) -> str:
        """Append the event; ``source`` (durable's attributes) gives its user metadata, if any."""
        event_id = str(len(self.out) + 1)
        event: dict[str, Any] = {
            "eventId": event_id,
            "eventTime": timestamp(time),
            "eventType": event_type_name(event_type),
            event_key(event_type): attrs,
        }
        if source is not None and (metadata := user_metadata_to(event_type, source)):
            event["userMetadata"] = metadata
        self.out.append(event)
        return event_id

    def task(self, time: float, attempt: int = 1) -> tuple[str, str]:
        scheduled = self.add(
            "WorkflowTaskScheduled",
            time,
            {
                "taskQueue": {"name": self.task_queue, "kind": "TASK_QUEUE_KIND_NORMAL"},
                "startToCloseTimeout": _TASK_TIMEOUT,
                "attempt": attempt,
            },
        )
        started = self.add("WorkflowTaskStarted", time, {"scheduledEventId": scheduled, "identity": IDENTITY})
        self.task_scheduled = scheduled
        return scheduled, started

    def activity_started(self, attrs: dict[str, Any], time: float) -> tuple[dict[str, Any], str]:
        act = self.activities.get(attrs["seq"], {"scheduled": "0", "type": "", "id": "", "last_failure": None})
        started_attrs: dict[str, Any] = {
            "scheduledEventId": act["scheduled"],
            "identity": IDENTITY,
            "attempt": attrs.get("attempt", 1),
        }
        if act["last_failure"] is not None:
            started_attrs["lastFailure"] = failure_to(act["last_failure"])
        return act, self.add("ActivityTaskStarted", time, started_attrs)

    def write(self, event: Event) -> None:  # noqa: C901 - one branch per event type, as Temporal's list
        kind, attrs, t = event["event_type"], event["attributes"], event["event_time"]
        done = {"workflowTaskCompletedEventId": self.task_completed}
        if kind == ev.WORKFLOW_STARTED:
            self.task_queue = attrs["task_queue"]
            out: dict[str, Any] = {
                "workflowType": {"name": attrs["workflow_type"]},
                "taskQueue": {"name": attrs["task_queue"], "kind": "TASK_QUEUE_KIND_NORMAL"},
                "input": payloads_to(attrs.get("input")),
                "workflowTaskTimeout": _TASK_TIMEOUT,
                "originalExecutionRunId": attrs.get("original_execution_run_id") or attrs["run_id"],
                "identity": IDENTITY,
                "firstExecutionRunId": attrs.get("first_execution_run_id") or attrs["run_id"],
                "attempt": attrs.get("attempt", 1),
                "workflowId": attrs["workflow_id"],
            }
            if attrs.get("continued_run_id"):
                out["continuedExecutionRunId"] = attrs["continued_run_id"]
                out["initiator"] = (
                    "CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE"
                    if attrs.get("cron_schedule")
                    else "CONTINUE_AS_NEW_INITIATOR_WORKFLOW"
                )
            if attrs.get("cron_schedule"):
                out["cronSchedule"] = attrs["cron_schedule"]
            if attrs.get("execution_timeout"):
                out["workflowExecutionTimeout"] = duration(attrs["execution_timeout"])
            if attrs.get("run_timeout"):
                out["workflowRunTimeout"] = duration(attrs["run_timeout"])
            out["firstWorkflowTaskBackoff"] = duration(attrs.get("first_workflow_task_backoff") or 0.0)
            if parent := attrs.get("parent"):
                out["parentWorkflowNamespace"] = "default"
                out["parentWorkflowExecution"] = _execution(parent["workflow_id"], parent.get("run_id"))
            if attrs.get("retry_policy"):
                out["retryPolicy"] = retry_policy_to(attrs["retry_policy"])
            if attrs.get("last_completion_result") is not None:
                out["lastCompletionResult"] = payloads_to([attrs["last_completion_result"]])
            if attrs.get("last_failure"):
                out["continuedFailure"] = failure_to(attrs["last_failure"])
            if attrs.get("memo"):
                out["memo"] = {"fields": {k: payload_to(v) for k, v in attrs["memo"].items()}}
            if attrs.get("search_attributes"):
                out["searchAttributes"] = search_attributes_to(attrs["search_attributes"])
            self.add(kind, t, out, attrs)
        elif kind == ev.TASK_COMPLETED:
            scheduled, started = self.task(t)
            self.task_completed = self.add(
                kind,
                t,
                {
                    "scheduledEventId": scheduled,
                    "startedEventId": started,
                    "identity": IDENTITY,
                    **_build_id(attrs.get("build_id")),
                    "sdkMetadata": {"sdkName": "durable"},
                },
            )
        elif kind == ev.TASK_FAILED:
            scheduled, started = self.task(t, attrs.get("attempt", 1))
            self.add(
                kind,
                t,
                {
                    "scheduledEventId": scheduled,
                    "startedEventId": started,
                    "cause": "WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE",
                    "failure": failure_to(attrs["failure"]),
                    "identity": IDENTITY,
                    **_reset_fields(attrs),
                    **_build_id(attrs.get("build_id")),
                },
            )
        elif kind == ev.ACTIVITY_SCHEDULED:
            scheduled = self.add(
                kind,
                t,
                {
                    "activityId": attrs["activity_id"],
                    "activityType": {"name": attrs["activity_type"]},
                    "taskQueue": {"name": attrs["task_queue"], "kind": "TASK_QUEUE_KIND_NORMAL"},
                    "header": {"fields": {k: payload_to(v) for k, v in attrs["headers"].items()}}
                    if attrs.get("headers")
                    else {},
                    "input": payloads_to(attrs.get("input")),
                    **_timeout("scheduleToCloseTimeout", attrs.get("schedule_to_close_timeout")),
                    **_timeout("scheduleToStartTimeout", attrs.get("schedule_to_start_timeout")),
                    **_timeout("startToCloseTimeout", attrs.get("start_to_close_timeout")),
                    **_timeout("heartbeatTimeout", attrs.get("heartbeat_timeout")),
                    **done,
                    "retryPolicy": retry_policy_to(attrs["retry_policy"]),
                },
                attrs,
            )
            self.activities[attrs["seq"]] = {
                "scheduled": scheduled,
                "type": attrs["activity_type"],
                "id": attrs["activity_id"],
                "last_failure": None,
            }
        elif kind == ev.ACTIVITY_ATTEMPT_FAILED:
            if (act := self.activities.get(attrs["seq"])) is not None:
                act["last_failure"] = attrs["failure"]
        elif kind == ev.ACTIVITY_COMPLETED:
            act, started = self.activity_started(attrs, t)
            self.add(
                kind,
                t,
                {
                    "result": payloads_to([attrs["result"]]),
                    "scheduledEventId": act["scheduled"],
                    "startedEventId": started,
                    "identity": IDENTITY,
                },
            )
        elif kind == ev.ACTIVITY_FAILED:
            act, started = self.activity_started(attrs, t)
            # durable keeps temporalio's ActivityError around what the activity raised; Temporal's
            # event holds what it raised, and the SDK wraps it.
            failure = attrs["failure"]
            cause = failure["cause"] if "activity" in failure and failure.get("cause") else failure
            out = {
                "failure": failure_to(cause),
                "scheduledEventId": act["scheduled"],
                "startedEventId": started,
                **_retry_state(attrs.get("retry_state")),
            }
            if "timeout" in cause:  # Temporal has an event of its own for a timeout
                self.add("ActivityTaskTimedOut", t, out)
            else:
                self.add(kind, t, {**out, "identity": IDENTITY})
        elif kind == ev.ACTIVITY_CANCELED:
            act, started = self.activity_started(attrs, t)
            self.add(
                kind,
                t,
                {
                    "latestCancelRequestedEventId": act.get("cancel_requested", "0"),
                    "scheduledEventId": act["scheduled"],
                    "startedEventId": started,
                    "identity": IDENTITY,
                },
            )
        elif kind == ev.ACTIVITY_CANCEL_REQUESTED:
            act = self.activities.get(attrs["seq"], {"scheduled": "0"})
            act["cancel_requested"] = self.add(kind, t, {"scheduledEventId": act["scheduled"], **done})
        elif kind == ev.TIMER_STARTED:
            self.timers[attrs["seq"]] = self.add(
                kind,
                t,
                {"timerId": str(attrs["seq"]), "startToFireTimeout": duration(attrs["duration"]), **done},
                attrs,
            )
        elif kind == ev.TIMER_FIRED:
            self.add(kind, t, {"timerId": str(attrs["seq"]), "startedEventId": self.timers.get(attrs["seq"], "0")})
        elif kind == ev.TIMER_CANCELED:
            self.add(
                kind,
                t,
                {
                    "timerId": str(attrs["seq"]),
                    "startedEventId": self.timers.get(attrs["seq"], "0"),
                    **done,
                    "identity": IDENTITY,
                },
            )
        elif kind == ev.SIGNALED:
            self.add(
                kind,
                t,
                {"signalName": attrs["signal_name"], "input": payloads_to(attrs.get("input")), "identity": IDENTITY},
            )
        elif kind == ev.CANCEL_REQUESTED:
            self.add(kind, t, {"cause": attrs.get("reason", ""), "identity": IDENTITY})
        elif kind == ev.WORKFLOW_COMPLETED:
            self.add(kind, t, {"result": payloads_to([attrs["result"]]), **done})
        elif kind == ev.WORKFLOW_FAILED:
            self.add(
                kind,
                t,
                {"failure": failure_to(attrs["failure"]), "retryState": "RETRY_STATE_RETRY_POLICY_NOT_SET", **done},
            )
        elif kind == ev.WORKFLOW_CANCELED:
            self.add(kind, t, {**done, "details": {}})
        elif kind == ev.WORKFLOW_TERMINATED:
            self.add(
                kind,
                t,
                {"reason": attrs.get("reason", ""), "details": payloads_to(attrs.get("details")), "identity": IDENTITY},
            )
        elif kind == ev.WORKFLOW_TIMED_OUT:
            self.add(kind, t, _retry_state(attrs.get("retry_state") or int(RetryState.TIMEOUT)))
        elif kind == ev.WORKFLOW_CONTINUED_AS_NEW:
            out = {
                "newExecutionRunId": attrs["new_execution_run_id"],
                "workflowType": {"name": attrs["workflow_type"]},
                "taskQueue": {"name": attrs["task_queue"], "kind": "TASK_QUEUE_KIND_NORMAL"},
                "input": payloads_to(attrs.get("input")),
                "workflowTaskTimeout": _TASK_TIMEOUT,
                **done,
                "backoffStartInterval": duration(attrs.get("backoff_start_interval") or 0.0),
            }
            if attrs.get("run_timeout"):
                out["workflowRunTimeout"] = duration(attrs["run_timeout"])
            if attrs.get("task_timeout"):
                out["workflowTaskTimeout"] = duration(attrs["task_timeout"])
            if attrs.get("memo") is not None:
                out["memo"] = {"fields": {k: payload_to(v) for k, v in attrs["memo"].items()}}
            if attrs.get("search_attributes") is not None:
                out["searchAttributes"] = search_attributes_to(attrs["search_attributes"])
            if attrs.get("initiator") == "CRON_SCHEDULE":
                out["initiator"] = "CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE"
                if attrs.get("failure"):
                    out["failure"] = failure_to(attrs["failure"])
                if attrs.get("last_completion_result") is not None:
                    out["lastCompletionResult"] = payloads_to([attrs["last_completion_result"]])
            self.add(kind, t, out)
        elif kind == ev.MARKER_RECORDED:
            self.add(kind, t, _marker(attrs, done), attrs)
        elif kind == ev.UPSERT_SEARCH_ATTRIBUTES:
            self.add(kind, t, {**done, "searchAttributes": search_attributes_to(attrs["search_attributes"])})
        elif kind == ev.SIGNAL_EXTERNAL_INITIATED:
            self.externals[("signal", attrs["seq"])] = {
                "initiated": self.add(
                    kind,
                    t,
                    {
                        **done,
                        "namespace": "default",
                        "workflowExecution": _execution(attrs["workflow_id"], attrs.get("run_id")),
                        "signalName": attrs["signal_name"],
                        "input": payloads_to(attrs.get("input")),
                        "header": {},
                    },
                ),
                "execution": _execution(attrs["workflow_id"], attrs.get("run_id")),
            }
        elif kind == ev.CANCEL_EXTERNAL_INITIATED:
            self.externals[("cancel", attrs["seq"])] = {
                "initiated": self.add(
                    kind,
                    t,
                    {
                        **done,
                        "namespace": "default",
                        "workflowExecution": _execution(attrs["workflow_id"], attrs.get("run_id")),
                    },
                ),
                "execution": _execution(attrs["workflow_id"], attrs.get("run_id")),
            }
        elif kind in ev.EXTERNAL_OUTCOMES:
            which = "signal" if kind in (ev.EXTERNAL_SIGNALED, ev.EXTERNAL_SIGNAL_FAILED) else "cancel"
            ext = self.externals.get((which, attrs["seq"]), {"initiated": "0", "execution": {}})
            out = {"initiatedEventId": ext["initiated"], "namespace": "default", "workflowExecution": ext["execution"]}
            if kind == ev.EXTERNAL_SIGNAL_FAILED:
                out = {
                    "cause": "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND",
                    **done,
                    **out,
                }
            elif kind == ev.EXTERNAL_CANCEL_FAILED:
                out = {
                    "cause": "CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND",
                    **done,
                    **out,
                }
            self.add(kind, t, out)
        elif kind == ev.START_CHILD_INITIATED:
            out = {
                "namespace": "default",
                "workflowId": attrs["workflow_id"],
                "workflowType": {"name": attrs["workflow_type"]},
                "taskQueue": {"name": attrs["task_queue"], "kind": "TASK_QUEUE_KIND_NORMAL"},
                "input": payloads_to(attrs.get("input")),
                "workflowExecutionTimeout": duration(attrs.get("execution_timeout") or 0.0),
                "workflowRunTimeout": duration(attrs.get("run_timeout") or 0.0),
                "workflowTaskTimeout": _TASK_TIMEOUT,
                **done,
                "header": {},
                "memo": {"fields": {k: payload_to(v) for k, v in attrs["memo"].items()}} if attrs.get("memo") else {},
            }
            if attrs.get("cron_schedule"):
                out["cronSchedule"] = attrs["cron_schedule"]
            if attrs.get("search_attributes"):
                out["searchAttributes"] = search_attributes_to(attrs["search_attributes"])
            if policy := enum_name("PARENT_CLOSE_POLICY", attrs.get("parent_close_policy"), ParentClosePolicy):
                out["parentClosePolicy"] = policy
            if reuse := enum_name("WORKFLOW_ID_REUSE_POLICY", attrs.get("id_reuse_policy"), WorkflowIDReusePolicy):
                out["workflowIdReusePolicy"] = reuse
            if attrs.get("retry_policy"):
                out["retryPolicy"] = retry_policy_to(attrs["retry_policy"])
            self.children[attrs["seq"]] = {
                "initiated": self.add(kind, t, out, attrs),
                "started": "0",
                "type": attrs["workflow_type"],
                "workflow_id": attrs["workflow_id"],
            }
        elif kind in (ev.ACTIVITY_PAUSED, ev.ACTIVITY_UNPAUSED):
            pass  # Temporal keeps an activity's pause in its mutable state: no event in its history
        elif kind in ev.CHILD_OUTCOMES:
            self.child_outcome(event)
        elif kind in (ev.UPDATE_ACCEPTED, ev.UPDATE_COMPLETED):
            self.update(event, done)
        else:
            raise ValueError(f"durable event {kind!r} has no Temporal counterpart")

    def child_outcome(self, event: Event) -> None:
        kind, attrs, t = event["event_type"], event["attributes"], event["event_time"]
        child = self.children.get(attrs["seq"], {"initiated": "0", "started": "0", "type": "", "workflow_id": ""})
        workflow_id = attrs.get("workflow_id") or child["workflow_id"]
        common = {"namespace": "default", "workflowType": {"name": attrs.get("workflow_type") or child["type"]}}
        if kind == ev.CHILD_START_FAILED:
            self.add(
                kind,
                t,
                {
                    **common,
                    "workflowId": workflow_id,
                    "cause": "START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS",
                    "initiatedEventId": child["initiated"],
                    "workflowTaskCompletedEventId": self.task_completed,
                },
            )
            return
        common["workflowExecution"] = _execution(workflow_id, attrs.get("run_id"))
        if kind == ev.CHILD_STARTED:
            child["started"] = self.add(kind, t, {**common, "initiatedEventId": child["initiated"], "header": {}})
            return
        ids = {"initiatedEventId": child["initiated"], "startedEventId": child["started"]}
        if kind == ev.CHILD_COMPLETED:
            self.add(kind, t, {"result": payloads_to([attrs["result"]]), **common, **ids})
            return
        failure = attrs.get("failure") or {}
        cause = failure.get("cause") or {}
        state = (failure.get("child_workflow") or {}).get("retry_state")
        if kind == ev.CHILD_FAILED:
            self.add(kind, t, {"failure": failure_to(cause), **common, **ids, **_retry_state(state)})
        elif kind == ev.CHILD_CANCELED:
            details = (cause.get("canceled") or {}).get("details")
            self.add(kind, t, {"details": payloads_to(details), **common, **ids})
        elif kind == ev.CHILD_TERMINATED:
            self.add(kind, t, {**common, **ids})
        else:  # timed out
            self.add(kind, t, {**common, **ids, **_retry_state(state)})

    def update(self, event: Event, done: dict[str, Any]) -> None:
        kind, attrs, t = event["event_type"], event["attributes"], event["event_time"]
        update_id = attrs["update_id"]
        if kind == ev.UPDATE_ACCEPTED:
            self.updates[update_id] = self.add(
                kind,
                t,
                {
                    "protocolInstanceId": update_id,
                    "acceptedRequestMessageId": f"{update_id}/request",
                    "acceptedRequestSequencingEventId": self.task_scheduled,
                    "acceptedRequest": {
                        "meta": {"updateId": update_id, "identity": IDENTITY},
                        "input": {"name": attrs["name"], "args": payloads_to(attrs.get("input"))},
                    },
                },
            )
            return
        outcome = (
            {"failure": failure_to(attrs["failure"])}
            if attrs.get("failure")
            else {"success": payloads_to([attrs.get("result") or "null"])}
        )
        self.add(
            kind,
            t,
            {
                "meta": {"updateId": update_id, "identity": IDENTITY},
                "acceptedEventId": self.updates.get(update_id, "0"),
                "outcome": outcome,
            },
        )


def _seconds_nanos(seconds: float | None) -> dict[str, int] | None:
    if seconds is None:
        return None
    whole = int(seconds // 1)
    return {"seconds": whole, "nanos": round((seconds - whole) * 1e9)}


def _marker(attrs: dict[str, Any], done: dict[str, Any]) -> dict[str, Any]:
    """Markers in the shape temporalio's core writes (and reads back on replay)."""
    if "patch_id" in attrs:
        data = {"id": attrs["patch_id"], "deprecated": bool(attrs.get("deprecated"))}
        return {
            "markerName": "core_patch",
            "details": {"patch-data": payloads_to([json.dumps(data, separators=(",", ":"))])},
            **done,
        }
    data = {
        "seq": attrs["seq"],
        "attempt": attrs["attempt"],
        "activity_id": attrs["activity_id"],
        "activity_type": attrs["activity_type"],
        "complete_time": None,
        "backoff": _seconds_nanos(attrs.get("backoff")),
        "original_schedule_time": _seconds_nanos(attrs.get("original_schedule_time")),
    }
    details: dict[str, Any] = {"data": payloads_to([json.dumps(data, separators=(",", ":"))])}
    if attrs.get("result") is not None:
        details["result"] = payloads_to([attrs["result"]])
    out: dict[str, Any] = {"markerName": attrs.get("marker_name", "core_local_activity"), "details": details, **done}
    if attrs.get("failure"):
        out["failure"] = failure_to(attrs["failure"])
    return out


def events_to_temporal(events: list[Event]) -> list[dict[str, Any]]:
    """durable's events as the ``events`` list of Temporal's history JSON."""
    writer = _Writer()
    for event in events:
        writer.write(event)
    return writer.out
