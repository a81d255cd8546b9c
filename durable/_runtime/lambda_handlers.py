"""Lambda-shaped entry points: an SQS event in, a partial batch response out.

The deployed functions in ``functions/`` and the local dispatcher both call these, so
what runs locally is what runs on Lambda.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any, Protocol

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.delivery import handle_deliveries
from durable._runtime.delivery_event import is_delivery_event
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.pinning import Pinning, is_forwarded
from durable._runtime.signal_fence import SignalsInFlight
from durable._runtime.tracing import engine_span

__all__ = ["BatchFailed", "TimerRelay", "activity_handler", "orchestrator_handler", "timer_relay_handler"]

logger = logging.getLogger("durable.orchestrator")


class TimerRelay(Protocol):
    """What the timer relay function needs of the timer service (the SQS one has it)."""

    def relay(self, message_body: str) -> bool:
        """Deliver a due timer to its target queue or send it on another hop; True when delivered."""
        ...


def orchestrator_handler(
    orchestrator: Orchestrator, event: dict[str, Any], context: Any = None, *, pinning: Pinning | None = None
) -> PartialItemFailureResponse:
    """Inbox batch: consecutive messages of one run make one decision, in FIFO order.

    Returns the partial batch response: when a run's messages fail, they and every later
    message of the same group are reported failed (FIFO order must hold), the others not.
    An asynchronous invocation that delivers activity outcomes straight to their runs
    (:mod:`durable._runtime.delivery`) is handled here too; it has no batch to report on.
    With ``pinning``, a run that started on another build has its messages decided by that
    build's version (:mod:`durable._runtime.pinning`), unless this event was forwarded.
    """
    del context
    if is_forwarded(event):
        pinning = None  # a pinned version decides what it is given: nothing is forwarded twice
    if is_delivery_event(event):
        handle_deliveries(orchestrator, event, decides_here=None if pinning is None else pinning.decides_here)
        return {"batchItemFailures": []}
    records = event.get("Records", [])
    open_body = orchestrator.services.open_body
    failed: list[str] = []
    deferred: list[str] = []  # of the failed, those only waiting (a close for its signals): no alarm
    failed_groups: set[str] = set()
    i = 0
    while i < len(records):
        try:
            body = json.loads(open_body(records[i]["body"]))
            run = _target(body)
        except (ValueError, KeyError, TypeError):
            logger.exception("unreadable inbox message %s", records[i].get("messageId"))
            failed.append(records[i]["messageId"])  # retried, then dead-lettered: never dropped
            failed_groups.add(_group(records[i]))
            i += 1
            continue
        group = _group(records[i]) or body["workflow_id"]
        batch, ids = [body], [records[i]["messageId"]]
        i += 1
        while i < len(records):
            try:
                nxt = json.loads(open_body(records[i]["body"]))
            except (ValueError, KeyError):
                break
            try:
                if _target(nxt) != run:
                    break
            except (KeyError, TypeError):
                break
            batch.append(nxt)
            ids.append(records[i]["messageId"])
            i += 1
        if group in failed_groups:
            failed += ids
            continue
        try:
            if pinning is not None and run[0] != "schedule":
                forwarded = pinning.forward(run[0], run[1], [r for r in records if r["messageId"] in ids])
                if forwarded is not None:
                    kept = [ids.index(m) for m in forwarded if m in ids]
                    if kept:  # the pinned version's first failure and every later message of the group
                        failed += ids[min(kept) :]
                        failed_groups.add(group)
                    continue
            with _run_span(run):
                orchestrator.handle_batch(batch, sent_at=_sent_at(records, ids))
        except SignalsInFlight as err:  # not a failure: the retry takes the signals it waits for
            logger.info("%s", err)
            orchestrator.services.metrics.count("ClosesDeferredForSignals")
            deferred += ids
            failed += ids
            failed_groups.add(group)
        except Exception as err:
            logger.exception("inbox messages for %s failed; they will be retried", run[0])
            failed += ids
            failed_groups.add(group)
            if run[0] != "schedule":
                orchestrator.engine_failed(run[0], run[1], err)
        else:
            if run[0] != "schedule" and _redelivered(records, ids):
                orchestrator.engine_recovered(run[0], run[1])
    if len(failed) > len(deferred):
        orchestrator.services.metrics.count("InboxMessagesFailed", len(failed) - len(deferred))
    if failed and len(failed) == len(records) and len(deferred) < len(failed):
        raise BatchFailed(f"all {len(records)} inbox messages failed")
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}


def _run_span(run: tuple[str, str]) -> contextlib.AbstractContextManager[None]:
    """The span of one decision (a run's messages of the batch), or of a schedule's fires."""
    if run[0] == "schedule":
        return engine_span("durable.schedule", schedule_id=run[1])
    return engine_span("durable.decision", workflow_id=run[0], run_id=run[1])


def _target(body: dict[str, Any]) -> tuple[str, str]:
    """What a message is about: a run (workflow id, run id), or a schedule."""
    if body["kind"] == "schedule_fire":
        return ("schedule", body["schedule_id"])
    return (body["workflow_id"], body["run_id"])


def _redelivered(records: list[dict[str, Any]], ids: list[str]) -> bool:
    """Whether a message of the batch was received before (a retry after a failure)."""
    counts = {r["messageId"]: r.get("attributes", {}).get("ApproximateReceiveCount", "1") for r in records}
    return any(int(counts.get(i, "1") or 1) > 1 for i in ids)


def _sent_at(records: list[dict[str, Any]], ids: list[str]) -> float | None:
    """When the first message of the batch was sent (SQS's SentTimestamp, in epoch seconds)."""
    sent = [r.get("attributes", {}).get("SentTimestamp") for r in records if r["messageId"] in ids]
    stamps = [int(s) for s in sent if s]
    return min(stamps) / 1000 if stamps else None


def _group(record: dict[str, Any]) -> str:
    return str(record.get("attributes", {}).get("MessageGroupId", ""))


class BatchFailed(Exception):
    """Every message of the batch failed: the whole invocation fails, as Lambda reports it."""


def activity_handler(worker: ActivityWorker, event: dict[str, Any], context: Any = None) -> PartialItemFailureResponse:
    """Activity-queue batch: each task run as one attempt."""
    processor = BatchProcessor(event_type=EventType.SQS)

    def record_handler(record: SQSRecord) -> None:
        task = json.loads(worker.services.open_body(record.body))
        ids = {k: task.get(k) for k in ("workflow_id", "run_id", "activity_id")}
        with engine_span("durable.activity_task", **ids):
            worker.handle(task, receive_count=int(record.attributes.approximate_receive_count))

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def timer_relay_handler(timers: TimerRelay, event: dict[str, Any], context: Any = None) -> PartialItemFailureResponse:
    """Timer-queue batch: forward due timers to their queue, re-delay the others."""
    processor = BatchProcessor(event_type=EventType.SQS)

    def record_handler(record: SQSRecord) -> None:
        timers.relay(record.body)

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
