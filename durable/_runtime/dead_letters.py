"""Dead letters, for operators: what sits in each queue's DLQ, and moving it back.

A message lands in a DLQ after its queue's maximum receive count: a fault that outlasted
the retries (a table that was gone, a bug since fixed). Once the cause is fixed, a redrive
sends each message back to its queue with its body (and FIFO group), where it runs as if
it had just arrived: the handlers are idempotent, so a message that had half-run before
changes nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from durable._runtime.ports import Message

__all__ = [
    "DeadLetter",
    "DeadLetterQueue",
    "DeadLetterSource",
    "UnknownQueue",
    "describe",
    "list_dead_letters",
    "redrive",
    "select_queues",
]

PREVIEW_CHARS = 200
"""How much of a body a listing shows."""


class DeadLetterSource(Protocol):
    """What has dead letters for operators: a queue's DLQ (every
    :class:`~durable._runtime.ports.Queue`), or the schedule DLQ, whose redrive forwards."""

    def dead_letter_messages(self, limit: int = 1000) -> list[Message]:
        """Up to ``limit`` dead letters, left there."""
        ...

    def dead_letter_count(self) -> int:
        """How many dead letters there are."""
        ...

    def redrive(self) -> int:
        """Send the dead letters back where they were going; how many went."""
        ...


class UnknownQueue(LookupError):
    """No queue of that name has a dead-letter queue here; the message lists those that do."""


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered message, described."""

    message_id: str
    kind: str
    """``start``, ``signal``, ``activity_result``... for inbox messages (their ``kind``);
    ``activity_task``; ``timer`` (a timer-queue message); ``unreadable`` for a body that
    is not a JSON object."""
    workflow_id: str | None
    run_id: str | None
    receive_count: int
    body: str
    """The body's first :data:`PREVIEW_CHARS` characters (a claim-checked body read back)."""


@dataclass(frozen=True)
class DeadLetterQueue:
    """A queue's dead letters: how many, and the ones read."""

    queue: str
    count: int
    messages: list[DeadLetter]


def select_queues(sources: Mapping[str, DeadLetterSource], queue: str | None) -> dict[str, DeadLetterSource]:
    """``queue`` alone (UnknownQueue if it has no DLQ here), or all, by name."""
    if queue is None:
        return dict(sorted(sources.items()))
    name = queue.removesuffix(".fifo")
    if name not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise UnknownQueue(f"no queue {queue!r} with a dead-letter queue here (queues: {known})")
    return {name: sources[name]}


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def describe(message: Message, open_body: Callable[[str], str]) -> DeadLetter:
    """What a dead letter is about, read from its body."""
    try:
        text = open_body(message.body)
    except Exception:  # a claim check whose payload is gone: show the reference itself
        text = message.body
    body = _json_object(text)
    kind, about = "unreadable", body or {}
    if body is not None:
        if isinstance(body.get("kind"), str):
            kind = body["kind"]
        elif "activity_type" in body:
            kind = "activity_task"
        elif "fire_at" in body and "queue" in body:
            kind = "timer"
            inner = body.get("body")
            about = (_json_object(open_body(inner)) if isinstance(inner, str) else None) or {}
        else:
            kind = "unknown"
    workflow_id, run_id = about.get("workflow_id"), about.get("run_id")
    return DeadLetter(
        message_id=message.message_id,
        kind=kind,
        workflow_id=workflow_id if isinstance(workflow_id, str) else None,
        run_id=run_id if isinstance(run_id, str) else None,
        receive_count=message.receive_count,
        body=text[:PREVIEW_CHARS],
    )


def list_dead_letters(
    queues: Mapping[str, DeadLetterSource], open_body: Callable[[str], str], limit: int
) -> list[DeadLetterQueue]:
    """Each queue's dead letters: its count, and up to ``limit`` of them described."""
    out = []
    for name, queue in queues.items():
        messages = [describe(m, open_body) for m in queue.dead_letter_messages(limit)]
        out.append(DeadLetterQueue(queue=name, count=max(queue.dead_letter_count(), len(messages)), messages=messages))
    return out


def redrive(queues: Mapping[str, DeadLetterSource]) -> dict[str, int]:
    """Move each queue's dead letters back to it; how many moved, per queue."""
    return {name: queue.redrive() for name, queue in queues.items()}
