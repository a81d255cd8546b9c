"""A workflow whose every value carries a marker, and the AES-GCM data converter it runs
under: what the payload codec tests run, in process and over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from durable import activity, workflow
from durable.client import Client, WorkflowFailureError
from durable.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from durable.exceptions import ActivityError, ApplicationError
from durable.worker import Worker
from tests.helpers.encryption import EncryptionCodec
from tests.helpers.stored_text import forms_of

__all__ = [
    "CONVERTER",
    "LARGE",
    "MARKER",
    "TASK_QUEUE",
    "Child",
    "Failing",
    "Secretive",
    "Seen",
    "assert_encrypted",
    "assert_plain",
    "decline",
    "exercise",
    "leaks",
    "measure",
    "shout",
]

MARKER = "PLAINTEXT-MARKER-7f3a"
TASK_QUEUE = "codec"
LARGE = 300_000  # over SQS's 256 KB and the history item's inline limit: both go to the payload store

CONVERTER = DataConverter(
    payload_codec=EncryptionCodec(), failure_converter_class=DefaultFailureConverterWithEncodedAttributes
)


@activity.defn
async def shout(text: str) -> str:
    activity.heartbeat(f"shouting {text}")
    return f"{text.upper()} {MARKER}"


@activity.defn
async def measure(blob: str) -> int:
    return len(blob)


@activity.defn
async def decline(card: str) -> None:
    raise ApplicationError(f"card {card} declined", {"card": card}, non_retryable=True)


@workflow.defn
class Child:
    @workflow.run
    async def run(self, text: str) -> str:
        return f"child saw {text}"


@workflow.defn
class Secretive:
    def __init__(self) -> None:
        self.notes: list[str] = []
        self.updated: str | None = None

    @workflow.run
    async def run(self, order: dict[str, str]) -> dict[str, object]:
        options = {"start_to_close_timeout": timedelta(seconds=30)}
        shouted = await workflow.execute_activity(shout, order["note"], **options)
        child = await workflow.execute_child_workflow(Child.run, order["note"], id=f"{workflow.info().workflow_id}-c")
        size = await workflow.execute_activity(measure, order["note"] * (LARGE // len(order["note"])), **options)
        try:
            await workflow.execute_activity(decline, order["note"], **options)
            declined = None
        except ActivityError as err:
            assert isinstance(err.cause, ApplicationError)
            declined = f"{err.cause.message} / {err.cause.details[0]['card']}"
        await workflow.wait_condition(lambda: bool(self.notes) and self.updated is not None)
        return {
            "shouted": shouted,
            "child": child,
            "size": size,
            "declined": declined,
            "note": self.notes[0],
            "updated": self.updated,
        }

    @workflow.signal
    def note(self, text: str) -> None:
        self.notes.append(text)

    @workflow.query
    def notes_seen(self) -> list[str]:
        return [*self.notes, f"query {MARKER}"]

    @workflow.update
    def set_note(self, text: str) -> str:
        self.updated = text
        return f"updated to {text}"


@workflow.defn
class Failing:
    @workflow.run
    async def run(self, reason: str) -> None:
        raise ApplicationError(f"gave up: {reason}", {"why": reason}, type="GaveUp", non_retryable=True)


def leaks(texts: list[str]) -> list[str]:
    """The texts that hold the marker (as text or base64), shortened."""
    forms = forms_of(MARKER)
    return [t[:300] for t in texts if any(f in t for f in forms)]


@dataclass
class Seen:
    """What the client read back of one run of :func:`exercise`."""

    update: Any
    query: Any
    result: Any
    failure: BaseException | None
    memo: Mapping[str, Any]
    stored_midway: list[str]


async def exercise(client: Client, stored: Callable[[], list[str]]) -> Seen:
    """Run a :class:`Secretive` (signal, update, query, result, describe) and a
    :class:`Failing`, on a worker of ``client``; ``stored()`` is called while the first
    one waits (its activity tasks and messages on their way)."""
    async with Worker(
        client, task_queue=TASK_QUEUE, workflows=[Secretive, Child, Failing], activities=[shout, measure, decline]
    ):
        handle = await client.start_workflow(
            Secretive.run,
            {"note": f"note {MARKER}"},
            id=f"secretive-{uuid.uuid4()}",
            task_queue=TASK_QUEUE,
            memo={"customer": f"memo {MARKER}"},
        )
        await handle.signal(Secretive.note, f"signal {MARKER}")
        update = await handle.execute_update(Secretive.set_note, f"update {MARKER}")
        query = await handle.query(Secretive.notes_seen)
        midway = stored()
        result = await handle.result()
        failing = await client.start_workflow(
            Failing.run, f"reason {MARKER}", id=f"failing-{uuid.uuid4()}", task_queue=TASK_QUEUE
        )
        failure: BaseException | None = None
        try:
            await failing.result()
        except WorkflowFailureError as err:
            failure = err.cause
        memo = await (await handle.describe()).memo()
    return Seen(update=update, query=query, result=result, failure=failure, memo=memo, stored_midway=midway)


def assert_plain(seen: Seen) -> None:
    """The client read every value as the workflow made it."""
    assert seen.update == f"updated to update {MARKER}"
    assert seen.query == [f"signal {MARKER}", f"query {MARKER}"]
    assert seen.result == {
        "shouted": f"NOTE {MARKER.upper()} {MARKER}",
        "child": f"child saw note {MARKER}",
        "size": LARGE // len(f"note {MARKER}") * len(f"note {MARKER}"),
        "declined": f"card note {MARKER} declined / note {MARKER}",
        "note": f"signal {MARKER}",
        "updated": f"update {MARKER}",
    }
    assert isinstance(seen.failure, ApplicationError)
    assert (seen.failure.message, seen.failure.type, seen.failure.details) == (
        f"gave up: reason {MARKER}",
        "GaveUp",
        ({"why": f"reason {MARKER}"},),
    )
    assert seen.memo == {"customer": f"memo {MARKER}"}


def assert_encrypted(texts: list[str]) -> None:
    """Something was read, some of it encrypted, none of it the marker."""
    assert texts, "the scan read nothing: it would find nothing either"
    assert any("binary/encrypted" in t or "YmluYXJ5L2VuY3J5cHRlZA" in t for t in texts)
    assert leaks(texts) == []
