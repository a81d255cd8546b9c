"""A queue that refuses what is sent to it, below the adapters: on moto, SQS itself answers
SendMessage with an error (a KMS key disabled, as a deployment may meet); in memory and SQLite,
the twin queue raises."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from durable._local.backends import Backend
from durable._runtime.services import INBOX

__all__ = ["Refusals", "inbox_refusing", "queue_refusing"]


@dataclass
class Refusals:
    count: int = 0


class _RefusingQueue:
    """The queue itself refusing every send (the twins have no KMS key to disable)."""

    def __init__(self, inner: Any, refusals: Refusals) -> None:
        self._inner, self._refusals = inner, refusals

    def send(self, body: str, **ids: Any) -> None:
        self._refusals.count += 1
        raise RuntimeError("KMS.DisabledException: the queue's key is disabled")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def inbox_refusing(backend: Backend) -> contextlib.AbstractContextManager[Refusals]:
    """While inside, every send to the inbox fails as SQS (or the twin) answers it."""
    return queue_refusing(backend, INBOX)


@contextlib.contextmanager
def queue_refusing(backend: Backend, name: str) -> Iterator[Refusals]:
    """While inside, every send to the queue ``name`` fails as SQS (or the twin) answers it."""
    refusals = Refusals()
    backend.services.queue_for(name)  # made on first use, as a deployed queue is there already
    notifying: Any = backend.queues[name]
    if backend.boto_clients:
        (sqs,) = [c for c in backend.boto_clients if c.meta.service_model.service_name == "sqs"]
        quoted = f'"{notifying.inner.url}"'.encode()  # the request's QueueUrl, whole

        def refuse(params: dict[str, Any], **_: Any) -> Any:
            body = params["body"] if isinstance(params["body"], bytes) else params["body"].encode()
            if quoted not in body:
                return None
            refusals.count += 1
            error = {"Error": {"Code": "KMS.DisabledException", "Message": "the queue's key is disabled"}}
            return type("Response", (), {"status_code": 400, "headers": {}})(), error

        sqs.meta.events.register("before-call.sqs.SendMessage", refuse)
        try:
            yield refusals
        finally:
            sqs.meta.events.unregister("before-call.sqs.SendMessage", refuse)
    else:
        inner = notifying.inner
        notifying.inner = _RefusingQueue(inner, refusals)
        try:
            yield refusals
        finally:
            notifying.inner = inner
