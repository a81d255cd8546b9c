"""What every route module of the API shares: the prefix, documented answers, path ids,
payloads, request ids, and the start options a body asks for.

The route modules (:mod:`.app`'s workflow routes, :mod:`.update_routes`) import these
rather than each other, so none of them imports the module that assembles the API.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

import pydantic
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from durable import _converter
from durable._http import models as m
from durable._http import wire
from durable._http.engine import Engine
from durable._http.errors import ApiError
from durable._limits import MAX_ID_BYTES, InvalidIdError, check_id
from durable._replay.machine import NoWorker, UnknownWorkflowType
from durable._runtime.control import InvalidRequestId, check_request_id
from durable._runtime.deadlines import Timeouts
from durable._search_attributes import from_stored, to_stored
from durable.common import WorkflowIDReusePolicy
from durable.exceptions import PayloadSizeError

__all__ = [
    "API_PREFIX",
    "ERRORS",
    "MAX_JSON_DEPTH",
    "MAX_WAIT_SECONDS",
    "REQUEST_ID_HEADER",
    "RunId",
    "answers",
    "checked_id",
    "json_response",
    "memo_payloads",
    "payloads",
    "request_id_of",
    "start_options",
    "stored_search_attributes",
    "workflow_id_of",
    "workflow_type_served",
]

API_PREFIX = "/api/v1"
MAX_WAIT_SECONDS = 20.0
"""Longest a long poll (a result, an update) waits: under API Gateway's 29 s integration timeout."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of a request body's JSON (objects and arrays); deeper bodies get a 400.

Far below what a parser or serializer on the way (Python's json, pydantic, the history's
own round trips) can take, so nothing accepted can fail to read back later."""
REQUEST_ID_HEADER = "Idempotency-Key"

ERRORS = {
    400: {
        "description": f"Invalid JSON (not UTF-8, nested over {MAX_JSON_DEPTH} levels), a wrong type, a missing field, "
        f"an id over {MAX_ID_BYTES} bytes",
        "content": {"application/json": {"model": m.ErrorBody}},
    },
    404: {
        "description": "Unknown execution, workflow type, signal, query or update",
        "content": {"application/json": {"model": m.ErrorBody}},
    },
    409: {"description": "Already started, or not running", "content": {"application/json": {"model": m.ErrorBody}}},
    413: {"description": "A payload over the 2 MB limit", "content": {"application/json": {"model": m.ErrorBody}}},
    415: {
        "description": "A body that is not `application/json`",
        "content": {"application/json": {"model": m.ErrorBody}},
    },
}

RunId = Annotated[str | None, Query(description="a run of the workflow id (default: the latest)")]


def answers(
    status: int, description: str, model: type[pydantic.BaseModel], *more: tuple[int, str, type[pydantic.BaseModel]]
) -> dict[int, Any]:
    """A route's documented responses: its successes and every error."""
    out: dict[int, Any] = {}
    for code, text, body in ((status, description, model), *more):
        out[code] = {"description": text, "content": {"application/json": {"model": body}}}
    return {**out, **ERRORS}


def json_response(status: int, model: pydantic.BaseModel) -> Response[Any]:
    """A JSON answer with ``status``."""
    return Response(status_code=status, content_type="application/json", body=model)


def workflow_id_of(raw: str) -> str:
    """The workflow id of a path segment; 400 naming the limit for one no run could have."""
    return str(checked_id(unquote(raw), "workflow_id"))


def checked_id(value: str | None, field: str) -> str | None:
    """``value`` (a workflow or run id from a path or query) if usable; 400 naming the limit."""
    if value is None:
        return None
    try:
        return check_id(field, value)
    except InvalidIdError as err:
        raise ApiError(400, "invalid_id", str(err), field) from err


def payloads(values: list[Any], field: str) -> list[str]:
    """JSON values as the engine's payloads; 413 naming ``field`` for one over the limit.

    A value is its payload's stored text as JSON (the inverse of what the API answers), not
    converted again: a non-JSON payload (``{"@payload": ...}``) goes in as it came out.
    """
    try:
        return [_converter.checked(wire.encode_payload(v), type(v).__name__) for v in values]
    except PayloadSizeError as err:
        raise ApiError(413, "payload_too_large", str(err), field) from err


def memo_payloads(memo: dict[str, Any] | None) -> dict[str, str] | None:
    """A start's memo (JSON values by key) as the engine keeps it; None when empty."""
    if not memo:
        return None
    encoded = payloads(list(memo.values()), "memo")
    return dict(zip(memo, encoded, strict=True))


def stored_search_attributes(attributes: dict[str, m.SearchAttribute] | None) -> dict[str, dict[str, Any]] | None:
    """A start's typed search attributes in stored form; 400 naming the one whose value does
    not fit its type (or whose type is unknown); None when empty."""
    if not attributes:
        return None
    stored: dict[str, dict[str, Any]] = {}
    for name, attribute in attributes.items():
        entry = {"type": attribute.type, "value": attribute.value}
        try:
            typed = from_stored({name: entry})
            if len(typed) != 1:
                raise ValueError(
                    f"unknown type {attribute.type!r}: one of Keyword, Text, Int, Double, Bool, Datetime, KeywordList"
                )
            stored.update(to_stored(typed))
        except (TypeError, ValueError) as err:
            raise ApiError(400, "invalid_request", f"search attribute {name!r}: {err}", "search_attributes") from err
    return stored


def request_id_of(app: APIGatewayRestResolver, in_body: str | None) -> str | None:
    """The request's id, from the ``Idempotency-Key`` header or the body's ``request_id``."""
    header = app.current_event.headers.get(REQUEST_ID_HEADER)
    if header is not None:
        try:
            check_request_id(header)
        except InvalidRequestId as err:
            raise ApiError(400, "invalid_request", f"{REQUEST_ID_HEADER} header: {err}", REQUEST_ID_HEADER) from err
        if in_body is not None and in_body != header:
            raise ApiError(
                400,
                "invalid_request",
                f"the {REQUEST_ID_HEADER} header and request_id differ: send one of them",
                "request_id",
            )
    return header if header is not None else in_body


def workflow_type_served(engine: Engine, workflow_type: str, task_queue: str) -> None:
    """404 naming what is registered when the deployment serves no such workflow type there."""
    if engine.registry is None:
        return
    try:
        engine.registry.workflow(workflow_type, task_queue)
    except (UnknownWorkflowType, NoWorker) as err:
        known = engine.registry.workflow_types(task_queue)
        raise ApiError(
            404,
            "workflow_type_not_found",
            f"no workflow type {workflow_type!r} on task queue {task_queue!r} "
            f"(registered there: [{', '.join(known)}]; task queues: [{', '.join(engine.registry.task_queues())}])",
            "workflow_type",
        ) from err


def start_options(body: m.StartOptions, workflow_id: str) -> dict[str, Any]:
    """``Control.start_run``'s arguments of what every start body carries (the workflow, its
    input, id policies, cron schedule, memo, search attributes and timeouts)."""
    options: dict[str, Any] = {
        "workflow_type": body.workflow_type,
        "workflow_id": workflow_id,
        "task_queue": body.task_queue,
        "input": payloads(body.input, "input"),
        "id_reuse_policy": WorkflowIDReusePolicy[body.id_reuse_policy],
        "memo": memo_payloads(body.memo),
        "search_attributes": stored_search_attributes(body.search_attributes),
    }
    if body.cron_schedule:
        options["cron_schedule"] = body.cron_schedule
    options["timeouts"] = Timeouts(
        execution=body.execution_timeout_seconds, run=body.run_timeout_seconds, task=body.task_timeout_seconds
    )
    options["static_summary"] = body.static_summary
    options["static_details"] = body.static_details
    options["headers"] = header_payloads(body.headers)
    return options


def header_payloads(headers: dict[str, Any] | None) -> dict[str, str] | None:
    """A request's headers (JSON values by name) as the engine carries them; None when empty."""
    if not headers:
        return None
    return dict(zip(headers, payloads(list(headers.values()), "headers"), strict=True))
