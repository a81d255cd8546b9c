"""Pausing an activity, as Temporal's ``PauseActivity`` / ``UnpauseActivity``: the engine's side.

What a pause or unpause message logs (pure), and what the dispatcher sends because of it.

A pause is an inbox message like any other change to a run, so the one writer of the run
logs it (``ActivityPaused``) in order with the attempts' outcomes: the retry decision of
a failed attempt reads the pause from the same log and cannot race with it. While paused:

- an attempt that is running keeps running; the dispatcher flags the activity's heartbeat
  record, so the attempt learns at its next heartbeat (``activity.cancellation_details()``
  says ``paused``) and is cancelled locally;
- an attempt that ends in failure or timeout schedules no retry: the next attempt is
  logged as *held* (``ActivityTaskAttemptFailed`` with ``paused``) and waits, attempt
  count kept, until an unpause; a retry that was already on its way is dropped by the
  worker, which reads the heartbeat record's flag before it claims a retry;
- a completion still completes the activity, and a failure that allows no more retries
  (non-retryable, attempts or schedule-to-close exhausted) still fails it;
- the schedule-to-close timeout keeps running (a message at its deadline fails the waiting
  attempt), and a cancel request cancels an activity that runs no attempt at once.

An unpause (``ActivityUnpaused``) clears the flag and dispatches the current attempt at once
(or after the jitter the caller drew). Should that attempt be running still, the worker's
claim on it turns the new task away. Resetting the attempts makes the next attempt 1 again
under a new *stamp* (Temporal's name for it), which the attempt's claim, its result's dedup
key and its task token carry, so attempt 1 of the new stamp is never taken for the old one;
the heartbeat record keeps the current stamp, and the worker drops a retry of an older one.
"""

from __future__ import annotations

from collections.abc import Mapping

from durable._replay import events as ev
from durable._replay.events import Event
from durable._replay.ledger import ActivityState, Ledger
from durable._runtime.inbox import ActivityPauseMessage, ActivityUnpauseMessage, send_to_inbox, send_to_inbox_at
from durable._runtime.services import Services

__all__ = [
    "PAUSE_ERROR_MESSAGE",
    "PAUSE_ERROR_TYPE",
    "attempt_dedup",
    "cancel_if_held",
    "claim_data",
    "pause_event",
    "pending_by_id",
    "send_held_deadline",
    "waits_for_unpause",
    "unpause_event",
]

PAUSE_ERROR_TYPE = "ActivityPause"
PAUSE_ERROR_MESSAGE = "Unhandled activity cancel error produced by activity pause"
"""How an attempt that lets the pause's cancellation escape fails (as temporalio's worker reports it)."""


def attempt_dedup(seq: int, attempt: int, stamp: int = 0) -> str:
    """The dedup key of an attempt's result (stamp 0 keeps the key every earlier release used)."""
    return f"act:{seq}:{attempt}" if not stamp else f"act:{seq}:{attempt}:{stamp}"


def claim_data(task: Mapping[str, object]) -> dict[str, object]:
    """What the worker's claim is keyed on: the task, its attempt qualified by its stamp when it
    has one (so the claims of tasks without one keep the key they always had)."""
    stamp = task.get("stamp")
    return dict(task) if not stamp else {**task, "attempt": f"{task['attempt']}:{stamp}"}


def pending_by_id(ledger: Ledger, activity_id: str) -> tuple[int, ActivityState] | None:
    """The pending activity of a run with this activity id, and its seq."""
    for seq, act in ledger.activities.items():
        if act.scheduled["activity_id"] == activity_id:
            return seq, act
    return None


def pause_event(ledger: Ledger, body: ActivityPauseMessage, now: float) -> Event | None:
    """The event a pause logs; None when the activity is no longer pending or already paused."""
    act = ledger.activities.get(body["seq"])
    if act is None or act.paused is not None:
        return None
    return ev.make_event(
        ev.ACTIVITY_PAUSED,
        now,
        dedup=body["dedup"],
        seq=body["seq"],
        activity_id=act.scheduled["activity_id"],
        reason=body["reason"],
        identity=body["identity"],
    )


def unpause_event(ledger: Ledger, body: ActivityUnpauseMessage, now: float) -> Event | None:
    """The event an unpause logs; None when the activity is no longer pending or not paused."""
    act = ledger.activities.get(body["seq"])
    if act is None or act.paused is None:
        return None
    return ev.make_event(
        ev.ACTIVITY_UNPAUSED,
        now,
        dedup=body["dedup"],
        seq=body["seq"],
        activity_id=act.scheduled["activity_id"],
        identity=body["identity"],
        reset_attempts=body["reset_attempts"],
        reset_heartbeats=body["reset_heartbeats"],
        next_attempt_time=max(now, body["next_attempt_time"]),
    )


def send_held_deadline(services: Services, ledger: Ledger, seq: int) -> None:
    """Keep the schedule-to-close timeout running while a pause holds the activity's next attempt,
    as Temporal's does: at the deadline that attempt fails with the failure before it, which
    allows no retry then, so the activity times out (ignored if the attempt ended meanwhile).
    Nothing to do before a first failure: a running attempt's own limit ends at the deadline."""
    act = ledger.activities[seq]
    limit = act.scheduled.get("schedule_to_close_timeout")
    started = ledger.started or {}
    if not limit or act.last_failure is None:
        return
    stamp = {"stamp": act.stamp} if act.stamp else {}
    send_to_inbox_at(
        services,
        act.scheduled_time + float(limit),
        started["workflow_id"],
        started["run_id"],
        "activity_result",
        f"{attempt_dedup(seq, act.attempt, act.stamp)}:held",
        seq=seq,
        attempt=act.attempt,
        outcome="failed",
        failure=act.last_failure,
        **stamp,
    )


def waits_for_unpause(act: ActivityState) -> bool:
    """Whether no attempt of a paused activity runs: the last one failed while paused, or the
    retry it waited for was due after the pause (the worker drops it)."""
    if act.paused is None:
        return False
    return act.held or (act.attempt > 1 and act.attempt_time >= act.paused["time"])


def cancel_if_held(services: Services, ledger: Ledger, seq: int) -> None:
    """A cancel request for a paused activity that runs no attempt: it is cancelled at once, as
    Temporal cancels an activity that is not running, instead of waiting for an unpause."""
    act = ledger.activities[seq]
    if not act.cancel_requested or not waits_for_unpause(act):
        return
    started = ledger.started or {}
    stamp = {"stamp": act.stamp} if act.stamp else {}
    send_to_inbox(
        services,
        started["workflow_id"],
        started["run_id"],
        "activity_result",
        f"{attempt_dedup(seq, act.attempt, act.stamp)}:held-cancel",
        seq=seq,
        attempt=act.attempt,
        outcome="canceled",
        **stamp,
    )
