"""The KMS envelope-encryption codec sample (samples/kms_encryption), on moto's KMS.

A workflow run under it stores nothing in plain and reads back plain; each stored payload
names the KMS key and carries its data key as KMS encrypted it, so a fresh codec (another
process) reads it with kms:Decrypt alone; data keys are reused, so KMS is called now and
then, not per write; a data key bound to an encryption context opens only with it.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from durable.api.common.v1 import Payload
from durable.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from durable.testing import WorkflowEnvironment
from samples.kms_encryption import KMSEncryptionCodec
from tests.helpers.codec_workflows import assert_plain, exercise, leaks
from tests.helpers.stored_text import memory_texts


@pytest.fixture
def kms() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("kms", region_name="us-east-1")
        key = client.create_key(Description="payloads")["KeyMetadata"]
        client.create_alias(AliasName="alias/payloads", TargetKeyId=key["KeyId"])
        client.key_arn = key["Arn"]
        yield client


def _calls(client: Any) -> dict[str, int]:
    counts: dict[str, int] = {}

    def count(model: Any, **_: Any) -> None:
        counts[model.name] = counts.get(model.name, 0) + 1

    client.meta.events.register("before-call.kms.*", count)
    return counts


def _envelopes(texts: list[str]) -> list[dict[str, Any]]:
    """The stored payloads (envelopes) found in stored texts, with metadata decoded."""
    found: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and value.startswith('{"@payload":'):
            envelope = json.loads(value)["@payload"]
            found.append({k: base64.b64decode(v) for k, v in envelope["metadata"].items()})
        elif isinstance(value, str) and value[:1] in "[{":
            try:
                walk(json.loads(value))
            except ValueError:
                pass
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for text in texts:
        walk(text)
    return found


async def test_a_run_under_the_kms_codec_stores_sealed_payloads_that_name_the_key(kms: Any) -> None:
    calls = _calls(kms)
    codec = KMSEncryptionCodec("alias/payloads", kms_client=kms)
    # Failure messages too: without this, as with temporalio, they are stored as they are.
    converter = DataConverter(payload_codec=codec, failure_converter_class=DefaultFailureConverterWithEncodedAttributes)
    async with await WorkflowEnvironment.start_time_skipping(backend="memory", data_converter=converter) as env:
        seen = await exercise(env.client, lambda: memory_texts(env.runtime.backend))
        stored = memory_texts(env.runtime.backend)

    assert_plain(seen)
    assert leaks(seen.stored_midway + stored) == []
    sealed = [m for m in _envelopes(stored) if m.get("encoding") == b"binary/encrypted"]
    assert len(sealed) > 10
    assert {m["encryption-key-id"].decode() for m in sealed} == {kms.key_arn}
    assert calls.get("GenerateDataKey") == 1  # one data key for the whole run: KMS is not called per write
    assert calls.get("Decrypt", 0) == 0  # the codec kept the data key it made


def test_a_fresh_codec_opens_a_payload_with_kms_decrypt_and_a_context_must_match(kms: Any) -> None:
    writer = KMSEncryptionCodec("alias/payloads", kms_client=kms, encryption_context={"app": "orders"})
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"card 4242"')
    (sealed,) = asyncio.run(writer.encode([plain]))
    assert b"4242" not in sealed.data and sealed.metadata["encoding"] == b"binary/encrypted"

    reader = KMSEncryptionCodec("alias/payloads", kms_client=kms, encryption_context={"app": "orders"})
    calls = _calls(kms)
    assert asyncio.run(reader.decode([sealed, sealed])) == [plain, plain]
    assert calls == {"Decrypt": 1}

    stranger = KMSEncryptionCodec("alias/payloads", kms_client=kms, encryption_context={"app": "other"})
    with pytest.raises(ClientError, match="InvalidCiphertextException"):
        asyncio.run(stranger.decode([sealed]))


def test_a_new_data_key_is_made_once_the_current_one_has_sealed_its_share(kms: Any) -> None:
    codec = KMSEncryptionCodec("alias/payloads", kms_client=kms, data_key_max_uses=2)
    calls = _calls(kms)
    payloads = [Payload(metadata={"encoding": b"json/plain"}, data=b"1")] * 2
    first = asyncio.run(codec.encode(payloads))
    second = asyncio.run(codec.encode(payloads))
    assert calls == {"GenerateDataKey": 2}
    assert first[0].metadata["encrypted-data-key"] != second[0].metadata["encrypted-data-key"]
    assert asyncio.run(codec.decode(first + second)) == payloads * 2
