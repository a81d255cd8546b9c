"""Which workflows and activities each task queue serves."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from durable._activity.definition import ActivityDefinition
from durable._build_ids import workflow_code_build_id
from durable._conversion.data_converter import DataConverter
from durable._replay.definition import WorkflowDefinition
from durable._replay.machine import NoWorker, UnknownWorkflowType
from durable._workers.config import ActivityLimits, TaskQueueConfig

__all__ = ["Registry", "UnknownActivityType"]


class UnknownActivityType(LookupError):
    """No registered activity has this name on the task queue."""


class Registry:
    """Task queue -> workflow definitions and activity definitions (thread-safe).

    A task queue may have one dynamic workflow and one dynamic activity: they take every
    type it has nothing registered for (temporalio's worker rule), here and in the
    deployed functions alike, since both look types up through this class.
    """

    def __init__(self) -> None:
        self._workflows: dict[str, dict[str, WorkflowDefinition]] = {}
        self._activities: dict[str, dict[str, ActivityDefinition]] = {}
        self._dynamic_workflows: dict[str, WorkflowDefinition] = {}
        self._dynamic_activities: dict[str, ActivityDefinition] = {}
        self._executors: dict[str, Any] = {}
        self._activity_interceptors: dict[str, tuple[Any, ...]] = {}
        self._build_ids: dict[str, str] = {}
        self._task_queue_configs: dict[str, TaskQueueConfig] = {}
        self._worker_limits: dict[str, ActivityLimits] = {}
        self._lock = threading.Lock()

    def register(
        self,
        task_queue: str,
        workflows: Iterable[type] = (),
        activities: Iterable[Any] = (),
        *,
        executor: Any = None,
        workflow_runner: Any = None,
        data_converter: DataConverter | None = None,
        interceptors: Sequence[Any] = (),
        build_id: str | None = None,
    ) -> None:
        """Add a task queue's workflow classes and activity functions.

        ``executor`` runs the task queue's sync activities (inline when None, as on Lambda).
        ``workflow_runner`` runs the workflows' code (the default sandboxed runner when None).
        ``data_converter`` converts every value their runs and attempts take and give (the
        default one when None): a Worker's is its client's.
        ``interceptors`` (``durable.worker.Interceptor``, outermost first) wrap these workflows'
        runs and these activities' attempts.
        ``build_id`` names the workflows' code on the workflow tasks it completes (a hash of
        their modules when None: see :mod:`durable._build_ids`).

        Raises:
            TypeError: an entry is not a workflow class / activity function; a second
                dynamic workflow or activity on the task queue.
            ValueError: two entries share a name.
        """
        wfs = [WorkflowDefinition.of(w) for w in workflows]
        if workflow_runner is not None:
            wfs = [dataclasses.replace(d, workflow_runner=workflow_runner) for d in wfs]
        if interceptors:
            wfs = [dataclasses.replace(d, interceptors=tuple(interceptors)) for d in wfs]
        acts = [ActivityDefinition.of(a) for a in activities]
        if data_converter is not None:
            wfs = [dataclasses.replace(d, data_converter=data_converter) for d in wfs]
            acts = [dataclasses.replace(a, data_converter=data_converter) for a in acts]
        with self._lock:
            if executor is not None:
                self._executors[task_queue] = executor
            if interceptors and acts:
                self._activity_interceptors[task_queue] = tuple(interceptors)
            if wfs:
                self._build_ids[task_queue] = build_id or workflow_code_build_id(d.cls for d in wfs)
            wf_map = self._workflows.setdefault(task_queue, {})
            for d in wfs:
                if d.name is None:
                    other = self._dynamic_workflows.get(task_queue)
                    if other is not None and other.cls is not d.cls:
                        raise TypeError("More than one dynamic workflow")
                    self._dynamic_workflows[task_queue] = d
                    continue
                if d.name in wf_map and wf_map[d.name].cls is not d.cls:
                    raise ValueError(f"More than one workflow named {d.name}")
                wf_map[d.name] = d
            act_map = self._activities.setdefault(task_queue, {})
            for a in acts:
                if a.name is None:
                    other_act = self._dynamic_activities.get(task_queue)
                    if other_act is not None and other_act.fn != a.fn:
                        raise TypeError("More than one dynamic activity")
                    self._dynamic_activities[task_queue] = a
                    continue
                if a.name in act_map and act_map[a.name].fn != a.fn:
                    raise ValueError(f"More than one activity named {a.name}")
                act_map[a.name] = a

    def unregister(self, task_queue: str, workflows: Iterable[type] = (), activities: Iterable[Any] = ()) -> None:
        """Remove what :meth:`register` added (a worker shutting down)."""
        with self._lock:
            for w in workflows:
                if (name := WorkflowDefinition.of(w).name) is None:
                    self._dynamic_workflows.pop(task_queue, None)
                else:
                    self._workflows.get(task_queue, {}).pop(name, None)
            for a in activities:
                self._activity_interceptors.pop(task_queue, None)
                if (act_name := ActivityDefinition.of(a).name) is None:
                    self._dynamic_activities.pop(task_queue, None)
                else:
                    self._activities.get(task_queue, {}).pop(act_name, None)

    def configure(self, task_queue: str, config: TaskQueueConfig) -> None:
        """Declare how the task queue's activity worker is scaled (a deployment's ``TASK_QUEUES``)."""
        with self._lock:
            self._task_queue_configs[task_queue] = config

    def limit_activities(self, task_queue: str, limits: ActivityLimits | None) -> None:
        """A local Worker's concurrency and rate for the task queue (None: it left)."""
        with self._lock:
            if limits is None:
                self._worker_limits.pop(task_queue, None)
            else:
                self._worker_limits[task_queue] = limits

    def activity_limits(self, task_queue: str) -> ActivityLimits:
        """What the engine enforces on the task queue's attempts: a Worker's options over the
        declared config (no limits when neither says anything)."""
        with self._lock:
            config = self._task_queue_configs.get(task_queue)
            worker = self._worker_limits.get(task_queue)
        declared = config.limits if config is not None else ActivityLimits()
        if worker is None:
            return declared
        return ActivityLimits(
            max_concurrent=worker.max_concurrent or declared.max_concurrent,
            per_second=worker.per_second or declared.per_second,
            function_timeout=declared.function_timeout,
        )

    def workflow(self, workflow_type: str, task_queue: str) -> WorkflowDefinition:
        """The definition a history's type refers to (the task queue's dynamic one if none is named so).

        Raises:
            UnknownWorkflowType: nothing registered under that name on the task queue.
        """
        with self._lock:
            found = self._workflows.get(task_queue, {}).get(workflow_type) or self._dynamic_workflows.get(task_queue)
            if found is not None:
                return found
            known = sorted(self._workflows.get(task_queue, {}))
            queues = sorted(q for q, w in self._workflows.items() if w or q in self._dynamic_workflows)
        if not known:
            raise NoWorker(
                f"no worker serves workflows on task queue {task_queue!r} yet; the workflow task waits for one "
                f"(task queues with workflows: [{', '.join(queues)}])"
            )
        raise UnknownWorkflowType(
            f"Workflow class {workflow_type} is not registered on task queue {task_queue!r}, "
            f"available workflows: [{', '.join(known)}]; task queues with workflows: [{', '.join(queues)}]. "
            "Register it with Worker(client, task_queue=..., workflows=[...])."
        )

    def activity(self, activity_type: str, task_queue: str) -> ActivityDefinition:
        """The activity an activity task names (the task queue's dynamic one if none is named so).

        Raises:
            UnknownActivityType: nothing registered under that name on the task queue.
        """
        with self._lock:
            found = self._activities.get(task_queue, {}).get(activity_type) or self._dynamic_activities.get(task_queue)
            if found is not None:
                return found
            known = sorted(self._activities.get(task_queue, {}))
        raise UnknownActivityType(
            f"Activity function {activity_type} is not registered on this worker, "
            f"available activities: {', '.join(known)}"
        )

    def activity_interceptors(self, task_queue: str) -> tuple[Any, ...]:
        """The interceptors registered with the task queue's activities (outermost first)."""
        with self._lock:
            return self._activity_interceptors.get(task_queue, ())

    def executor(self, task_queue: str) -> Any:
        """The executor for the task queue's sync activities, if one was given."""
        with self._lock:
            return self._executors.get(task_queue)

    def build_id(self, task_queue: str) -> str | None:
        """The build id of the code serving the task queue's workflows (None: none registered)."""
        with self._lock:
            return self._build_ids.get(task_queue)

    def workflow_types(self, task_queue: str) -> list[str]:
        """Names of the workflows registered on a task queue."""
        with self._lock:
            return sorted(self._workflows.get(task_queue, {}))

    def task_queues(self) -> list[str]:
        """Task queues with anything registered."""
        with self._lock:
            return sorted(set(self._workflows) | set(self._activities))
