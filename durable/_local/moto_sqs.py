"""Keep moto's SQS as fast with 10,000 queued messages as with ten, and as strict.

moto keeps a queue's messages in a list and answers every request by scanning it, often
several times, reading the clock through ``datetime`` for each message it looks at: a
FIFO ``SendMessage`` builds the queue's attributes four times (three scans each, for the
approximate counts), a ``DeleteMessage`` scans twice per receipt, ``ReceiveMessage`` first
lists every visible message. On the dev server that made the inbox drain slower as it
deepened (17 to 3 messages/s at 3,400 queued). Measured by ``benchmarks/drain.py``.

Here a queue's messages live in a dict in send order with an index by receipt handle and
the set of messages that may be hidden (in flight or delayed): the counts, a delete and a
visibility change no longer look at the others, and a receive stops at the messages it
takes. What each operation answers is moto's, unchanged: same order, same FIFO group
rules, same deduplication, same receipt handles (the adapter contract suite runs on it).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["index_sqs_queues"]

_homes: dict[int, QueueMessages] = {}
"""Which queue holds each message (by the message's id()): moto's messages do not know."""
_homes_lock = threading.Lock()


def index_sqs_queues() -> None:
    """Give moto's SQS queues indexed messages (idempotent; a no-op once applied)."""
    from moto.sqs import models
    from moto.sqs.exceptions import InvalidParameterValue, ReceiptHandleIsInvalid

    if getattr(models.Queue, "_durable_indexed", False):
        return
    # The same epoch milliseconds, without a datetime round trip per message looked at.
    setattr(models, "unix_time", time.time)  # noqa: B010 (moto does not export the name)
    setattr(models, "unix_time_millis", lambda: time.time() * 1000.0)  # noqa: B010
    # A pure function moto calls for each attribute of each queue attributes build.
    cached = functools.lru_cache(maxsize=256)(getattr(models, "camelcase_to_underscores"))  # noqa: B009
    setattr(models, "camelcase_to_underscores", cached)  # noqa: B010

    queue, message = models.Queue, models.Message
    queue._messages = property(_messages_of, _set_messages)  # type: ignore[assignment]
    queue.messages = property(lambda self: VisibleMessages(_messages_of(self)))  # type: ignore[assignment]
    queue.approximate_number_of_messages = property(lambda self: _messages_of(self).visible_count())  # type: ignore[assignment]
    queue.approximate_number_of_messages_not_visible = property(  # type: ignore[assignment]
        lambda self: _messages_of(self).hidden_counts()[0]
    )
    queue.approximate_number_of_messages_delayed = property(  # type: ignore[assignment]
        lambda self: _messages_of(self).hidden_counts()[1]
    )

    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return  # already deleted: SQS takes a repeat
        found = _messages_of(self).by_receipt(receipt_handle)
        if found is None:
            raise ReceiptHandleIsInvalid()
        _messages_of(self).remove(found)
        self.pending_messages.discard(found)
        self.deleted_messages.update(found.all_receipt_handles)

    queue.delete_message = delete_message  # type: ignore[method-assign]

    def change_message_visibility(self: Any, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
        q = self.get_queue(queue_name)
        found = _messages_of(q).by_receipt(receipt_handle)
        if found is None:
            raise ReceiptHandleIsInvalid
        # moto's check, as it makes it: the total visibility timeout stays within 12 hours.
        if time.time() * 1000 + int(visibility_timeout) * 1000 - found.sent_timestamp > 43200 * 1000:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        found.change_visibility(visibility_timeout)
        if found.visible and found in q.pending_messages:
            q.pending_messages.remove(found)

    models.SQSBackend.change_message_visibility = change_message_visibility  # type: ignore[method-assign]

    # A message that may become hidden (received, made invisible, delayed) tells its queue.
    for name in ("mark_received", "change_visibility", "delay"):
        setattr(message, name, _telling_home(getattr(message, name)))
    queue._durable_indexed = True  # type: ignore[attr-defined]


def _telling_home(change: Any) -> Any:
    @functools.wraps(change)
    def changed(self: Any, *args: Any, **kwargs: Any) -> None:
        change(self, *args, **kwargs)
        home = _homes.get(id(self))
        if home is not None:
            home.touched(self)

    return changed


def _messages_of(queue: Any) -> QueueMessages:
    held = queue.__dict__.get("_durable_messages")
    if held is None:
        held = queue.__dict__["_durable_messages"] = QueueMessages(queue.__dict__.pop("_messages", []))
    return held  # type: ignore[no-any-return]


def _set_messages(queue: Any, messages: Iterable[Any]) -> None:
    old = queue.__dict__.get("_durable_messages")
    if old is not None:
        old.clear()
    queue.__dict__["_durable_messages"] = QueueMessages(messages)


class QueueMessages:
    """A queue's messages in send order (what moto kept in a list), indexed.

    Iteration walks a copy taken at its start: another request may change the queue meanwhile.
    """

    def __init__(self, messages: Iterable[Any] = ()) -> None:
        self._lock = threading.RLock()
        self._all: dict[int, Any] = {}
        self._receipts: dict[str, Any] = {}
        self._maybe_hidden: dict[int, Any] = {}  # in flight or delayed, or settled since (pruned on count)
        for m in messages:
            self.append(m)

    def append(self, message: Any) -> None:
        with self._lock:
            self._all[id(message)] = message
            for handle in message.all_receipt_handles:
                if handle is not None:
                    self._receipts[handle] = message
            if message.visible_at or message.delayed_until:
                self._maybe_hidden[id(message)] = message
        with _homes_lock:
            _homes[id(message)] = self

    def remove(self, message: Any) -> None:
        with self._lock:
            if not self._holds(message):
                raise ValueError("message not in queue")
            del self._all[id(message)]
            self._maybe_hidden.pop(id(message), None)
            for handle in message.all_receipt_handles:
                if self._receipts.get(handle) is message:
                    del self._receipts[handle]
        with _homes_lock:
            if _homes.get(id(message)) is self:
                del _homes[id(message)]

    def _holds(self, message: Any) -> bool:
        return id(message) in self._all and self._all[id(message)] is message

    def clear(self) -> None:
        for message in list(self):
            self.remove(message)

    def touched(self, message: Any) -> None:
        """``message`` was received, made invisible or delayed: index its receipt, mark it."""
        with self._lock:
            if not self._holds(message):
                return
            if message.receipt_handle is not None:
                self._receipts[message.receipt_handle] = message
            self._maybe_hidden[id(message)] = message

    def by_receipt(self, handle: str) -> Any | None:
        """The message that had this receipt handle (its latest or an earlier one)."""
        with self._lock:
            return self._receipts.get(handle)

    def hidden_counts(self) -> tuple[int, int]:
        """(not visible, delayed), as moto counts them."""
        with self._lock:
            candidates = list(self._maybe_hidden.items())
        invisible = delayed = 0
        for key, m in candidates:
            visible, waiting = m.visible, m.delayed
            if visible and not waiting:
                with self._lock:  # settled: only mark_received / change_visibility / delay hide it again
                    if key in self._maybe_hidden and m.visible and not m.delayed:
                        del self._maybe_hidden[key]
                continue
            invisible += not visible
            delayed += waiting
        return invisible, delayed

    def visible_count(self) -> int:
        """Visible and not delayed, as ``len(queue.messages)`` counted them."""
        with self._lock:
            candidates = list(self._maybe_hidden.values())
            total = len(self._all)
        return total - sum(1 for m in candidates if not m.visible or m.delayed)

    def __iter__(self) -> Iterator[Any]:
        with self._lock:
            return iter(list(self._all.values()))

    def __len__(self) -> int:
        return len(self._all)

    def __bool__(self) -> bool:
        return bool(self._all)

    def __contains__(self, message: object) -> bool:
        return self._holds(message)


class VisibleMessages:
    """``queue.messages``: the visible, not delayed ones in send order, looked at as they are
    taken (a receive stops at its tenth) rather than listed first."""

    def __init__(self, messages: QueueMessages) -> None:
        self._messages = messages

    def __iter__(self) -> Iterator[Any]:
        return (m for m in self._messages if m.visible and not m.delayed)

    def __len__(self) -> int:
        return self._messages.visible_count()

    def __bool__(self) -> bool:
        return any(True for _ in self)
