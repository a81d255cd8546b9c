"""Generated workflows: nothing accepted is lost, nothing is applied twice, nothing wedges.

Hypothesis draws a plan: a workflow input and result of some size (mostly small, a few of
100 KB, 300 KB, 1 MB or just under 2 MB), a sequence of steps (activities passing large
values and failing their first attempts, runs of up to a few hundred local activities),
bursts of signals from a few senders (some sent before any worker runs, so they reach the
run together in one decision, some while it runs; some large), and crashes injected
before the N-th AWS call of the orchestrator or the activity worker (DynamoDB, SQS, the
timer queue, the idempotency table and the payload store, which stands for S3), as in
``tests/invariants/faults.py``. Some plans run without the payload cache, so every value
stored by reference is read back from the store, as a fresh Lambda container reads it.
Each plan runs on a fresh engine on both backends, and:

- the run completes with the result computed from the plan alone;
- every accepted signal is applied exactly once, in the order its sender sent it;
- the history is consistent (contiguous event ids, one terminal event);
- nothing was refused: no dead letters, no errors outside a handler, no ERROR record of
  the ``durable`` loggers about a write AWS would refuse (WriteTooLarge, a ValueError).

Examples are derandomized (the same plans on every run) and bounded for ``make test``.
A longer search is opt-in: ``DURABLE_PROPERTY_EXAMPLES=500`` runs that many plans on
memory and a quarter as many on moto, e.g.

    DURABLE_PROPERTY_EXAMPLES=500 .venv/bin/python -m pytest tests/invariants/test_properties.py

A failing plan is printed by hypothesis (the falsifying example), with the crashes it hit.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from durable import activity, workflow
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.orchestrator import Orchestrator
from durable.common import RetryPolicy
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import SimulatedCrash, faulty_services
from tests.invariants.test_crash_recovery import assert_consistent

TASK_QUEUE = "properties"
LARGE_SIZES = (100_000, 300_000, 1_000_000, 2 * 1024 * 1024 - 16 * 1024)
"""The large payloads drawn; the largest leaves room under the 2 MB limit for the JSON around it."""

_EXAMPLES = int(os.environ.get("DURABLE_PROPERTY_EXAMPLES", "0"))
EXAMPLES = {"memory": _EXAMPLES or 120, "moto": max(1, _EXAMPLES // 4) if _EXAMPLES else 24}


# -- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteStep:
    """An activity: takes ``size_in`` characters, returns ``size_out``, fails ``failures`` attempts first."""

    size_in: int
    size_out: int
    failures: int


@dataclass(frozen=True)
class LocalRun:
    """``count`` local activities in a row; the last fails its first ``failures`` attempts."""

    count: int
    failures: int


@dataclass(frozen=True)
class Signal:
    sender: str
    seq: int
    size: int


@dataclass(frozen=True)
class Plan:
    input_size: int
    steps: tuple[RemoteStep | LocalRun, ...]
    early: tuple[Signal, ...]
    """Sent after the start and before any worker runs."""
    during: tuple[Signal, ...]
    """Sent while the run executes its steps."""
    result_size: int
    crashes: tuple[int, ...]
    """Crash before these AWS calls (1-based) of the handlers."""
    cold: bool = False
    """Read every stored value back from the payload store, as a fresh Lambda container does (no cache)."""

    def describe(self) -> str:
        steps = ", ".join(
            f"activity({s.size_in}->{s.size_out}, fails {s.failures})"
            if isinstance(s, RemoteStep)
            else f"{s.count} local (fails {s.failures})"
            for s in self.steps
        )
        early = " ".join(f"{s.sender}{s.seq}:{s.size}" for s in self.early)
        during = " ".join(f"{s.sender}{s.seq}:{s.size}" for s in self.during)
        return (
            f"input {self.input_size}, result {self.result_size}; steps [{steps}]; "
            f"signals before the worker [{early}], while running [{during}]; crashes before calls {list(self.crashes)}"
            + ("; no payload cache" if self.cold else "")
        )


def char_for(index: int) -> str:
    return chr(ord("a") + index % 26)


def summary(text: str) -> list[Any]:
    """What the workflow keeps of a payload: first character, length, and whether it is all that character."""
    first = text[:1]
    return [first, len(text), text == first * len(text)]


def tick_value(k: int) -> int:
    return 3 * k + 1


def expected_result(plan: Plan) -> dict[str, Any]:
    """The workflow's result, from the plan alone (without the signals, compared per sender)."""
    steps: list[Any] = []
    for i, step in enumerate(plan.steps):
        if isinstance(step, RemoteStep):
            steps.append([summary(char_for(i) * step.size_in), summary(char_for(i + 1) * step.size_out)])
        else:
            steps.append(sum(tick_value(k) for k in range(step.count)))
    return {"input": summary("i" * plan.input_size), "steps": steps, "tail": summary("r" * plan.result_size)}


def payload_sizes() -> st.SearchStrategy[int]:
    # Four small to one large, with the small ones near the edges that matter (empty, tiny).
    small = st.one_of(st.just(0), st.integers(1, 64), st.integers(65, 4_000))
    return st.one_of(small, small, small, small, st.sampled_from(LARGE_SIZES))


def _cap_large(sizes: list[int], budget: list[int]) -> list[int]:
    """Keep at most ``budget[0]`` large payloads in a plan: each costs time, the property needs only a few."""
    capped = []
    for size in sizes:
        if size >= LARGE_SIZES[0]:
            if budget[0] <= 0:
                size = size % 4_000
            else:
                budget[0] -= 1
        capped.append(size)
    return capped


@st.composite
def plans(draw: Callable[..., Any]) -> Plan:
    budget = [3]
    input_size, result_size = _cap_large([draw(payload_sizes()), draw(payload_sizes())], budget)
    steps: list[RemoteStep | LocalRun] = []
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            size_in, size_out = _cap_large([draw(payload_sizes()), draw(payload_sizes())], budget)
            steps.append(RemoteStep(size_in, size_out, draw(st.integers(0, 2))))
        else:
            count = draw(st.one_of(st.integers(1, 5), st.integers(6, 40), st.integers(100, 300)))
            steps.append(LocalRun(count, draw(st.integers(0, 1))))
    senders = draw(st.lists(st.sampled_from("ABC"), max_size=10))
    sizes = _cap_large([draw(payload_sizes()) for _ in senders], budget)
    signals: list[Signal] = []
    seen: collections.Counter[str] = collections.Counter()
    for sender, size in zip(senders, sizes, strict=True):
        signals.append(Signal(sender, seen[sender], size))
        seen[sender] += 1
    split = draw(st.integers(0, len(signals)))
    crashes = tuple(sorted(draw(st.lists(st.integers(1, 40), max_size=3, unique=True))))
    cold = draw(st.booleans())
    return Plan(input_size, tuple(steps), tuple(signals[:split]), tuple(signals[split:]), result_size, crashes, cold)


# -- the workflow that runs a plan ------------------------------------------------------------


@activity.defn
async def transform(text: str, size_out: int, char: str, failures: int) -> list[Any]:
    if activity.info().attempt <= failures:
        raise RuntimeError(f"attempt {activity.info().attempt} fails, as planned")
    return [summary(text), char * size_out]


@activity.defn
async def tick(k: int, failures: int) -> int:
    if activity.info().attempt <= failures:
        raise RuntimeError(f"local attempt {activity.info().attempt} fails, as planned")
    return tick_value(k)


RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=0)
"""Unlimited: a crash between an attempt's claim and its report costs an attempt (it times out)."""

LOCAL_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=10), maximum_attempts=0)
"""A local activity's short back-off is waited out in the orchestrator's invocation, in real time."""


@workflow.defn
class Generated:
    def __init__(self) -> None:
        self.notes: list[list[Any]] = []

    @workflow.run
    async def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        steps: list[Any] = []
        for i, step in enumerate(spec["steps"]):
            if step["kind"] == "remote":
                summarized, out = await workflow.execute_activity(
                    transform,
                    args=[char_for(i) * step["size_in"], step["size_out"], char_for(i + 1), step["failures"]],
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=RETRY,
                )
                steps.append([summarized, summary(out)])
            else:
                total = 0
                for k in range(step["count"]):
                    failures = step["failures"] if k == step["count"] - 1 else 0
                    total += await workflow.execute_local_activity(
                        tick, args=[k, failures], start_to_close_timeout=timedelta(seconds=10), retry_policy=LOCAL_RETRY
                    )
                steps.append(total)
        await workflow.wait_condition(lambda: len(self.notes) >= spec["signals"])
        return {
            "input": summary(spec["input"]),
            "steps": steps,
            "notes": self.notes,
            "tail": "r" * spec["result_size"],
        }

    @workflow.signal
    def note(self, sender: str, seq: int, text: str) -> None:
        self.notes.append([sender, seq, summary(text)])


def spec_of(plan: Plan) -> dict[str, Any]:
    steps = [
        {"kind": "remote", "size_in": s.size_in, "size_out": s.size_out, "failures": s.failures}
        if isinstance(s, RemoteStep)
        else {"kind": "local", "count": s.count, "failures": s.failures}
        for s in plan.steps
    ]
    return {
        "input": "i" * plan.input_size,
        "steps": steps,
        "signals": len(plan.early) + len(plan.during),
        "result_size": plan.result_size,
    }


# -- crashes and what the engine logged --------------------------------------------------------


class Crashes:
    """Counts the handlers' AWS calls and raises SimulatedCrash before the planned ones."""

    def __init__(self, positions: tuple[int, ...]) -> None:
        self.positions = set(positions)
        self.calls: list[str] = []
        self.crashed: list[str] = []
        self._lock = threading.Lock()

    def before(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)
            if len(self.calls) in self.positions:
                self.crashed.append(f"#{len(self.calls)} {name}")
                raise SimulatedCrash(f"crash before AWS call #{len(self.calls)} ({name})")


class _InHandler(threading.local):
    active = False


class _CrashingPayloads:
    """The payload store (S3), whose calls count as AWS calls while a handler runs.

    The store is shared with the client, whose writes are not the handlers' and never crash.
    """

    def __init__(self, inner: Any, crashes: Crashes, in_handler: _InHandler) -> None:
        self.inner, self._crashes, self._in_handler = inner, crashes, in_handler

    def put(self, data: bytes) -> str:
        if self._in_handler.active:
            self._crashes.before("payloads.put")
        return self.inner.put(data)

    def get(self, key: str) -> bytes:
        if self._in_handler.active:
            self._crashes.before("payloads.get")
        return self.inner.get(key)


def install_crashes(env: WorkflowEnvironment, crashes: Crashes, *, cold: bool) -> None:
    runtime = env.runtime
    services = faulty_services(runtime.backend.services, crashes)  # type: ignore[arg-type]
    runtime.orchestrator = Orchestrator(services, runtime.registry)
    runtime.activity_worker = ActivityWorker(services, runtime.registry, heartbeat_throttle=1.0)
    in_handler = _InHandler()
    claims = runtime.backend.services.claims
    claims.payloads = _CrashingPayloads(claims.payloads, crashes, in_handler)
    if cold:
        claims._cache_bytes = 0  # nothing is cached: every reference is read from the store
    dispatcher = runtime.dispatcher

    def flagged(handler: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def call(event: dict[str, Any]) -> dict[str, Any]:
            in_handler.active = True
            try:
                return handler(event)
            finally:
                in_handler.active = False

        return call

    dispatcher._orchestrate = flagged(dispatcher._orchestrate)
    dispatcher._run_activities = flagged(dispatcher._run_activities)


class ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


REFUSED = ("WriteTooLarge", "ValueError", "too large", "over SQS", "over DynamoDB", "refuse", "limit is")


def refused_writes(records: list[logging.LogRecord]) -> list[str]:
    """ERROR records that tell of a write refused for AWS's limits."""
    found = []
    for record in records:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            err = record.exc_info[1]
            text += f" {type(err).__name__}: {err}"
            if isinstance(err, ValueError):
                found.append(text)
                continue
        if any(word in text for word in REFUSED):
            found.append(text)
    return found


# -- running a plan ---------------------------------------------------------------------------


HANDLER_CALLS: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
"""Per backend: the handlers' AWS calls and the crashes of every plan run (to show the injection bites)."""

WIRED = Plan(
    input_size=0,
    steps=(RemoteStep(300_000, 10, 1),),
    early=(Signal("A", 0, 100_000),),
    during=(),
    result_size=0,
    crashes=(1,),
    cold=True,
)
"""A plan run first on each backend: its first call crashes, and it writes to the payload store."""


async def run_plan(plan: Plan, backend: str) -> None:
    crashes = Crashes(plan.crashes)
    errors = ErrorRecords()
    durable_logger = logging.getLogger("durable")
    durable_logger.addHandler(errors)
    try:
        async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
            install_crashes(env, crashes, cold=plan.cold)
            handle = await env.client.start_workflow(
                Generated.run, spec_of(plan), id="generated", task_queue=TASK_QUEUE
            )
            for s in plan.early:  # before any worker: the run takes them together with its first decision
                await handle.signal(Generated.note, args=[s.sender, s.seq, char_for(s.seq) * s.size])
            async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Generated], activities=[transform, tick]):
                result_task = asyncio.ensure_future(handle.result())
                by_sender: dict[str, list[Signal]] = collections.defaultdict(list)
                for s in plan.during:
                    by_sender[s.sender].append(s)

                async def send(signals: list[Signal]) -> None:
                    for s in signals:
                        await handle.signal(Generated.note, args=[s.sender, s.seq, char_for(s.seq) * s.size])
                        await asyncio.sleep(0)

                await asyncio.gather(*(send(signals) for signals in by_sender.values()))
                # A guard against a wedged run, not a timing assertion: virtual time skips.
                result = await asyncio.wait_for(result_task, timeout=120)
                history = (await handle.fetch_history()).events
            dead = [body[:200] for queue in env.runtime.backend.queues.values() for body in queue.dead_letters()]
            outside_handlers = list(env.runtime.dispatcher.errors)
    finally:
        durable_logger.removeHandler(errors)
    note(f"crashed before: {crashes.crashed} of {len(crashes.calls)} handler AWS calls")
    HANDLER_CALLS[backend].update(crashes.calls)
    HANDLER_CALLS[backend].update("crash" for _ in crashes.crashed)

    expected = expected_result(plan)
    notes = result.pop("notes")
    result["tail"] = summary(result["tail"])
    assert result == expected
    sent = [[s.sender, s.seq, summary(char_for(s.seq) * s.size)] for s in plan.early + plan.during]
    assert collections.Counter(map(repr, notes)) == collections.Counter(map(repr, sent)), (
        "each accepted signal applied exactly once"
    )
    for sender in {s.sender for s in plan.early + plan.during}:
        assert [n for n in notes if n[0] == sender] == [n for n in sent if n[0] == sender], f"sender {sender}'s order"
    assert_consistent(history)
    assert dead == [], "a message went to a dead-letter queue"
    assert outside_handlers == [], "the dispatcher failed outside a handler"
    assert refused_writes(errors.records) == []


@pytest.mark.parametrize("backend", ["memory", "moto"])
def test_generated_workflows_complete_with_every_signal_applied_once(backend: str) -> None:
    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    @given(plan=plans())
    @example(plan=WIRED)
    def check(plan: Plan) -> None:
        note(f"[{backend}] {plan.describe()}")
        asyncio.run(run_plan(plan, backend))

    HANDLER_CALLS[backend].clear()
    check()
    seen = HANDLER_CALLS[backend]
    assert seen["crash"] > 0 and seen["payloads.put"] > 0 and seen["payloads.get"] > 0, (
        f"the crash injection did not reach the handlers' calls: {seen}"
    )
