"""The schedule routes of the HTTP API: a powertools ``Router`` the API includes.

Every operation of temporalio's schedule client under ``/api/v1/schedules``, run by the
same :class:`~durable._local.schedule_transport.ScheduleOperations` as the in-process
client, so both doors answer alike. The engine's schedule errors map to the API's error
body: an unknown schedule is 404 ``schedule_not_found``, a taken id 409
``schedule_already_exists``, a spec that cannot fire 400 ``invalid_schedule`` (the
message names the field), a bad filter or page token 400 ``invalid_query``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote

import pydantic
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from durable._http import models as m
from durable._http import schedule_models as sm
from durable._http import schedule_wire as sw
from durable._http.engine import Engine
from durable._http.errors import ApiError, error_response
from durable._http.routing import REQUEST_ID_HEADER
from durable._limits import InvalidIdError, check_id
from durable._runtime.control import InvalidRequestId, check_request_id
from durable._runtime.ports import ScheduleAlreadyExists, ScheduleConflict, ScheduleNotFound
from durable._schedules.operations import InvalidScheduleRequest, ScheduleOperations
from durable._schedules.spec import InvalidScheduleSpec
from durable._visibility.query import InvalidQuery

__all__ = ["SCHEDULES_PATH", "schedule_router"]

SCHEDULES_PATH = "/api/v1/schedules"

_ERROR = {"content": {"application/json": {"model": m.ErrorBody}}}
_ERRORS: dict[int, Any] = {
    400: {"description": "A spec that cannot fire, invalid JSON, a wrong type or a missing field", **_ERROR},
    404: {"description": "Unknown schedule", **_ERROR},
    409: {"description": "A schedule with this id exists already", **_ERROR},
    415: {"description": "A body that is not `application/json`", **_ERROR},
}


def _answers(status: int, description: str, model: type[pydantic.BaseModel]) -> dict[int, Any]:
    return {status: {"description": description, "content": {"application/json": {"model": model}}}, **_ERRORS}


def _json(status: int, model: pydantic.BaseModel) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=model)


def _schedule_id(raw: str) -> str:
    try:
        return check_id("schedule_id", unquote(raw))
    except InvalidIdError as err:
        raise ApiError(400, "invalid_id", str(err), "schedule_id") from err


def _request_id(router: Router, in_body: str | None) -> str | None:
    """The request's id: the body's ``request_id``, else the ``Idempotency-Key`` header (a
    client retrying the call sends the same one), else none."""
    if in_body is not None:
        return in_body
    header: str | None = router.current_event.headers.get(REQUEST_ID_HEADER)
    if header is None:
        return None
    try:
        return check_request_id(header)
    except InvalidRequestId as err:
        raise ApiError(400, "invalid_request", f"{REQUEST_ID_HEADER} header: {err}", REQUEST_ID_HEADER) from err


def schedule_router(engine: Callable[[], Engine]) -> Router:
    """The schedule routes and their error handlers, over the engine ``engine()`` returns."""
    router = Router()  # type: ignore[no-untyped-call]  # powertools leaves Router.__init__ unannotated

    def operations() -> ScheduleOperations:
        return ScheduleOperations(engine().control)

    def settled() -> None:
        # The dev server lets the first workflow task of a run a schedule just started be
        # decided before answering, as the in-process client does; on Lambda nothing waits.
        engine().before_query()

    @router.post(
        SCHEDULES_PATH,
        summary="Create a schedule",
        description="Stores the schedule and arms its first action; `trigger_immediately` takes one "
        "action now, `backfill` the actions of past periods.",
        tags=["schedules"],
        responses=_answers(201, "Created", sm.CreateScheduleResponse),
    )
    def create(body: sm.CreateScheduleRequest) -> Response[sm.CreateScheduleResponse]:
        operations().create(
            body.schedule_id,
            sw.document_of(body.schedule),
            trigger_immediately=body.trigger_immediately,
            backfill=sw.backfill_documents(body.backfill),
            memo=sw.memo_in(body.memo),
        )
        settled()
        return _json(201, sm.CreateScheduleResponse(schedule_id=body.schedule_id))

    @router.get(
        SCHEDULES_PATH,
        summary="List schedules, by id",
        description="`query` is a Temporal list filter over `ScheduleId` and `TemporalSchedulePaused` "
        "(`TemporalSchedulePaused = true`).",
        tags=["schedules"],
        responses=_answers(200, "A page of schedules", sm.ScheduleList),
    )
    def list_schedules(
        query: Annotated[str | None, Query(description="a Temporal list filter")] = None,
        page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
        next_page_token: Annotated[str | None, Query()] = None,
    ) -> sm.ScheduleList:
        try:
            page = operations().list(query, page_size, next_page_token.encode() if next_page_token else None)
        except InvalidQuery as err:
            raise ApiError(400, "invalid_query", str(err), "query") from err
        return sm.ScheduleList(
            schedules=[sw.list_entry_of(entry) for entry in page.schedules],
            next_page_token=page.next_page_token.decode() if page.next_page_token else None,
        )

    @router.get(
        f"{SCHEDULES_PATH}/<schedule_id>",
        summary="Describe a schedule",
        description="The schedule as stored (cron expressions shown as calendars, as Temporal's server "
        "shows them), its counters, running workflows, recent and next action times, and memo.",
        tags=["schedules"],
        responses=_answers(200, "The schedule", sm.ScheduleDescription),
    )
    def describe(schedule_id: str) -> sm.ScheduleDescription:
        return sw.description_of(operations().describe(_schedule_id(schedule_id)))

    @router.put(
        f"{SCHEDULES_PATH}/<schedule_id>",
        summary="Replace a schedule's action, spec, policies and state",
        tags=["schedules"],
        responses=_answers(200, "Updated", m.Empty),
    )
    def update(schedule_id: str, body: sm.UpdateScheduleRequest) -> Response[m.Empty]:
        operations().update(_schedule_id(schedule_id), sw.document_of(body.schedule))
        settled()
        return _json(200, m.Empty())

    @router.delete(
        f"{SCHEDULES_PATH}/<schedule_id>",
        summary="Delete a schedule (the workflows it started go on)",
        tags=["schedules"],
        responses=_answers(200, "Deleted", m.Empty),
    )
    def delete(schedule_id: str) -> Response[m.Empty]:
        operations().delete(_schedule_id(schedule_id))
        return _json(200, m.Empty())

    @router.post(
        f"{SCHEDULES_PATH}/<schedule_id>/pause",
        summary="Pause a schedule (a trigger still acts)",
        tags=["schedules"],
        responses=_answers(200, "Paused", m.Empty),
    )
    def pause(schedule_id: str, body: sm.NoteRequest) -> Response[m.Empty]:
        operations().pause(_schedule_id(schedule_id), body.note)
        return _json(200, m.Empty())

    @router.post(
        f"{SCHEDULES_PATH}/<schedule_id>/unpause",
        summary="Unpause a schedule: actions from the next time on",
        tags=["schedules"],
        responses=_answers(200, "Unpaused", m.Empty),
    )
    def unpause(schedule_id: str, body: sm.NoteRequest) -> Response[m.Empty]:
        operations().unpause(_schedule_id(schedule_id), body.note)
        settled()
        return _json(200, m.Empty())

    @router.post(
        f"{SCHEDULES_PATH}/<schedule_id>/trigger",
        summary="Take an action now, paused or not",
        tags=["schedules"],
        responses=_answers(202, "Taken (or skipped or buffered, as the overlap policy says)", m.Empty),
    )
    def trigger(schedule_id: str, body: sm.TriggerRequest) -> Response[m.Empty]:
        request_id = _request_id(router, body.request_id)
        operations().trigger(_schedule_id(schedule_id), sw.overlap_of(body.overlap), request_id)
        settled()
        return _json(202, m.Empty())

    @router.post(
        f"{SCHEDULES_PATH}/<schedule_id>/backfill",
        summary="Take the actions of past periods now",
        tags=["schedules"],
        responses=_answers(202, "Taken", m.Empty),
    )
    def backfill(schedule_id: str, body: sm.BackfillRequest) -> Response[m.Empty]:
        request_id = _request_id(router, body.request_id)
        operations().backfill(_schedule_id(schedule_id), sw.backfill_documents(body.backfills), request_id)
        return _json(202, m.Empty())

    _error_handlers(router)
    return router


def _error_handlers(router: Router) -> None:
    # Router.exception_handler is unannotated in powertools (the resolver's is annotated).
    @router.exception_handler(ScheduleNotFound)  # type: ignore[untyped-decorator]
    def not_found(err: ScheduleNotFound) -> Response[Any]:
        return error_response(ApiError(404, "schedule_not_found", f"schedule not found: {err}", "schedule_id"))

    @router.exception_handler(ScheduleAlreadyExists)  # type: ignore[untyped-decorator]
    def exists(err: ScheduleAlreadyExists) -> Response[Any]:
        return error_response(
            ApiError(409, "schedule_already_exists", f"schedule {err} exists already: choose another id", "schedule_id")
        )

    @router.exception_handler(InvalidScheduleSpec)  # type: ignore[untyped-decorator]
    def invalid_spec(err: InvalidScheduleSpec) -> Response[Any]:
        return error_response(ApiError(400, "invalid_schedule", f"invalid schedule: {err}", "schedule.spec"))

    @router.exception_handler(InvalidScheduleRequest)  # type: ignore[untyped-decorator]
    def invalid_request(err: InvalidScheduleRequest) -> Response[Any]:
        field = str(err).split(":", 1)[0].split("[", 1)[0]
        return error_response(ApiError(400, "invalid_request", str(err), field if field.isidentifier() else None))

    @router.exception_handler(ScheduleConflict)  # type: ignore[untyped-decorator]
    def busy(err: ScheduleConflict) -> Response[Any]:
        return error_response(ApiError(409, "schedule_busy", str(err), "schedule_id"))
