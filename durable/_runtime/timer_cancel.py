"""Recalling a run's timers that will not be needed: a cancelled timer, and what a closing run
leaves pending (its timers and its deadline).

Best effort, as Temporal's own cleanup: a long timer's schedule is deleted, so it neither fires
nor lingers in the schedule group; a short one (an SQS delay) cannot be recalled and fires into
a run that ignores it, as any message for a timer it no longer waits for.
"""

from __future__ import annotations

import logging
from typing import Any

from durable._replay.ledger import Ledger
from durable._runtime.deadlines import DEADLINE_DEDUP, deadline_of
from durable._runtime.inbox import fifo_dedup
from durable._runtime.services import INBOX, Services

__all__ = ["cancel_pending_timers", "cancel_timer", "timer_dedup"]

logger = logging.getLogger("durable.orchestrator")


def timer_dedup(seq: int) -> str:
    """The dedup key of the message that fires a run's timer ``seq`` (what dispatch sends it under)."""
    return f"timer:{seq}"


def cancel_timer(services: Services, run_id: str, seq: int) -> None:
    """Recall the run's timer ``seq`` (TimerCanceled); never fails the dispatch (see the module)."""
    _cancel(services, run_id, timer_dedup(seq))


def cancel_pending_timers(services: Services, ledger: Ledger) -> None:
    """Recall what a closed run left pending: its timers not yet due, and its deadline.

    Never fails the close: an unfired schedule of a closed run is harmless (its message
    finds the run closed), so a failed delete is logged and left, as a cancelled timer's.
    """
    started: dict[str, Any] = ledger.started or {}
    run_id = started.get("run_id", "")
    now = services.clock.now()
    dedups = [timer_dedup(seq) for seq, fire_at in sorted(ledger.timers.items()) if fire_at > now]
    if started and (deadline := deadline_of(started)) is not None and deadline[0] > now:
        dedups.append(DEADLINE_DEDUP)
    for dedup in dedups:
        _cancel(services, run_id, dedup)


def _cancel(services: Services, run_id: str, dedup: str) -> None:
    try:
        services.timers.cancel(INBOX, dedup_id=fifo_dedup(run_id, dedup))
    except Exception:  # noqa: BLE001 - best effort: a schedule left behind fires into a run that ignores it
        logger.warning("could not delete the schedule of %s of run %s", dedup, run_id, exc_info=True)
