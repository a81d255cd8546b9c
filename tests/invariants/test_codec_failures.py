"""A payload codec that raises (a key service that is down) fails the workflow task: the
inbox messages are retried, the failure is shown on the run while it lasts, and the run
goes on once the codec works again. It never fails the run itself."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

import pytest

from durable import workflow
from durable._codec.boundary import PayloadBoundary
from durable._codec.catalogue import FAILURE, PAYLOADS
from durable._codec.engine import engine_services
from durable._local.backends import make_backend
from durable._local.dispatcher import sqs_event
from durable._runtime.lambda_handlers import BatchFailed, orchestrator_handler
from durable._runtime.lifecycle import begin_run
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.registry import Registry
from durable._statuses import WorkflowExecutionStatus
from durable.api.common.v1 import Payload
from durable.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.helpers.encryption import EncryptionCodec

RUN = str(uuid.UUID(int=7))


class FlakyCodec(PayloadCodec):
    """Encrypts; its first ``failures`` decodes fail as a key service's outage would."""

    def __init__(self, failures: int) -> None:
        self.inner = EncryptionCodec()
        self.failures, self.failed = failures, 0
        self._lock = threading.Lock()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.inner.encode(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        with self._lock:
            if self.failed < self.failures:
                self.failed += 1
                raise ConnectionError("the key service is unreachable")
        return await self.inner.decode(payloads)


class SealedShut(EncryptionCodec):
    """Reads what it encrypted before, but cannot encrypt now (its key service refuses)."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        raise PermissionError("the key service refuses to encrypt")


@workflow.defn
class Greeter:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"hello {name}"


def test_a_codec_failure_is_the_workflow_tasks_shown_on_the_run_and_cleared_by_a_retry() -> None:
    backend = make_backend("memory", skipping=True)
    codec = FlakyCodec(failures=1)
    boundary = PayloadBoundary.of(DataConverter(payload_codec=codec))
    assert boundary is not None
    engine = engine_services(backend.services, boundary)
    registry = Registry()
    registry.register("greet", workflows=[Greeter])
    orchestrator = Orchestrator(engine, registry)
    # The client's side: the input comes encoded, the plain services store it as it is.
    begin_run(
        backend.services,
        workflow_type="Greeter",
        workflow_id="wf",
        run_id=RUN,
        task_queue="greet",
        input=boundary.encode_field(['"ada"'], PAYLOADS),
    )
    inbox = backend.queues["inbox.fifo"]

    messages = inbox.receive(10)
    with pytest.raises(BatchFailed):
        orchestrator_handler(orchestrator, sqs_event(inbox, messages))
    record = backend.services.executions.get("wf")
    assert record.status is WorkflowExecutionStatus.RUNNING
    shown = boundary.decode_field(record.task_failure, FAILURE)
    assert shown["application"]["type"] == "EngineError"
    assert "the key service is unreachable" in shown["message"]

    for m in messages:
        inbox.release(m.receipt)
    assert orchestrator_handler(orchestrator, sqs_event(inbox, inbox.receive(10))) == {"batchItemFailures": []}
    record = backend.services.executions.get("wf")
    assert (record.status, record.task_failure) == (WorkflowExecutionStatus.COMPLETED, None)
    backend.stop()


async def test_a_run_whose_codec_fails_for_a_while_completes_with_its_value_and_nothing_is_dead_lettered() -> None:
    codec = FlakyCodec(failures=3)
    converter = DataConverter(payload_codec=codec)
    async with await WorkflowEnvironment.start_time_skipping(backend="memory", data_converter=converter) as env:
        async with Worker(env.client, task_queue="greet", workflows=[Greeter]):
            handle = await env.client.start_workflow(Greeter.run, "ada", id="greet", task_queue="greet")
            assert await handle.result() == "hello ada"
        assert codec.failed == 3
        assert (await handle.describe()).workflow_task_failure is None
        assert [b for q in env.runtime.backend.queues.values() for b in q.dead_letters()] == []


def test_a_failure_that_cannot_be_encoded_is_shown_with_the_codecs_error_only() -> None:
    backend = make_backend("memory", skipping=True)
    writer = PayloadBoundary.of(DataConverter(payload_codec=EncryptionCodec()))
    # Failure messages are encoded too: so the engine's own failure cannot be written as it is.
    shut = PayloadBoundary.of(
        DataConverter(payload_codec=SealedShut(), failure_converter_class=DefaultFailureConverterWithEncodedAttributes)
    )
    assert writer is not None and shut is not None
    registry = Registry()
    registry.register("greet", workflows=[Greeter])
    orchestrator = Orchestrator(engine_services(backend.services, shut), registry)
    begin_run(
        backend.services,
        workflow_type="Greeter",
        workflow_id="wf",
        run_id=RUN,
        task_queue="greet",
        input=writer.encode_field(['"ada"'], PAYLOADS),
    )
    inbox = backend.queues["inbox.fifo"]
    with pytest.raises(BatchFailed):
        orchestrator_handler(orchestrator, sqs_event(inbox, inbox.receive(10)))
    record = backend.services.executions.get("wf")
    assert record.status is WorkflowExecutionStatus.RUNNING
    # As temporalio's worker reports a completion it could not encode: the codec's error, and
    # nothing of the run's values (the task's own failure would have held them in plain).
    assert record.task_failure == {
        "message": "Failed encoding completion: the key service refuses to encrypt",
        "stack_trace": "",
    }
    backend.stop()
