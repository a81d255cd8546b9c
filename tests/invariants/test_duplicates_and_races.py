"""Duplicate delivery, racing orchestrators, and warm versus cold replay."""

from __future__ import annotations

import json
import threading

from durable._replay.definition import WorkflowDefinition
from durable._replay.machine import HistoryMachine
from durable._runtime.lambda_handlers import orchestrator_handler
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.services import execution_key
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.conftest import EXPECTED, Mixed, effect, effects_of, run_mixed, signal_when_waiting

SHAPED = {"ActivityTaskScheduled", "ActivityTaskCompleted", "ActivityTaskAttemptFailed", "WorkflowExecutionCompleted"}


def shape(history: list[dict]) -> list[tuple]:
    """What must not depend on delivery: activities, their attempts and results, the result.

    (When the signal lands relative to the other inputs is a race in any engine, so the
    signal and the timer it may cancel are left out.)
    """
    return [
        (
            e["event_type"],
            e["attributes"].get("seq"),
            e["attributes"].get("activity_type"),
            e["attributes"].get("result"),
            e["attributes"].get("attempt"),
        )
        for e in history
        if e["event_type"] in SHAPED
    ]


async def test_every_inbox_message_delivered_twice_changes_nothing() -> None:
    _, _, reference = await run_mixed(None, "dup-reference")
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        delivered = []

        def twice(event: dict) -> dict:
            # An inbox batch, or an invocation with activities' outcomes (Lambda may run one twice too).
            delivered.append(len(event.get("Records") or event["durable_deliveries"]))
            orchestrator_handler(runtime.orchestrator, json.loads(json.dumps(event)))  # the duplicate delivery
            return orchestrator_handler(runtime.orchestrator, event)

        runtime.dispatcher._orchestrate = twice
        async with Worker(env.client, task_queue="mixed", workflows=[Mixed], activities=[effect]):
            handle = await env.client.start_workflow(Mixed.run, id="dup", task_queue="mixed")
            assert await signal_when_waiting(handle) == EXPECTED
            history = (await handle.fetch_history()).events
    assert sum(delivered) >= 6
    assert shape(history) == shape(reference)
    assert all(n == 1 for n in effects_of("dup").values())


async def test_a_cold_orchestrator_after_each_step_gives_the_same_log() -> None:
    """Warm (cached instance) and cold (replay from the log every time) decide alike."""
    _, _, warm = await run_mixed(None, "warm")
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        runtime.orchestrator = Orchestrator(runtime.backend.services, runtime.registry, cache_size=0)
        async with Worker(env.client, task_queue="mixed", workflows=[Mixed], activities=[effect]):
            handle = await env.client.start_workflow(Mixed.run, id="cold", task_queue="mixed")
            assert await signal_when_waiting(handle) == EXPECTED
            cold = (await handle.fetch_history()).events
    assert shape(cold) == shape(warm)


async def test_two_orchestrators_racing_on_one_run_leave_one_consistent_log(caplog) -> None:
    caplog.set_level("INFO", logger="durable.orchestrator")
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = runtime.backend.services
        a = Orchestrator(services, runtime.registry)
        b = Orchestrator(services, runtime.registry)
        # Two Lambda containers take turns on the same run, each with its own warm cache:
        # every message goes to both, one after the other, on two threads at once.
        lock = threading.Lock()
        order: list[str] = []

        def racing(event: dict) -> dict:
            results: list[dict] = []

            def run(o: Orchestrator, name: str) -> None:
                r = orchestrator_handler(o, json.loads(json.dumps(event)))
                with lock:
                    order.append(name)
                    results.append(r)

            threads = [threading.Thread(target=run, args=(o, n)) for o, n in ((a, "a"), (b, "b"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            failed = {f["itemIdentifier"] for r in results for f in r["batchItemFailures"]}
            # A message one of them applied is done; only what both failed goes back.
            both = [
                f for f in failed if all(f in {x["itemIdentifier"] for x in r["batchItemFailures"]} for r in results)
            ]
            return {"batchItemFailures": [{"itemIdentifier": i} for i in both]}

        runtime.dispatcher._orchestrate = racing
        async with Worker(env.client, task_queue="mixed", workflows=[Mixed], activities=[effect]):
            handle = await env.client.start_workflow(Mixed.run, id="race", task_queue="mixed")
            assert await signal_when_waiting(handle) == EXPECTED
            history = (await handle.fetch_history()).events
    ids = [e["event_id"] for e in history]
    assert ids == list(range(1, len(ids) + 1))
    # The log replays cleanly from scratch: it is one consistent history.
    machine = HistoryMachine(lambda _type, _queue: WorkflowDefinition.of(Mixed))
    machine.replay(services.history.load(execution_key("race", history[0]["attributes"]["run_id"])))
    assert machine.replay_error is None and machine.ledger.status.name == "COMPLETED"
    assert all(n == 1 for n in effects_of("race").values())
    assert any("committed to" in r.getMessage() for r in caplog.records), "the orchestrators did race"
