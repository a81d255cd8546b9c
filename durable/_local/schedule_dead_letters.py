"""The schedule DLQ in the local environment, and the local firing that fills it as Scheduler does.

Locally the dispatcher plays EventBridge Scheduler (and the timer relay): it fires each due
timer and schedule into its queue. A delivery the queue refuses is not raised into the
dispatcher (which would lose the timers fired with it, or retry it forever) nor dropped: it
is dead-lettered with the attributes Scheduler gives (:mod:`durable._runtime.schedule_dead_letter_port`),
and the reconciler's pass forwards it. Scheduler first retries for up to a day; locally the
first refusal dead-letters, since time skipping would run through that day at once anyway.

The twins keep a dead letter as one message of a local queue (in memory, in the SQLite file)
whose body holds the input and its attributes; on moto the dead letter is a real SQS message
with message attributes (:class:`~durable._aws.schedule_dead_letters.SqsScheduleDeadLetters`).
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from typing import Any, TypedDict

from botocore.exceptions import ClientError

from durable._runtime.ports import Queue
from durable._runtime.schedule_dead_letter_port import (
    ScheduleDeadLetter,
    ScheduleDeadLetters,
    SchedulerDeadLetterAttributes,
    attributes_of,
)

__all__ = ["LOCAL_ARN_PREFIX", "DeadLetteringQueue", "QueuedScheduleDeadLetters", "local_queue_arn", "local_queue_of"]

logger = logging.getLogger("durable.local")

LOCAL_ARN_PREFIX = "arn:aws:sqs:us-east-1:123456789012:"
"""The ARN of a local queue is this and its name (moto's account and region)."""

_executions = itertools.count(1)


def local_queue_arn(name: str) -> str:
    """The ARN a local schedule names its target queue by."""
    return f"{LOCAL_ARN_PREFIX}{name}"


def local_queue_of(target_arn: str) -> str | None:
    """The local queue a target ARN names (None: not a local queue's)."""
    return target_arn.removeprefix(LOCAL_ARN_PREFIX) if target_arn.startswith(LOCAL_ARN_PREFIX) else None


class _Envelope(TypedDict):
    body: str
    attributes: SchedulerDeadLetterAttributes


class QueuedScheduleDeadLetters:
    """:class:`~durable._runtime.schedule_dead_letter_port.ScheduleDeadLetters` on a local
    standard queue (memory, SQLite) that never dead-letters by itself."""

    def __init__(self, queue: Queue) -> None:
        """Dead letters kept in ``queue``."""
        self.queue = queue
        # Received and neither deleted nor released: counted, as SQS counts those in flight.
        # (A restarted process finds them visible again, as a local queue does.)
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def send(self, body: str, attributes: SchedulerDeadLetterAttributes) -> None:
        """Keep one dead letter."""
        self.queue.send(json.dumps(_Envelope(body=body, attributes=attributes)))

    def receive(self, max_messages: int = 10) -> list[ScheduleDeadLetter]:
        """Up to ``max_messages`` dead letters; in flight until deleted or released."""
        out = []
        received = self.queue.receive(max_messages)
        with self._lock:
            self._in_flight |= {m.receipt for m in received}
        for m in received:
            envelope: _Envelope = json.loads(m.body)
            out.append(
                ScheduleDeadLetter(m.message_id, envelope["body"], m.receipt, m.receive_count, envelope["attributes"])
            )
        return out

    def delete(self, receipts: list[str]) -> None:
        """Drop them."""
        self.queue.delete(receipts)
        with self._lock:
            self._in_flight -= set(receipts)

    def release(self, receipt: str) -> None:
        """Visible again at once."""
        self.queue.release(receipt)
        with self._lock:
            self._in_flight.discard(receipt)

    def count(self) -> int:
        """How many there are (each received, then released: a local queue is small; the receive
        counts one more, which nothing reads), in flight included."""
        seen: list[str] = []
        try:
            while batch := self.queue.receive(10):
                seen += [m.receipt for m in batch]
        finally:
            for receipt in seen:
                self.queue.release(receipt)
        with self._lock:
            return len(seen) + len(self._in_flight)

    def queue_of(self, target_arn: str) -> str | None:
        """The local queue ``target_arn`` names."""
        return local_queue_of(target_arn)


def _error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        code: str = error.response.get("Error", {}).get("Code", "ClientError")
        return code
    return type(error).__name__


class DeadLetteringQueue:
    """A queue as the local firing sends to it: a send it refuses is dead-lettered, as
    Scheduler dead-letters a delivery its target refused."""

    def __init__(self, inner: Queue, dead_letters: ScheduleDeadLetters) -> None:
        """Sends go to ``inner``; what it refuses, to ``dead_letters``."""
        self.inner = inner
        self.name = inner.name
        self.fifo = inner.fifo
        self._dead_letters = dead_letters

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        """Deliver ``body``; if the queue refuses it, dead-letter it (never raised, never dropped)."""
        try:
            self.inner.send(body, group_id=group_id, dedup_id=dedup_id)
        except Exception as error:  # noqa: BLE001 - Scheduler's answer to any refusal: its DLQ
            logger.warning("%s refused a timer's delivery: dead-lettered (%s)", self.name, error)
            self._dead_letters.send(
                body,
                attributes_of(
                    {
                        "ERROR_CODE": _error_code(error),
                        "ERROR_MESSAGE": str(error)[:1000] or type(error).__name__,
                        "EXECUTION_ID": f"local-{next(_executions)}",
                        "RETRY_ATTEMPTS": "0",
                        "TARGET_ARN": local_queue_arn(self.name),
                    }
                ),
            )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
