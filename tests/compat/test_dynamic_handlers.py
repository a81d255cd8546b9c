"""Handlers set at run time, dynamic handlers, dynamic workflows and dynamic activities.

temporalio's rules, checked here on both backends:
- ``workflow.set_signal_handler(name, fn)`` replaces the class's handler for that name;
  signals that arrived with no handler are kept and delivered, in order, once one is set;
  ``None`` removes the handler (later signals wait again). ``get_*_handler`` returns the
  class's method bound to the workflow object, and never the dynamic handler.
- A dynamic handler takes ``(name: str, args: Sequence[RawValue])``; its values convert
  with ``workflow.payload_converter().from_payload(args[0].payload, T)``.
- ``@workflow.defn(dynamic=True)`` runs every workflow type its task queue has no class for
  (``workflow.info().workflow_type`` is the type asked for); ``@activity.defn(dynamic=True)``
  every activity type, with ``activity.info().activity_type`` the one asked for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

import pytest

from . import sdk
from .sdk import (
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    activity,
    common,
    exceptions,
    new_worker,
    workflow,
)

RawValue = common.RawValue


@workflow.defn
class Registers:
    """Sets its handlers from run(): what arrived before is delivered then, in order."""

    def __init__(self) -> None:
        self.armed = False
        self.values: list[str] = []
        self.done = False
        self.report: dict = {}

    @workflow.run
    async def run(self) -> dict:
        await workflow.wait_condition(lambda: self.armed)
        self.report["before"] = {
            "signal": workflow.get_signal_handler("value") is None,
            "dynamic": workflow.get_dynamic_signal_handler() is None,
            "query": workflow.get_query_handler("values") is None,
            "update": workflow.get_update_handler("take") is None,
        }
        workflow.set_signal_handler("value", self.values.append)
        # The waiting signals run as handler tasks now, without any new input.
        await workflow.wait_condition(lambda: len(self.values) == 3)
        self.report["delivered_at_once"] = list(self.values)
        workflow.set_query_handler("values", lambda: list(self.values))
        workflow.set_update_handler("take", self.take, validator=self.check_take)
        workflow.set_signal_handler("finish", lambda: setattr(self, "done", True))
        # The class's own handler, bound: callable as it is.
        workflow.get_signal_handler("arm")()
        self.report["after"] = {
            "signal": workflow.get_signal_handler("value") is not None,
            "dynamic": workflow.get_dynamic_signal_handler() is None,
        }
        await workflow.wait_condition(lambda: self.done)
        return {"values": self.values, **self.report}

    def take(self, value: str) -> int:
        self.values.append(value)
        return len(self.values)

    def check_take(self, value: str) -> None:
        if value == "forbidden":
            raise ValueError("not that one")

    @workflow.signal
    def arm(self) -> None:
        self.armed = True

    @workflow.query
    def armed_yet(self) -> bool:
        return self.armed


@workflow.defn
class Unregisters:
    """A handler set to None stops taking signals; they wait for the next one."""

    def __init__(self) -> None:
        self.step = 0
        self.seen: list[str] = []

    @workflow.run
    async def run(self) -> list:
        workflow.set_signal_handler("note", lambda v: self.seen.append(f"first:{v}"))
        workflow.set_query_handler("seen", lambda: self.seen)
        await workflow.wait_condition(lambda: self.step == 1)
        workflow.set_signal_handler("note", None)
        workflow.set_query_handler("seen", None)
        await workflow.wait_condition(lambda: self.step == 2)
        workflow.set_signal_handler("note", lambda v: self.seen.append(f"second:{v}"))
        await workflow.wait_condition(lambda: len(self.seen) == 2)
        return self.seen

    @workflow.signal
    def next_step(self) -> None:
        self.step += 1

    @workflow.query
    def at_step(self) -> int:
        return self.step


@workflow.defn
class DynamicByDecorator:
    def __init__(self) -> None:
        self.signals: list[list] = []
        self.closed = False

    @workflow.run
    async def run(self) -> list:
        await workflow.wait_condition(lambda: self.closed)
        return self.signals

    @workflow.signal
    def close(self) -> None:
        self.closed = True

    @workflow.signal(dynamic=True)
    def any_signal(self, name: str, args: Sequence[RawValue]) -> None:
        self.signals.append([name, [workflow.payload_converter().from_payload(a.payload) for a in args]])

    @workflow.query(dynamic=True)
    def any_query(self, name: str, args: Sequence[RawValue]) -> str:
        return f"{name}:{workflow.payload_converter().from_payload(args[0].payload, str)}"

    @workflow.query
    def count(self) -> int:
        return len(self.signals)

    @workflow.update(dynamic=True)
    def any_update(self, name: str, args: Sequence[RawValue]) -> list:
        return [name, len(args), workflow.payload_converter().from_payload(args[0].payload, int) * 2]

    @any_update.validator
    def check_any_update(self, name: str, args: Sequence[RawValue]) -> None:
        if name == "refused":
            raise ValueError(f"no {name}")


@workflow.defn
class DynamicAtRunTime:
    """A dynamic signal handler set late takes every signal that waited, name after name."""

    def __init__(self) -> None:
        self.open = False
        self.seen: list[str] = []

    @workflow.run
    async def run(self) -> list:
        await workflow.wait_condition(lambda: self.open)

        def on_any(name: str, args: Sequence[RawValue]) -> None:
            self.seen.append(f"{name}={workflow.payload_converter().from_payload(args[0].payload, int)}")

        workflow.set_dynamic_signal_handler(on_any)
        await workflow.wait_condition(lambda: len(self.seen) >= 3)
        seen_at_once = list(self.seen)

        def any_query(name: str, args: Sequence[RawValue]) -> str:
            return f"dynamic {name}"

        def any_update(name: str, args: Sequence[RawValue]) -> str:
            return name.upper()

        workflow.set_dynamic_query_handler(any_query)
        workflow.set_dynamic_update_handler(any_update)
        await workflow.wait_condition(lambda: len(self.seen) >= 4)
        return [seen_at_once, self.seen]

    @workflow.signal
    def opened(self) -> None:
        self.open = True

    @workflow.query
    def is_open(self) -> bool:
        return self.open


@workflow.defn(dynamic=True)
class AnyWorkflow:
    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> dict:
        converter = workflow.payload_converter()
        word = converter.from_payload(args[0].payload, str)
        echoed = await workflow.execute_activity(
            "some-activity-nobody-wrote", args=[word, 3], start_to_close_timeout=timedelta(seconds=10)
        )
        local = await workflow.execute_local_activity(
            "local-one-nobody-wrote", args=[word, 1], start_to_close_timeout=timedelta(seconds=10)
        )
        return {
            "type": workflow.info().workflow_type,
            "args": len(args),
            "word": word,
            "activity": echoed,
            "local": local,
        }


@workflow.defn
class Named:
    @workflow.run
    async def run(self) -> str:
        return "named"


@workflow.defn(dynamic=True)
class Configured:
    """Its dynamic config decides, per type, which errors fail the workflow."""

    @workflow.dynamic_config
    def config(self) -> workflow.DynamicWorkflowConfig:
        if workflow.info().workflow_type == "Strict":
            return workflow.DynamicWorkflowConfig(failure_exception_types=[ValueError])
        return workflow.DynamicWorkflowConfig()

    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> str:
        raise ValueError("bad input")


@workflow.defn
class GreetedAtStart:
    """Its only signal handler is set by run(): the start's signal waits for it."""

    def __init__(self) -> None:
        self.greetings: list[str] = []

    @workflow.run
    async def run(self) -> list:
        workflow.set_signal_handler("greet", self.greetings.append)
        await workflow.wait_condition(lambda: len(self.greetings) >= 1)
        return self.greetings


@workflow.defn
class PassesRaw:
    @workflow.run
    async def run(self, raw: RawValue) -> RawValue:
        if not isinstance(raw, RawValue):
            raise exceptions.ApplicationError(f"got a {type(raw).__name__}")
        return raw


class NotDynamicButConfigured:
    @workflow.dynamic_config
    def config(self) -> workflow.DynamicWorkflowConfig:
        return workflow.DynamicWorkflowConfig()

    @workflow.run
    async def run(self) -> None: ...


class NotDynamicEnough:
    """Decorated in a test: a dynamic workflow's run method must take one Sequence[RawValue]."""

    @workflow.run
    async def run(self, name: str) -> None: ...


@activity.defn(dynamic=True)
async def any_activity(args: Sequence[RawValue]) -> dict:
    converter = activity.payload_converter()
    return {
        "type": activity.info().activity_type,
        "word": converter.from_payload(args[0].payload, str),
        "times": converter.from_payload(args[1].payload, int),
    }


async def _until(check) -> None:
    import asyncio

    while not await check():
        await asyncio.sleep(0.01)


async def test_handlers_set_at_run_time_take_buffered_signals_in_order(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Registers]):
        handle = await client.start_workflow(Registers.run, id=f"set-handlers-{task_queue}", task_queue=task_queue)
        for v in ("one", "two", "three"):
            await handle.signal("value", v)  # no handler yet: kept for later
        await handle.signal(Registers.arm)
        await _until(lambda: handle.query(Registers.armed_yet))  # the same task set the handlers
        await handle.signal("value", "four")
        assert await handle.execute_update("take", "five") == 5
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update("take", "forbidden")
        assert isinstance(refused.value.cause, exceptions.ApplicationError)
        assert refused.value.cause.message == "not that one"
        with pytest.raises(WorkflowUpdateFailedError) as unknown:
            await handle.execute_update("give", "x")
        assert unknown.value.cause.message == (
            "Update handler for 'give' expected but not found, and there is no dynamic handler. known updates: [take]"
        )
        assert await handle.query("values") == ["one", "two", "three", "four", "five"]
        await handle.signal("finish")
        result = await handle.result()
    assert result == {
        "values": ["one", "two", "three", "four", "five"],
        "before": {"signal": True, "dynamic": True, "query": True, "update": True},
        "delivered_at_once": ["one", "two", "three"],
        "after": {"signal": True, "dynamic": True},
    }


async def test_a_removed_handler_lets_signals_wait_for_the_next(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Unregisters]):
        handle = await client.start_workflow(Unregisters.run, id=f"unset-handlers-{task_queue}", task_queue=task_queue)
        await handle.signal("note", "a")
        await handle.signal(Unregisters.next_step)
        await _until(lambda: _at_step(handle, 1))
        await handle.signal("note", "b")
        with pytest.raises(WorkflowQueryFailedError) as gone:
            await handle.query("seen")
        message = str(gone.value)
        # temporalio also lists its built-in queries (__stack_trace, ...) in the brackets
        assert message.startswith("Query handler for 'seen' expected but not found, known queries: [")
        assert message.endswith(" at_step]") or message.endswith("[at_step]")
        assert "seen" not in message.split("[", 1)[1]
        await handle.signal(Unregisters.next_step)
        assert await handle.result() == ["first:a", "second:b"]


async def _at_step(handle, step: int) -> bool:
    return await handle.query(Unregisters.at_step) == step


async def test_dynamic_handlers_by_decorator_get_the_name_and_raw_values(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[DynamicByDecorator]):
        handle = await client.start_workflow(
            DynamicByDecorator.run, id=f"dynamic-decorated-{task_queue}", task_queue=task_queue
        )
        await handle.signal("anything", args=["x", 2, {"k": [1]}])
        await handle.signal("nothing")
        assert await handle.query("whatever", "y") == "whatever:y"
        assert await handle.query(DynamicByDecorator.count) == 2
        assert await handle.execute_update("double", args=[21, "extra"]) == ["double", 2, 42]
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update("refused", 1)
        assert refused.value.cause.message == "no refused"
        await handle.signal(DynamicByDecorator.close)
        assert await handle.result() == [["anything", ["x", 2, {"k": [1]}]], ["nothing", []]]


async def test_a_dynamic_signal_handler_set_late_takes_every_waiting_signal(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[DynamicAtRunTime]):
        handle = await client.start_workflow(
            DynamicAtRunTime.run, id=f"dynamic-late-{task_queue}", task_queue=task_queue
        )
        await handle.signal("b", 1)
        await handle.signal("a", 2)
        await handle.signal("b", 3)
        await handle.signal(DynamicAtRunTime.opened)
        await _until(lambda: handle.query(DynamicAtRunTime.is_open))
        assert await handle.query("anything") == "dynamic anything"
        assert await handle.execute_update("louder") == "LOUDER"
        await handle.signal("c", 4)
        # Grouped by name in the order each name first arrived, as temporalio delivers them.
        assert await handle.result() == [["b=1", "b=3", "a=2"], ["b=1", "b=3", "a=2", "c=4"]]


async def test_a_dynamic_workflow_runs_unregistered_types_and_a_dynamic_activity_unregistered_activities(
    client, task_queue
):
    async with new_worker(client, task_queue=task_queue, workflows=[AnyWorkflow, Named], activities=[any_activity]):
        result = await client.execute_workflow(
            "SomeTypeNobodyWrote", args=["hello", 2], id=f"dynamic-wf-{task_queue}", task_queue=task_queue
        )
        named = await client.execute_workflow("Named", id=f"named-{task_queue}", task_queue=task_queue)
        history = await client.get_workflow_handle(f"dynamic-wf-{task_queue}").fetch_history()
    assert named == "named"
    assert result == {
        "type": "SomeTypeNobodyWrote",
        "args": 2,
        "word": "hello",
        "activity": {"type": "some-activity-nobody-wrote", "word": "hello", "times": 3},
        "local": {"type": "local-one-nobody-wrote", "word": "hello", "times": 1},
    }
    replayed = await sdk.new_replayer([AnyWorkflow]).replay_workflow(history)
    assert replayed.replay_failure is None


async def test_runs_with_handlers_set_at_run_time_replay(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Registers, DynamicAtRunTime]):
        first = await client.start_workflow(Registers.run, id=f"replay-set-{task_queue}", task_queue=task_queue)
        for v in ("one", "two", "three"):
            await first.signal("value", v)
        await first.signal(Registers.arm)
        await _until(lambda: first.query(Registers.armed_yet))
        assert await first.execute_update("take", "late") == 4
        await first.signal("finish")
        await first.result()
        second = await client.start_workflow(
            DynamicAtRunTime.run, id=f"replay-dynamic-{task_queue}", task_queue=task_queue
        )
        for name, value in (("z", 1), ("y", 2), ("z", 3)):
            await second.signal(name, value)
        await second.signal(DynamicAtRunTime.opened)
        await _until(lambda: second.query(DynamicAtRunTime.is_open))
        await second.signal("x", 4)
        await second.result()
    replayer = sdk.new_replayer([Registers, DynamicAtRunTime])
    for handle in (first, second):
        replayed = await replayer.replay_workflow(await handle.fetch_history())
        assert replayed.replay_failure is None


async def test_a_dynamic_workflow_cannot_be_started_by_its_run_method(client, task_queue):
    with pytest.raises(ValueError, match="Cannot invoke dynamic workflow explicitly"):
        await client.start_workflow(AnyWorkflow.run, [], id=f"explicit-{task_queue}", task_queue=task_queue)


async def test_dynamic_definitions_are_checked_as_temporalio_checks_them():
    bad_shape = "Dynamic handler must have 3 arguments: self, str, and Sequence\\[RawValue\\]"
    with pytest.raises(RuntimeError, match=bad_shape):

        class BadSignal:
            @workflow.signal(dynamic=True)
            def anything(self, name: str, args: list) -> None: ...

    with pytest.raises(RuntimeError, match="Cannot provide name and dynamic boolean"):
        workflow.query(name="q", dynamic=True)
    with pytest.raises(RuntimeError, match="Dynamic updates do not support a vararg third param"):

        class BadUpdate:
            @workflow.update(dynamic=True)
            def anything(self, name: str, *args: str) -> None: ...

    with pytest.warns(DeprecationWarning, match="Dynamic signals with vararg third param is deprecated"):

        class OldSignal:
            @workflow.signal(dynamic=True)
            def anything(self, name: str, *args: str) -> None: ...

    with pytest.raises(TypeError, match="Dynamic workflow must accept a single Sequence\\["):
        workflow.defn(dynamic=True)(NotDynamicEnough)

    with pytest.raises(TypeError, match="Dynamic activity must accept a single Sequence\\["):

        @activity.defn(dynamic=True)
        async def bad_activity(name: str) -> None: ...


async def test_the_handler_calls_need_a_workflow():
    with pytest.raises(exceptions.TemporalError, match="Not in workflow event loop"):
        workflow.set_signal_handler("x", print)
    with pytest.raises(exceptions.TemporalError, match="Not in workflow event loop"):
        workflow.payload_converter()


async def test_raw_values_pass_through_as_parameter_and_result(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[PassesRaw]):
        raw = await client.execute_workflow(
            PassesRaw.run, {"kept": "as it came"}, id=f"raw-{task_queue}", task_queue=task_queue
        )
    assert isinstance(raw, RawValue)
    assert raw.payload.metadata["encoding"] == b"json/plain"
    assert json.loads(raw.payload.data) == {"kept": "as it came"}


async def test_a_dynamic_handler_cannot_be_called_by_its_method(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[DynamicByDecorator]):
        handle = await client.start_workflow(
            DynamicByDecorator.run, id=f"dynamic-by-method-{task_queue}", task_queue=task_queue
        )
        with pytest.raises(RuntimeError, match="Cannot invoke dynamic signal definition"):
            await handle.signal(DynamicByDecorator.any_signal)
        with pytest.raises(RuntimeError, match="Cannot invoke dynamic query definition"):
            await handle.query(DynamicByDecorator.any_query)
        with pytest.raises(RuntimeError, match="Cannot invoke dynamic update definition"):
            await handle.execute_update(DynamicByDecorator.any_update)
        await handle.signal(DynamicByDecorator.close)
        assert await handle.result() == []


async def test_a_dynamic_config_sets_the_failure_types_per_workflow_type(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Configured]):
        with pytest.raises(WorkflowFailureError) as failed:
            await client.execute_workflow("Strict", id=f"strict-{task_queue}", task_queue=task_queue)
        assert isinstance(failed.value.cause, exceptions.ApplicationError)
        assert (failed.value.cause.type, failed.value.cause.message) == ("ValueError", "bad input")
        # Another type keeps the default: the task fails and is retried, the run goes on.
        lenient = await client.start_workflow("Lenient", id=f"lenient-{task_queue}", task_queue=task_queue)
        await _until(lambda: _task_failed(lenient))
        assert (await lenient.describe()).status == WorkflowExecutionStatus.RUNNING
        await lenient.terminate()
    with pytest.raises(ValueError, match="dynamic_config can only be used in dynamic workflows"):
        workflow.defn(NotDynamicButConfigured)


async def _task_failed(handle) -> bool:
    return "WorkflowTaskFailed" in sdk.event_types(await handle.fetch_history())


async def test_a_worker_takes_one_dynamic_workflow_and_one_dynamic_activity(client, task_queue):
    with pytest.raises(TypeError, match="More than one dynamic workflow"):
        new_worker(client, task_queue=task_queue, workflows=[AnyWorkflow, Configured])

    @activity.defn(dynamic=True)
    async def another_activity(args: Sequence[RawValue]) -> None: ...

    with pytest.raises(TypeError, match="More than one dynamic activity"):
        new_worker(client, task_queue=task_queue, activities=[any_activity, another_activity])


async def test_signal_with_start_reaches_a_handler_set_at_run_time(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[GreetedAtStart]):
        handle = await client.start_workflow(
            GreetedAtStart.run,
            id=f"greeted-{task_queue}",
            task_queue=task_queue,
            start_signal="greet",
            start_signal_args=["hello"],
        )
        assert await handle.result() == ["hello"]
