"""An activity's outcome, delivered straight to an orchestrator invocation; the inbox if not.

Why: cost. Through the inbox, an outcome costs three FIFO requests (the send, then the
event source mapping's receive and delete: $1.50 per million steps, a third of a step's
price) before the orchestrator's invocation. An asynchronous invocation of the
orchestrator (Lambda's ``Event`` invoke) is one Lambda request, the one the step's
orchestrator invocation costs anyway.

Why it is safe: the invoked orchestrator applies the outcome as it applies an inbox
message (``Orchestrator.handle_batch``). The inbox's FIFO group is not what keeps one
writer per run: the log's conditional append is (an eager start already decides outside
the inbox, and the reconciler's and the API's writes race it too). A delivery and an
inbox batch for the same run race like two orchestrators: one commits, the other
reloads and applies on top; the run's consumed dedup keys drop a duplicate (the worker's
retry after a crash, Lambda delivering an event twice). Activity outcomes need no order
among themselves or with signals: each names its attempt, and a stale one is ignored.

Where it falls back: a delivery the orchestrator cannot apply now (it lost the race
three times, a store failed) is sent to the inbox, where it waits its turn as before. An
invocation Lambda did not accept sends the outcome to the inbox at once. An invocation
that crashed (timeout, memory) is retried twice by Lambda, then lands in the
orchestrator's dead-letter queue, which the reconciler forwards to the inbox. So the
inbox, with its own retries and dead-letter queue, stays the path of last resort, and
nothing is lost on the way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, cast

from durable._codec.engine import decoded_messages
from durable._runtime.delivery_event import DeliveryEvent
from durable._runtime.inbox import RunMessage, RunMessageKind, fifo_dedup, inbox_body
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.services import Services
from durable._runtime.signal_fence import SignalsInFlight
from durable._runtime.tracing import engine_span

__all__ = ["RunPinnedElsewhere", "deliver_to_run", "forward_failed_deliveries", "handle_deliveries"]

logger = logging.getLogger("durable.delivery")

FALLBACK_METRIC = "DeliveriesToInbox"
"""Counted per outcome that went to the inbox instead of straight to its run."""


def deliver_to_run(
    services: Services, workflow_id: str, run_id: str, kind: RunMessageKind, dedup: str, **fields: Any
) -> None:
    """Send one message to a run: straight to an orchestrator invocation if the deployment
    has one to invoke, else (or if it is not accepted) to the run's inbox."""
    body = inbox_body(workflow_id, run_id, kind, dedup, **fields)
    if services.invoker is not None:
        try:
            services.invoker.deliver([body])
            return
        except Exception:  # noqa: BLE001 - the inbox takes it instead: slower, never lost
            logger.warning("could not invoke the orchestrator for %s; the inbox takes it", workflow_id, exc_info=True)
            services.metrics.count(FALLBACK_METRIC)
    services.inbox.send(body, group_id=workflow_id, dedup_id=fifo_dedup(run_id, dedup))


def handle_deliveries(
    orchestrator: Orchestrator, event: dict[str, Any], *, decides_here: Callable[[str, str], bool] | None = None
) -> None:
    """Apply each delivered message to its run; one that cannot be applied now goes to the inbox.

    ``decides_here(workflow_id, run_id)``: False for a run this code must not decide (it
    started on another build: :mod:`durable._runtime.pinning`); its message goes to the inbox.

    Raises only when a message can neither be applied nor sent on (its body unreadable, the
    inbox unreachable): Lambda then retries the invocation, and dead-letters it after two.
    """
    services = orchestrator.services
    for sealed in cast(DeliveryEvent, event)["durable_deliveries"]:
        body = cast(RunMessage, json.loads(services.open_body(sealed)))
        try:
            if decides_here is not None and not decides_here(body["workflow_id"], body["run_id"]):
                raise RunPinnedElsewhere(f"{body['workflow_id']} started on another build")
            with engine_span("durable.decision", workflow_id=body["workflow_id"], run_id=body["run_id"]):
                orchestrator.handle_batch([body])
        except Exception as err:  # noqa: BLE001 - the inbox applies it in its turn, with its retries
            logger.warning(
                "could not apply a %s to %s now; the inbox takes it",
                body["kind"],
                body["workflow_id"],
                # No traceback for what is no failure: a run on another build, a close that waits for signals.
                exc_info=not isinstance(err, (RunPinnedElsewhere, SignalsInFlight)),
            )
            services.metrics.count(FALLBACK_METRIC)
            # Plain again first: the engine's inbox encodes what it sends (a payload codec), and
            # the delivered body is encoded already.
            plain = decoded_messages(services, [body])[0]
            services.inbox.send(
                json.dumps(plain, separators=(",", ":")),
                group_id=body["workflow_id"],
                dedup_id=fifo_dedup(body["run_id"], body["dedup"]),
            )


class RunPinnedElsewhere(Exception):
    """The run started on another build, whose version decides it (through the inbox)."""


def forward_failed_deliveries(services: Services, limit: int = 100) -> tuple[int, int]:
    """Send the messages of dead-lettered delivery invocations to their runs' inboxes: how many
    went, and how many dead letters could not be forwarded (left for the next pass).

    ``services`` are the plain ones (the reconciler's): a body goes on as it was delivered,
    encoded by the payload codec if there is one.

    A delivery lands there when its invocation crashed three times (or waited out Lambda's
    maximum event age); the inbox applies it with its own retries and dead-letter queue.
    """
    queue = services.failed_deliveries
    if queue is None:
        return 0, 0
    forwarded = failures = 0
    while forwarded < limit:
        messages = queue.receive(10)
        if not messages:
            break
        done = []
        for message in messages:
            try:
                document = json.loads(message.body)
                # A dead-letter queue gets the event; an on-failure destination, a record holding it.
                event = cast(DeliveryEvent, document.get("requestPayload", document))
                for sealed in event["durable_deliveries"]:
                    body = cast(RunMessage, json.loads(services.open_body(sealed)))
                    services.inbox.send(
                        sealed, group_id=body["workflow_id"], dedup_id=fifo_dedup(body["run_id"], body["dedup"])
                    )
                    forwarded += 1
            except Exception:  # noqa: BLE001 - left where it is, for the next pass (and operators)
                logger.exception("could not forward the failed delivery %s to the inbox", message.message_id)
                failures += 1
            else:
                done.append(message.receipt)
        if done:
            queue.delete(done)
    return forwarded, failures
