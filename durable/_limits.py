"""The limits AWS enforces on what the engine writes, and the ids derived to stay inside them.

One module so that the AWS adapters, the in-memory twin and the runtime agree on every
number: the twin refuses exactly what AWS would refuse (see ``tests/adapters``), and the
runtime derives keys and FIFO ids that fit, whatever id a user chose.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

__all__ = [
    "DYNAMODB_ITEM_BYTES",
    "DYNAMODB_PARTITION_KEY_BYTES",
    "DYNAMODB_SORT_KEY_BYTES",
    "FIFO_ID_CHARS",
    "InvalidIdError",
    "LAMBDA_ASYNC_PAYLOAD_BYTES",
    "MAX_ID_BYTES",
    "MAX_PAYLOAD_BYTES",
    "SQS_BATCH",
    "SQS_MESSAGE_BYTES",
    "WriteTooLarge",
    "check_fifo_id",
    "check_id",
    "check_invocation_payload",
    "check_message",
    "dynamodb_item_size",
    "fifo_id",
    "short_key",
]

MAX_PAYLOAD_BYTES = 2 * 1024 * 1024
"""Largest encoded payload (Temporal's blob size limit); larger ones raise PayloadSizeError."""

MAX_ID_BYTES = 1000
"""Longest workflow id, activity id, update id or request id, in UTF-8 bytes (Temporal's limit)."""

DYNAMODB_ITEM_BYTES = 400 * 1024
DYNAMODB_PARTITION_KEY_BYTES = 2048
DYNAMODB_SORT_KEY_BYTES = 1024
SQS_MESSAGE_BYTES = 256 * 1024
SQS_BATCH = 10
LAMBDA_ASYNC_PAYLOAD_BYTES = 1024 * 1024
"""An asynchronous (``Event``) invocation's payload: Lambda's 1 MB."""
FIFO_ID_MAX = 128

FIFO_ID_CHARS = re.compile(r"[!-~]{1,128}")
"""What SQS takes as a ``MessageGroupId`` or ``MessageDeduplicationId``: 1 to 128 of the
ASCII letters, digits and punctuation (``!`` to ``~``); no space, nothing else."""


class WriteTooLarge(ValueError):
    """A write that AWS would refuse for its size: an item over 400 KB, a message over 256 KB,
    a key over its byte limit, a batch over its count. Nothing was written.

    The engine never lets one happen (large values travel by claim check); an adapter
    raises it rather than let AWS fail a write half-way through a step.
    """


class InvalidIdError(ValueError):
    """An id is empty or longer than :data:`MAX_ID_BYTES`: nothing was written."""


def check_id(kind: str, value: str) -> str:
    """``value`` if it is a usable ``kind`` id (1 to 1,000 bytes of UTF-8); else InvalidIdError."""
    if not isinstance(value, str) or not value:
        raise InvalidIdError(f"{kind} must be a non-empty string")
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_ID_BYTES:
        raise InvalidIdError(f"{kind} is {size} bytes of UTF-8; the limit is {MAX_ID_BYTES} bytes: use a shorter id")
    if "\x00" in value:
        raise InvalidIdError(f"{kind} contains a NUL character")
    return value


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def fifo_id(value: str) -> str:
    """A valid FIFO group or deduplication id for ``value``: itself when SQS takes it as it is
    (readable in the console), else ``h-`` and its SHA-256 (66 characters).

    Injective in practice: a value that SQS takes never starts with ``h-`` followed by
    64 hex digits unless it is such a digest already, which maps to itself.
    """
    if FIFO_ID_CHARS.fullmatch(value):
        return value
    return f"h-{_digest(value)}"


def check_fifo_id(kind: str, value: str | None) -> None:
    """Raise ValueError unless SQS would take ``value`` as a FIFO ``kind`` id."""
    if value is None or not FIFO_ID_CHARS.fullmatch(value):
        raise ValueError(
            f"{kind} {value!r} is not a valid SQS FIFO id: 1 to {FIFO_ID_MAX} ASCII letters, digits or punctuation"
        )


_SQS_BODY_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_message(queue: str, body: str, *, fifo: bool, group_id: str | None, dedup_id: str | None) -> None:
    """Raise ValueError (WriteTooLarge for the size) where SQS would refuse the send."""
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > SQS_MESSAGE_BYTES:
        raise WriteTooLarge(f"a {size}-byte message for queue {queue!r} is over SQS's {SQS_MESSAGE_BYTES} bytes")
    if not body:
        raise ValueError(f"queue {queue!r}: SQS takes no empty message body")
    if (bad := _SQS_BODY_CHARS.search(body)) is not None:
        raise ValueError(f"queue {queue!r}: SQS refuses the character {bad.group()!r} in a message body")
    if fifo:
        check_fifo_id("MessageGroupId", group_id)
        check_fifo_id("MessageDeduplicationId", dedup_id)


def check_invocation_payload(payload: str) -> None:
    """Raise WriteTooLarge where Lambda would refuse an asynchronous invocation's payload."""
    size = len(payload.encode("utf-8"))
    if size > LAMBDA_ASYNC_PAYLOAD_BYTES:
        raise WriteTooLarge(
            f"a {size}-byte payload is over the {LAMBDA_ASYNC_PAYLOAD_BYTES} bytes of an asynchronous invocation"
        )


def short_key(value: str, limit: int = 200) -> str:
    """``value`` where it is at most ``limit`` bytes of UTF-8, else a digest of it.

    For parts of DynamoDB keys built from user ids: keys have byte limits (2,048 for a
    partition key, 1,024 for a sort key) and a key built from a 1,000-byte id plus a
    prefix would not fit.
    """
    if len(value.encode("utf-8", "surrogatepass")) <= limit:
        return value
    return f"h-{_digest(value)}"


def dynamodb_item_size(item: dict[str, Any]) -> int:
    """The size DynamoDB counts for an item in its typed form (``{"attr": {"S": "..."}}``).

    Attribute names and values in UTF-8; numbers about one byte per two digits plus one;
    3 bytes of overhead per list or map, 1 per element. The figures of DynamoDB's
    documentation ("Item sizes and formats"), rounded up where it gives a range.
    """
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode("utf-8", "surrogatepass"))
    if kind == "N":
        digits = len(format(Decimal(inner), "f").lstrip("-").replace(".", "").lstrip("0")) or 1
        return (digits + 1) // 2 + 1 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + _value_size(v) for k, v in inner.items())
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in inner)
    if kind == "NS":
        return sum(_value_size({"N": n}) for n in inner)
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")
