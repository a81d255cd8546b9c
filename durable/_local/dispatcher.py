"""Plays Lambda's event source mappings in-process, and owns the passage of time.

One thread polls the queues that have work, hands inbox batches to the orchestrator
handler (in order, as a FIFO mapping would) and activity tasks to the activity handler
(concurrently, on a pool: each is one Lambda invocation), deletes what succeeded and
releases what failed. It fires due timers from the environment's clock and, under time
skipping, jumps the clock to the next timer when nothing else can happen and either a
client awaits a result or ``env.sleep()`` asks for it.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from durable._local.backends import Backend
from durable._local.concurrency import QueueSlots
from durable._local.invocations import INVOCATIONS, LAMBDA_ATTEMPTS
from durable._runtime.ports import Message, Queue
from durable._runtime.services import INBOX

__all__ = ["Dispatcher"]

logger = logging.getLogger("durable.local")

Handler = Callable[[dict[str, Any]], PartialItemFailureResponse]


def sqs_event(queue: Queue, messages: list[Message]) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping would pass."""
    arn = f"arn:aws:sqs:us-east-1:000000000000:{queue.name}"
    records = []
    for m in messages:
        attributes = {
            "ApproximateReceiveCount": str(m.receive_count),
            "SentTimestamp": str(int((m.sent_at or time.time()) * 1000)),
            "SenderId": "local",
            "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
        }
        if m.group_id is not None:
            attributes["MessageGroupId"] = m.group_id
            attributes["MessageDeduplicationId"] = m.message_id
            attributes["SequenceNumber"] = "0"
        records.append(
            {
                "messageId": m.message_id,
                "receiptHandle": m.receipt,
                "body": m.body,
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


class Dispatcher:
    """The local stand-in for event source mappings, the timer relay and the clock."""

    def __init__(
        self,
        backend: Backend,
        orchestrator_handler: Handler,
        activity_handler: Handler,
        *,
        skipping: bool,
        max_concurrent_activities: int = 32,
        queue_concurrency: Callable[[str], int | None] | None = None,
    ) -> None:
        """``queue_concurrency``: an activity queue's most attempts at once (None: no limit but the pool's)."""
        self.backend = backend
        self._orchestrate = orchestrator_handler
        self._run_activities = activity_handler
        self.skipping = skipping
        self._notifier = backend.notifier
        self._pool = concurrent.futures.ThreadPoolExecutor(max_concurrent_activities, thread_name_prefix="activity")
        self._in_flight = 0
        self._slots = QueueSlots(queue_concurrency or (lambda name: None))
        self._auto_skip = 0
        self._skip_target: float | None = None
        self._skip_done = threading.Event()
        self._stopping = False
        self._inbox_busy = False
        self._thread = threading.Thread(target=self._loop, name="durable-dispatcher", daemon=True)
        self.errors: list[BaseException] = []

    def start(self) -> None:
        """Start dispatching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching and wait for running activities."""
        with self._notifier.cond:
            self._stopping = True
            self._notifier.cond.notify_all()
        self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- what the environment asks for ----------------------------------------------------

    def auto_skip(self, on: bool) -> None:
        """Count a client that awaits a result (time may skip while it waits)."""
        with self._notifier.cond:
            self._auto_skip += 1 if on else -1
            self._notifier.cond.notify_all()

    def skip_until(self, target: float) -> None:
        """Advance virtual time to ``target``, firing every timer on the way (blocking)."""
        with self._notifier.cond:
            self._skip_done.clear()
            self._skip_target = target
            self._notifier.cond.notify_all()
        self._skip_done.wait()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no queue has work and no activity runs (for tests and the demo)."""
        deadline = time.monotonic() + timeout
        with self._notifier.cond:
            while self._notifier.dirty or self._in_flight or self._inbox_busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._notifier.cond.wait(left)
        return True

    def wait_inbox_drained(self, timeout: float = 2.0) -> None:
        """Block until every inbox message (and delivery) sent so far has been applied (or the timeout)."""
        deadline = time.monotonic() + timeout
        with self._notifier.cond:
            while INBOX in self._notifier.dirty or INVOCATIONS in self._notifier.dirty or self._inbox_busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._notifier.cond.wait(left)

    # -- the loop -------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            try:
                if self._stopping:
                    return
                if self._poll():
                    continue
                self._idle()
            except BaseException as err:  # keep dispatching: a handler crash is the handler's failure
                logger.exception("dispatcher error")
                self.errors.append(err)
                time.sleep(0.01)

    def _poll(self) -> bool:
        backend = self.backend
        progressed = backend.timers.fire_due() > 0
        with self._notifier.cond:
            dirty = list(self._notifier.dirty)
        # Activity queues first: their invocations run in parallel with the inbox's.
        for name in sorted(dirty, key=lambda n: n == INBOX):
            if name == INVOCATIONS:
                progressed = self._deliver() or progressed
                continue
            queue = backend.services.queue_for(name)
            with self._notifier.cond:
                self._notifier.dirty.discard(name)
                if name == INBOX:
                    self._inbox_busy = True
            want = 10 if name == INBOX else self._slots.room(queue.name)
            if not want:
                continue  # at its concurrency: the end of one of its attempts polls it again
            messages = queue.receive(want)
            if len(messages) == want:
                self._notifier.mark(name)  # there may be more
            if not messages:
                if name == INBOX:
                    with self._notifier.cond:
                        self._inbox_busy = False
                        self._notifier.cond.notify_all()
                continue
            progressed = True
            if name == INBOX:
                try:
                    self._invoke(queue, messages, self._orchestrate)
                finally:
                    with self._notifier.cond:
                        self._inbox_busy = False
                        self._notifier.cond.notify_all()
            else:
                for m in messages:
                    self._slots.take(queue.name)
                    with self._notifier.cond:
                        self._in_flight += 1
                    self._pool.submit(self._invoke_activity, queue, m)
        return progressed

    def _invoke(self, queue: Queue, messages: list[Message], handler: Handler) -> None:
        try:
            response = handler(sqs_event(queue, messages))
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except BaseException as err:  # the invocation crashed: nothing in the batch succeeded
            logger.warning("%s invocation failed: %s: %s", queue.name, type(err).__name__, err)
            failed = {m.message_id for m in messages}
        done = [m.receipt for m in messages if m.message_id not in failed]
        if done:
            queue.delete(done)
        for m in messages:
            if m.message_id in failed:
                queue.release(m.receipt)

    def _deliver(self) -> bool:
        """Run the orchestrator's accepted asynchronous invocations, one invocation each, as
        Lambda runs them: a failed one is tried again, and after its third failure it goes
        to the function's dead-letter queue. In the inbox's turn: one orchestrator at a time
        here (on AWS they race, and the log's conditional append decides)."""
        pending, services = self.backend.invocations, self.backend.services
        if pending is None:
            return False
        with self._notifier.cond:
            self._notifier.dirty.discard(INVOCATIONS)
            self._inbox_busy = True
        try:
            messages = pending.receive(10)
            if len(messages) == 10:
                self._notifier.mark(INVOCATIONS)  # there may be more
            for m in messages:
                try:
                    self._orchestrate(json.loads(m.body))
                except BaseException as err:  # the invocation crashed
                    logger.warning("orchestrator invocation failed: %s: %s", type(err).__name__, err)
                    if m.receive_count < LAMBDA_ATTEMPTS:
                        pending.release(m.receipt)
                        continue
                    assert services.failed_deliveries is not None
                    services.failed_deliveries.send(m.body)
                pending.delete([m.receipt])
        finally:
            with self._notifier.cond:
                self._inbox_busy = False
                self._notifier.cond.notify_all()
        return bool(messages)

    def _invoke_activity(self, queue: Queue, message: Message) -> None:
        try:
            self._invoke(queue, [message], self._run_activities)
        finally:
            if self._slots.give(queue.name):
                self._notifier.mark(queue.name)  # a slot is free: its waiting messages may start
            with self._notifier.cond:
                self._in_flight -= 1
                self._notifier.cond.notify_all()

    def _idle(self) -> None:
        backend = self.backend
        with self._notifier.cond:
            if self._notifier.dirty or self._stopping:
                return
            due = backend.timers.next_due()
            quiet = self._in_flight == 0
            if self.skipping and quiet and self._skip_target is not None:
                if due is not None and due <= self._skip_target:
                    backend.clock.advance_to(due)  # type: ignore[union-attr]
                    return
                backend.clock.advance_to(self._skip_target)  # type: ignore[union-attr]
                self._skip_target = None
                self._skip_done.set()
                return
            if self.skipping and quiet and self._auto_skip > 0 and due is not None and not self._notifier.failing_tasks:
                backend.clock.advance_to(due)  # type: ignore[union-attr]
                return
            wait = 0.25 if due is None else max(0.0, min(0.25, due - backend.clock.now()))
            if wait > 0:
                self._notifier.cond.wait(wait)
