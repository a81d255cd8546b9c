"""SqsTimerService on moto: the delay of each hop, and what the relay does with a timer.

AWS-only (the in-memory runtime fires timers from its own clock), so not parametrized.
No test waits for a delay: sent requests are observed on the client, and time is a
clock object the test moves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from durable._aws.provision import create_queue
from durable._aws.sqs import SqsQueue
from durable._aws.timers import SqsTimerService

T0 = 1_700_000_000.0


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, now: float) -> None:
        self.t = now

    def now(self) -> float:
        return self.t


class World:
    def __init__(self) -> None:
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.sent: list[dict[str, Any]] = []  # every SendMessage request, as sent
        self.sqs.meta.events.register(
            "provide-client-params.sqs.SendMessage",
            lambda params, **kw: self.sent.append(dict(params)),
        )
        self.timer_queue = self._queue("timers")
        self.inbox = self._queue("inbox.fifo")
        self.activities = self._queue("activities")
        self.clock = Clock(T0)
        self.timers = SqsTimerService(
            self.timer_queue,
            {q.name: q for q in (self.inbox, self.activities)},
            self.clock,
        )

    def _queue(self, name: str) -> SqsQueue:
        url = create_queue(self.sqs, name, fifo=name.endswith(".fifo"))
        return SqsQueue(name, url, self.sqs)

    def last_hop(self) -> tuple[dict[str, Any], int]:
        """The last request to the timer queue: its timer and its delay."""
        request = [r for r in self.sent if r["QueueUrl"] == self.timer_queue.url][-1]
        return json.loads(request["MessageBody"]), request.get("DelaySeconds", 0)


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield World()


def test_schedule_sends_the_timer_with_the_rounded_up_delay(world):
    world.timers.schedule(T0 + 10.2, "inbox.fifo", "fired", group_id="wf-1", dedup_id="t-1")

    timer, delay = world.last_hop()
    assert timer == {
        "fire_at": T0 + 10.2,
        "queue": "inbox.fifo",
        "body": "fired",
        "group_id": "wf-1",
        "dedup_id": "t-1",
    }
    assert delay == 11


@pytest.mark.parametrize(("fire_in", "delay"), [(0, 0), (-5, 0), (1, 1), (899.5, 900), (900, 900), (86_400, 900)])
def test_delay_is_capped_at_fifteen_minutes(world, fire_in, delay):
    world.timers.schedule(T0 + fire_in, "activities", "x")

    assert world.last_hop()[1] == delay


def test_due_timer_is_received_and_relayed_to_its_fifo_target(world):
    world.timers.schedule(T0, "inbox.fifo", "fired", group_id="wf-1", dedup_id="t-1")
    [message] = world.timer_queue.receive()

    assert world.timers.relay(message.body) is True

    [delivered] = world.inbox.receive()
    assert (delivered.body, delivered.group_id) == ("fired", "wf-1")


def test_relay_to_a_standard_target(world):
    world.timers.schedule(T0, "activities", "retry")
    [message] = world.timer_queue.receive()

    assert world.timers.relay(message.body) is True

    assert [m.body for m in world.activities.receive()] == ["retry"]


def test_long_timer_hops_until_due(world):
    world.timers.schedule(T0 + 3600, "inbox.fifo", "fired", group_id="wf-1", dedup_id="t-1")
    body = json.dumps(world.last_hop()[0])
    assert world.last_hop()[1] == 900

    world.clock.t = T0 + 900
    assert world.timers.relay(body) is False
    assert world.last_hop() == (json.loads(body), 900)

    world.clock.t = T0 + 3000
    assert world.timers.relay(body) is False
    assert world.last_hop()[1] == 600

    world.clock.t = T0 + 3600
    assert world.timers.relay(body) is True
    assert [m.body for m in world.inbox.receive()] == ["fired"]


def test_relay_never_fires_early(world):
    world.timers.schedule(T0 + 10, "inbox.fifo", "fired", group_id="wf-1", dedup_id="t-1")
    body = json.dumps(world.last_hop()[0])

    world.clock.t = T0 + 9.6  # delivered a little early, say by clock skew
    assert world.timers.relay(body) is False
    assert world.last_hop()[1] == 1
    assert world.inbox.receive() == []


def test_relaying_a_timer_twice_delivers_it_once(world):
    world.timers.schedule(T0, "inbox.fifo", "fired", group_id="wf-1", dedup_id="t-1")
    [message] = world.timer_queue.receive()

    world.timers.relay(message.body)
    world.timers.relay(message.body)  # the relay Lambda ran twice: at least once

    assert [m.body for m in world.inbox.receive()] == ["fired"]


def test_unknown_target_queue_is_refused(world):
    with pytest.raises(ValueError):
        world.timers.schedule(T0, "nowhere", "x")


def test_a_fifo_timer_queue_is_refused(world):
    with pytest.raises(ValueError):
        SqsTimerService(world.inbox, {}, world.clock)
