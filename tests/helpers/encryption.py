"""An AES-GCM payload codec, shaped as temporalio's encryption sample (samples-python/encryption)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from durable.api.common.v1 import Payload
from durable.converter import PayloadCodec

__all__ = ["EncryptionCodec"]

DEFAULT_KEY = b"test-key-test-key-test-key-test!"
DEFAULT_KEY_ID = "test-key-id"


class EncryptionCodec(PayloadCodec):
    """Each payload serialized whole (metadata too) and encrypted; the key id in metadata."""

    def __init__(self, key_id: str = DEFAULT_KEY_ID, key: bytes = DEFAULT_KEY) -> None:
        super().__init__()
        self.key_id = key_id
        self.encryptor = AESGCM(key)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(
                metadata={"encoding": b"binary/encrypted", "encryption-key-id": self.key_id.encode()},
                data=self.encrypt(p.SerializeToString()),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
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
