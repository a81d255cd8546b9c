"""Lambda-shaped entry points: an SQS event in, a partial batch response out.

The deployed functions in ``functions/`` and the local dispatcher both call these, so
what runs locally is what runs on Lambda.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.orchestrator import Orchestrator

__all__ = ["activity_handler", "orchestrator_handler", "timer_relay_handler"]


def orchestrator_handler(orchestrator: Orchestrator, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Inbox batch: each message applied in order; a failure holds back the rest of its group."""
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)

    def record_handler(record: SQSRecord) -> None:
        orchestrator.handle(json.loads(record.body))

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def activity_handler(worker: ActivityWorker, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Activity-queue batch: each task run as one attempt."""
    processor = BatchProcessor(event_type=EventType.SQS)

    def record_handler(record: SQSRecord) -> None:
        worker.handle(json.loads(record.body), receive_count=int(record.attributes.approximate_receive_count))

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def timer_relay_handler(timers: Any, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Timer-queue batch: forward due timers to their queue, re-delay the others."""
    processor = BatchProcessor(event_type=EventType.SQS)

    def record_handler(record: SQSRecord) -> None:
        timers.relay(record.body)

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
