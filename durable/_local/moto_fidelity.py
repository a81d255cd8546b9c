"""Make moto's DynamoDB keep the one promise the engine's log relies on.

DynamoDB evaluates a write's condition and applies the write atomically: of two racing
``put_item(..., ConditionExpression="attribute_not_exists(sk)")`` at one key, exactly one
lands. That is what makes the history log its own lock. moto checks the condition and then
stores the item with nothing in between to stop another thread, so two racing writers can
both succeed (seen in the adapter contract suite: about one race in twenty). The embedded
emulation serves several threads at once (the dev server, ``ThreadedMotoServer``, the
dispatcher's workers), so it must not lose that guarantee.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

__all__ = ["make_dynamodb_writes_atomic"]

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
