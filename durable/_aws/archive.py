"""The archive's object store on S3 (see :mod:`durable._runtime.archive` for the layout).

The bucket encrypts at rest, refuses plain HTTP and blocks public access (``stacks/archive.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from durable._aws.lazy_client import LazyClient

__all__ = ["S3ObjectStore"]


class S3ObjectStore(LazyClient):
    """:class:`~durable._runtime.archive.ObjectStore` on an S3 bucket."""

    _service = "s3"

    def __init__(self, bucket: str, client: Any | None = None, *, storage_class: str | None = None) -> None:
        """Use ``client`` (a boto3 S3 client), or a default one made on first use; objects are
        written in ``storage_class`` (the bucket's default, S3 Standard, when None)."""
        super().__init__(client)
        self.bucket = bucket
        self.storage_class = storage_class

    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` under ``key`` (a PUT is atomic: readers see the old or the new object)."""
        request: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "Body": data, "ContentType": "application/gzip"}
        if self.storage_class is not None:
            request["StorageClass"] = self.storage_class
        self.client.put_object(**request)

    def get(self, key: str, max_bytes: int | None = None) -> bytes:
        """The object's bytes (a ranged GET of the first ``max_bytes``, if given); KeyError if none."""
        request: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if max_bytes is not None:
            request["Range"] = f"bytes=0-{max_bytes - 1}"
        try:
            return bytes(self.client.get_object(**request)["Body"].read())
        except ClientError as e:
            if e.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise KeyError(f"{key} is not in bucket {self.bucket}") from e
            raise

    def keys(self, prefix: str) -> Iterator[str]:
        """Keys under ``prefix``, ascending, page by page."""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                yield entry["Key"]

    def folders(self, prefix: str) -> list[str]:
        """The common prefixes one level below ``prefix``, ascending."""
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/")
        for page in pages:
            found.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        return sorted(found)
