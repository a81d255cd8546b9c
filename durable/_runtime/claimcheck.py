"""Claim checks: large values go to the payload store and travel as a small reference.

Two places use them:

- DynamoDB attributes (a history record's events, an execution's memo or task failure, a
  heartbeat's details): a text over a threshold is stored as ``{"M": {"ref": key,
  "bytes": n}}`` instead of ``{"S": text}``, so every item stays far under 400 KB
  whatever the workflow does. Above about 16 KB an S3 PUT is also cheaper than the write
  units the item would cost (on every rewrite, and once more per index).
- Queue bodies (inbox messages, activity tasks, timers): a body near SQS's 256 KB is
  replaced by a stub that names the stored body and keeps the small routing fields
  (kind, workflow id, run id, dedup), so the stub still reads well in a DLQ.

Both backends use this module, so the in-memory twin makes the same choices (and
refuses the same oversize writes) as the AWS adapters.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from durable._limits import SQS_MESSAGE_BYTES
from durable._runtime.ports import PayloadStore, WriteTooLarge

__all__ = [
    "ATTRIBUTE_INLINE_BYTES",
    "BODY_INLINE_BYTES",
    "ClaimCheck",
    "HISTORY_INLINE_BYTES",
]

HISTORY_INLINE_BYTES = 64 * 1024
"""A history record's events above this go to the payload store (S3 costs less than the
write units from here on, and a cold replay still reads few objects)."""

ATTRIBUTE_INLINE_BYTES = 16 * 1024
"""Execution and heartbeat attributes above this go to the payload store: the execution
item is rewritten on every close and upsert and copied into three indexes."""

BODY_INLINE_BYTES = SQS_MESSAGE_BYTES - 8 * 1024
"""Queue bodies above this travel as a stub (room left for the stub's routing fields)."""

_STUB = "$claim"
_ROUTING = ("kind", "workflow_id", "run_id", "dedup", "seq", "attempt", "schedule_id")


class ClaimCheck:
    """Stores large texts in a payload store and reads them back (with a bounded cache).

    Without a payload store it stores nothing: a text too large to inline raises
    :class:`WriteTooLarge`, as AWS would refuse it.
    """

    def __init__(self, payloads: PayloadStore | None, *, cache_bytes: int = 64 * 1024 * 1024) -> None:
        self.payloads = payloads
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._cached = 0
        self._lock = threading.Lock()

    # -- texts -------------------------------------------------------------------------

    def put(self, text: str, *, what: str) -> str:
        """Store ``text``; its key."""
        if self.payloads is None:
            raise WriteTooLarge(f"{what} of {len(text.encode())} bytes needs the payload store, and none is configured")
        key = self.payloads.put(text.encode("utf-8", "surrogatepass"))
        self._remember(key, text)
        return key

    def get(self, key: str) -> str:
        """The text stored under ``key`` (from the cache while it holds it)."""
        with self._lock:
            text = self._cache.get(key)
            if text is not None:
                self._cache.move_to_end(key)
                return text
        if self.payloads is None:
            raise KeyError(f"payload {key} is stored by reference, and no payload store is configured")
        text = self.payloads.get(key).decode("utf-8", "surrogatepass")
        self._remember(key, text)
        return text

    def _remember(self, key: str, text: str) -> None:
        # Content-addressed: a cached text can never be stale.
        with self._lock:
            if key in self._cache or len(text) > self._cache_bytes // 4:
                return
            self._cache[key] = text
            self._cached += len(text)
            while self._cached > self._cache_bytes:
                _, old = self._cache.popitem(last=False)
                self._cached -= len(old)

    # -- DynamoDB attributes -----------------------------------------------------------

    def attribute(
        self, text: str, *, inline_bytes: int = ATTRIBUTE_INLINE_BYTES, what: str = "attribute"
    ) -> dict[str, Any]:
        """The DynamoDB attribute value holding ``text``: inline, or a reference to it."""
        size = len(text.encode("utf-8", "surrogatepass"))
        if size <= inline_bytes or self.payloads is None:
            return {"S": text}
        return {"M": {"ref": {"S": self.put(text, what=what)}, "bytes": {"N": str(size)}}}

    def text(self, value: dict[str, Any]) -> str:
        """The text an attribute value holds (reading a reference from the payload store)."""
        if "S" in value:
            return str(value["S"])
        return self.get(value["M"]["ref"]["S"])

    # -- queue bodies ------------------------------------------------------------------

    def seal(self, body: str, *, nested: bool = False) -> str:
        """``body`` if it fits a queue message, else a stub that refers to it.

        ``nested``: the body will travel as a JSON string inside another message (a timer),
        where escaping can double its size.
        """
        size = len(json.dumps(body)) if nested else len(body.encode("utf-8", "surrogatepass"))
        if size <= BODY_INLINE_BYTES or self.payloads is None:
            return body
        stub: dict[str, Any] = {}
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            stub = {
                k: parsed[k] for k in _ROUTING if isinstance(parsed.get(k), (str, int)) and len(str(parsed[k])) <= 1100
            }
        stub[_STUB] = self.put(body, what="message body")
        return json.dumps(stub, separators=(",", ":"))

    def open(self, body: str) -> str:
        """The body a (possibly sealed) message carries."""
        if _STUB not in body:  # cheap test first: most bodies are never sealed
            return body
        try:
            parsed = json.loads(body)
        except ValueError:
            return body
        if isinstance(parsed, dict) and isinstance(parsed.get(_STUB), str):
            return self.get(parsed[_STUB])
        return body
