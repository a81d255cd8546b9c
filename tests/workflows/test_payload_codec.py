"""An encryption codec keeps every payload out of what the engine stores and sends.

A workflow with an activity, a signal, a query, an update, a child, a value large enough
to go to the payload store, and failures (an activity's and the workflow's, with
temporalio's encoded common attributes) runs with an AES-GCM codec. Then no table item,
queue message, payload object or log line holds the marker its values carry, as text or
as base64, on either backend (on moto, no request to DynamoDB, SQS or S3 did either),
while the client reads every value back in plain.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import WorkflowFailureError
from durable.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from durable.exceptions import ActivityError, ApplicationError
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.helpers.encryption import EncryptionCodec
from tests.helpers.stored_text import AwsRequests, forms_of, memory_texts, moto_texts

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


@pytest.fixture(params=["memory", "moto"])
async def env(request: pytest.FixtureRequest):
    async with await WorkflowEnvironment.start_time_skipping(backend=request.param, data_converter=CONVERTER) as e:
        yield e


def _leaks(texts: list[str]) -> list[str]:
    forms = forms_of(MARKER)
    return [t[:300] for t in texts if any(f in t for f in forms)]


async def test_an_encrypted_run_stores_and_sends_no_plaintext_and_the_client_reads_it_all(
    env: WorkflowEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = env.runtime.backend
    requests = AwsRequests(backend.boto_clients)
    workflow_id = f"secretive-{uuid.uuid4()}"
    async with Worker(
        env.client, task_queue=TASK_QUEUE, workflows=[Secretive, Child, Failing], activities=[shout, measure, decline]
    ):
        handle = await env.client.start_workflow(
            Secretive.run,
            {"note": f"note {MARKER}"},
            id=workflow_id,
            task_queue=TASK_QUEUE,
            memo={"customer": f"memo {MARKER}"},
        )
        await handle.signal(Secretive.note, f"signal {MARKER}")
        assert await handle.execute_update(Secretive.set_note, f"update {MARKER}") == f"updated to update {MARKER}"
        assert await handle.query(Secretive.notes_seen) == [f"signal {MARKER}", f"query {MARKER}"]
        midway = memory_texts(backend) if env.runtime.backend_kind == "memory" else moto_texts(backend)
        result = await handle.result()
        failing = await env.client.start_workflow(
            Failing.run, f"reason {MARKER}", id=f"failing-{uuid.uuid4()}", task_queue=TASK_QUEUE
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await failing.result()
        described = await handle.describe()

    assert result == {
        "shouted": f"NOTE {MARKER.upper()} {MARKER}",
        "child": f"child saw note {MARKER}",
        "size": LARGE // len(f"note {MARKER}") * len(f"note {MARKER}"),
        "declined": f"card note {MARKER} declined / note {MARKER}",
        "note": f"signal {MARKER}",
        "updated": f"update {MARKER}",
    }
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.message, cause.type, cause.details) == (
        f"gave up: reason {MARKER}",
        "GaveUp",
        ({"why": f"reason {MARKER}"},),
    )
    assert await described.memo() == {"customer": f"memo {MARKER}"}

    stored = memory_texts(backend) if env.runtime.backend_kind == "memory" else moto_texts(backend)
    assert stored, "the scan read nothing: it would find nothing either"
    assert any("binary/encrypted" in t or "YmluYXJ5L2VuY3J5cHRlZA" in t for t in stored)
    assert _leaks(midway + stored) == []
    if env.runtime.backend_kind == "moto":
        assert len(requests.texts) > 20
        assert _leaks(requests.texts) == []
    logged = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    assert _leaks(logged) == []
