"""The API's activity pause routes (Temporal's ``PauseActivity`` / ``UnpauseActivity``).

A pause or unpause reaches the run through its inbox, so the answer is 202: the run applies
it in order with the activity's outcomes (see :mod:`durable._runtime.activity_pause`).
Refused: a workflow or run that does not exist (404 ``execution_not_found``), a run that has
closed (409 ``not_running``), an activity that is not pending in the run (404
``activity_not_found``), a negative jitter (400).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, ConfigDict, Field

from durable._http import models as m
from durable._http.engine import Engine
from durable._http.errors import ApiError
from durable._http.routing import API_PREFIX, answers, json_response, request_id_of, workflow_id_of
from durable._runtime.activity_operations import ActivityNotPending, pause_activity, unpause_activity

__all__ = ["ActivityPauseRequest", "ActivityUnpauseRequest", "activity_routes"]

ActivityId = Annotated[str, Path(description="the activity's id (describe lists the pending ones)")]

_REQUEST_ID = Field(
    default=None,
    pattern=r"^[!-~]{1,128}$",
    description="makes the request idempotent: sent again with the same id, it changes nothing more",
)


class ActivityPauseRequest(BaseModel):
    """Pause a pending activity: no retry is scheduled until it is unpaused; a running attempt
    learns at its next heartbeat (``activity.cancellation_details().paused``)."""

    model_config = ConfigDict(extra="forbid")

    run_id: m.RunIdText = None
    reason: str | None = Field(default=None, max_length=1000, description="why; shown by describe and the UI")
    identity: str | None = Field(default=None, max_length=256, description="who pauses (shown with the pause)")
    request_id: str | None = _REQUEST_ID


class ActivityUnpauseRequest(BaseModel):
    """Unpause an activity: its next attempt is dispatched at once (or within ``jitter_seconds``)."""

    model_config = ConfigDict(extra="forbid")

    run_id: m.RunIdText = None
    reset_attempts: bool = Field(default=False, description="the next attempt is attempt 1 again")
    reset_heartbeats: bool = Field(default=False, description="the next attempt gets no heartbeat details")
    jitter_seconds: float | None = Field(
        default=None, ge=0, description="start the next attempt at a random time within this many seconds"
    )
    identity: str | None = Field(default=None, max_length=256, description="who unpauses")
    request_id: str | None = _REQUEST_ID


def activity_routes(app: APIGatewayRestResolver, engine_of: Callable[[], Engine]) -> None:
    """Add the activity pause routes to ``app``; ``engine_of`` gives the engine (built on first use)."""
    base = f"{API_PREFIX}/workflows/<workflow_id>/activities/<activity_id>"

    @app.post(
        f"{base}/pause",
        summary="Pause a pending activity",
        description="No retry of the activity is scheduled until it is unpaused; a running attempt learns at its "
        "next heartbeat, and a completion still completes it. Pausing a paused activity changes nothing.",
        tags=["activities"],
        responses=answers(202, "Accepted: the run applies it next", m.Empty),
    )
    def pause(workflow_id: str, activity_id: ActivityId, body: ActivityPauseRequest) -> Response[m.Empty]:
        with _not_pending():
            pause_activity(
                engine_of().control,
                workflow_id_of(workflow_id),
                body.run_id,
                unquote(activity_id),
                reason=body.reason or "",
                identity=body.identity or "",
                request_id=request_id_of(app, body.request_id),
            )
        return json_response(202, m.Empty())

    @app.post(
        f"{base}/unpause",
        summary="Unpause an activity",
        description="Its next attempt is dispatched at once (or at a random time within `jitter_seconds`), "
        "attempt 1 again with `reset_attempts`. Unpausing an activity that is not paused changes nothing.",
        tags=["activities"],
        responses=answers(202, "Accepted: the run applies it next", m.Empty),
    )
    def unpause(workflow_id: str, activity_id: ActivityId, body: ActivityUnpauseRequest) -> Response[m.Empty]:
        with _not_pending():
            unpause_activity(
                engine_of().control,
                workflow_id_of(workflow_id),
                body.run_id,
                unquote(activity_id),
                reset_attempts=body.reset_attempts,
                reset_heartbeats=body.reset_heartbeats,
                jitter=body.jitter_seconds,
                identity=body.identity or "",
                request_id=request_id_of(app, body.request_id),
            )
        return json_response(202, m.Empty())


@contextmanager
def _not_pending() -> Iterator[None]:
    """ActivityNotPending as the API's 404 (the other refusals have the app's handlers)."""
    try:
        yield
    except ActivityNotPending as err:
        raise ApiError(404, "activity_not_found", str(err), "activity_id") from err
