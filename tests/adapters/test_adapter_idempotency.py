"""Idempotency persistence contract: DynamoDBPersistenceLayer on moto, MemoryPersistenceLayer.

Both are driven through powertools' own ``@idempotent_function``, the way activities use them.
"""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyItemNotFoundError,
    IdempotencyValidationError,
)


class LambdaContext:
    """The one thing the idempotency utility reads from Lambda's context."""

    def __init__(self, remaining_millis: int) -> None:
        self.remaining_millis = remaining_millis

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def config(remaining_millis: int = 60_000, **options) -> IdempotencyConfig:
    cfg = IdempotencyConfig(event_key_jmespath="id", **options)
    cfg.register_lambda_context(LambdaContext(remaining_millis))
    return cfg


def test_second_call_returns_the_saved_result_without_running(backend):
    calls = []

    @idempotent_function(data_keyword_argument="order", persistence_store=backend.idempotency(), config=config())
    def charge(order: dict) -> dict:
        calls.append(order["id"])
        return {"charged": order["amount"], "n": len(calls)}

    assert charge(order={"id": "o-1", "amount": 5}) == {"charged": 5, "n": 1}
    assert charge(order={"id": "o-1", "amount": 5}) == {"charged": 5, "n": 1}
    assert charge(order={"id": "o-2", "amount": 7}) == {"charged": 7, "n": 2}
    assert calls == ["o-1", "o-2"]


def test_call_while_the_first_is_in_progress_raises(backend):
    inner_errors = []

    @idempotent_function(data_keyword_argument="order", persistence_store=backend.idempotency(), config=config())
    def charge(order: dict) -> dict:
        # A concurrent delivery of the same order arrives while this one runs.
        try:
            charge(order=order)
        except IdempotencyAlreadyInProgressError as e:
            inner_errors.append(e)
        return {"ok": True}

    assert charge(order={"id": "o-1"}) == {"ok": True}
    assert len(inner_errors) == 1
    assert charge(order={"id": "o-1"}) == {"ok": True}  # completed: saved, not rerun
    assert len(inner_errors) == 1


def test_in_progress_record_past_its_lambda_timeout_is_taken_over(backend):
    calls = []

    # A negative remaining time: the first invocation's in-progress record is already
    # past its Lambda timeout, as after a crashed or timed-out invocation.
    @idempotent_function(
        data_keyword_argument="order",
        persistence_store=backend.idempotency(),
        config=config(remaining_millis=-10_000),
    )
    def charge(order: dict) -> dict:
        calls.append(len(calls))
        if len(calls) == 1:
            return {"inner": charge(order=order)}
        return {"n": len(calls)}

    assert charge(order={"id": "o-1"}) == {"inner": {"n": 2}}
    assert calls == [0, 1]


def test_failure_deletes_the_record_so_a_retry_runs(backend):
    calls = []

    @idempotent_function(data_keyword_argument="order", persistence_store=backend.idempotency(), config=config())
    def charge(order: dict) -> dict:
        calls.append(order["id"])
        if len(calls) == 1:
            raise RuntimeError("card service down")
        return {"ok": len(calls)}

    with pytest.raises(RuntimeError):
        charge(order={"id": "o-1"})
    assert charge(order={"id": "o-1"}) == {"ok": 2}
    assert charge(order={"id": "o-1"}) == {"ok": 2}


def test_payload_validation_rejects_a_changed_payload(backend):
    @idempotent_function(
        data_keyword_argument="order",
        persistence_store=backend.idempotency(),
        config=config(payload_validation_jmespath="amount"),
    )
    def charge(order: dict) -> dict:
        return {"charged": order["amount"]}

    assert charge(order={"id": "o-1", "amount": 5}) == {"charged": 5}
    assert charge(order={"id": "o-1", "amount": 5}) == {"charged": 5}
    with pytest.raises(IdempotencyValidationError):
        charge(order={"id": "o-1", "amount": 6})


def test_layer_storage_methods(backend):
    layer = backend.idempotency()
    layer.configure(config(), function_name="charge")
    data = {"id": "o-1"}

    with pytest.raises(IdempotencyItemNotFoundError):
        layer.get_record(data)
    layer.save_inprogress(data, remaining_time_in_millis=60_000)
    assert layer.get_record(data).status == "INPROGRESS"
    layer.save_success(data, {"done": 1})
    saved = layer.get_record(data)
    assert (saved.status, saved.response_json_as_dict()) == ("COMPLETED", {"done": 1})
    layer.delete_record(data, RuntimeError("x"))
    with pytest.raises(IdempotencyItemNotFoundError):
        layer.get_record(data)
