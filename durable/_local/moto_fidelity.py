"""Make moto keep the promises the engine relies on: DynamoDB's atomic conditional
writes, and SQS's per-group deduplication on a high-throughput FIFO queue.

DynamoDB evaluates a write's condition and applies the write atomically: of two racing
``put_item(..., ConditionExpression="attribute_not_exists(sk)")`` at one key, exactly one
lands. That is what makes the history log its own lock. moto checks the condition and then
stores the item with nothing in between to stop another thread, so two racing writers can
both succeed (seen in the adapter contract suite: about one race in twenty). The embedded
emulation serves several threads at once (the dev server, ``ThreadedMotoServer``, the
dispatcher's workers), so it must not lose that guarantee.

A FIFO queue whose ``DeduplicationScope`` is ``messageGroup`` (the inbox, in SQS's
high-throughput mode) drops a message only when its dedup id was seen in the same message
group; moto compares dedup ids across the whole queue whatever the scope, so it would drop
another run's message that happens to share an id.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

__all__ = ["make_dynamodb_writes_atomic", "make_sqs_dedup_scoped"]

# Every item write of moto's DynamoDB backend: one lock for all tables is coarse but moto
# is a single-process emulation where this costs nothing measurable.
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item", "execute_transaction")
_WRITES_WITH_VALUES = ("put_item", "update_item", "delete_item")
_lock = threading.RLock()


def make_dynamodb_writes_atomic() -> None:
    """Serialise moto's DynamoDB item writes (idempotent; a no-op once applied)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoDBBackend, "_durable_atomic_writes", False):
        return
    for name in _WRITES:
        setattr(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name)))
    # The responses of writes that return values (ReturnValues=UPDATED_NEW, ALL_OLD, ...) read
    # the item before and after the backend's write, outside it: a racing write showed through
    # (two reservers of a rate slot were both told they took the same one).
    for name in _WRITES_WITH_VALUES:
        setattr(DynamoHandler, name, _atomic(getattr(DynamoHandler, name)))
    DynamoDBBackend._durable_atomic_writes = True  # type: ignore[attr-defined]


def _atomic(write: Any) -> Any:
    @functools.wraps(write)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return write(*args, **kwargs)

    return locked


def make_sqs_dedup_scoped() -> None:
    """Have moto's FIFO queues deduplicate per message group where their scope says so (idempotent)."""
    from moto.sqs.models import DEDUPLICATION_TIME_IN_SECONDS, Queue

    if getattr(Queue, "_durable_dedup_scoped", False):
        return
    add_message = Queue.add_message

    @functools.wraps(add_message)
    def scoped_add_message(self: Any, message: Any) -> None:
        if not (
            self.fifo_queue and self.attributes.get("DeduplicationScope") == "messageGroup" and message.deduplication_id
        ):
            add_message(self, message)
            return
        # The ids sent in the last five minutes, by group: SQS drops a duplicate whether or not
        # the first copy is still queued (and a lookup keeps a deep queue's sends fast).
        sent: dict[tuple[str, str], float] = self.__dict__.setdefault("_durable_group_dedup", {})
        window_ms = DEDUPLICATION_TIME_IN_SECONDS * 1000
        key = (message.group_id, message.deduplication_id)
        first = sent.get(key)
        if first is not None and message.sent_timestamp - first < window_ms:
            return  # a duplicate in its group: accepted and dropped, as SQS does
        sent[key] = message.sent_timestamp
        if len(sent) > 10_000:
            for stale in [k for k, at in sent.items() if message.sent_timestamp - at >= window_ms]:
                del sent[stale]
        # Not a duplicate in its group: hide the id from moto's queue-wide comparison.
        dedup_id, message.deduplication_id = message.deduplication_id, None
        try:
            add_message(self, message)
        finally:
            message.deduplication_id = dedup_id

    Queue.add_message = scoped_add_message  # type: ignore[method-assign]
    Queue._durable_dedup_scoped = True  # type: ignore[attr-defined]
