"""A reset cut short before any of its AWS calls is finished by a retry with its request id,
and a signal sent to the workflow id before each of those calls reaches exactly one run.

A reset is several AWS calls (the old run's termination, the new run's history records, its
execution record, the dispatch of what the prefix left pending, its wake): nothing makes them
atomic, so the old run's terminating event carries the whole reset, and whoever finds it (a
retry, a signal that reached the old run too late) finishes the reset from the log.
"""

from __future__ import annotations

import asyncio
import collections
import json
import threading
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable._runtime.control import Control, NotRunning
from durable._runtime.inbox import SignalMessage
from durable._runtime.reset import ResetConflict, ResetRequest, ResetType, hand_on
from durable.client import WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, SimulatedCrash, faulty_services

RUNS: collections.Counter[str] = collections.Counter()
_lock = threading.Lock()


@activity.defn
async def prepare(workflow_id: str) -> str:
    with _lock:
        RUNS[workflow_id] += 1
    return "ready"


@workflow.defn
class Collector:
    def __init__(self) -> None:
        self.got: list[str] = []
        self.state = ""

    @workflow.run
    async def run(self) -> list[str]:
        self.state = state = await workflow.execute_activity(
            prepare, workflow.info().workflow_id, start_to_close_timeout=timedelta(seconds=30)
        )
        await workflow.wait_condition(lambda: "done" in self.got)
        return [state, *self.got]

    @workflow.signal
    def add(self, value: str) -> None:
        self.got.append(value)

    @workflow.query
    def seen(self) -> list[str]:
        return self.got

    @workflow.query
    def prepared(self) -> bool:
        return bool(self.state)


class SignalBeforeEachCall(Injector):
    """Sends a signal to the workflow id (no run id) before each AWS call of the reset but its reads.

    Not before a read of the log: a signal sent before each read and each write of the old
    run's termination would make the orchestrator commit between them every time, and the
    termination's conditional append would lose each of its attempts (a livelock of the test's
    own making, not a state the reset can leave behind).
    """

    def __init__(self, control: Control, workflow_id: str, crash_at: int | None = None, *, signals: bool) -> None:
        super().__init__(crash_at)
        self.control, self.workflow_id, self.signals = control, workflow_id, signals
        self.accepted: list[str] = []
        self.refused: list[tuple[str, str]] = []

    def before(self, name: str) -> None:
        if name == "history.load" or not self.signals:
            super().before(name)
            return
        value = f"s{len(self.calls) + 1}"
        try:
            self.control.signal(self.workflow_id, None, "add", [json.dumps(value)])
        except NotRunning as err:
            self.refused.append((name, str(err)))
        else:
            self.accepted.append(value)
        super().before(name)


async def reset_with_faults(
    env: WorkflowEnvironment, workflow_id: str, crash_at: int | None, *, signals: bool = True
) -> SignalBeforeEachCall:
    runtime = env.runtime
    handle = await env.client.start_workflow(Collector.run, id=workflow_id, task_queue="reset-crash")
    await handle.signal(Collector.add, "before")
    # The same state for every position (nothing pending): the reset makes the same calls.
    while await handle.query(Collector.seen) != ["before"] or not await handle.query(Collector.prepared):
        await asyncio.sleep(0.01)
    injector = SignalBeforeEachCall(runtime.control, workflow_id, crash_at, signals=signals)
    faulty = Control(faulty_services(runtime.backend.services, injector), runtime.orchestrator)
    request = ResetRequest(reset_type=ResetType.FIRST_WORKFLOW_TASK, reason="crash test", request_id="reset-1")
    try:
        first = faulty.reset(workflow_id, handle.result_run_id, request)
    except SimulatedCrash:
        first = None
    # The retry (the caller's, with the same request id) finishes what the crash cut short.
    new_run_id = runtime.control.reset(workflow_id, handle.result_run_id, request)
    assert first in (None, new_run_id)
    final = env.client.get_workflow_handle(workflow_id)
    assert (await final.describe()).run_id == new_run_id
    # Every accepted signal reaches the new run (re-applied, handed on, or sent to it): wait
    # for them before the last one, which ends the run.
    for _ in range(3000):
        if set(injector.accepted) <= set(await final.query(Collector.seen)):
            break
        await asyncio.sleep(0.01)
    await final.signal(Collector.add, "done")
    got = await asyncio.wait_for(final.result(), timeout=60)
    old = env.client.get_workflow_handle(workflow_id, run_id=handle.result_run_id)
    assert (await old.describe()).status is WorkflowExecutionStatus.TERMINATED
    assert got[0] == "ready" and got[-1] == "done"
    seen = got[1:-1]
    assert seen.count("before") == 1, seen
    signals = [v for v in seen if v != "before"]
    assert len(signals) == len(set(signals)), f"a signal was applied twice: {seen}"
    assert sorted(signals) == sorted(injector.accepted), f"an accepted signal was lost: {seen} {injector.accepted}"
    assert injector.refused == []
    return injector


async def test_a_crash_before_each_aws_call_of_a_reset_is_finished_by_its_retry_and_loses_no_signal() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset-crash", workflows=[Collector], activities=[prepare]):
            reference = await reset_with_faults(env, "reset-crash-reference", None)
            assert "history.append" in reference.calls  # the termination, at least
            # How many calls a reset makes varies: a signal that wins against the termination's
            # append adds a round, and one handed on by the old run may finish the reset first
            # (the call then finds it done). Positions go on until a reset makes fewer calls.
            position = 0
            while True:
                position += 1
                injector = await reset_with_faults(env, f"reset-crash-{position}", position)
                if injector.crashed_at is None:
                    assert len(injector.calls) < position
                    break
                with _lock:
                    assert RUNS[f"reset-crash-{position}"] == 2, (
                        f"crash before call #{position}: prepare ran again once"
                    )
            assert position > reference.calls.index("history.append") + 1


async def test_a_crash_before_each_aws_call_of_a_quiet_reset_is_finished_by_its_retry() -> None:
    """No signal comes: the reset call makes every step itself, the same calls each time."""
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset-crash", workflows=[Collector], activities=[prepare]):
            reference = await reset_with_faults(env, "reset-quiet-reference", None, signals=False)
            assert reference.calls[-3:] == ["history.append", "executions.create", "inbox.send"], reference.calls
            for position in range(1, len(reference.calls) + 1):
                injector = await reset_with_faults(env, f"reset-quiet-{position}", position, signals=False)
                assert injector.crashed_at is not None, f"crash before call #{position}"
                with _lock:
                    assert RUNS[f"reset-quiet-{position}"] == 2, (
                        f"crash before call #{position}: prepare ran again once"
                    )


async def test_two_concurrent_resets_of_a_run_make_one_new_run_and_the_other_is_refused() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        control = env.runtime.control
        async with Worker(env.client, task_queue="reset-crash", workflows=[Collector], activities=[prepare]):
            for n, closed in enumerate([False, True, False, True]):
                workflow_id = f"reset-race-{n}"
                handle = await env.client.start_workflow(Collector.run, id=workflow_id, task_queue="reset-crash")
                await handle.signal(Collector.add, "before")
                if closed:
                    await handle.signal(Collector.add, "done")
                    await handle.result()
                while await handle.query(Collector.seen) == []:
                    await asyncio.sleep(0.01)

                def reset(request_id: str, workflow_id: str = workflow_id, run_id: str = handle.result_run_id) -> str:
                    request = ResetRequest(reset_type=ResetType.FIRST_WORKFLOW_TASK, request_id=request_id)
                    try:
                        return control.reset(workflow_id, run_id, request)
                    except ResetConflict as err:
                        return f"refused: {err}"

                answers = await asyncio.gather(*(asyncio.to_thread(reset, f"race-{i}") for i in range(2)))
                made = [a for a in answers if not a.startswith("refused")]
                assert len(made) == 1, answers
                refused = next(a for a in answers if a.startswith("refused"))
                assert made[0] in refused, answers  # the error names the run that won
                runs = [w.run_id async for w in env.client.list_workflows(f"WorkflowId = '{workflow_id}'")]
                assert sorted(runs) == sorted([handle.result_run_id, made[0]]), (runs, answers)
                assert (await env.client.get_workflow_handle(workflow_id).describe()).run_id == made[0]
                final = env.client.get_workflow_handle(workflow_id)
                if not closed:  # a closed run's "done" is re-applied: its new run ends by itself
                    await final.signal(Collector.add, "done")
                assert await asyncio.wait_for(final.result(), timeout=60) == ["ready", "before", "done"]


class CrashAt(Injector):
    """Crashes before the first call of one name."""

    def __init__(self, name: str) -> None:
        super().__init__(None)
        self.name = name

    def before(self, name: str) -> None:
        super().before(name)
        if name == self.name and self.crashed_at is None:
            self.crashed_at = name
            raise SimulatedCrash(f"crash before {name}")


async def test_a_signal_to_the_workflow_id_goes_to_the_run_that_took_the_id_from_a_cut_short_reset() -> None:
    """The reset terminated its run, then died before making the new one; a start took the
    workflow id meanwhile, so the reset can never finish. A signal sent to the workflow id
    that reached the old run goes to the run holding the id (it went nowhere before)."""
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        workflow_id = "reset-then-started"
        async with Worker(env.client, task_queue="reset-crash", workflows=[Collector], activities=[prepare]):
            handle = await env.client.start_workflow(Collector.run, id=workflow_id, task_queue="reset-crash")
            while not await handle.query(Collector.prepared):
                await asyncio.sleep(0.01)
            injector = CrashAt("executions.create")  # the new run's record
            faulty = Control(faulty_services(runtime.backend.services, injector), runtime.orchestrator)
            request = ResetRequest(reset_type=ResetType.FIRST_WORKFLOW_TASK, request_id="cut-short")
            with pytest.raises(SimulatedCrash):
                faulty.reset(workflow_id, handle.result_run_id, request)
            old = env.client.get_workflow_handle(workflow_id, run_id=handle.result_run_id)
            assert (await old.describe()).status is WorkflowExecutionStatus.TERMINATED

            taker = await env.client.start_workflow(Collector.run, id=workflow_id, task_queue="reset-crash")
            # A signal the API sent to the workflow id while the old run was its latest: the
            # old run's orchestrator hands it on, and finds the reset cannot be finished.
            ledger = runtime.control.ledger(workflow_id, handle.result_run_id)
            body: SignalMessage = {
                "kind": "signal",
                "workflow_id": workflow_id,
                "run_id": handle.result_run_id,
                "dedup": "signal:to-the-id",
                "name": "add",
                "input": [json.dumps("done")],
                "follow": True,
            }
            with pytest.raises(ResetConflict):
                runtime.control.reset(workflow_id, handle.result_run_id, request)
            await asyncio.to_thread(hand_on, runtime.backend.services, ledger, body)
            assert await asyncio.wait_for(taker.result(), timeout=60) == ["ready", "done"]
