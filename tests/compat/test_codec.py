"""A payload codec, in the shape of temporalio's encryption sample (samples-python/encryption):
the client made with ``dataclasses.replace(converter.default(), payload_codec=EncryptionCodec())``
runs the sample's workflow; what the history keeps is encrypted; the client reads plain;
a Replayer given the same data converter replays the encrypted history; failures' details
and (with ``DefaultFailureConverterWithEncodedAttributes``) messages are encrypted too and
come back to the client whole."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .sdk import (
    Client,
    Payload,
    WorkflowFailureError,
    activity,
    converter,
    exceptions,
    new_replayer,
    new_worker,
    workflow,
)

default_key = b"test-key-test-key-test-key-test!"
default_key_id = "test-key-id"


class EncryptionCodec(converter.PayloadCodec):
    """temporalio's samples-python/encryption/codec.py."""

    def __init__(self, key_id: str = default_key_id, key: bytes = default_key) -> None:
        super().__init__()
        self.key_id = key_id
        self.encryptor = AESGCM(key)

    async def encode(self, payloads: Iterable[Payload]) -> list[Payload]:
        return [
            Payload(
                metadata={"encoding": b"binary/encrypted", "encryption-key-id": self.key_id.encode()},
                data=self.encrypt(p.SerializeToString()),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Iterable[Payload]) -> list[Payload]:
        ret: list[Payload] = []
        for p in payloads:
            if p.metadata.get("encoding", b"").decode() != "binary/encrypted":
                ret.append(p)
                continue
            key_id = p.metadata.get("encryption-key-id", b"").decode()
            if key_id != self.key_id:
                raise ValueError(f"Unrecognized key ID {key_id}. Current key ID is {self.key_id}.")
            ret.append(Payload.FromString(self.decrypt(p.data)))
        return ret

    def encrypt(self, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self.encryptor.encrypt(nonce, data, None)

    def decrypt(self, data: bytes) -> bytes:
        return self.encryptor.decrypt(data[:12], data[12:], None)


@workflow.defn(name="Workflow")
class GreetingWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"Hello, {name}"


@activity.defn
async def charge(card: str) -> None:
    raise exceptions.ApplicationError(f"card {card} declined", card, non_retryable=True)


@workflow.defn
class ChargingWorkflow:
    @workflow.run
    async def run(self, card: str) -> None:
        await workflow.execute_activity(charge, card, start_to_close_timeout=timedelta(seconds=10))


def _encrypting(client: Client, **converter_options: Any) -> Client:
    config = client.config()
    config["data_converter"] = dataclasses.replace(
        converter.default(), payload_codec=EncryptionCodec(), **converter_options
    )
    return Client(**config)


def _encodings(payloads: Sequence[dict[str, Any]]) -> list[bytes]:
    return [base64.b64decode(p["metadata"]["encoding"]) for p in payloads]


async def test_the_samples_workflow_runs_through_an_encrypting_client_and_its_history_is_encrypted(
    client: Client, task_queue: str
) -> None:
    encrypted = _encrypting(client)
    workflow_id = f"encryption-workflow-id-{uuid.uuid4()}"
    async with new_worker(encrypted, task_queue=task_queue, workflows=[GreetingWorkflow]):
        result = await encrypted.execute_workflow(
            GreetingWorkflow.run, "Temporal", id=workflow_id, task_queue=task_queue
        )
    assert result == "Hello, Temporal"

    history = await encrypted.get_workflow_handle(workflow_id).fetch_history()
    events = json.loads(history.to_json())["events"]
    started = events[0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"]
    completed = next(e for e in events if "workflowExecutionCompletedEventAttributes" in e)
    assert _encodings(started) == [b"binary/encrypted"]
    assert _encodings(completed["workflowExecutionCompletedEventAttributes"]["result"]["payloads"]) == [
        b"binary/encrypted"
    ]
    assert b"Temporal" not in history.to_json().encode()
    assert base64.b64encode(b"Temporal").decode()[:8] not in history.to_json()

    replayer = new_replayer([GreetingWorkflow], data_converter=encrypted.data_converter)
    replayed = await replayer.replay_workflow(history)
    assert replayed.replay_failure is None


async def test_a_failures_details_and_encoded_attributes_are_encrypted_and_read_back_whole(
    client: Client, task_queue: str
) -> None:
    encrypted = _encrypting(client, failure_converter_class=converter.DefaultFailureConverterWithEncodedAttributes)
    workflow_id = f"charging-{uuid.uuid4()}"
    async with new_worker(encrypted, task_queue=task_queue, workflows=[ChargingWorkflow], activities=[charge]):
        handle = await encrypted.start_workflow(ChargingWorkflow.run, "4242", id=workflow_id, task_queue=task_queue)
        try:
            await handle.result()
            raise AssertionError("the workflow should have failed")
        except WorkflowFailureError as err:
            activity_error = err.cause
    assert isinstance(activity_error, exceptions.ActivityError)
    application = activity_error.cause
    assert isinstance(application, exceptions.ApplicationError)
    assert (application.message, application.details) == ("card 4242 declined", ("4242",))

    history = (await handle.fetch_history()).to_json()
    failed = next(e for e in json.loads(history)["events"] if "activityTaskFailedEventAttributes" in e)
    failure = failed["activityTaskFailedEventAttributes"]["failure"]
    assert failure["message"] == "Encoded failure"
    assert _encodings([failure["encodedAttributes"]]) == [b"binary/encrypted"]
    assert _encodings(failure["applicationFailureInfo"]["details"]["payloads"]) == [b"binary/encrypted"]
    assert "4242" not in history
