"""The orchestrator invoker's contract (Lambda's asynchronous Invoke; locally, its twin).

Accepted: one invocation per call, carrying the bodies as the orchestrator's handler reads
them. Refused as Lambda refuses it: a payload over 1 MB, before anything is queued.
"""

from __future__ import annotations

import json

import pytest

from durable._limits import LAMBDA_ASYNC_PAYLOAD_BYTES, WriteTooLarge
from durable._local.invocations import LocalInvoker
from durable._runtime.delivery_event import is_delivery_event


def _queued(invoker: object) -> list[dict]:
    """What a local invoker queued for the dispatcher (moto's Lambda keeps nothing to read)."""
    if not isinstance(invoker, LocalInvoker):
        return []
    return [json.loads(m.body) for m in invoker.pending.receive(10)]


def test_an_invocation_carries_its_bodies_to_the_orchestrators_handler(backend):
    invoker = backend.invoker()
    bodies = ['{"kind":"activity_result","workflow_id":"w","run_id":"r","dedup":"a:1:1"}', '{"kind":"x"}']
    invoker.deliver(bodies)
    for event in _queued(invoker):
        assert is_delivery_event(event)
        assert event["durable_deliveries"] == bodies
    if isinstance(invoker, LocalInvoker):
        assert len(_queued(invoker)) == 0  # one invocation, received once (it stays in flight)


def test_a_payload_over_lambdas_limit_is_refused_and_nothing_is_queued(backend):
    invoker = backend.invoker()
    with pytest.raises(WriteTooLarge, match=f"{LAMBDA_ASYNC_PAYLOAD_BYTES} bytes of an asynchronous invocation"):
        invoker.deliver(["x" * LAMBDA_ASYNC_PAYLOAD_BYTES])
    assert _queued(invoker) == []
