"""What one durable timer costs in AWS requests, by length: 1 minute, 1 hour, 24 hours, 30 days.

Runs the code a deployment runs, on moto: the timer service the functions build
(``RoutedTimers`` over the SQS timer service and the EventBridge Scheduler adapter, as
``durable._aws.app.LambdaApp`` wires them) schedules one timer to the inbox, and the timer
relay's Lambda handler (``timer_relay_handler``) takes each timer-queue message, until the
timer's message is in the inbox. Time is a clock the script moves (moto honours SQS delays
in real time, and never fires a schedule).

Counted, per timer, from the engine's schedule call until the fired message is in the inbox:
- every botocore request our code makes (a ``before-call`` hook on its clients): the
  timer-queue SendMessage of each hop, the relay's SendMessage to the inbox, CreateSchedule;
- the requests AWS makes on our behalf, which moto cannot see: for each timer-queue message,
  the event source mapping's ReceiveMessage and DeleteMessage and the relay's invocation;
  for a schedule, its invocation (EventBridge Scheduler bills each) and its SendMessage to
  the inbox. Receives and deletes are counted one per message (their ceiling: under load a
  batch of up to 10 shares them). The schedule's deletion after it fires
  (``ActionAfterCompletion=DELETE``) is Scheduler's own, not a request of ours.
Not counted, the same for every timer whatever its length: the history writes of TimerStarted
and TimerFired, and the inbox's receive, delete and orchestrator invocation that deliver the
fired message to its run.

"before" is the same timer through the SQS timer service alone (what a stack without
Scheduler wired runs, and every timer ran before issue 14): 15-minute hops.

Dollars per million timers at us-east-1 list prices (November 2026): SQS standard $0.40 and
FIFO $0.50 per million requests, Lambda $0.20 per million invocations (plus the relay's
compute, not counted here), Scheduler $1.00 per million invocations (its API requests are free).

    .venv/bin/python benchmarks/timer_cost.py
"""

from __future__ import annotations

import collections
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for var, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(var, value)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from durable._aws.provision import create_queue  # noqa: E402
from durable._aws.sqs import SqsQueue  # noqa: E402
from durable._aws.timer_schedules import EventBridgeTimerSchedules  # noqa: E402
from durable._aws.timers import SqsTimerService  # noqa: E402
from durable._runtime.lambda_handlers import timer_relay_handler  # noqa: E402
from durable._runtime.ports import TimerService  # noqa: E402
from durable._runtime.services import INBOX  # noqa: E402
from durable._runtime.timer_schedules import RoutedTimers, at_time  # noqa: E402

LENGTHS = {"1m": 60.0, "1h": 3600.0, "24h": 86_400.0, "30d": 30 * 86_400.0}
T0 = 1_800_000_000.0
GROUP = "durable-bench-schedules"
ROLE = "arn:aws:iam::123456789012:role/durable-bench-scheduler"
PRICE = {  # dollars per request
    "sqs.standard": 0.40e-6,
    "sqs.fifo": 0.50e-6,
    "lambda.Invoke": 0.20e-6,
    "scheduler.Invocation": 1.00e-6,
    "scheduler.CreateSchedule": 0.0,
}


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def now(self) -> float:
        return self.t


class Deployment:
    """The timer queue, the inbox and the schedule group, with every request counted."""

    def __init__(self, *, with_scheduler: bool) -> None:
        self.clock = Clock()
        self.counts: collections.Counter[str] = collections.Counter()
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.scheduler = boto3.client("scheduler", region_name="us-east-1")
        self.observer = boto3.client("scheduler", region_name="us-east-1")  # AWS's side: not counted
        self.sqs_observer = boto3.client("sqs", region_name="us-east-1")
        self.scheduler.create_schedule_group(Name=GROUP)
        timer_queue = SqsQueue("timers", create_queue(self.sqs, "timers", fifo=False), self.sqs)
        self.inbox = SqsQueue(INBOX, create_queue(self.sqs, INBOX, fifo=True), self.sqs)
        self.sent: list[dict[str, Any]] = []
        self.sqs.meta.events.register("provide-client-params.sqs.SendMessage", self._sent)
        for client in (self.sqs, self.scheduler):
            service = client.meta.service_model.service_name
            client.meta.events.register("before-call.*.*", lambda model, _s=service, **_: self._count(_s, model.name))
        self.relay = SqsTimerService(timer_queue, {INBOX: self.inbox}, self.clock)
        self.timers: TimerService = self.relay
        if with_scheduler:
            inbox_arn = f"arn:aws:sqs:us-east-1:123456789012:{INBOX}"
            schedules = EventBridgeTimerSchedules(
                group_name=GROUP, role_arn=ROLE, target_arn=lambda q: inbox_arn, clock=self.clock, client=self.scheduler
            )
            self.timers = RoutedTimers(self.relay, schedules, self.clock)

    def _sent(self, params: dict[str, Any], **_: Any) -> None:
        self.sent.append(dict(params))

    def _count(self, service: str, operation: str) -> None:
        # provide-client-params ran first: a SendMessage is named by the queue it went to.
        if operation == "SendMessage":
            to = "inbox" if self.sent[-1]["QueueUrl"] == self.inbox.url else "timer queue"
            self.counts.update([f"ours.sqs.SendMessage ({to})"])
        else:
            self.counts.update([f"ours.{service}.{operation}"])

    def run_one(self, length: float) -> collections.Counter[str]:
        """Schedule one timer of ``length`` seconds and carry it until it is in the inbox."""
        fire_at = T0 + length
        self.timers.schedule(fire_at, INBOX, '{"kind":"timer","seq":1}', group_id="wf-1", dedup_id="run-1:timer:1")
        while not self._delivered():
            hops = [r for r in self.sent if r["QueueUrl"] == self.relay.timer_queue.url]
            if hops:
                self.sent.remove(hops[0])
                self._relay(hops[0])
            else:
                self._fire_schedules()
        return self.counts

    def _relay(self, request: dict[str, Any]) -> None:
        # What the relay's event source mapping does with one timer-queue message.
        self.clock.t += request.get("DelaySeconds", 0)
        self.counts.update(["aws.sqs.ReceiveMessage (event source mapping)", "aws.lambda.Invoke (relay)"])
        record = {
            "messageId": "m",
            "receiptHandle": "r",
            "body": request["MessageBody"],
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:timers",
            "awsRegion": "us-east-1",
        }
        response = timer_relay_handler(self.relay, {"Records": [record]})
        assert not response["batchItemFailures"], response
        self.counts.update(["aws.sqs.DeleteMessage (event source mapping)"])

    def _fire_schedules(self) -> None:
        # What Scheduler does at a schedule's time: one invocation, one SendMessage to the
        # target, and the schedule deletes itself. Read with a client of AWS's side.
        listed = self.observer.list_schedules(GroupName=GROUP)["Schedules"]
        assert len(listed) == 1, listed
        schedule = self.observer.get_schedule(Name=listed[0]["Name"], GroupName=GROUP)
        assert schedule["ActionAfterCompletion"] == "DELETE" and schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
        target = schedule["Target"]
        self.clock.t = at_time(self.clock.t + 1) + 59  # at its minute, at the latest
        self.sqs_observer.send_message(
            QueueUrl=self.inbox.url,
            MessageBody=target["Input"],
            MessageGroupId=target["SqsParameters"]["MessageGroupId"],
            MessageDeduplicationId="content",  # the inbox deduplicates a Scheduler message by content
        )
        self.observer.delete_schedule(Name=listed[0]["Name"], GroupName=GROUP)
        self.counts.update(["aws.scheduler.Invocation", "aws.sqs.SendMessage (Scheduler to the inbox)"])

    def _delivered(self) -> bool:
        received = self.sqs_observer.receive_message(QueueUrl=self.inbox.url, MaxNumberOfMessages=10)
        return bool(received.get("Messages"))


def dollars(counts: collections.Counter[str]) -> float:
    """Request charges per timer: FIFO for what is sent to the inbox, standard SQS otherwise."""
    total = 0.0
    for name, n in counts.items():
        if "Invoke" in name:
            total += n * PRICE["lambda.Invoke"]
        elif "scheduler.Invocation" in name:
            total += n * PRICE["scheduler.Invocation"]
        elif "CreateSchedule" in name:
            total += n * PRICE["scheduler.CreateSchedule"]
        elif "inbox" in name:
            total += n * PRICE["sqs.fifo"]
        else:
            total += n * PRICE["sqs.standard"]
    return total


def measure(length: float, *, with_scheduler: bool) -> collections.Counter[str]:
    with mock_aws():
        return Deployment(with_scheduler=with_scheduler).run_one(length)


def main() -> None:
    after: dict[str, int] = {}
    print("AWS requests of one timer, from its schedule call until its message is in the inbox")
    print("(ours: botocore calls of our code; aws: what AWS does on our behalf; see the docstring)")
    for label, length in LENGTHS.items():
        before = measure(length, with_scheduler=False)
        now = measure(length, with_scheduler=True)
        after[label] = sum(now.values())
        print(f"\n{label}: before {sum(before.values())} requests (${dollars(before) * 1e6:.2f} per million timers),")
        print(f"     now {after[label]} requests (${dollars(now) * 1e6:.2f} per million timers):")
        for name, n in sorted(now.items()):
            print(f"       {n:3d}  {name}")
    print()
    print(json.dumps(after))


if __name__ == "__main__":
    main()
