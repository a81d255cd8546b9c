"""Signals and queries: decorators, names, client calls, and handles."""

from __future__ import annotations

import pytest

from .sdk import WorkflowQueryFailedError, new_worker, workflow


@workflow.defn(name="Mailbox")
class MailboxWorkflow:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.closed = False

    @workflow.run
    async def run(self, greeting: str) -> list:
        self.messages.append(greeting)
        await workflow.wait_condition(lambda: self.closed)
        return self.messages

    @workflow.signal
    def post(self, message: str) -> None:
        self.messages.append(message)

    @workflow.signal(name="close-box")
    def close(self) -> None:
        self.closed = True

    @workflow.query
    def count(self) -> int:
        return len(self.messages)

    @workflow.query(name="last-message")
    def last(self) -> str:
        return self.messages[-1]


@workflow.defn
class SignalsBeforeRun:
    """A signal delivered in the first task is handled before run() starts."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @workflow.run
    async def run(self) -> list:
        seen_at_start = list(self.seen)
        await workflow.wait_condition(lambda: len(self.seen) >= 1)
        return seen_at_start

    @workflow.signal
    def note(self, value: str) -> None:
        self.seen.append(value)


async def test_defn_name_is_the_workflow_type(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[MailboxWorkflow]):
        handle = await client.start_workflow(MailboxWorkflow.run, "hi", id="wf-type", task_queue=task_queue)
        desc = await handle.describe()
        assert desc.workflow_type == "Mailbox"
        await handle.signal(MailboxWorkflow.close)
        await handle.result()


async def test_signals_by_method_and_by_name_then_result(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[MailboxWorkflow]):
        handle = await client.start_workflow(MailboxWorkflow.run, "hi", id="wf-mail", task_queue=task_queue)
        await handle.signal(MailboxWorkflow.post, "one")
        await handle.signal("post", "two")
        await handle.signal("close-box")
        assert await handle.result() == ["hi", "one", "two"]


async def test_queries_by_method_and_by_name(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[MailboxWorkflow]):
        handle = await client.start_workflow(MailboxWorkflow.run, "hi", id="wf-q", task_queue=task_queue)
        await handle.signal(MailboxWorkflow.post, "one")
        assert await handle.query(MailboxWorkflow.count) == 2
        assert await handle.query(MailboxWorkflow.last) == "one"
        assert await handle.query("last-message") == "one"
        assert await handle.query("count") == 2
        await handle.signal(MailboxWorkflow.close)
        await handle.result()


async def test_query_after_completion_still_answers(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[MailboxWorkflow]):
        handle = await client.start_workflow(MailboxWorkflow.run, "hi", id="wf-qdone", task_queue=task_queue)
        await handle.signal(MailboxWorkflow.close)
        await handle.result()
        assert await handle.query(MailboxWorkflow.count) == 1


async def test_get_workflow_handle_by_id(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[MailboxWorkflow]):
        await client.start_workflow(MailboxWorkflow.run, "hi", id="wf-by-id", task_queue=task_queue)
        handle = client.get_workflow_handle("wf-by-id")
        assert handle.id == "wf-by-id"
        await handle.signal("post", "x")
        assert await handle.query("count") == 2
        await handle.signal("close-box")
        assert await handle.result() == ["hi", "x"]


async def test_unknown_query_raises_workflow_query_failed_error(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[MailboxWorkflow]):
        handle = await client.start_workflow(MailboxWorkflow.run, "hi", id="wf-noq", task_queue=task_queue)
        with pytest.raises(WorkflowQueryFailedError) as exc_info:
            await handle.query("nope")
        message = str(exc_info.value)
        # temporalio also lists its built-in queries (__stack_trace, ...) in the brackets
        assert message.startswith("Query handler for 'nope' expected but not found, known queries: [")
        assert "count last-message]" in message
        await handle.signal(MailboxWorkflow.close)
        await handle.result()


async def test_unknown_signal_is_accepted_by_the_client(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[MailboxWorkflow]):
        handle = await client.start_workflow(MailboxWorkflow.run, "hi", id="wf-nosig", task_queue=task_queue)
        await handle.signal("nope", "ignored")
        await handle.signal(MailboxWorkflow.close)
        assert await handle.result() == ["hi"]


async def test_signal_in_first_task_is_handled_before_run(client, task_queue):
    # no worker yet: start and signal land in the same first workflow task, and the
    # signal handler runs before the run method's first line
    handle = await client.start_workflow(SignalsBeforeRun.run, id="wf-early", task_queue=task_queue)
    await handle.signal(SignalsBeforeRun.note, "early")
    async with new_worker(client, task_queue=task_queue, workflows=[SignalsBeforeRun]):
        assert await handle.result() == ["early"]
