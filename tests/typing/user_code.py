"""A small user program whose types mypy checks in ``make test`` (a typing fixture: nothing here runs).

It uses durable as an application does (a workflow class with a signal, a query and an update
with its validator, an activity, a child workflow, client calls) and states with
``typing.assert_type`` what the checker sees at each step, so a decorator or handle that
loses its type fails ``make check``. pytest does not collect it (its name is not ``test_*``);
importing it only defines the classes and functions.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, assert_type

from durable import activity, workflow
from durable.client import Client, WorkflowHandle


@activity.defn
async def greet(name: str) -> str:
    """An activity: the greeting for a name."""
    return f"Hello, {name}!"


@workflow.defn
class Count:
    """A child workflow: the length of a name."""

    @workflow.run
    async def run(self, name: str) -> int:
        """The child's result."""
        return len(name)


@workflow.defn(name="greeting")
class Greeting:
    """A workflow that greets a name, counts it in a child, and takes a new name by update."""

    def __init__(self) -> None:
        self.name = ""
        self.seen: list[str] = []

    @workflow.run
    async def run(self, name: str) -> str:
        """Greet, then count in a child."""
        self.name = name
        greeting = await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))
        assert_type(greeting, str)
        started = workflow.start_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))
        assert_type(started, workflow.ActivityHandle[Any])
        child = await workflow.start_child_workflow(Count.run, name)
        assert_type(child, workflow.ChildWorkflowHandle[Count, int])
        assert_type(await child, int)
        assert_type(await workflow.execute_child_workflow(Count.run, name), int)
        assert_type(await workflow.execute_child_workflow("Count", name, result_type=int), int)
        return greeting

    @workflow.signal
    def saw(self, name: str) -> None:
        """A signal: a name seen."""
        self.seen.append(name)

    @workflow.query
    def seen_count(self) -> int:
        """A query: how many names were seen."""
        return len(self.seen)

    @workflow.update
    async def rename(self, name: str) -> str:
        """An update: the new name in, the previous one out."""
        previous, self.name = self.name, name
        return previous

    @rename.validator
    def check_rename(self, name: str) -> None:
        """The update's validator: a name must not be empty."""
        if not name:
            raise ValueError("a name must not be empty")


def decorated_methods_keep_their_types(wf: Greeting) -> None:
    """What the decorators return: the methods as written (the update as temporalio's protocol)."""
    assert_type(wf.saw("ann"), None)
    assert_type(wf.seen_count(), int)
    assert_type(Greeting.rename(wf, "bob"), str | Awaitable[str])
    assert_type(Greeting.check_rename(wf, "bob"), None)


async def client_calls(client: Client) -> None:
    """A client starts the workflow, signals, queries and updates it (results decode as Any)."""
    handle = await client.start_workflow(Greeting.run, "ann", id="greeting-ann", task_queue="greetings")
    assert_type(handle, WorkflowHandle[Any])
    await handle.signal(Greeting.saw, "bob")
    assert_type(await handle.query(Greeting.seen_count), Any)
    assert_type(await handle.execute_update(Greeting.rename, "carol"), Any)
    assert_type(await handle.result(), Any)
