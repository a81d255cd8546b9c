"""Runs stay on the code they started on: a run's inbox messages go to its build's version.

A deploy publishes a new version of the orchestrator function and moves the ``live``
alias (which the inbox's event source mapping invokes) to it; each version is also
reachable under an alias named by its build id (:func:`build_alias`). A run's first build
id (the build that completed its first workflow task: its ``BuildIds``) names the code it
started on. When ``live`` takes a batch, each run of it whose first build is another one
has its messages forwarded: one synchronous invocation of that build's alias with those
messages as an SQS event (the same handler), whose failure items become this batch's, so
the inbox keeps what the pinned version did not take, in FIFO order. A run whose build has
no version any more (retired by the reconciler, or never deployed: a local build) is
decided by the current code, as before pinning, with a log line and a metric
(``UnpinnedDecisions``).

A forwarded event says which build it was forwarded to (:data:`FORWARDED_TO`): the pinned
version decides every run of it itself, so nothing is ever forwarded twice.

Cost: one more Lambda request per forwarded run of a batch (up to ten messages) while old
runs drain, and one read of such a run's log per container (its first build is remembered);
none for runs on the current build, whose first build id is read from their warm machine or
from the log the decision reads anyway (:meth:`Orchestrator.cached`,
:meth:`Orchestrator.read_ahead`).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, Protocol, TypedDict

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from durable._replay import events as ev
from durable._replay.events import Event
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.services import execution_key

__all__ = [
    "ALIAS_PREFIX",
    "FORWARDED_TO",
    "RESET_CAUSE",
    "BuildRetired",
    "ForwardedEvent",
    "PinnedInvocationFailed",
    "Pinning",
    "VersionInvoker",
    "build_alias",
    "first_build_id",
    "is_forwarded",
]

logger = logging.getLogger("durable.orchestrator")

FORWARDED_TO = "durable_pinned_build"
"""The key of a forwarded event that names the build it was forwarded to."""

ALIAS_PREFIX = "build-"
"""Lambda refuses an alias name of digits only: a build id is a hex digest, which may be one."""


def build_alias(build_id: str) -> str:
    """The name of the alias under which a build's orchestrator version is published."""
    return f"{ALIAS_PREFIX}{build_id}"


class ForwardedEvent(TypedDict):
    """What a pinned version is invoked with: the SQS event's records of one run, as received."""

    Records: list[dict[str, Any]]
    durable_pinned_build: str


class BuildRetired(LookupError):
    """The build has no version any more (retired), or never had one (a local build)."""


class PinnedInvocationFailed(Exception):
    """The pinned version's invocation failed as a whole (its handler raised, or Lambda refused)."""


class VersionInvoker(Protocol):
    """Invokes the orchestrator version published for a build, synchronously."""

    def invoke_build(self, build_id: str, event: ForwardedEvent) -> PartialItemFailureResponse:
        """The version's partial batch response.

        Raises:
            BuildRetired: no version is published for ``build_id``.
            PinnedInvocationFailed: the invocation failed as a whole.
        """
        ...


def is_forwarded(event: dict[str, Any]) -> bool:
    """Whether the event was forwarded by ``live`` to a pinned version (never forwarded again)."""
    return FORWARDED_TO in event


ELSEWHERE_REMEMBERED = 10_000
"""How many runs of other builds a container remembers the build of (a key and an id each)."""

RESET_CAUSE = "ResetWorkflow"
"""The cause on the workflow task failure that a reset writes into its new run (``durable._runtime.reset``)."""


def first_build_id(events: list[Event]) -> str | None:
    """The build a run started on: the build id of its first completed workflow task (None: none
    yet). A reset run's copied prefix was decided by its base run's builds: the reset moves it to
    the code that completes its first task after the reset (the plan's "reset moves a run to the
    current code"), so only the tasks after the last reset count."""
    started_on = None
    for event in events:
        attrs = event["attributes"]
        if event["event_type"] == ev.TASK_FAILED and attrs.get("cause") == RESET_CAUSE:
            started_on = None
        elif event["event_type"] == ev.TASK_COMPLETED and started_on is None and attrs.get("build_id"):
            started_on = str(attrs["build_id"])
    return started_on


class Pinning:
    """Decides, for one run's messages of a batch, whether they go to the run's own build."""

    def __init__(self, orchestrator: Orchestrator, build_id: str, versions: VersionInvoker) -> None:
        """``build_id``: this function's (``DURABLE_BUILD_ID``); ``versions``: invokes another build's."""
        self.orchestrator = orchestrator
        self.build_id = build_id
        self.versions = versions
        self._retired: set[str] = set()  # a retired version never comes back: asked once per container
        # Runs forwarded before: a run's first build never changes (a reset makes a new run), so
        # its later batches are forwarded without reading its log again.
        self._elsewhere: OrderedDict[str, str] = OrderedDict()

    def decides_here(self, workflow_id: str, run_id: str) -> bool:
        """Whether this build decides the run: it started here, or has not decided yet, or its
        build is known to be retired. An activity outcome delivered to ``live`` for a run that
        started on another build goes to the inbox instead, which forwards it."""
        key = execution_key(workflow_id, run_id)
        started_on, events = self._started_on(key)
        return self._here(key, run_id, started_on, events)

    def forward(self, workflow_id: str, run_id: str, records: list[dict[str, Any]]) -> list[str] | None:
        """Forward a run's records to its build's version: the ids it failed, or None to decide here.

        Raises:
            PinnedInvocationFailed: the pinned invocation failed as a whole (every record failed).
        """
        key = execution_key(workflow_id, run_id)
        started_on, events = self._started_on(key)
        if self._here(key, run_id, started_on, events) or started_on is None:  # (None: decided here)
            return None
        try:
            response = self.versions.invoke_build(started_on, {"Records": records, "durable_pinned_build": started_on})
        except BuildRetired:
            self._retired.add(started_on)
            logger.warning(
                "build %s has no version any more: its runs are decided by build %s", started_on, self.build_id
            )
            self._here(key, run_id, started_on, events)
            return None
        self.orchestrator.services.metrics.count("InboxBatchesForwarded")
        return [str(failure["itemIdentifier"]) for failure in response["batchItemFailures"]]

    def _here(self, key: str, run_id: str, started_on: str | None, events: list[Event] | None) -> bool:
        """Whether the run is decided here; if so, the log read for the check is the decision's."""
        if not (started_on is None or started_on == self.build_id or started_on in self._retired):
            return False
        if started_on in self._retired:
            logger.info("run %s started on build %s, retired: decided by build %s", run_id, started_on, self.build_id)
            self.orchestrator.services.metrics.count("UnpinnedDecisions")  # a batch of such a run, decided here
        if events is not None:
            self.orchestrator.read_ahead(key, events)  # the decision replays what was read here
        return True

    def _started_on(self, key: str) -> tuple[str | None, list[Event] | None]:
        """The run's first build id, from its warm machine (nothing read) or from its log (returned too)."""
        if (known := self._elsewhere.get(key)) is not None:
            self._elsewhere.move_to_end(key)
            return known, None
        machine = self.orchestrator.cached(key)
        if machine is not None:
            return first_build_id([e for record in machine.ledger.records.values() for e in record]), None
        events = self.orchestrator.services.history.load(key)
        started_on = first_build_id(events)
        if started_on is not None and started_on != self.build_id:
            self._elsewhere[key] = started_on
            while len(self._elsewhere) > ELSEWHERE_REMEMBERED:
                self._elsewhere.popitem(last=False)
        return started_on, events
