"""The payload store on S3: large values by reference (claim check), one object each.

Keys are ``payloads/<sha256 of the bytes>``: writing the same value twice writes the same
object, and a reader never sees a key whose object is not complete (S3 PUTs are atomic).
The bucket encrypts at rest and expires objects with the namespace's retention
(see ``stacks/``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError

from durable._aws.lazy_client import LazyClient

__all__ = ["S3PayloadStore", "payload_key"]

_PREFIX = "payloads/"


def payload_key(data: bytes) -> str:
    """The content address of ``data``."""
    return _PREFIX + hashlib.sha256(data).hexdigest()


class S3PayloadStore(LazyClient):
    """:class:`~durable._runtime.ports.PayloadStore` on an S3 bucket."""

    _service = "s3"

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        """Use ``client`` (a boto3 S3 client), or a default one made on first use."""
        super().__init__(client)
        self.bucket = bucket

    def put(self, data: bytes) -> str:
        """Store ``data`` under its content address; returns the key."""
        key = payload_key(data)
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="application/json")
        return key

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; KeyError if there are none."""
        try:
            return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except ClientError as e:
            if e.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise KeyError(f"payload {key} is not in bucket {self.bucket}") from e
            raise
