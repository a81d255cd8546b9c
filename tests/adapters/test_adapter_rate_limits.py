"""The rate store (a task queue's admission slots), on moto, in memory and on SQLite."""

from __future__ import annotations

import threading
from typing import Any

from moto import mock_aws

from durable._workers.rate_limit import rate_key
from tests.adapters.conftest import MotoBackend

T0 = 1_800_000_000.0


def test_an_idle_key_admits_now_and_a_busy_one_an_interval_after_the_last_slot(backend: Any) -> None:
    store = backend.rate_limits()
    assert store.reserve("rate#q", 0.25, T0) == T0
    assert store.reserve("rate#q", 0.25, T0) == T0 + 0.25
    assert store.reserve("rate#q", 0.25, T0 + 0.1) == T0 + 0.5
    # Idle since: the next slot is now, not a slot left behind.
    assert store.reserve("rate#q", 0.25, T0 + 10) == T0 + 10
    assert store.reserve("rate#q", 0.25, T0 + 10) == T0 + 10.25


def test_keys_have_slots_of_their_own(backend: Any) -> None:
    store = backend.rate_limits()
    assert store.reserve("rate#a", 1.0, T0) == T0
    assert store.reserve("rate#b", 1.0, T0) == T0
    assert store.reserve("rate#a", 1.0, T0) == T0 + 1.0


def test_reservers_racing_from_many_threads_never_share_or_crowd_a_slot(backend: Any) -> None:
    store = backend.rate_limits()
    slots: list[float] = []
    lock = threading.Lock()

    def reserve_five() -> None:
        for _ in range(5):
            slot = store.reserve("rate#raced", 0.5, T0)
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=reserve_five) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(slots) == [T0 + 0.5 * i for i in range(20)]


def test_a_task_queue_name_of_any_length_gets_a_key_every_store_takes(backend: Any) -> None:
    store = backend.rate_limits()
    assert store.reserve(rate_key("q" * 5000), 1.0, T0) == T0
    assert store.reserve(rate_key("é" * 3000), 1.0, T0) == T0


def test_a_reservation_costs_one_conditional_write_while_the_queue_stays_busy_or_idle() -> None:
    with mock_aws():
        backend = MotoBackend()
        calls: list[str] = []
        backend.dynamodb.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
        store = backend.rate_limits()
        for i in range(10):
            store.reserve("rate#busy", 1.0, T0 + i * 0.1)  # slots run ahead of now: busy
        assert calls == ["UpdateItem"] * 10
        calls.clear()
        for i in range(5):
            store.reserve("rate#idle", 1.0, T0 + i * 10)  # each slot is behind now: idle
        assert calls == ["UpdateItem"] * 5
        # A process whose hint is stale (another took slots since) pays one write more, once.
        other = backend.rate_limits()
        other.reserve("rate#busy", 1.0, T0 + 100)  # idle for `other`: slots end at T0 + 10
        calls.clear()
        store.reserve("rate#busy", 1.0, T0 + 100.5)  # `store` thinks busy, the slot is behind
        assert calls == ["UpdateItem", "UpdateItem"]
