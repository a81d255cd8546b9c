"""temporalio options durable does not implement: refused by name, never dropped.

Every temporalio keyword is an explicit parameter of durable's call with temporalio's
default. One durable implements is passed on; one it does not is checked here: its default
is accepted (code written for temporalio passes them), any other value raises
``NotImplementedError`` naming the option and why, so that a run never silently behaves
differently from what the code asked for. Unknown keywords raise ``TypeError`` as any
Python function does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = ["Priority", "refuse"]


@dataclass(frozen=True)
class Priority:
    """temporalio's task priority (``temporalio.common.Priority``), accepted at its default only.

    Attributes:
        priority_key: lower runs sooner (1 to 5 on Temporal's server).
        fairness_key: a key (a tenant, say) whose tasks are balanced against other keys'.
        fairness_weight: the key's share of dispatch.
    """

    priority_key: int | None = None
    fairness_key: str | None = None
    fairness_weight: float | None = None

    default: ClassVar[Priority]
    """No priority (temporalio's default)."""


Priority.default = Priority()

_VERSIONING = (
    "worker versioning: a deployed stack runs one version of the code (use workflow.patched for changes, "
    "or a stack per namespace to run two versions side by side)"
)
_HEARTBEAT_THROTTLE = (
    "heartbeats are throttled by the engine (at most one write every 30 s, or 80% of the heartbeat timeout)"
)
_RATE_LIMIT = (
    "a per-worker rate: a deployed task queue has no long-lived worker processes; set "
    "max_task_queue_activities_per_second (the whole task queue's rate, across invocations) instead"
)
_REJECT_CONDITION = "query reject conditions are not implemented: a query answers whatever the run's status"
_NEXUS = "Nexus is not implemented"

WHY: dict[str, str] = {
    "priority": (
        "each task queue is an SQS queue that delivers in arrival order; durable has no priority "
        "or fairness key to order tasks by"
    ),
    "versioning_intent": _VERSIONING,
    "versioning_override": _VERSIONING,
    "initial_versioning_behavior": _VERSIONING,
    "use_worker_versioning": _VERSIONING,
    "deployment_config": _VERSIONING,
    "start_delay": "a delayed start is not implemented; start the workflow from a schedule, or sleep first in it",
    "retry_policy": "a workflow retry policy on a top-level start is not implemented (child workflows have one)",
    "continue_as_new retry_policy": (
        "the next run of a continue-as-new keeps no retry policy of its own here (child workflows have one)"
    ),
    "reject_condition": _REJECT_CONDITION,
    "event_filter_type": "a history is fetched whole: read its last event for the close event",
    "default_workflow_query_reject_condition": _REJECT_CONDITION,
    "identity": "identities are the engine's: an activity's failure names the activity worker that ran it",
    "plugins": "temporalio's plugins configure its worker and client; durable has no plugin interface",
    "no_remote_activities": "a Worker always serves its task queue's activities; give it none to serve none",
    "max_heartbeat_throttle_interval": _HEARTBEAT_THROTTLE,
    "default_heartbeat_throttle_interval": _HEARTBEAT_THROTTLE,
    "max_activities_per_second": _RATE_LIMIT,
    "workflow_failure_exception_types": "set failure_exception_types on @workflow.defn instead",
    "shared_state_manager": "there is no worker state shared between processes to manage",
    "patch_activation_callback": "patches are recorded as markers; there is no callback when one activates",
    "disable_payload_error_limit": "the payload limit (2 MB, Temporal's) is enforced where values are stored",
    "nexus_service_handlers": _NEXUS,
    "nexus_task_executor": _NEXUS,
    "max_concurrent_nexus_tasks": _NEXUS,
    "nexus_task_poller_behavior": _NEXUS,
}
"""Why each refused option is not implemented, said to the user in the error."""


def refuse(option: str, value: Any, default: Any = None) -> None:
    """Raise unless ``value`` is the option's default.

    Raises:
        NotImplementedError: ``"<option> is not supported by durable: <why>"``.
    """
    if value is default or value == default:
        return
    raise NotImplementedError(f"{option} is not supported by durable: {WHY[option]}")
