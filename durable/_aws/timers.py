"""Durable timers of any length on SQS, for AWS.

SQS delays a message by at most 900 s, and FIFO queues (the inbox) take no per-message
delay at all. So a timer is a message on a standard *timer queue*, delayed by up to
15 minutes; the timer relay Lambda reads it and either sends it on another hop (still
not due) or delivers its body to the target queue. A chain of hops reaches any time.

A timer message's body is the JSON of a :class:`TimerMessage`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TypedDict

from durable._aws.sqs import SqsQueue
from durable._runtime.ports import Clock

__all__ = ["MAX_DELAY_SECONDS", "SqsTimerService", "TimerMessage"]

MAX_DELAY_SECONDS = 900  # SQS's limit for DelaySeconds


class TimerMessage(TypedDict):
    """A message on the timer queue: what to deliver where, and when."""

    fire_at: float
    """Epoch seconds."""
    queue: str
    """The target queue's name (the inbox, or an activity queue)."""
    body: str
    group_id: str | None
    """The target's message group (FIFO targets)."""
    dedup_id: str | None
    """The target's deduplication id (FIFO targets)."""


def _delay(fire_at: float, now: float) -> int:
    # Rounded up: a timer may fire late by under a second, never early.
    return min(MAX_DELAY_SECONDS, max(0, math.ceil(fire_at - now)))


class SqsTimerService:
    """:class:`~durable._runtime.ports.TimerService` over a standard SQS timer queue."""

    def __init__(self, timer_queue: SqsQueue, queues: Mapping[str, SqsQueue], clock: Clock) -> None:
        """``queues`` maps each target queue's name to its queue."""
        if timer_queue.fifo:
            raise ValueError("the timer queue must be a standard queue: FIFO has no delays")
        self.timer_queue = timer_queue
        self.queues = queues
        self.clock = clock

    def schedule(
        self,
        fire_at: float,
        queue: str,
        body: str,
        *,
        group_id: str | None = None,
        dedup_id: str | None = None,
    ) -> None:
        """Deliver ``body`` to queue ``queue`` at ``fire_at`` (epoch seconds)."""
        if queue not in self.queues:
            raise ValueError(f"unknown timer target queue {queue!r}")
        timer: TimerMessage = {
            "fire_at": fire_at,
            "queue": queue,
            "body": body,
            "group_id": group_id,
            "dedup_id": dedup_id,
        }
        self._hop(json.dumps(timer, separators=(",", ":")), fire_at)

    def cancel(self, queue: str, *, dedup_id: str) -> None:
        """Nothing to do: a delayed SQS message cannot be recalled; its run ignores it when it comes."""
        del queue, dedup_id

    def relay(self, message_body: str) -> bool:
        """Handle one timer-queue message: deliver it if due, else send it on another hop.

        Returns True when the body went to its target queue. At least once, like the
        Lambda that calls it: a FIFO target drops a repeated delivery by its dedup id.
        """
        timer: TimerMessage = json.loads(message_body)
        fire_at = float(timer["fire_at"])
        if fire_at > self.clock.now():
            # Not due yet: beyond the 15-minute reach of the last hop, or early by clock skew.
            self._hop(message_body, fire_at)
            return False
        self.queues[timer["queue"]].send(timer["body"], group_id=timer.get("group_id"), dedup_id=timer.get("dedup_id"))
        return True

    def _hop(self, message_body: str, fire_at: float) -> None:
        self.timer_queue.send(message_body, delay_seconds=_delay(fire_at, self.clock.now()))
