"""A client's signal is never accepted and then lost to its run's close.

A signal is accepted in two steps: its message goes to the run's inbox, then its dedup key
joins the run's accepted signals on the execution record, a conditional write that holds
only while the run is RUNNING and its close is not fenced. Sent first, accepted second: an
accepted signal's message is always in the run's FIFO group already.

Before the orchestrator commits a record that closes the run, it reads the record. An
accepted signal that is neither in the log nor in that record is in flight, behind this
batch in the group: the batch is retried (:class:`SignalsInFlight`) and takes it next time,
as Temporal fails a completing workflow task that new events arrived during. Otherwise it
fences the close, conditional on the number of accepted signals it read: a signal accepted
in between makes the fence fail (the batch is retried), and once the fence stands no signal
is accepted, so the caller of a later one hears that the run completed instead of a success
that nothing applies. Applied signals leave the set as they are committed, so the record
stays small whatever the number of signals a run takes.

A fence whose close never came (the orchestrator crashed after it, and the redelivered batch
decided something else) is cleared by the next signal that finds the run's log still open
after :data:`STALE_FENCE_SECONDS`. See docs/design/signals-at-close.md.
"""

from __future__ import annotations

import logging
from typing import Any

from durable._replay import events as ev
from durable._replay.events import Event
from durable._replay.ledger import Ledger
from durable._runtime.inbox import RunMessageKind, send_to_inbox
from durable._runtime.ports import ExecutionNotFound
from durable._runtime.services import Services
from durable._statuses import WorkflowExecutionStatus

__all__ = [
    "STALE_FENCE_SECONDS",
    "hand_on",
    "SignalsInFlight",
    "accepted_dedups",
    "closes",
    "fence_close",
    "forget_applied",
    "is_client_signal",
]

STALE_FENCE_SECONDS = 60.0
"""A fence this old on a run whose log is still open was left by a close that never came:
an orchestrator commits its closing record within milliseconds of fencing it."""

logger = logging.getLogger("durable.orchestrator")

_CLIENT_SIGNAL = "signal:"  # the dedup keys of signals sent through Control.signal


class SignalsInFlight(Exception):
    """The run may not close yet: a signal accepted for it has not reached it. Its batch is
    retried and takes the signal with it; nothing failed."""


def is_client_signal(dedup: str) -> bool:
    """Whether a dedup key is a client signal's, accepted on the record (:func:`accept`)."""
    return dedup.startswith(_CLIENT_SIGNAL)


def closes(record: list[Event]) -> bool:
    """Whether committing ``record`` closes the run."""
    return any(e["event_type"] in ev.TERMINAL_EVENTS for e in record)


def accepted_dedups(record: list[Event]) -> list[str]:
    """The client signals ``record`` applies."""
    return [
        e["attributes"]["dedup"]
        for e in record
        if e["event_type"] == ev.SIGNALED and is_client_signal(e["attributes"].get("dedup", ""))
    ]


def _run_of(ledger: Ledger, record: list[Event]) -> tuple[str, str] | None:
    """(workflow id, run id) of the run ``record`` is for (its start may be in the record)."""
    started = ledger.started or next((e["attributes"] for e in record if e["event_type"] == ev.WORKFLOW_STARTED), {})
    if "workflow_id" not in started:
        return None
    return started["workflow_id"], started["run_id"]


def fence_close(services: Services, ledger: Ledger, record: list[Event], now: float) -> None:
    """Fence the close ``record`` commits, or raise :class:`SignalsInFlight`."""
    run = _run_of(ledger, record)
    if run is None:
        return
    workflow_id, run_id = run
    try:
        current = services.executions.get(workflow_id)
    except ExecutionNotFound:
        return  # no record, so no signal was accepted for it
    if current.run_id != run_id or current.status is not WorkflowExecutionStatus.RUNNING:
        return  # no longer accepting signals: nothing to fence
    applied = set(ledger.consumed) | set(accepted_dedups(record))
    in_flight = current.accepted_signals - applied
    if in_flight:
        raise SignalsInFlight(
            f"run {run_id} of {workflow_id!r} closes with {len(in_flight)} accepted signal(s) not applied yet "
            f"({', '.join(sorted(in_flight)[:3])}): its messages are retried with them"
        )
    if not services.executions.fence_close(workflow_id, run_id, len(current.accepted_signals), now):
        raise SignalsInFlight(f"a signal was accepted for run {run_id} of {workflow_id!r} as it closed: retried")


def forget_applied(services: Services, ledger: Ledger, record: list[Event]) -> None:
    """Drop the client signals ``record`` applied from the run's accepted signals."""
    dedups = accepted_dedups(record)
    run = _run_of(ledger, record)
    if dedups and run is not None and not closes(record):
        services.executions.forget_signals(*run, dedups)


def hand_on(
    services: Services, workflow_id: str, run_id: str, kind: RunMessageKind, dedup: str, fields: dict[str, Any]
) -> None:
    """Send a signal or cancel a closed run took on to the run that followed it (a continue-as-new,
    a reset); a client's signal is accepted there too, so that run does not close without it."""
    send_to_inbox(services, workflow_id, run_id, kind, dedup, **fields)
    if (
        kind == "signal"
        and is_client_signal(dedup)
        and not services.executions.accept_signal(workflow_id, run_id, dedup)
    ):
        # That run is closing too: a continue-as-new hands the message on again when it comes,
        # a close of another kind leaves it with nowhere to go.
        logger.warning("signal %s handed on to run %s of %r, which is closing", dedup, run_id, workflow_id)
