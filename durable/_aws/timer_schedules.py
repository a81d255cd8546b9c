"""Long timers on EventBridge Scheduler: one one-time schedule per timer, in the stack's group.

Each schedule's target is the timer's own queue, straight: the FIFO inbox (with the run's
message group; the inbox deduplicates by content, as a Scheduler target must) or an activity
queue (a retry's back-off; standard, no group). Targeting the timer queue and its relay
instead would add a receive, a relay invocation, a send and a delete to every long timer,
for nothing: the message a timer delivers is final when it is scheduled.

The schedule deletes itself after it fires (``ActionAfterCompletion=DELETE``), so a timer
costs one CreateSchedule request and one invocation, whatever its length.

moto (5.2) stores schedules (create, get, delete, ``ActionAfterCompletion``) but never fires
one, checks neither the name nor the expression, and answers a create in a missing group
with a server error: the checks are made here, before the request (:func:`check_timer_schedule`),
and the local environment fires what moto holds (:mod:`durable._local.timer_schedules`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from durable._aws.lazy_client import LazyClient
from durable._runtime.ports import Clock
from durable._runtime.timer_schedules import (
    ScheduleQuotaExceeded,
    TimerSchedule,
    at_expression,
    check_timer_schedule,
    parse_at_expression,
)

__all__ = ["EventBridgeTimerSchedules", "queue_arn_beside"]

# Refusals for a quota, which the timer service answers by falling back to the timer queue.
_QUOTA_CODES = {"ServiceQuotaExceededException", "ThrottlingException"}

# Scheduler retries a failed delivery for up to a day (its maximum), 185 times.
_RETRY_POLICY = {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}


def queue_arn_beside(arn: str, url: str) -> str:
    """The ARN of the queue at ``url``, in the account and region of the queue ``arn`` names
    (a stack's queues share both: the inbox's ARN gives the activity queues')."""
    return f"{arn.rsplit(':', 1)[0]}:{url.rstrip('/').rsplit('/', 1)[1]}"


def _code(e: ClientError) -> str:
    code: str = e.response["Error"]["Code"]  # botocore's response is untyped JSON
    return code


class EventBridgeTimerSchedules(LazyClient):
    """:class:`~durable._runtime.timer_schedules.OneTimeSchedules` on EventBridge Scheduler."""

    _service = "scheduler"

    def __init__(
        self,
        *,
        group_name: str,
        role_arn: str,
        target_arn: Callable[[str], str],
        clock: Clock,
        client: Any | None = None,
        dead_letter_arn: str | None = None,
    ) -> None:
        """Schedules in ``group_name``, delivered as ``role_arn`` to ``target_arn(queue)``
        (a logical queue name's ARN); a delivery Scheduler gives up on goes to the queue
        ``dead_letter_arn`` (the schedule DLQ: :mod:`durable._runtime.schedule_dead_letters`)."""
        super().__init__(client)
        self.dead_letter_arn = dead_letter_arn
        self.group_name = group_name
        self.role_arn = role_arn
        self.target_arn = target_arn
        self.clock = clock
        self._queues: dict[str, str] = {}  # ARN -> logical name, of the targets used

    def create(self, schedule: TimerSchedule) -> None:
        """Create the schedule; ConflictException (a re-dispatch made it already) is success,
        a quota's refusal is :class:`ScheduleQuotaExceeded`."""
        check_timer_schedule(schedule, self.clock.now())
        arn = self.target_arn(schedule.queue)
        self._queues[arn] = schedule.queue
        target: dict[str, Any] = {
            "Arn": arn,
            "RoleArn": self.role_arn,
            "Input": schedule.body,
            "RetryPolicy": _RETRY_POLICY,
        }
        if schedule.group_id is not None:
            target["SqsParameters"] = {"MessageGroupId": schedule.group_id}
        if self.dead_letter_arn is not None:
            # Never a silent drop: what Scheduler cannot deliver waits there for the reconciler.
            target["DeadLetterConfig"] = {"Arn": self.dead_letter_arn}
        try:
            self.client.create_schedule(
                Name=schedule.name,
                GroupName=self.group_name,
                ScheduleExpression=at_expression(schedule.fire_at),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target=target,
            )
        except ClientError as e:
            if _code(e) in _QUOTA_CODES:
                raise ScheduleQuotaExceeded(f"schedule {schedule.name!r}: {_code(e)}") from e
            if _code(e) != "ConflictException":
                raise

    def delete(self, name: str) -> None:
        """Delete it; ResourceNotFoundException (fired, or never made) is success."""
        try:
            self.client.delete_schedule(Name=name, GroupName=self.group_name)
        except ClientError as e:
            if _code(e) != "ResourceNotFoundException":
                raise

    def get(self, name: str) -> TimerSchedule | None:
        """The schedule as Scheduler holds it (its time is the ``at()`` time), or None."""
        try:
            found = self.client.get_schedule(Name=name, GroupName=self.group_name)
        except ClientError as e:
            if _code(e) == "ResourceNotFoundException":
                return None
            raise
        target = found["Target"]
        return TimerSchedule(
            name=name,
            fire_at=parse_at_expression(found["ScheduleExpression"]),
            queue=self._queues.get(target["Arn"], target["Arn"]),
            body=target["Input"],
            group_id=target.get("SqsParameters", {}).get("MessageGroupId"),
        )
