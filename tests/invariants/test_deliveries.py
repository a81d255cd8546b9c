"""Activity outcomes delivered straight to an orchestrator invocation: never lost, never twice.

The fast path (``durable._runtime.delivery``) skips the inbox; each way it can fail must
land the outcome in the inbox instead, and the run must end as it would have: Lambda not
accepting the invocation, the invoked orchestrator losing every race for the run, the
invocation crashing until Lambda gives up (then the reconciler forwards it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest

from durable._codec.engine import engine_services
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.delivery_event import is_delivery_event
from durable._runtime.lambda_handlers import orchestrator_handler
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.ports import HistoryConflict
from durable._runtime.reconciler import Reconciler
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.helpers.codec_workflows import CONVERTER, assert_encrypted, assert_plain, exercise
from tests.helpers.stored_text import stored_texts
from tests.invariants.conftest import EXPECTED, Mixed, effect, effects_of, signal_when_waiting
from tests.invariants.faults import Injector, SimulatedCrash, faulty_services


class _Refusing:
    """Lambda's Invoke API answering with an error (throttled, say): nothing was queued."""

    def __init__(self) -> None:
        self.refused = 0

    def deliver(self, bodies: list[str]) -> None:
        self.refused += 1
        raise RuntimeError("TooManyRequestsException: Rate exceeded")


class _AlwaysBehind:
    """A history whose every append finds another orchestrator's record there first."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.conflicts = 0

    def append(self, key: str, events: list[dict]) -> None:
        self.conflicts += 1
        raise HistoryConflict(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def _run(env: WorkflowEnvironment, workflow_id: str) -> tuple[str, list[dict]]:
    async with Worker(env.client, task_queue="mixed", workflows=[Mixed], activities=[effect]):
        handle = await env.client.start_workflow(Mixed.run, id=workflow_id, task_queue="mixed")
        result = await signal_when_waiting(handle)
        return result, (await handle.fetch_history()).events


def _attempts_once(workflow_id: str) -> None:
    effects = effects_of(workflow_id)
    assert effects and all(n == 1 for n in effects.values()), effects


@pytest.mark.parametrize("backend", ["memory", "moto"])
async def test_outcomes_reach_their_run_by_invocation_not_through_the_inbox(backend: str) -> None:
    injector = Injector(None)
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        runtime = env.runtime
        runtime.activity_worker = ActivityWorker(faulty_services(runtime.backend.services, injector), runtime.registry)
        result, history = await _run(env, f"fast-{backend}")
    assert result == EXPECTED
    completed = [e for e in history if e["event_type"] in ("ActivityTaskCompleted", "ActivityTaskAttemptFailed")]
    # Every outcome an activity worker reported went by invocation; none by the inbox.
    assert injector.calls.count("invoker.deliver") == len(completed) >= 3, injector.calls
    assert "inbox.send" not in injector.calls
    _attempts_once(f"fast-{backend}")


async def test_an_invocation_lambda_refuses_sends_the_outcome_to_the_inbox() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        refusing = _Refusing()
        services = runtime.backend.services
        runtime.activity_worker = ActivityWorker(dataclasses.replace(services, invoker=refusing), runtime.registry)
        result, _ = await _run(env, "refused")
    assert result == EXPECTED
    assert refusing.refused >= 3
    _attempts_once("refused")


async def test_an_orchestrator_that_cannot_apply_a_delivery_hands_it_to_the_inbox() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = runtime.backend.services
        behind = _AlwaysBehind(services.history)
        losing = Orchestrator(dataclasses.replace(services, history=behind), runtime.registry)
        inbox_orchestrator = runtime.orchestrator
        delivered = []

        def orchestrate(event: dict) -> Any:
            if is_delivery_event(event):
                delivered.append(event)
                return orchestrator_handler(losing, event)  # loses the race three times
            return orchestrator_handler(inbox_orchestrator, event)

        runtime.dispatcher._orchestrate = orchestrate
        result, history = await _run(env, "behind")
    assert result == EXPECTED
    assert len(delivered) >= 3 and behind.conflicts == 3 * len(delivered)
    # Each went to the inbox, which applied it once.
    completed = [e for e in history if e["event_type"] == "ActivityTaskCompleted"]
    assert len(completed) == len({e["attributes"]["seq"] for e in completed})
    _attempts_once("behind")


@pytest.mark.parametrize("backend", ["memory", "moto", "sqlite"])
async def test_an_invocation_that_crashes_three_times_is_dead_lettered_then_forwarded_by_the_reconciler(
    backend: str,
) -> None:
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        runtime = env.runtime
        orchestrator = runtime.orchestrator
        crashes: list[str] = []

        def orchestrate(event: dict) -> Any:
            if is_delivery_event(event) and len(crashes) < 3:
                crashes.append(json.loads(event["durable_deliveries"][0])["kind"])
                raise SimulatedCrash("the invocation timed out")
            return orchestrator_handler(orchestrator, event)

        runtime.dispatcher._orchestrate = orchestrate
        async with Worker(env.client, task_queue="mixed", workflows=[Mixed], activities=[effect]):
            handle = await env.client.start_workflow(Mixed.run, id=f"dead-{backend}", task_queue="mixed")
            for _ in range(3000):
                if len(crashes) == 3:
                    break
                await asyncio.sleep(0.01)
            assert runtime.dispatcher.wait_idle(timeout=30)
            # Lambda tried the first outcome's invocation three times and gave up: it waits in the
            # orchestrator's DLQ, and the run waits for it.
            assert crashes == ["activity_result"] * 3
            assert not (await handle.describe()).status.name == "COMPLETED"
            forwarded = Reconciler(runtime.backend.services).reconcile()
            assert forwarded.deliveries_forwarded == 1 and forwarded.delivery_failures == 0
            assert await signal_when_waiting(handle) == EXPECTED
            again = Reconciler(runtime.backend.services).reconcile()
    assert again.deliveries_forwarded == 0
    _attempts_once(f"dead-{backend}")


async def test_an_invocation_lambda_runs_twice_applies_its_outcome_once() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        orchestrator = runtime.orchestrator
        twice = []

        def orchestrate(event: dict) -> Any:
            if is_delivery_event(event):
                twice.append(event)
                orchestrator_handler(orchestrator, json.loads(json.dumps(event)))  # Lambda's duplicate
            return orchestrator_handler(orchestrator, event)

        runtime.dispatcher._orchestrate = orchestrate
        result, history = await _run(env, "twice")
    assert result == EXPECTED and len(twice) >= 3
    outcomes = [
        (e["attributes"]["seq"], e["attributes"].get("attempt"))
        for e in history
        if e["event_type"] in ("ActivityTaskCompleted", "ActivityTaskAttemptFailed")
    ]
    assert len(outcomes) == len(set(outcomes)) == len(twice)
    _attempts_once("twice")


@pytest.mark.parametrize("backend", ["memory", "moto"])
async def test_with_a_payload_codec_an_outcome_handed_to_the_inbox_is_encoded_once(backend: str) -> None:
    async with await WorkflowEnvironment.start_time_skipping(backend=backend, data_converter=CONVERTER) as env:
        runtime = env.runtime
        inbox_orchestrator = runtime.orchestrator
        plain = runtime.backend.services
        behind = _AlwaysBehind(plain.history)
        # The engine's services over a history that always loses the race: the codec at their edge.
        boundary = inbox_orchestrator.services.boundary  # type: ignore[attr-defined]
        losing = Orchestrator(engine_services(dataclasses.replace(plain, history=behind), boundary), runtime.registry)

        def orchestrate(event: dict) -> Any:
            handler = losing if is_delivery_event(event) else inbox_orchestrator
            return orchestrator_handler(handler, event)

        runtime.dispatcher._orchestrate = orchestrate
        seen = await exercise(env.client, lambda: stored_texts(runtime.backend, backend))
        stored = stored_texts(runtime.backend, backend)
    assert behind.conflicts >= 3  # outcomes went the inbox's way
    assert_plain(seen)
    assert_encrypted(stored)


@pytest.mark.parametrize("backend", ["memory", "moto", "sqlite"])
async def test_a_failed_delivery_the_reconciler_cannot_forward_stays_however_often_it_is_received(
    backend: str,
) -> None:
    """The functions' dead-letter queue is the end of the line: a dead letter that pass after
    pass could not forward is still there for the next pass and for operators (before, the
    local twins moved it on after five receives, into a queue nothing reads)."""
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        failed = env.runtime.backend.services.failed_deliveries
        assert failed is not None
        failed.send('{"requestPayload": "not a delivery"}')
        for _ in range(7):
            (letter,) = failed.receive(10)
            failed.release(letter.receipt)
        (letter,) = failed.receive(10)
        assert letter.receive_count == 8
        # moto's queues are the process's: a dead letter left here would reach other tests' passes.
        failed.delete([letter.receipt])
        assert failed.receive(10) == []
