"""The API's errors: one body for every 4xx, naming the field to fix.

::

    ApiError(status, code, message, field)   raised by the routes, or mapped from
        400 invalid_json, invalid_encoding, json_too_deep, invalid_request, invalid_id, unsupported,
            invalid_args, invalid_task_token, invalid_query
        403 cross_origin_refused, forbidden_host           (the dev server only)
        404 execution_not_found, workflow_type_not_found, signal_not_found, query_not_found,
            route_not_found, file_not_found, queue_not_found
        409 already_started, not_running, not_started, query_failed
        413 payload_too_large
        415 unsupported_media_type
        500 internal_error: a bug of ours; the message has the request id, never the exception
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response

from durable._http.models import ErrorBody, ErrorDetail

__all__ = ["ApiError", "error_response", "validation_error"]


class ApiError(Exception):
    """A failed request: HTTP status, short code, what to fix, and the field at fault."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None,
        *,
        run_id: str | None = None,
        failure: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.run_id = run_id
        self.failure = failure


def error_response(err: ApiError) -> Response[Any]:
    """The JSON response of an error."""
    detail = ErrorDetail.model_validate(
        {"code": err.code, "message": err.message, "field": err.field, "run_id": err.run_id, "failure": err.failure}
    )
    body = ErrorBody(error=detail).model_dump(mode="json")
    for optional in ("run_id", "failure"):  # only an already-started conflict, a failed query has one
        if body["error"][optional] is None:
            del body["error"][optional]
    return Response(status_code=err.status, content_type="application/json", body=json.dumps(body))


def validation_error(errors: Sequence[dict[str, Any]]) -> ApiError:
    """A 400 from powertools' validation errors (pydantic's ``loc``/``msg``), naming the first field."""
    if any(e.get("type") == "json_invalid" for e in errors):
        e = next(e for e in errors if e.get("type") == "json_invalid")
        where = e.get("loc", ("body", 0))
        position = where[1] if len(where) > 1 else 0
        reason = (e.get("ctx") or {}).get("error", "invalid JSON")
        return ApiError(400, "invalid_json", f"the body is not valid JSON: {reason} at character {position}", "body")
    if any(tuple(e.get("loc", ()))[:1] == ("response",) for e in errors):
        # Our answer did not match its own model: a bug of ours, not of the caller.
        return ApiError(500, "internal_error", f"the response failed its own validation: {list(errors)[:3]}", None)
    parts: list[str] = []
    fields: list[str] = []
    for e in errors:
        loc = [str(x) for x in e.get("loc", ())]
        field = ".".join(loc[1:]) if len(loc) > 1 else (loc[0] if loc else "body")
        kind = e.get("type")
        if kind == "extra_forbidden":
            msg = "unknown field"
        elif kind == "model_attributes_type" and field == "body":
            msg = "the body must be a JSON object"
        else:
            msg = str(e.get("msg", "invalid"))
        fields.append(field)
        parts.append(f"{field}: {msg}")
    return ApiError(400, "invalid_request", "; ".join(parts) or "invalid request", fields[0] if fields else None)
