"""The activity worker: an activity task in, one attempt run, its outcome to its run.

The outcome goes straight to an orchestrator invocation where the deployment has one,
else to the inbox (:mod:`durable._runtime.delivery`).

Each attempt runs at most once, whatever SQS does: before running, the worker claims the
attempt in the idempotency table (powertools Idempotency's record, keyed by run, activity
and attempt; one conditional write). A second delivery finds the claim: received for
the first time, it is a duplicate of a delivery that is running or done, and is dropped;
received before, the worker that held it died mid-way, and the attempt is reported as a
start-to-close timeout, so the workflow's retry policy runs a *new* attempt instead of
repeating this one's side effects. (Saving each outcome as well would let a redelivery
resend it instead, for one more write per step: a retry is what Temporal does when a
worker dies, and the write is what keeps a step within 8 AWS requests.)
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
import warnings

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError

from durable._codec.engine import decoded_messages
from durable._runtime.activity_metrics import record_attempt
from durable._runtime.activity_pause import attempt_dedup, claim_data
from durable._runtime.attempt import ActivityAttempt, ActivityTask, Outcome, attempt_limit, timed_out
from durable._runtime.delivery import deliver_to_run
from durable._runtime.inbox import fifo_dedup, inbox_body
from durable._runtime.observability import log_context
from durable._runtime.registry import Registry
from durable._runtime.services import INBOX, Services, execution_key
from durable._workers.rate_limit import defer_over_rate
from durable.exceptions import TimeoutType

__all__ = ["ActivityWorker"]

logger = logging.getLogger("durable.activity_worker")

_IDEMPOTENCY_TTL = 7 * 24 * 3600

# Deliberately no Lambda context: an IN_PROGRESS record must not expire with the
# invocation, or a redelivery would run a crashed attempt's side effects twice.
warnings.filterwarnings("ignore", message="Couldn't determine the remaining time left")


class ActivityWorker:
    """Runs activity tasks for the task queues in a registry."""

    def __init__(
        self,
        services: Services,
        registry: Registry,
        *,
        executor: concurrent.futures.Executor | None = None,
        heartbeat_throttle: float = 30.0,
        identity: str = "durable-activity-worker",
    ) -> None:
        self.services = services
        self.registry = registry
        self.identity = identity
        # The attempt keeps the executor and the heartbeat throttle: one place, no stale copy.
        self.attempt = ActivityAttempt(services, registry, executor=executor, heartbeat_throttle=heartbeat_throttle)
        self._claims = services.idempotency
        self._claims.configure(
            IdempotencyConfig(
                event_key_jmespath="[workflow_id, run_id, seq, attempt]",
                raise_on_no_idempotency_key=True,
                expires_after_seconds=_IDEMPOTENCY_TTL,
            ),
            function_name="activity-attempt",
        )

    def handle(self, task: ActivityTask, *, receive_count: int = 1) -> None:
        """Run one activity task (at most once per attempt) and report its outcome."""
        task = decoded_messages(self.services, [task])[0]  # a codec's failure fails the task: retried
        if defer_over_rate(self.services, self.registry, task, receive_count=receive_count):
            return  # over its task queue's rate: back on the queue for its slot, neither claimed nor counted
        with log_context(workflow_id=task["workflow_id"], run_id=task["run_id"], activity_id=task["activity_id"]):
            self._handle(task, receive_count)

    def _handle(self, task: ActivityTask, receive_count: int) -> None:
        outcome: Outcome | None
        if self._held_by_pause(task):
            logger.info(
                "attempt %s of activity %s is held: the activity is paused", task["attempt"], task["activity_id"]
            )
            return  # unclaimed: the unpause dispatches this attempt again
        dedup = attempt_dedup(task["seq"], task["attempt"], task.get("stamp", 0))
        stamp = {"stamp": task["stamp"]} if task.get("stamp") else {}
        try:
            self._claims.save_inprogress(data=claim_data(task))
        except IdempotencyItemAlreadyExistsError:
            if receive_count <= 1:
                logger.info("attempt %s of activity %s was delivered twice", task["attempt"], task["activity_id"])
                return
            # Received before and claimed: the worker running it died before it reported.
            # Report the attempt as timed out so a new attempt runs, never this one twice.
            outcome = timed_out(TimeoutType.START_TO_CLOSE, task.get("heartbeat_details", []))
        else:
            started, began = self.services.clock.now(), time.perf_counter()
            outcome = self.attempt.run(task)
            self.services.metrics.count("ActivityAttempts")
            record_attempt(self.services.metrics, task, outcome, started=started, seconds=time.perf_counter() - began)
            if outcome is None:
                # Completed asynchronously: someone else reports. What a worker would enforce
                # on a running attempt, a timer enforces now: the start-to-close timeout, sent
                # under the attempt's own dedup key so only the first outcome counts.
                limit = attempt_limit(task, self.services.clock.now())
                if limit is not None:
                    timeout = timed_out(TimeoutType.START_TO_CLOSE, task.get("heartbeat_details", []))
                    self.services.timers.schedule(
                        self.services.clock.now() + limit,
                        INBOX,
                        inbox_body(
                            task["workflow_id"],
                            task["run_id"],
                            "activity_result",
                            dedup,
                            seq=task["seq"],
                            attempt=task["attempt"],
                            identity=self.identity,
                            **timeout,
                            **stamp,
                        ),
                        group_id=task["workflow_id"],
                        dedup_id=fifo_dedup(task["run_id"], f"{dedup}:timeout"),
                    )
                return
        deliver_to_run(
            self.services,
            task["workflow_id"],
            task["run_id"],
            "activity_result",
            dedup,
            seq=task["seq"],
            attempt=task["attempt"],
            identity=self.identity,
            **outcome,
            **stamp,
        )

    def _held_by_pause(self, task: ActivityTask) -> bool:
        """A retry (or an attempt an unpause sent) is not run while its activity is paused, nor
        when an unpause reset the attempts after it was sent (its stamp is older). First
        attempts are not read for it (one read less per activity): a pause reaches them at
        their first heartbeat, as a running attempt."""
        if task["attempt"] <= 1 and not task.get("stamp"):
            return False
        key = execution_key(task["workflow_id"], task["run_id"])
        beat = self.services.executions.get_heartbeat(key, task["activity_id"])
        return beat is not None and (beat.paused or beat.stamp != task.get("stamp", 0))
