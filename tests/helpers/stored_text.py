"""Everything a local backend stored or was sent, as text, to look for what must not be there.

- moto: every request the backend's boto3 clients make (DynamoDB writes, SQS sends, S3
  puts), recorded from botocore's ``provide-client-params`` event as they happen, plus a
  final read of every table item, queue message (dead letters too) and bucket object;
- memory: every string and byte string the in-memory stores, queues (dead letters too),
  timers and payload store hold, read at the moments the test asks;
- sqlite: every text and blob of every row of every table of the backend's file.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

from durable._local.backends import Backend

__all__ = ["AwsRequests", "forms_of", "memory_texts", "moto_texts", "sqlite_texts", "stored_texts"]


def forms_of(marker: str) -> list[str]:
    """The marker as text, and as it reads inside base64 at each of the three alignments
    (a payload merely base64-encoded, not encrypted, would show one of these)."""
    raw = marker.encode()
    forms = [marker]
    for shift in range(3):
        # The characters that only the marker's own bytes decide: whole 3-byte groups of it.
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        start = 4 if shift else 0
        groups = (len(raw) - (3 - shift if shift else 0)) // 3
        forms.append(encoded[start : start + 4 * groups])
    return forms


class AwsRequests:
    """Records the parameters of every call the given boto3 clients make."""

    def __init__(self, clients: list[Any]) -> None:
        self.texts: list[str] = []
        for client in clients:
            client.meta.events.register("provide-client-params.*.*", self._record)

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.texts.append(json.dumps(params, default=_bytes_as_text))


def _bytes_as_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if hasattr(value, "read"):  # a streaming body: S3 puts take bytes here, never a stream
        raise TypeError("a streaming request body cannot be recorded")
    return repr(value)


def moto_texts(backend: Backend) -> list[str]:
    """Every item of every table, message of every queue (and dead-letter queue), object
    of every bucket and input of every schedule (long timers) the backend's clients reach, and
    every invocation waiting to run, as text."""
    clients = {c.meta.service_model.service_name: c for c in backend.boto_clients}
    ddb, sqs, s3, scheduler = clients["dynamodb"], clients["sqs"], clients["s3"], clients["scheduler"]
    # Lambda's queue of accepted invocations (moto runs none: the dispatcher holds them).
    texts: list[str] = list(_strings(backend.invocations, set()))
    for table in ddb.list_tables()["TableNames"]:
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            texts += [json.dumps(item, default=_bytes_as_text) for item in page["Items"]]
    for url in sqs.list_queues().get("QueueUrls", []):
        # Received with no visibility timeout: the messages stay for the engine.
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        texts += [m["Body"] for m in reply.get("Messages", [])]
    for listed in scheduler.list_schedules()["Schedules"]:
        schedule = scheduler.get_schedule(Name=listed["Name"], GroupName=listed["GroupName"])
        texts.append(schedule["Target"].get("Input", ""))
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for obj in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket["Name"], Key=obj["Key"])["Body"].read()
                texts.append(body.decode("utf-8", "replace"))
    return texts


def memory_texts(backend: Backend) -> list[str]:
    """Every string the in-memory backend's stores, queues, timers and payload store hold."""
    s = backend.services
    roots: list[Any] = [
        s.history,
        s.executions,
        s.schedules,
        s.idempotency,
        s.claims.payloads,
        backend.timers,
        list(backend.queues.values()),
        backend.invocations,
        s.failed_deliveries,
    ]
    return list(_strings(roots, set()))


def sqlite_texts(backend: Backend) -> list[str]:
    """Every text and blob the SQLite backend's file holds (all tables, all rows)."""
    db = backend.services.history._db  # the one file every SQLite adapter of the backend shares
    texts: list[str] = []
    for (table,) in db.read("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in db.read(f'SELECT * FROM "{table}"'):
            texts += [
                v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in row if isinstance(v, (str, bytes))
            ]
    return texts


def stored_texts(backend: Backend, kind: str) -> list[str]:
    """What a backend of ``kind`` (moto, memory, sqlite) holds, as text."""
    return {"moto": moto_texts, "memory": memory_texts, "sqlite": sqlite_texts}[kind](backend)


def _strings(value: Any, seen: set[int]) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        return
    if isinstance(value, (bytes, bytearray)):
        yield bytes(value).decode("utf-8", "replace")
        return
    if value is None or isinstance(value, (int, float, bool)) or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k, seen)
            yield from _strings(v, seen)
    elif isinstance(value, (list, tuple, set, frozenset, collections.deque)):
        for v in value:
            yield from _strings(v, seen)
    elif dataclasses.is_dataclass(value) or hasattr(value, "__dict__"):
        if callable(value) and not hasattr(value, "__dict__"):
            return
        yield from _strings(vars(value) if hasattr(value, "__dict__") else {}, seen)
