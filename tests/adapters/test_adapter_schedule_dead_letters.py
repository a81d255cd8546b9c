"""The schedule DLQ's contract: what Scheduler dead-lettered comes back whole (its body and
every attribute), stays until deleted, and names the queue it was for (moto, memory, SQLite)."""

from __future__ import annotations

from durable._local.schedule_dead_letters import local_queue_arn
from durable._runtime.schedule_dead_letter_port import SchedulerDeadLetterAttributes, attributes_of
from durable._runtime.services import INBOX


def _attributes(target: str, code: str = "AccessDenied") -> SchedulerDeadLetterAttributes:
    return attributes_of(
        {
            "ERROR_CODE": code,
            "ERROR_MESSAGE": "not authorized to perform sqs:SendMessage · on the queue",
            "EXECUTION_ID": "a1b2c3",
            "RETRY_ATTEMPTS": "185",
            "SCHEDULE_ARN": "arn:aws:scheduler:us-east-1:123456789012:schedule/durable-schedules/timer.abc",
            "TARGET_ARN": local_queue_arn(target),
        }
    )


def test_a_dead_letter_comes_back_with_its_body_and_every_attribute(backend):
    dead_letters = backend.schedule_dead_letters()
    body = '{"kind":"timer_fired","workflow_id":"wf ü","run_id":"r","dedup":"t:1"}'
    dead_letters.send(body, _attributes(INBOX))

    (letter,) = dead_letters.receive(10)
    assert letter.body == body
    assert letter.attributes == _attributes(INBOX)
    assert letter.receive_count == 1
    assert dead_letters.queue_of(letter.target_arn) == INBOX
    assert dead_letters.queue_of("arn:aws:sqs:eu-west-1:999999999999:elsewhere") is None


def test_a_received_dead_letter_stays_until_deleted_and_comes_back_when_released(backend):
    dead_letters = backend.schedule_dead_letters()
    dead_letters.send("first", _attributes(INBOX))
    dead_letters.send("second", _attributes("activities-orders", code="ThrottlingException"))

    received = dead_letters.receive(10)
    assert sorted(x.body for x in received) == ["first", "second"]
    assert dead_letters.receive(10) == []  # in flight
    first = next(x for x in received if x.body == "first")
    second = next(x for x in received if x.body == "second")
    dead_letters.delete([first.receipt])
    dead_letters.release(second.receipt)

    (again,) = dead_letters.receive(10)
    assert (again.body, again.attributes["ERROR_CODE"], again.receive_count) == ("second", "ThrottlingException", 2)
    assert dead_letters.queue_of(again.target_arn) == "activities-orders"
    dead_letters.release(again.receipt)
    assert dead_letters.count() == 1


def test_the_count_is_of_every_dead_letter_in_flight_or_not(backend):
    dead_letters = backend.schedule_dead_letters()
    assert dead_letters.count() == 0
    for body in ("a", "b", "c"):
        dead_letters.send(body, _attributes(INBOX))
    dead_letters.receive(1)
    assert dead_letters.count() == 3


def test_dead_letters_outlive_a_restart_of_the_dev_server(sqlite_backend):
    sqlite_backend.schedule_dead_letters().send("kept", _attributes(INBOX))
    sqlite_backend.reopen()
    (letter,) = sqlite_backend.schedule_dead_letters().receive(10)
    assert (letter.body, letter.attributes) == ("kept", _attributes(INBOX))


def test_a_dead_letter_received_again_and_again_stays_there(backend):
    # The schedule DLQ is the end of the line: no redrive policy moves what it holds on.
    dead_letters = backend.schedule_dead_letters()
    dead_letters.send("stuck", _attributes(INBOX))
    for _ in range(7):
        (letter,) = dead_letters.receive(10)
        dead_letters.release(letter.receipt)
    (letter,) = dead_letters.receive(10)
    assert (letter.body, letter.receive_count) == ("stuck", 8)
