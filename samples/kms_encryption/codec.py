"""Envelope encryption of payloads with AWS KMS data keys.

Each payload is serialized whole (metadata and data, temporalio's wire bytes) and sealed
with AES-256-GCM under a data key that KMS generated; the payload stored in its place holds
the ciphertext, the data key as KMS encrypted it, and the KMS key's id, so any process
allowed to call ``kms:Decrypt`` on that key reads it back, and only such a process:

    metadata: encoding = binary/encrypted
              encryption-key-id = the KMS key's ARN
              encrypted-data-key = the data key, encrypted by KMS
    data:     12-byte nonce + AES-GCM ciphertext (its additional data: the encrypted data key)

A data key encrypts for a while (``data_key_max_age``, ``data_key_max_uses``) before a new
one is asked for, and decrypted data keys are kept (``decrypted_keys_kept``), so a busy
orchestrator calls KMS now and then rather than for every write, as the AWS Encryption
SDK's caching does. An encryption context, when given, binds every data key to it (KMS
refuses to decrypt without the same context) and its keys show in CloudTrail.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from durable.api.common.v1 import Payload
from durable.converter import PayloadCodec

__all__ = ["ENCODING", "KMSEncryptionCodec"]

ENCODING = b"binary/encrypted"
_KEY_ID = "encryption-key-id"
_DATA_KEY = "encrypted-data-key"
_NONCE_BYTES = 12


@dataclass
class _DataKey:
    plaintext: bytes
    encrypted: bytes
    key_arn: str
    made_at: float
    uses: int = 0


class KMSEncryptionCodec(PayloadCodec):
    """Encrypts payloads under data keys of one KMS key; decrypts those of any key KMS lets it use."""

    def __init__(
        self,
        key_id: str,
        *,
        kms_client: Any = None,
        encryption_context: Mapping[str, str] | None = None,
        data_key_max_age: float = 300.0,
        data_key_max_uses: int = 10_000,
        decrypted_keys_kept: int = 100,
    ) -> None:
        """Encrypt under ``key_id`` (a key id, ARN, alias name or alias ARN).

        Args:
            key_id: the KMS key that makes and protects the data keys.
            kms_client: a boto3 KMS client (made on first use when None).
            encryption_context: bound to every data key; decrypting needs the same one.
            data_key_max_age: seconds a data key encrypts before a new one is made.
            data_key_max_uses: payloads a data key encrypts before a new one is made.
            decrypted_keys_kept: how many decrypted data keys to keep for reading.
        """
        super().__init__()
        self.key_id = key_id
        self._client = kms_client
        self._context = dict(encryption_context or {})
        self._max_age = data_key_max_age
        self._max_uses = data_key_max_uses
        self._kept = decrypted_keys_kept
        self._lock = threading.Lock()
        self._current: _DataKey | None = None
        self._decrypted: OrderedDict[bytes, bytes] = OrderedDict()

    @property
    def kms(self) -> Any:
        """The boto3 KMS client (made on first use: not at import, where no region may be set yet)."""
        if self._client is None:
            self._client = boto3.client("kms")
        return self._client

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Each payload sealed under the current data key."""
        if not payloads:
            return []
        key = await self._data_key(len(payloads))
        sealer = AESGCM(key.plaintext)
        out: list[Payload] = []
        for payload in payloads:
            nonce = os.urandom(_NONCE_BYTES)
            sealed = sealer.encrypt(nonce, payload.SerializeToString(), key.encrypted)
            out.append(
                Payload(
                    metadata={"encoding": ENCODING, _KEY_ID: key.key_arn.encode(), _DATA_KEY: key.encrypted},
                    data=nonce + sealed,
                )
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Payloads this codec sealed, opened; any other payload as it is."""
        out: list[Payload] = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING or _DATA_KEY not in payload.metadata:
                out.append(payload)
                continue
            encrypted = payload.metadata[_DATA_KEY]
            plaintext = await self._decrypted_key(encrypted, payload.metadata.get(_KEY_ID, b"").decode())
            opened = AESGCM(plaintext).decrypt(payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:], encrypted)
            out.append(Payload.FromString(opened))
        return out

    async def _data_key(self, uses: int) -> _DataKey:
        with self._lock:
            key = self._current
            if key is not None and time.monotonic() - key.made_at < self._max_age and key.uses + uses <= self._max_uses:
                key.uses += uses
                return key
        made = await asyncio.to_thread(self._generate)
        made.uses = uses
        with self._lock:
            self._current = made
            self._remember(made.encrypted, made.plaintext)
        return made

    def _generate(self) -> _DataKey:
        reply = self.kms.generate_data_key(KeyId=self.key_id, KeySpec="AES_256", **self._context_argument())
        return _DataKey(
            plaintext=reply["Plaintext"],
            encrypted=reply["CiphertextBlob"],
            key_arn=reply["KeyId"],
            made_at=time.monotonic(),
        )

    async def _decrypted_key(self, encrypted: bytes, key_arn: str) -> bytes:
        with self._lock:
            plaintext = self._decrypted.get(encrypted)
            if plaintext is not None:
                self._decrypted.move_to_end(encrypted)
                return plaintext
        reply = await asyncio.to_thread(
            lambda: self.kms.decrypt(
                CiphertextBlob=encrypted, **({"KeyId": key_arn} if key_arn else {}), **self._context_argument()
            )
        )
        plaintext = reply["Plaintext"]
        with self._lock:
            self._remember(encrypted, plaintext)
        return bytes(plaintext)

    def _remember(self, encrypted: bytes, plaintext: bytes) -> None:
        self._decrypted[encrypted] = plaintext
        self._decrypted.move_to_end(encrypted)
        while len(self._decrypted) > self._kept:
            self._decrypted.popitem(last=False)

    def _context_argument(self) -> dict[str, Any]:
        return {"EncryptionContext": self._context} if self._context else {}
