"""The API's update routes: send an update (or update-with-start) and wait for a stage,
and long-poll an update's outcome.

An update request reaches the run through its inbox; the run's next workflow task runs
the validator and either accepts the update (its handler starts) or rejects it. The send
route waits, up to ``wait_seconds``, for the stage asked: a rejection is COMPLETED with a
failure, as temporalio's server answers. A request no workflow task took in a second (no
worker yet, a failing task) is sent again, as temporalio's client does, with the same
request id, so the run applies it once. When the wait runs out the answer says ADMITTED
(or ACCEPTED) and the caller sends the same request again (same ``update_id`` and request
id) to go on waiting.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from durable._http import models as m
from durable._http import wire
from durable._http.engine import Engine
from durable._http.errors import ApiError
from durable._http.routing import (
    API_PREFIX,
    MAX_WAIT_SECONDS,
    RunId,
    answers,
    checked_id,
    header_payloads,
    payloads,
    request_id_of,
    start_options,
    workflow_id_of,
    workflow_type_served,
)
from durable._replay.machine import NoWorker, UnknownWorkflowType
from durable._runtime.control import UpdateStatus, new_request_id
from durable._statuses import WorkflowExecutionStatus
from durable.common import WorkflowIDConflictPolicy

__all__ = ["RESEND_AFTER_SECONDS", "update_routes"]

# One path for both routes (OpenAPI allows no two templates that differ only in a name):
# the update handler's name when sending, the update's id when polling.
UpdateName = Annotated[str, Path(description="the update handler's name")]
UpdateId = Annotated[str, Path(description="the update's id")]

RESEND_AFTER_SECONDS = 1.0
"""How long an update request waits to be taken by a workflow task before it is sent again."""


def update_routes(app: APIGatewayRestResolver, engine_of: Callable[[], Engine]) -> None:
    """Add the update routes to ``app``; ``engine_of`` gives the engine (built on first use)."""
    base = f"{API_PREFIX}/workflows"

    @app.post(
        f"{base}/<workflow_id>/updates/<update>",
        summary="Send an update (or update-with-start) and wait for a stage",
        description="Waits up to `wait_seconds` for `wait_for_stage`. A validator's rejection, or an unknown update "
        "name the run has no handler for, is COMPLETED with `outcome.failure`. When the wait runs out the stage "
        "is ADMITTED or ACCEPTED: send the same request again (same `update_id` and request id) to wait on. "
        "With `start_workflow`, the workflow starts with the update in its first workflow task when it does not run.",
        tags=["workflows"],
        responses=answers(200, "Where the update stands", m.UpdateResponse),
    )
    def send_update(workflow_id: str, update: UpdateName, body: m.UpdateRequest) -> m.UpdateResponse:
        engine = engine_of()
        wid, name = workflow_id_of(workflow_id), unquote(update)
        args = payloads(body.args, "args")
        headers = header_payloads(body.headers)
        update_id = body.update_id or new_request_id()
        request_id = request_id_of(app, body.request_id) or new_request_id()
        deadline = time.monotonic() + (MAX_WAIT_SECONDS if body.wait_seconds is None else body.wait_seconds)
        if body.start_workflow is not None:
            start = body.start_workflow
            workflow_type_served(engine, start.workflow_type, start.task_queue)
            if not body.accept_unknown:
                _known_update(engine, start.workflow_type, start.task_queue, name)
            started = engine.control.update_with_start(
                update_id=update_id,
                request_id=request_id,
                update_name=name,
                update_input=args,
                update_headers=headers,
                id_conflict_policy=WorkflowIDConflictPolicy[start.id_conflict_policy],
                **start_options(start, wid),
            )
            run_id = started.run_id
        else:
            record = engine.control.resolve_run(wid, checked_id(body.run_id, "run_id"))
            if record.status is WorkflowExecutionStatus.RUNNING and not body.accept_unknown:
                _known_update(engine, record.workflow_type, record.task_queue, name)
            run_id = record.run_id
            if engine.control.update_status(wid, run_id, update_id, request_id) is None:  # else: sent before
                run_id = engine.control.send_update(
                    wid, body.run_id, update_id, request_id, name, args, headers=headers
                )
        sent_at = time.monotonic()
        delay = 0.005
        while True:
            status = engine.control.update_status(wid, run_id, update_id, request_id)
            if status is not None and (status.stage == "COMPLETED" or body.wait_for_stage == "ACCEPTED"):
                return _answer(wid, update_id, status)
            now = time.monotonic()
            if now >= deadline:
                return _answer(wid, update_id, status or UpdateStatus(run_id, "ADMITTED"))
            if status is None and now - sent_at > RESEND_AFTER_SECONDS:
                # Its attempt number only keeps this send apart from earlier ones (deduplication):
                # random, since a caller that sends the request again starts counting afresh.
                attempt = 2 + secrets.randbelow(2**31)
                engine.control.send_update(wid, run_id, update_id, request_id, name, args, attempt, headers=headers)
                sent_at = now
            engine.pause(min(delay, deadline - now))
            delay = min(delay * 2, 0.1)

    @app.get(
        f"{base}/<workflow_id>/updates/<update>",
        summary="Wait for an update's outcome (long poll)",
        description=f"Waits up to `wait_seconds` (at most {MAX_WAIT_SECONDS:g}) for the update to complete; the stage "
        "is ACCEPTED when the wait ran out. 404 update_not_found when the run took no update by that id "
        "(a rejected update leaves none).",
        tags=["workflows"],
        responses=answers(200, "Where the update stands", m.UpdateResponse),
    )
    def poll_update(
        workflow_id: str,
        update: UpdateId,
        run_id: RunId = None,
        wait_seconds: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = MAX_WAIT_SECONDS,
    ) -> m.UpdateResponse:
        engine = engine_of()
        wid, uid = workflow_id_of(workflow_id), str(checked_id(unquote(update), "update"))
        run = engine.control.resolve_run(wid, checked_id(run_id, "run_id")).run_id
        deadline = time.monotonic() + wait_seconds
        delay = 0.005
        while True:
            status = engine.control.update_status(wid, run, uid)
            if status is None:
                raise ApiError(404, "update_not_found", f"workflow {wid} has no update {uid!r}", "update")
            left = deadline - time.monotonic()
            if status.stage == "COMPLETED" or left <= 0:
                return _answer(wid, uid, status)
            engine.pause(min(delay, left))
            delay = min(delay * 2, 0.1)


def _answer(workflow_id: str, update_id: str, status: UpdateStatus) -> m.UpdateResponse:
    outcome: m.UpdateResult | m.UpdateFailure | None = None
    if status.stage == "COMPLETED":
        if status.failure is not None:
            outcome = m.UpdateFailure.model_validate({"failure": wire.failure_out(status.failure)})
        else:
            outcome = m.UpdateResult(result=wire.decode_payload(status.result))
    return m.UpdateResponse.model_validate(
        {
            "workflow_id": workflow_id,
            "run_id": status.run_id,
            "update_id": update_id,
            "stage": status.stage,
            "outcome": outcome,
        }
    )


def _known_update(engine: Engine, workflow_type: str, task_queue: str, name: str) -> None:
    """404 when the deployment's code of the workflow declares no update ``name`` (and no dynamic one)."""
    if engine.registry is None:
        return
    try:
        definition = engine.registry.workflow(workflow_type, task_queue)
    except (UnknownWorkflowType, NoWorker):
        return  # its code is not here: nothing to check against
    if name not in definition.updates and definition.dynamic_update is None:
        known = ", ".join(sorted(definition.updates))
        raise ApiError(
            404,
            "update_not_found",
            f"workflow type {workflow_type} has no update {name!r} (its updates: [{known}])",
            "update",
        )
