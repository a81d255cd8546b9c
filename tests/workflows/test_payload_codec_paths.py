"""Every other way a payload reaches the engine, encrypted the whole way.

A schedule's action arguments, signal-with-start, update-with-start, an activity completed
asynchronously with a heartbeat, a local activity, continue-as-new, a signal from another
workflow and terminate details all carry the marker; on both backends nothing stored holds
it, while the workflows and the client see every value in plain.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleSpec,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
)
from durable.common import WorkflowIDConflictPolicy
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.helpers.codec_workflows import CONVERTER, MARKER, assert_encrypted, leaks
from tests.helpers.stored_text import AwsRequests, memory_texts, moto_texts

TASK_QUEUE = "codec-paths"
TOKENS: list[bytes] = []


@activity.defn
async def echo(text: str) -> str:
    return f"echo {text}"


@activity.defn
async def approve_later(text: str) -> str:
    TOKENS.append(activity.info().task_token)
    activity.raise_complete_async()


@workflow.defn
class Relay:
    def __init__(self) -> None:
        self.heard: list[str] = []

    @workflow.run
    async def run(self, note: str, second_run: bool = False) -> list[str]:
        if not second_run:
            local = await workflow.execute_local_activity(echo, note, start_to_close_timeout=timedelta(seconds=10))
            approved = await workflow.execute_activity(approve_later, note, start_to_close_timeout=timedelta(hours=1))
            workflow.continue_as_new(args=[f"{local} / {approved}", True])
        await workflow.wait_condition(lambda: len(self.heard) >= 2)
        return [note, *self.heard]

    @workflow.signal
    def hear(self, text: str) -> None:
        self.heard.append(text)

    @workflow.update
    def shout(self, text: str) -> str:
        self.heard.append(text)
        return text.upper()


@workflow.defn
class Teller:
    @workflow.run
    async def run(self, target: str, text: str) -> None:
        await workflow.get_external_workflow_handle(target).signal(Relay.hear, text)


@workflow.defn
class Scheduled:
    @workflow.run
    async def run(self, text: str) -> str:
        return f"scheduled {text}"


async def _token() -> bytes:
    for _ in range(2000):
        if TOKENS:
            return TOKENS.pop()
        await asyncio.sleep(0.005)
    raise AssertionError("the activity never started")


@pytest.mark.parametrize("backend", ["memory", "moto"])
async def test_every_way_in_carries_encrypted_payloads_and_reads_back_plain(backend: str) -> None:
    TOKENS.clear()
    async with await WorkflowEnvironment.start_time_skipping(backend=backend, data_converter=CONVERTER) as env:
        kept = env.runtime.backend
        requests = AwsRequests(kept.boto_clients)
        client = env.client
        relay_id = f"relay-{uuid.uuid4()}"
        async with Worker(
            client,
            task_queue=TASK_QUEUE,
            workflows=[Relay, Teller, Scheduled],
            activities=[echo, approve_later],
        ):
            # Signal-with-start, then the asynchronous completion (heartbeat first) of its activity.
            relay = await client.start_workflow(
                Relay.run,
                f"start {MARKER}",
                id=relay_id,
                task_queue=TASK_QUEUE,
                start_signal="hear",
                start_signal_args=[f"early {MARKER}"],
            )
            token = await _token()
            await client.get_async_activity_handle(task_token=token).heartbeat(f"beat {MARKER}")
            await client.get_async_activity_handle(task_token=token).complete(f"approved {MARKER}")
            # The next run of the chain hears another workflow's signal and an update.
            await client.execute_workflow(
                Teller.run, args=[relay_id, f"told {MARKER}"], id=f"teller-{uuid.uuid4()}", task_queue=TASK_QUEUE
            )
            assert await relay.execute_update(Relay.shout, f"update {MARKER}") == f"UPDATE {MARKER.upper()}"
            assert await asyncio.wait_for(relay.result(), 60) == [
                f"echo start {MARKER} / approved {MARKER}",
                f"told {MARKER}",
                f"update {MARKER}",
            ]

            # Update-with-start, then termination with details.
            other = f"relay-{uuid.uuid4()}"
            start = WithStartWorkflowOperation(
                Relay.run,
                args=[f"second {MARKER}", True],
                id=other,
                task_queue=TASK_QUEUE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
            shouted = await client.execute_update_with_start_workflow(
                Relay.shout, f"first {MARKER}", start_workflow_operation=start
            )
            assert shouted == f"FIRST {MARKER.upper()}"
            handle = client.get_workflow_handle(other)
            await handle.terminate(f"detail {MARKER}", reason="enough")
            assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED

            # A schedule's action arguments.
            schedule = await client.create_schedule(
                f"sched-{uuid.uuid4().hex[:6]}",
                Schedule(
                    action=ScheduleActionStartWorkflow(
                        Scheduled.run, f"arg {MARKER}", id="scheduled-run", task_queue=TASK_QUEUE
                    ),
                    spec=ScheduleSpec(cron_expressions=["0 0 1 1 *"]),
                ),
            )
            described = await schedule.describe()
            action = described.schedule.action
            assert isinstance(action, ScheduleActionStartWorkflow) and action.args == [f"arg {MARKER}"]
            await schedule.trigger()
            for _ in range(2000):
                runs = (await schedule.describe()).info.recent_actions
                if runs:
                    break
                await asyncio.sleep(0.005)
            scheduled = client.get_workflow_handle(runs[0].action.workflow_id)
            # Bounded: a run whose arguments do not decode retries its workflow task for ever.
            assert await asyncio.wait_for(scheduled.result(), 60) == f"scheduled arg {MARKER}"

        stored = memory_texts(kept) if backend == "memory" else moto_texts(kept)
    assert_encrypted(stored)
    if backend == "moto":
        assert leaks(requests.texts) == []
