"""``POST /workflows/{id}/reset``: a new run from a prefix of the run's history (Temporal's reset)."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from durable._http import models as m
from durable._http.engine import Engine
from durable._http.errors import ApiError
from durable._http.routing import API_PREFIX, answers, checked_id, request_id_of, workflow_id_of
from durable._runtime.reset import InvalidResetPoint, ResetConflict, ResetReapplyType, ResetRequest, ResetType

__all__ = ["reset_routes"]


def reset_routes(app: APIGatewayRestResolver, engine_of: Callable[[], Engine]) -> None:
    """Add the reset route to ``app``; ``engine_of`` gives the engine (built on first use)."""

    @app.post(
        f"{API_PREFIX}/workflows/<workflow_id>/reset",
        summary="Reset a run to one of its workflow tasks",
        description="A new run of the workflow id starts from the history before that workflow task and decides it "
        "again: activities completed after it run again, signals received after it are re-applied (`reapply_type`). "
        "A running run is terminated with a reason naming the new run; a closed one can be reset too. 400 "
        "`invalid_reset_point` lists the event ids that are workflow tasks; 409 `reset_conflict`: the workflow id "
        "has another running run (a concurrent reset won).",
        tags=["workflows"],
        responses=answers(200, "The new run", m.ResetResponse),
    )
    def reset(workflow_id: str, body: m.ResetRequest) -> m.ResetResponse:
        if body.event_id is None and body.type is None:
            raise ApiError(
                400, "invalid_request", "give event_id or type (FirstWorkflowTask, LastWorkflowTask)", "type"
            )
        request = ResetRequest(
            event_id=body.event_id,
            reset_type=None if body.type is None else ResetType(body.type),
            reason=body.reason or "",
            reapply_type=ResetReapplyType(body.reapply_type),
            request_id=request_id_of(app, body.request_id),
        )
        try:
            run_id = engine_of().control.reset(workflow_id_of(workflow_id), checked_id(body.run_id, "run_id"), request)
        except InvalidResetPoint as err:
            raise ApiError(400, "invalid_reset_point", str(err), "event_id") from err
        except ResetConflict as err:
            raise ApiError(409, "reset_conflict", str(err), None) from err
        return m.ResetResponse(run_id=run_id)
