"""Replaying saved histories against workflow code (temporalio's ``worker.Replayer``).

Users keep histories of real runs (``handle.fetch_history().to_json()``, or a Temporal
cluster's ``temporal workflow show -o json``: the same JSON) and replay them in CI against
changed code: a change that would break running executions raises
:class:`~durable.workflow.NondeterminismError` here instead of in production.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from durable._client.executions import WorkflowHistory
from durable._codec.boundary import PayloadBoundary
from durable._codec.catalogue import event_spec
from durable._conversion.data_converter import DataConverter
from durable._replay.definition import WorkflowDefinition
from durable._replay.machine import HistoryMachine, UnknownWorkflowType
from durable._sandbox.runner import WorkflowRunner

__all__ = ["Replayer", "WorkflowReplayResult", "WorkflowReplayResults"]


@dataclass(frozen=True)
class WorkflowReplayResult:
    """The outcome of replaying one history."""

    history: WorkflowHistory
    replay_failure: Exception | None
    """A workflow-task failure met while replaying (non-determinism, a bug), if any."""


@dataclass(frozen=True)
class WorkflowReplayResults:
    """The outcome of replaying several histories."""

    replay_failures: Mapping[str, Exception] = field(default_factory=dict)
    """Failures keyed by run id."""


class Replayer:
    """Replays histories against a set of workflow classes."""

    def __init__(
        self,
        *,
        workflows: Sequence[type],
        workflow_runner: WorkflowRunner | None = None,
        data_converter: DataConverter | None = None,
        interceptors: Sequence[Any] = (),
        **options: Any,
    ) -> None:
        """Set up the replayer.

        Args:
            workflows: the ``@workflow.defn`` classes.
            workflow_runner: runs their code: in the determinism sandbox by default, as a Worker.
            data_converter: converts the histories' values, as the Worker's client did
                (``DataConverter.default`` when None); its codec first decodes their payloads
                (stored encoded).
            interceptors: the worker interceptors (``durable.worker.Interceptor``) the runs go
                through, as a Worker's: they see each replayed call with its headers.
            options: temporalio's other options, accepted.
        """
        del options
        definitions = [WorkflowDefinition.of(w) for w in workflows]
        if workflow_runner is not None:
            definitions = [dataclasses.replace(d, workflow_runner=workflow_runner) for d in definitions]
        if data_converter is not None:
            definitions = [dataclasses.replace(d, data_converter=data_converter) for d in definitions]
        self._boundary = PayloadBoundary.of(data_converter)
        if interceptors:
            definitions = [dataclasses.replace(d, interceptors=tuple(interceptors)) for d in definitions]
        self._definitions: dict[str | None, WorkflowDefinition] = {d.name: d for d in definitions}

    def _lookup(self, workflow_type: str, _task_queue: str) -> WorkflowDefinition:
        # A dynamic workflow (keyed None) replays every type no class is named for, as a worker runs it.
        try:
            return self._definitions.get(workflow_type) or self._definitions[None]
        except KeyError:
            known = ", ".join(sorted(n for n in self._definitions if n))
            raise UnknownWorkflowType(
                f"Workflow class {workflow_type} is not given to the Replayer, it has: [{known}]"
            ) from None

    async def replay_workflow(
        self, history: WorkflowHistory, *, raise_on_replay_failure: bool = True
    ) -> WorkflowReplayResult:
        """Replay one history.

        Raises:
            NondeterminismError: the code issues other commands than the history recorded
                (only with ``raise_on_replay_failure``).
        """
        events = history.events
        if self._boundary is not None:
            events = await self._boundary.decode_async(
                events, [{"attributes": event_spec(e["event_type"])} for e in events]
            )
        machine = HistoryMachine(self._lookup)
        machine.replay(events)
        failure = machine.replay_error
        if failure is not None and raise_on_replay_failure:
            raise failure
        return WorkflowReplayResult(history=history, replay_failure=failure)

    async def replay_workflows(
        self,
        histories: AsyncIterator[WorkflowHistory] | Iterable[WorkflowHistory],
        *,
        raise_on_replay_failure: bool = True,
    ) -> WorkflowReplayResults:
        """Replay several histories; with ``raise_on_replay_failure`` the first failure raises."""
        failures: dict[str, Exception] = {}
        if isinstance(histories, AsyncIterator):
            items = [h async for h in histories]
        else:
            items = list(histories)
        for history in items:
            result = await self.replay_workflow(history, raise_on_replay_failure=raise_on_replay_failure)
            if result.replay_failure is not None:
                failures[history.run_id] = result.replay_failure
        return WorkflowReplayResults(replay_failures=failures)
