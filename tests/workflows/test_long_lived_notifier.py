"""A long-lived local server remembers a bounded number of closed runs, and a caller waiting
on a run it no longer remembers still gets its result (from the store)."""

from __future__ import annotations

from durable import workflow
from durable._local.backends import RECENT_RUNS, Notifier, RecentRuns
from durable.testing import WorkflowEnvironment
from durable.worker import Worker


@workflow.defn
class Echo:
    @workflow.run
    async def run(self, value: int) -> int:
        return value


def test_recent_runs_keeps_the_latest_only() -> None:
    recent = RecentRuns(limit=3)
    for i in range(5):
        recent.add(("wf", str(i)))
    assert len(recent) == 3
    assert ("wf", "0") not in recent and ("wf", "1") not in recent
    assert all(("wf", str(i)) in recent for i in (2, 3, 4))
    recent.add(("wf", "2"))  # added again: the most recent now, so 3 goes first
    recent.add(("wf", "5"))
    assert ("wf", "3") not in recent and ("wf", "2") in recent


def test_the_notifier_runs_with_a_bound() -> None:
    notifier = Notifier()
    for i in range(RECENT_RUNS + 5):
        notifier.run_closed("wf", str(i))
    assert len(notifier.closed_runs) == len(notifier.first_task_done) == RECENT_RUNS
    assert ("wf", str(RECENT_RUNS + 4)) in notifier.closed_runs


async def test_a_run_the_notifier_forgot_still_answers_its_result() -> None:
    async with await WorkflowEnvironment.start_time_skipping(backend="memory") as env:
        notifier = env.runtime.backend.notifier
        notifier.closed_runs = RecentRuns(limit=2)
        notifier.first_task_done = RecentRuns(limit=2)
        async with Worker(env.client, task_queue="q", workflows=[Echo]):
            handles = [await env.client.start_workflow(Echo.run, i, id=f"echo-{i}", task_queue="q") for i in range(6)]
            assert [await h.result() for h in reversed(handles)] == list(reversed(range(6)))
            assert len(notifier.closed_runs) == 2
            assert (handles[0].id, handles[0].result_run_id) not in notifier.closed_runs
            assert await handles[0].result() == 0
