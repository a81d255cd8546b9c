"""Long timers' one-time schedules: the contract of EventBridge Scheduler's adapter (on moto),
its in-memory twin and its SQLite twin, and the timer service that routes timers to them.

No test waits: time is a clock object the test moves, and the local firing stands in for
Scheduler's invocation (moto never fires a schedule).
"""

from __future__ import annotations

import pytest

from durable._local.timer_schedules import LocallyFiredTimers, content_dedup_id
from durable._local.timers import LocalTimerService
from durable._runtime.services import INBOX
from durable._runtime.timer_schedules import (
    MAX_SCHEDULE_INPUT_BYTES,
    RoutedTimers,
    ScheduleQuotaExceeded,
    TimerSchedule,
    at_expression,
    at_time,
    timer_schedule_name,
)

T0 = 1_699_999_990.0  # ten seconds past a whole minute
HOUR = 3600.0


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, now: float) -> None:
        self.t = now

    def now(self) -> float:
        return self.t


def _schedule(name: str = "timer.a", fire_at: float = T0 + 2 * HOUR, **kw: str | None) -> TimerSchedule:
    fields: dict[str, str | None] = {"queue": INBOX, "body": '{"kind":"timer"}', "group_id": "wf-1", **kw}
    return TimerSchedule(name, fire_at, fields["queue"] or INBOX, fields["body"] or "", fields["group_id"])


class World:
    """A backend's schedules, its inbox and activity queue, and the routed timer service."""

    def __init__(self, backend) -> None:
        self.clock = Clock(T0)
        self.schedules = backend.timer_schedules(self.clock)
        self.queues = {INBOX: backend.queue(INBOX), "activities-q": backend.queue("activities-q")}
        self.short = LocalTimerService(self.clock, self.queues.__getitem__)
        self.timers = LocallyFiredTimers(self.short, self.schedules, self.clock, self.queues.__getitem__)

    def received(self, queue: str) -> list[tuple[str, str | None]]:
        messages = self.queues[queue].receive()
        self.queues[queue].delete([m.receipt for m in messages])
        return [(m.body, m.group_id) for m in messages]


@pytest.fixture
def world(backend) -> World:
    return World(backend)


# -- the schedules port ------------------------------------------------------------------


def test_a_created_schedule_reads_back_with_its_target_and_minute(world):
    world.schedules.create(_schedule())

    got = world.schedules.get("timer.a")
    assert got is not None
    assert (got.name, got.queue, got.body, got.group_id) == ("timer.a", INBOX, '{"kind":"timer"}', "wf-1")
    assert at_expression(got.fire_at) == at_expression(T0 + 2 * HOUR) == "at(2023-11-15T00:14:00)"
    assert world.schedules.pending() == 1


def test_creating_the_same_schedule_again_keeps_one(world):
    world.schedules.create(_schedule())
    world.schedules.create(_schedule(body='{"kind":"other"}'))  # a re-dispatch: ConflictException on AWS

    got = world.schedules.get("timer.a")
    assert got is not None and got.body == '{"kind":"timer"}'
    assert world.schedules.pending() == 1


def test_a_deleted_schedule_is_gone_and_deleting_again_is_fine(world):
    world.schedules.create(_schedule())
    world.schedules.delete("timer.a")
    world.schedules.delete("timer.a")
    world.schedules.delete("timer.never-made")

    assert world.schedules.get("timer.a") is None
    assert world.schedules.pending() == 0


@pytest.mark.parametrize("name", ["", "x" * 65, "has space", "slash/no", "ünï"])
def test_names_scheduler_refuses_are_refused(world, name):
    with pytest.raises(ValueError, match="Scheduler takes 1 to 64"):
        world.schedules.create(_schedule(name=name))
    assert world.schedules.pending() == 0


def test_a_name_of_64_allowed_characters_is_taken(world):
    world.schedules.create(_schedule(name="aZ0-_." + "x" * 58))
    assert world.schedules.get("aZ0-_." + "x" * 58) is not None


@pytest.mark.parametrize("fire_in", [-HOUR, -60.0, -10.0])
def test_a_time_already_past_is_refused(world, fire_in):
    with pytest.raises(ValueError, match="not in the future"):
        world.schedules.create(_schedule(fire_at=T0 + fire_in))


def test_an_input_over_the_limit_is_refused(world):
    with pytest.raises(ValueError, match="input"):
        world.schedules.create(_schedule(body="x" * (MAX_SCHEDULE_INPUT_BYTES + 1)))


def test_due_schedules_fire_once_in_order_and_are_deleted(world):
    world.schedules.create(_schedule(name="timer.late", fire_at=T0 + 2 * HOUR, body="late"))
    world.schedules.create(_schedule(name="timer.early", fire_at=T0 + HOUR, body="early"))
    fired: list[str] = []

    assert world.schedules.next_due() == T0 + HOUR
    assert world.schedules.fire_due(T0 + HOUR - 1, lambda s: fired.append(s.body)) == 0
    assert world.schedules.fire_due(T0 + HOUR, lambda s: fired.append(s.body)) == 1
    assert world.schedules.fire_due(T0 + HOUR, lambda s: fired.append(s.body)) == 0

    assert fired == ["early"]
    assert world.schedules.get("timer.early") is None  # ActionAfterCompletion=DELETE
    assert world.schedules.next_due() == T0 + 2 * HOUR


# -- routing: SQS delays up to 15 minutes, schedules beyond ---------------------------


def test_a_timer_within_fifteen_minutes_makes_no_schedule(world):
    world.timers.schedule(T0 + 900, INBOX, "fired", group_id="wf-1", dedup_id="run:timer:1")

    assert world.schedules.pending() == 0
    assert world.short.pending() == 1


def test_a_two_hour_timer_is_one_schedule_that_fires_once_into_its_message_group(world):
    world.timers.schedule(T0 + 2 * HOUR, INBOX, "fired", group_id="wf-1", dedup_id="run:timer:1")
    name = timer_schedule_name(INBOX, "run:timer:1")

    assert world.short.pending() == 0
    assert world.schedules.get(name) is not None
    world.clock.t = T0 + 2 * HOUR - 1
    assert world.timers.fire_due() == 0
    world.clock.t = T0 + 2 * HOUR
    assert world.timers.fire_due() == 1

    assert world.received(INBOX) == [("fired", "wf-1")]
    assert world.schedules.get(name) is None
    world.clock.t = T0 + 3 * HOUR
    assert world.timers.fire_due() == 0
    assert world.received(INBOX) == []


def test_a_redispatched_timer_makes_one_schedule_and_fires_once(world):
    for _ in range(3):  # the orchestrator crashed after scheduling, twice, and dispatched again
        world.timers.schedule(T0 + 30 * 24 * HOUR, INBOX, "fired", group_id="wf-1", dedup_id="run:timer:1")

    assert world.schedules.pending() == 1
    world.clock.t = T0 + 30 * 24 * HOUR
    world.timers.fire_due()
    assert world.received(INBOX) == [("fired", "wf-1")]


def test_a_cancelled_timer_has_no_schedule_and_never_fires(world):
    world.timers.schedule(T0 + 2 * HOUR, INBOX, "fired", group_id="wf-1", dedup_id="run:timer:1")
    world.timers.cancel(INBOX, dedup_id="run:timer:1")

    assert world.schedules.get(timer_schedule_name(INBOX, "run:timer:1")) is None
    world.clock.t = T0 + 3 * HOUR
    assert world.timers.fire_due() == 0
    assert world.received(INBOX) == []


def test_an_activity_retry_goes_to_its_standard_queue_without_a_group(world):
    world.timers.schedule(T0 + 5 * HOUR, "activities-q", "retry", dedup_id="run:act:1:2")

    got = world.schedules.get(timer_schedule_name("activities-q", "run:act:1:2"))
    assert got is not None and got.queue == "activities-q" and got.group_id is None
    world.clock.t = T0 + 5 * HOUR
    world.timers.fire_due()
    assert world.received("activities-q") == [("retry", None)]


def test_the_fired_message_is_deduplicated_by_content_as_scheduler_s_fifo_target_is(world):
    # Scheduler may deliver twice; the inbox drops the second by its body's digest.
    world.timers.schedule(T0 + 2 * HOUR, INBOX, "fired", group_id="wf-1", dedup_id="run:timer:1")
    world.clock.t = T0 + 2 * HOUR
    world.timers.fire_due()
    world.queues[INBOX].send("fired", group_id="wf-1", dedup_id=content_dedup_id("fired"))

    assert world.received(INBOX) == [("fired", "wf-1")]


def test_a_timer_without_a_dedup_id_is_named_by_its_time_and_body(world):
    world.timers.schedule(T0 + 2 * HOUR, "activities-q", "a")
    world.timers.schedule(T0 + 2 * HOUR, "activities-q", "a")
    world.timers.schedule(T0 + 2 * HOUR, "activities-q", "b")

    assert world.schedules.pending() == 2


def test_routed_timers_cancel_asks_both_sides(backend):
    clock = Clock(T0)
    schedules = backend.timer_schedules(clock)
    short = LocalTimerService(clock, lambda name: backend.queue(name))
    routed = RoutedTimers(short, schedules, clock)
    routed.schedule(T0 + 2 * HOUR, "activities-q", "x", dedup_id="d")
    routed.cancel("activities-q", dedup_id="d")
    assert schedules.pending() == 0


def test_at_time_rounds_up_to_the_minute_and_never_before_the_timer():
    assert at_time(T0) == T0 + 50
    assert at_time(T0 + 50) == T0 + 50
    assert at_time(T0 + 50.001) == T0 + 110


def test_a_long_timer_survives_a_restart_of_the_dev_server_s_file(sqlite_backend):
    clock = Clock(T0)
    sqlite_backend.timer_schedules(clock).create(_schedule(fire_at=T0 + 2 * HOUR))
    sqlite_backend.reopen()

    schedules = sqlite_backend.timer_schedules(clock)
    assert schedules.next_due() == T0 + 2 * HOUR
    fired: list[str] = []
    assert schedules.fire_due(T0 + 3 * HOUR, lambda s: fired.append(s.body)) == 1  # fell due while it was down
    assert fired == ['{"kind":"timer"}'] and schedules.pending() == 0


def test_the_twins_refuse_a_schedule_beyond_scheduler_s_quota_and_the_timer_rides_the_timer_queue(twin):
    clock = Clock(T0)
    schedules = twin.timer_schedules(clock, quota=1)
    queues = {INBOX: twin.queue(INBOX)}
    short = LocalTimerService(clock, queues.__getitem__)
    timers = LocallyFiredTimers(short, schedules, clock, queues.__getitem__)

    timers.schedule(T0 + 2 * HOUR, INBOX, "first", group_id="wf-1", dedup_id="run:timer:1")
    timers.schedule(T0 + 2 * HOUR, INBOX, "first", group_id="wf-1", dedup_id="run:timer:1")  # the same: fine
    with pytest.raises(ScheduleQuotaExceeded):
        schedules.create(_schedule(name="timer.b"))
    timers.schedule(T0 + 2 * HOUR, INBOX, "second", group_id="wf-2", dedup_id="run:timer:2")

    assert (schedules.pending(), short.pending()) == (1, 1)  # the second waits as a delayed message
    clock.t = T0 + 2 * HOUR
    assert timers.fire_due() == 2
    assert sorted(m.body for m in queues[INBOX].receive()) == ["first", "second"]
