"""Schedule deliveries that EventBridge Scheduler gave up on: dead-lettered, then forwarded.

Long timers and cron/interval fires are Scheduler schedules that send one message to a queue
(the FIFO inbox, or an activity queue). When Scheduler cannot deliver it (a KMS or permission
fault, the queue throttled or gone) it retries for up to a day; without a dead-letter queue it
then drops the delivery, and a run waits forever on a timer that never fires. So every schedule
the engine makes names the stack's schedule DLQ (a standard queue: Scheduler refuses a FIFO
one), and the reconciler's pass forwards each dead letter to the queue it was meant for.

Scheduler's dead-letter message is the undelivered input with attributes that say why and where
(:mod:`durable._runtime.schedule_dead_letter_port`).

A forward goes to the queue ``TARGET_ARN`` names: to the inbox in its run's message group (the
body's ``workflow_id``, or the schedule's group for a ``schedule_fire``), with a deduplication id
made from the body, as the inbox's content-based deduplication would have made it, so a forward
sent twice (a pass that crashed before its delete) is taken once; the run's consumed dedup keys
drop a later repeat. An activity queue is standard: no group, and the activity's attempt
bookkeeping ignores a task delivered twice. A dead letter is deleted only once forwarded; one that
cannot be forwarded stays for the next pass, counted and logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

from durable._runtime.ports import Message
from durable._runtime.schedule_dead_letter_port import ScheduleDeadLetter, ScheduleDeadLetters
from durable._runtime.services import INBOX, Services, schedule_group

__all__ = [
    "ScheduleDeadLetterSource",
    "forward_dedup_id",
    "forward_schedule_dead_letters",
    "redrive_schedule_dead_letters",
]

logger = logging.getLogger("durable.schedules")


def forward_dedup_id(body: str) -> str:
    """The deduplication id of a forward: the SHA-256 of the body, the id the inbox's
    content-based deduplication gave the delivery Scheduler meant to make."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _forward(services: Services, letter: ScheduleDeadLetter, dead_letters: ScheduleDeadLetters) -> None:
    queue_name = dead_letters.queue_of(letter.target_arn)
    if queue_name is None:
        raise LookupError(f"schedule dead letter {letter.message_id}: no queue here is {letter.target_arn}")
    if queue_name != INBOX:
        services.queue_for(queue_name).send(letter.body)
        return
    message = json.loads(services.open_body(letter.body))
    group = schedule_group(message["schedule_id"]) if message["kind"] == "schedule_fire" else message["workflow_id"]
    services.inbox.send(letter.body, group_id=group, dedup_id=forward_dedup_id(letter.body))


def forward_schedule_dead_letters(services: Services, limit: int = 100) -> tuple[int, int]:
    """Send the schedule deliveries Scheduler dead-lettered to the queues they were for: how many
    went, and how many could not be forwarded (left for the next pass, each logged).

    ``services`` are the plain ones (the reconciler's): a body goes on as Scheduler held it.
    """
    dead_letters = services.schedule_dead_letters
    if dead_letters is None:
        return 0, 0
    forwarded = failures = 0
    left: list[str] = []
    try:
        while forwarded < limit:
            letters = dead_letters.receive(10)
            if not letters:
                break
            done = []
            for letter in letters:
                try:
                    _forward(services, letter, dead_letters)
                except Exception:  # noqa: BLE001 - left where it is, for the next pass (and operators)
                    logger.exception(
                        "could not forward the schedule delivery %s (to %s, dead-lettered for %s)",
                        letter.message_id,
                        letter.attributes.get("TARGET_ARN"),
                        letter.attributes.get("ERROR_CODE"),
                    )
                    failures += 1
                    left.append(letter.receipt)
                else:
                    forwarded += 1
                    done.append(letter.receipt)
            if done:
                dead_letters.delete(done)
    finally:
        # Released after the loop, or the same ones would come back within this pass.
        for receipt in left:
            dead_letters.release(receipt)
    return forwarded, failures


def redrive_schedule_dead_letters(services: Services) -> int:
    """What ``durable dlq redrive --queue schedules`` does: the reconciler's forwarding, now;
    how many went. Raises if some could not go (they stay, each logged), as a queue's redrive
    raises when SQS refuses part of it."""
    forwarded, failures = forward_schedule_dead_letters(services, limit=10_000)
    if failures:
        raise RuntimeError(
            f"redrive of the schedule DLQ forwarded {forwarded}; {failures} could not be forwarded "
            "(left there: the logs say why)"
        )
    return forwarded


class ScheduleDeadLetterSource:
    """The schedule DLQ as ``durable dlq`` sees a queue's DLQ: its dead letters listed, and a
    redrive that forwards them where they were going (it has no source queue of its own)."""

    def __init__(self, dead_letters: ScheduleDeadLetters, redrive: Callable[[], int]) -> None:
        """``redrive``: forwards the dead letters (:func:`redrive_schedule_dead_letters`), returns how many went."""
        self._dead_letters = dead_letters
        self._redrive = redrive

    def dead_letter_messages(self, limit: int = 1000) -> list[Message]:
        """Up to ``limit`` dead letters, left there (received, then released)."""
        letters: list[ScheduleDeadLetter] = []
        try:
            while len(letters) < limit:
                batch = self._dead_letters.receive(min(10, limit - len(letters)))
                if not batch:
                    break
                letters += batch
        finally:
            for letter in letters:
                self._dead_letters.release(letter.receipt)
        return [Message(x.message_id, x.body, x.receipt, x.receive_count) for x in letters]

    def dead_letters(self) -> list[str]:
        """Bodies of the dead letters, left there."""
        return [m.body for m in self.dead_letter_messages()]

    def dead_letter_count(self) -> int:
        """How many dead letters there are."""
        return self._dead_letters.count()

    def redrive(self) -> int:
        """Forward them to the queues they were for; how many went."""
        return self._redrive()
