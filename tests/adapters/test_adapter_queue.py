"""Queue contract: SqsQueue on moto, MemoryQueue and SqliteQueue."""

from __future__ import annotations

import pytest

from durable._runtime.ports import Message


def bodies(messages: list[Message]) -> list[str]:
    return [m.body for m in messages]


def drain(queue, *, limit: int = 100) -> list[Message]:
    """Receive until nothing is visible (without deleting)."""
    out: list[Message] = []
    while len(out) < limit:
        batch = queue.receive(10)
        if not batch:
            return out
        out.extend(batch)
    return out


def test_fifo_group_is_ordered_and_blocked_while_a_message_is_in_flight(backend):
    q = backend.queue("inbox.fifo")
    assert q.fifo
    q.send("a1", group_id="A", dedup_id="a1")
    q.send("a2", group_id="A", dedup_id="a2")
    q.send("b1", group_id="B", dedup_id="b1")

    [first] = q.receive(1)
    assert (first.body, first.group_id, first.receive_count) == ("a1", "A", 1)

    # Group A has a1 in flight: only B's message is deliverable.
    [other] = q.receive(10)
    assert (other.body, other.group_id) == ("b1", "B")
    assert q.receive(10) == []

    q.delete([first.receipt])
    [second] = q.receive(10)
    assert (second.body, second.group_id) == ("a2", "A")


def test_fifo_one_receive_delivers_a_free_group_in_order(backend):
    q = backend.queue("inbox.fifo")
    for i in range(5):
        q.send(f"c{i}", group_id="C", dedup_id=f"c{i}")

    assert bodies(q.receive(10)) == ["c0", "c1", "c2", "c3", "c4"]


def test_fifo_released_message_comes_back_first(backend):
    q = backend.queue("inbox.fifo")
    q.send("a1", group_id="A", dedup_id="a1")
    q.send("a2", group_id="A", dedup_id="a2")
    [first] = q.receive(1)

    q.release(first.receipt)

    again = q.receive(10)
    assert bodies(again) == ["a1", "a2"]
    assert [m.receive_count for m in again] == [2, 1]
    assert again[0].message_id == first.message_id
    assert again[0].receipt != first.receipt


def test_fifo_drops_a_duplicate_dedup_id(backend):
    q = backend.queue("inbox.fifo")
    q.send("x", group_id="A", dedup_id="d1")
    q.send("x again", group_id="A", dedup_id="d1")
    q.send("y", group_id="B", dedup_id="d2")
    [x] = q.receive(1)
    q.send("x while in flight", group_id="A", dedup_id="d1")

    assert bodies(q.receive(10)) == ["y"]
    q.delete([x.receipt])
    assert q.receive(10) == []


def test_fifo_dedup_ids_are_compared_within_their_message_group(backend):
    # The inbox is in SQS's high-throughput mode (DeduplicationScope messageGroup): a dedup id
    # drops a later message of its own group only; another group's message of that id is kept.
    q = backend.queue("inbox.fifo")
    q.send("a", group_id="A", dedup_id="same")
    q.send("b", group_id="B", dedup_id="same")
    q.send("a again", group_id="A", dedup_id="same")

    got = drain(q)

    assert sorted(bodies(got)) == ["a", "b"]
    assert {m.group_id for m in got} == {"A", "B"}


def test_fifo_send_needs_group_and_dedup_ids(backend):
    q = backend.queue("inbox.fifo")
    with pytest.raises(ValueError):
        q.send("x", group_id="A")
    with pytest.raises(ValueError):
        q.send("x", dedup_id="d")


def test_standard_queue_delivers_everything_without_groups(backend):
    q = backend.queue("activities")
    assert not q.fifo
    for body in ("m1", "m2", "m3"):
        q.send(body)

    got = q.receive(10)

    assert sorted(bodies(got)) == ["m1", "m2", "m3"]
    assert all(m.group_id is None and m.receive_count == 1 for m in got)
    assert q.receive(10) == []  # all in flight
    q.delete([m.receipt for m in got])
    assert q.receive(10) == []


@pytest.mark.parametrize("name", ["inbox.fifo", "activities"])
def test_release_redelivers_with_receive_count_two(backend, name):
    q = backend.queue(name)
    q.send("m", group_id="A", dedup_id="m")
    [first] = q.receive(10)

    q.release(first.receipt)

    [again] = q.receive(10)
    assert (again.body, again.receive_count) == ("m", 2)


def test_receive_returns_at_most_ten(backend):
    q = backend.queue("activities")
    for i in range(12):
        q.send(f"m{i}")

    assert len(q.receive(50)) == 10
    assert len(q.receive(50)) == 2


@pytest.mark.parametrize("name", ["inbox.fifo", "activities"])
def test_delete_in_batches_of_more_than_ten(backend, name):
    q = backend.queue(name)
    for i in range(25):
        q.send(f"m{i}", group_id=f"g{i}", dedup_id=f"m{i}")
    got = drain(q)
    assert sorted(bodies(got)) == sorted(f"m{i}" for i in range(25))

    q.delete([m.receipt for m in got])

    for m in got:  # a released receipt of a deleted message changes nothing
        q.release(m.receipt)
    assert q.receive(10) == []
    assert q.dead_letters() == []


def test_delete_and_release_of_gone_messages_are_no_ops(backend):
    q = backend.queue("activities")
    q.send("m")
    [m] = q.receive(10)
    q.delete([m.receipt])

    q.delete([m.receipt])
    q.release(m.receipt)

    assert q.receive(10) == []


@pytest.mark.parametrize("name", ["inbox.fifo", "activities"])
def test_message_goes_to_the_dlq_after_max_receives(backend, name):
    q = backend.queue(name, max_receive_count=3)
    q.send("poison", group_id="A", dedup_id="poison")

    counts = []
    for _ in range(3):
        [m] = q.receive(10)
        counts.append(m.receive_count)
        q.release(m.receipt)

    assert counts == [1, 2, 3]
    # SQS moves it when it would be received a fourth time; memory when released.
    assert q.receive(10) == []
    assert q.dead_letters() == ["poison"]
    assert q.dead_letters() == ["poison"]  # reading the DLQ leaves it there
    assert q.receive(10) == []
    # The queue goes on, the poison message's group included.
    q.send("fine", group_id="A", dedup_id="fine")
    assert bodies(q.receive(10)) == ["fine"]


def test_twins_fifo_dedup_id_outlives_the_deleted_message(twin):
    # Not in the contract: SQS drops a dedup id seen in the last 5 minutes even after the
    # first message was deleted, and so do the twins; moto only compares with the
    # messages still in the queue.
    q = twin.queue("inbox.fifo")
    q.send("x", group_id="A", dedup_id="d1")
    [x] = q.receive()
    q.delete([x.receipt])

    q.send("x again", group_id="A", dedup_id="d1")

    assert q.receive() == []


def _kill(q, body: str, group: str, max_receives: int = 2) -> None:
    """Send ``body`` and fail it until it is dead-lettered."""
    q.send(body, group_id=group, dedup_id=body)
    for _ in range(max_receives):
        [m] = [m for m in q.receive(10) if m.body == body]
        q.release(m.receipt)
    q.receive(10)  # SQS moves a message on the receive after its last (memory: at the release)


@pytest.mark.parametrize("name", ["inbox.fifo", "activities"])
def test_dead_letters_list_with_ids_and_redrive_back_to_the_queue(backend, name):
    q = backend.queue(name, max_receive_count=2)
    _kill(q, "poison-a", "A")
    _kill(q, "poison-b", "B")
    assert q.receive(10) == []

    listed = q.dead_letter_messages()
    assert sorted(m.body for m in listed) == ["poison-a", "poison-b"]
    assert len({m.message_id for m in listed}) == 2 and all(m.message_id for m in listed)
    assert all(m.receive_count >= 2 for m in listed)
    if q.fifo:
        assert {m.body: m.group_id for m in listed} == {"poison-a": "A", "poison-b": "B"}
    assert q.dead_letter_count() == 2
    assert sorted(m.body for m in q.dead_letter_messages()) == ["poison-a", "poison-b"]  # listing leaves them

    assert q.redrive() == 2

    assert q.dead_letters() == [] and q.dead_letter_count() == 0
    back = drain(q)
    assert sorted(bodies(back)) == ["poison-a", "poison-b"]
    assert all(m.receive_count == 1 for m in back)  # a fresh start: the full receive budget again
    if q.fifo:
        assert {m.body: m.group_id for m in back} == {"poison-a": "A", "poison-b": "B"}
    q.delete([m.receipt for m in back])
    assert q.redrive() == 0


def test_a_redriven_fifo_message_keeps_its_place_behind_its_group(backend):
    q = backend.queue("inbox.fifo", max_receive_count=1)
    _kill(q, "first", "A", max_receives=1)
    q.send("second", group_id="A", dedup_id="second")

    assert q.redrive() == 1

    assert bodies(q.receive(10)) == ["second", "first"]  # the group's order: arrival in the queue
