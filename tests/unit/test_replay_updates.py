"""Updates: validation, acceptance and completion as events, and their replay."""

from __future__ import annotations

import asyncio
import warnings
from datetime import timedelta
from typing import Any

import pytest

from durable import _converter, activity, workflow
from durable._replay import events as ev
from durable._replay.machine import NondeterminismError

from .conftest import Driver

VALIDATIONS: list[int] = []


@activity.defn
async def charge(amount: int) -> int:
    return amount


@workflow.defn
class Account:
    def __init__(self) -> None:
        self.balance = 0
        self.closing = False
        self.infos: list[tuple[str, str] | None] = []

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.closing)
        return self.balance

    @workflow.update
    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    @deposit.validator
    def check_deposit(self, amount: int) -> None:
        VALIDATIONS.append(amount)
        if amount <= 0:
            raise ValueError("amount must be positive")

    @workflow.update(name="charged-deposit")
    async def charged_deposit(self, amount: int) -> int:
        info = workflow.current_update_info()
        self.infos.append((info.id, info.name) if info else None)

        async def in_a_child_task() -> None:
            info = workflow.current_update_info()
            self.infos.append((info.id, info.name) if info else None)

        await asyncio.create_task(in_a_child_task())
        self.balance += await workflow.execute_activity(charge, amount, start_to_close_timeout=timedelta(seconds=5))
        return self.balance

    @workflow.update
    async def refuse(self) -> None:
        raise workflow_failure()

    @workflow.update
    def crash(self) -> None:
        raise RuntimeError("bug in the handler")

    @workflow.update
    def sneaky(self) -> None:
        pass

    @sneaky.validator
    def check_sneaky(self) -> None:
        workflow.start_activity(charge, 1, start_to_close_timeout=timedelta(seconds=5))

    @workflow.signal
    def close(self) -> None:
        self.closing = True

    @workflow.signal
    def add(self, amount: int) -> None:
        self.balance += amount

    @workflow.query
    def current(self) -> int:
        return self.balance


def workflow_failure() -> Exception:
    from durable.exceptions import ApplicationError

    return ApplicationError("not today", type="Refused")


def update(d: Driver, name: str, *args: Any, update_id: str = "u-1", advance: float = 1.0, signals: tuple = ()) -> list:
    """One decision on an update request, committed the way the orchestrator does:
    nothing at all when the decision only rejected it."""
    d.now += advance
    request = {
        "update_id": update_id,
        "request_id": f"req-{update_id}",
        "name": name,
        "input": _converter.encode_args(args),
        "dedup": f"update:req-{update_id}:1",
    }
    inputs = [d.signal_event(n, *a) for n, a in signals]
    record = d.machine.decide(inputs, d.now, updates=[request])
    if len(record) == 1 and record[0]["event_type"] == ev.TASK_COMPLETED:
        d.last = []
        return []
    first = d.machine.ledger.last_event_id + 1
    for offset, event in enumerate(record):
        event["event_id"] = first + offset
    d.log.extend(record)
    d.machine.committed(record)
    d.last = record
    return record


def types(record: list) -> list[str]:
    return [e["event_type"] for e in record]


def test_an_accepted_update_is_recorded_with_its_outcome() -> None:
    d = Driver(Account)
    d.start()
    record = update(d, "deposit", 5)
    assert types(record) == [ev.TASK_COMPLETED, ev.UPDATE_ACCEPTED, ev.UPDATE_COMPLETED]
    accepted, completed = record[1]["attributes"], record[2]["attributes"]
    assert (accepted["update_id"], accepted["name"], accepted["dedup"]) == ("u-1", "deposit", "update:req-u-1:1")
    assert _converter.decode(completed["result"]) == 5
    assert d.machine.rejected_updates == []
    state = d.machine.ledger.updates["u-1"]
    assert state.completed and state.accepted_event_id == record[1]["event_id"]
    assert d.machine.ledger.consumed["update:req-u-1:1"] == record[0]["event_id"]


def test_a_rejected_update_leaves_nothing_but_its_failure() -> None:
    d = Driver(Account)
    d.start()
    before = list(d.log)
    assert update(d, "deposit", -1) == []
    assert d.log == before
    [rejected] = d.machine.rejected_updates
    assert rejected["update_id"] == "u-1" and rejected["request_id"] == "req-u-1"
    assert rejected["failure"]["message"] == "amount must be positive"
    assert rejected["failure"]["application"]["type"] == "ValueError"
    assert "u-1" not in d.machine.ledger.updates
    assert d.query("current") == 0


def test_an_unknown_update_is_rejected_naming_the_known_ones() -> None:
    d = Driver(Account)
    d.start()
    assert update(d, "nope") == []
    [rejected] = d.machine.rejected_updates
    assert rejected["failure"]["message"] == (
        "Update handler for 'nope' expected but not found, and there is no dynamic handler. "
        "known updates: [charged-deposit crash deposit refuse sneaky]"
    )


def test_replay_delivers_accepted_updates_without_validating_them_again() -> None:
    d = Driver(Account)
    d.start()
    update(d, "deposit", 5, update_id="a")
    update(d, "deposit", -5, update_id="b")
    update(d, "deposit", 7, update_id="c")
    VALIDATIONS.clear()
    cold = d.cold()
    assert cold.replay_error is None
    assert VALIDATIONS == []
    assert cold.instance is not None
    assert _converter.decode(cold.instance.query("current", [])) == 12
    assert set(cold.ledger.updates) == {"a", "c"}


def test_an_update_handler_runs_an_activity_across_decisions_and_replays() -> None:
    d = Driver(Account)
    d.start()
    record = update(d, "charged-deposit", 3)
    assert types(record) == [ev.TASK_COMPLETED, ev.UPDATE_ACCEPTED, ev.ACTIVITY_SCHEDULED]
    assert not d.machine.ledger.updates["u-1"].completed
    d.complete_activity(1, 3)
    assert d.command_types() == [ev.UPDATE_COMPLETED]
    assert d.machine.ledger.updates["u-1"].result == _converter.encode(3)
    assert d.machine.instance is not None
    assert d.machine.instance._object.infos == [("u-1", "charged-deposit")] * 2
    d.signal("close")
    assert d.result() == 3
    cold = d.cold()
    assert cold.replay_error is None and cold.ledger.status.name == "COMPLETED"


def test_signals_then_updates_in_one_decision_replay_in_the_same_order() -> None:
    d = Driver(Account)
    d.start()
    record = update(d, "deposit", 2, signals=(("add", [10]),))
    assert _converter.decode(record[-1]["attributes"]["result"]) == 12  # the signal ran first
    cold = d.cold()
    assert cold.replay_error is None
    assert cold.instance is not None and _converter.decode(cold.instance.query("current", [])) == 12


def test_a_failure_error_completes_the_update_as_failed() -> None:
    d = Driver(Account)
    d.start()
    record = update(d, "refuse")
    assert types(record) == [ev.TASK_COMPLETED, ev.UPDATE_ACCEPTED, ev.UPDATE_COMPLETED]
    failure = record[-1]["attributes"]["failure"]
    assert failure["message"] == "not today" and failure["application"]["type"] == "Refused"
    assert d.machine.ledger.status.name == "RUNNING"


def test_any_other_exception_in_an_accepted_handler_fails_the_workflow_task() -> None:
    d = Driver(Account)
    d.start()
    record = update(d, "crash")
    assert types(record) == [ev.TASK_FAILED]
    assert "bug in the handler" in record[0]["attributes"]["failure"]["message"]
    assert d.machine.ledger.status.name == "RUNNING"


def test_a_validator_that_issues_commands_fails_the_workflow_task() -> None:
    d = Driver(Account)
    d.start()
    record = update(d, "sneaky")
    assert types(record) == [ev.TASK_FAILED]
    assert "read-only" in record[0]["attributes"]["failure"]["message"]


def test_a_history_with_an_update_the_code_no_longer_handles_is_not_deterministic() -> None:
    @workflow.defn(name="Account")
    class AccountWithoutDeposit:
        def __init__(self) -> None:
            self.closing = False

        @workflow.run
        async def run(self) -> int:
            await workflow.wait_condition(lambda: self.closing)
            return 0

    d = Driver(Account)
    d.start()
    update(d, "deposit", 5)
    cold = d.cold(AccountWithoutDeposit)
    assert isinstance(cold.replay_error, NondeterminismError)
    assert "WorkflowExecutionUpdateAccepted" in str(cold.replay_error)


def test_an_update_whose_handler_now_issues_other_commands_is_not_deterministic() -> None:
    @workflow.defn(name="Account")
    class AccountThatCharges(Account):
        @workflow.run
        async def run(self) -> int:
            await workflow.wait_condition(lambda: self.closing)
            return self.balance

        @workflow.update
        async def deposit(self, amount: int) -> int:
            return await workflow.execute_activity(charge, amount, start_to_close_timeout=timedelta(seconds=5))

    d = Driver(Account)
    d.start()
    update(d, "deposit", 5)
    cold = d.cold(AccountThatCharges)
    assert isinstance(cold.replay_error, NondeterminismError)


@workflow.defn
class Abandons:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    async def waits(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.update(unfinished_policy=workflow.HandlerUnfinishedPolicy.ABANDON)
    async def waits_quietly(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def idle(self) -> bool:
        return workflow.all_handlers_finished()


def test_completing_with_an_update_still_running_warns_as_temporalio_does() -> None:
    d = Driver(Abandons)
    d.start()
    update(d, "waits", update_id="w-1")
    assert d.query("idle") is False
    with pytest.warns(workflow.UnfinishedUpdateHandlersWarning, match=r'\[TMPRL1102\].*"name": "waits", "id": "w-1"'):
        d.signal("finish")
    assert d.machine.ledger.status.name == "COMPLETED"
    assert not d.machine.ledger.updates["w-1"].completed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert d.cold().replay_error is None  # replaying does not warn again


def test_an_abandon_policy_silences_the_warning() -> None:
    d = Driver(Abandons)
    d.start()
    update(d, "waits_quietly")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d.signal("finish")
    assert d.machine.ledger.status.name == "COMPLETED"


def test_validators_must_be_sync() -> None:
    with pytest.raises(ValueError, match="async"):

        @workflow.defn
        class AsyncValidator:
            @workflow.run
            async def run(self) -> None:
                pass

            @workflow.update
            def u(self) -> None:
                pass

            @u.validator
            async def check(self) -> None:
                pass
