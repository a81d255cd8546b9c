"""What the determinism sandbox costs: per workflow task, per run start, per guarded call.

Records one run of N sequential activities whose code logs (a standard logger: each record
reads the guarded clock, pid and thread functions), reads ``workflow.now()`` and builds JSON
each step, then
replays its history from scratch (one activation per workflow task) with the default
sandboxed runner and with ``UnsandboxedWorkflowRunner``, in turns, best of several rounds of
CPU time (so that other processes on the machine barely move the figures). Also: the
one-time install of the guards in a process, what finding a run's sandbox costs at each
run start (no module is re-imported), and a guarded ``time.time()`` outside workflows.

    .venv/bin/python benchmarks/sandbox.py [--steps 500] [--rounds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sys
import time
import timeit
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_ORIGINAL = (time.time,)  # before any guard is installed (in a tuple: module-level copies get the guard)

from durable import activity, workflow  # noqa: E402
from durable._replay.definition import WorkflowDefinition  # noqa: E402
from durable._replay.machine import HistoryMachine  # noqa: E402
from durable._sandbox.runner import SandboxedWorkflowRunner, sandbox_of  # noqa: E402
from durable.client import WorkflowExecutionStatus  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import UnsandboxedWorkflowRunner, Worker  # noqa: E402

log = logging.getLogger("bench.sandbox")


@activity.defn
async def step(i: int) -> int:
    return i + 1


@workflow.defn
class Steps:
    @workflow.run
    async def run(self, steps: int, logs: bool) -> int:
        total = 0
        for i in range(steps):
            if logs:
                # A standard logger, unlike workflow.logger, logs while replaying: each record
                # goes through 16 guards (time.time, os.getpid, os.path..., from logging).
                log.debug("step %d at %s", i, workflow.now())
            json.dumps({"step": i, "total": total})
            total = await workflow.execute_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
        return total


async def record(steps: int, logs: bool) -> list[dict]:
    async with await WorkflowEnvironment.start_time_skipping(backend="memory") as env:
        async with Worker(env.client, task_queue="bench", workflows=[Steps], activities=[step]):
            handle = await env.client.start_workflow(
                Steps.run, args=[steps, logs], id="sandbox-bench", task_queue="bench"
            )
            assert await handle.result() == steps
            return (await handle.fetch_history()).events


def replay_seconds(events: list[dict], definition: WorkflowDefinition) -> float:
    # CPU time of this process: other processes on the machine barely move it.
    started = time.process_time()
    machine = HistoryMachine(lambda _t, _q: definition)
    machine.replay(events)
    elapsed = time.process_time() - started
    assert machine.replay_error is None and machine.ledger.status is WorkflowExecutionStatus.COMPLETED, (
        machine.replay_error
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    log.setLevel(logging.DEBUG)  # the records are built, then dropped
    log.addHandler(logging.NullHandler())
    log.propagate = False

    sandboxed = WorkflowDefinition.of(Steps)
    started = time.perf_counter()
    SandboxedWorkflowRunner().sandbox(Steps)  # the first sandbox of the process installs the guards
    install = time.perf_counter() - started
    cpu = time.process_time
    per_start = min(timeit.repeat(lambda: sandbox_of(sandboxed), timer=cpu, number=20_000, repeat=9)) / 20_000

    unsandboxed = dataclasses.replace(sandboxed, workflow_runner=UnsandboxedWorkflowRunner())
    tasks = args.steps + 1
    per_task = {}
    for logs in (False, True):
        events = asyncio.run(record(args.steps, logs))
        with_sandbox, without = [], []
        for _ in range(args.rounds):
            with_sandbox.append(replay_seconds(events, sandboxed))
            without.append(replay_seconds(events, unsandboxed))
        per_task[logs] = (min(with_sandbox) / tasks, min(without) / tasks)

    guarded = min(timeit.repeat("clock()", globals={"clock": time.time}, timer=cpu, number=200_000, repeat=9)) / 2e5
    original = min(timeit.repeat("clock()", globals={"clock": _ORIGINAL[0]}, timer=cpu, number=200_000, repeat=9)) / 2e5
    print(f"guards installed once per process: {install * 1000:.1f} ms (standard modules imported included)")
    print(f"finding a run's sandbox at its start: {per_start * 1e6:.2f} us (no module re-imported)")
    for logs, (on, off) in per_task.items():
        print(
            f"per workflow task, {'a log record each' if logs else 'no guarded call'} ({tasks} tasks replayed "
            f"cold, best of {args.rounds}): sandboxed {on * 1e6:.1f} us, unsandboxed {off * 1e6:.1f} us, "
            f"difference {(on - off) * 1e6:+.1f} us ({(on / off - 1) * 100:+.1f}%)"
        )
    print(
        f"time.time() outside workflows: guarded {guarded * 1e9:.0f} ns, original {original * 1e9:.0f} ns "
        f"(+{(guarded - original) * 1e9:.0f} ns)"
    )


if __name__ == "__main__":
    main()
