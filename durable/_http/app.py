"""The HTTP API: a powertools ``APIGatewayRestResolver`` over the runtime.

The same :class:`HttpApi` answers API Gateway's REST proxy events on Lambda and the dev
server's requests (turned into the same events), so both run one code path. Validation
is powertools' (``enable_validation``): the request models in :mod:`.models` check the
bodies and query strings, and the OpenAPI document is generated from them.

Every error a caller can cause is a 4xx with ``{"error": {"code", "message", "field"}}``
(see :mod:`.errors`); a 500 means a bug of ours.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote

import pydantic
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query

from durable import _failure
from durable._http import models as m
from durable._http import static, visibility, wire
from durable._http.activity_routes import activity_routes
from durable._http.archive_routes import Archived, archived_history
from durable._http.batch_routes import batch_router
from durable._http.engine import Engine
from durable._http.errors import ApiError, error_response, validation_error
from durable._http.request_state import keep_requests_per_thread
from durable._http.reset_routes import reset_routes
from durable._http.routing import (
    API_PREFIX,
    MAX_JSON_DEPTH,
    MAX_WAIT_SECONDS,
    RunId,
    header_payloads,
    start_options,
)
from durable._http.routing import answers as _answers
from durable._http.routing import checked_id as _id
from durable._http.routing import json_response as _json
from durable._http.routing import payloads as _payloads
from durable._http.routing import request_id_of as _request_id
from durable._http.routing import workflow_id_of as _wid
from durable._http.routing import workflow_type_served as _workflow_types
from durable._http.schedule_routes import schedule_router
from durable._http.update_routes import update_routes
from durable._limits import InvalidIdError
from durable._replay import events as ev
from durable._replay.events import Event
from durable._replay.instance import QueryFailed, QueryNotFound, WorkflowTaskError
from durable._replay.machine import NoWorker, UnknownWorkflowType
from durable._runtime.close_watch import CloseWatch
from durable._runtime.control import Description, NotRunning, NotStarted
from durable._runtime.dead_letters import UnknownQueue
from durable._runtime.ports import ExecutionNotFound, ExecutionRecord, WriteTooLarge
from durable._runtime.reset import base_of, reset_of
from durable._schedules.cron import InvalidCronExpression
from durable._statuses import WorkflowExecutionStatus
from durable._visibility.query import InvalidQuery
from durable.common import WorkflowIDConflictPolicy
from durable.exceptions import PayloadSizeError, TimeoutType, WorkflowAlreadyStartedError

__all__ = ["API_PREFIX", "HttpApi", "MAX_WAIT_SECONDS"]

logger = logging.getLogger("durable.http")

QUERY_START_WAIT_SECONDS = 10.0
"""How long a query waits for a new run's first workflow task before it gives up."""

RESULT_POLL_MAX_BACKOFF_SECONDS = 1.0
"""The longest pause of a result long poll between two looks at a run where no close is
notified (Lambda): each look reads the run's execution record (one GetItem), so a waiting
caller costs about one small read a second, and learns of a close within a second."""

_DESCRIPTION = """\
Start, list, inspect, signal, query, cancel and terminate durable workflow executions; pause and
unpause their activities.

Payloads (workflow input, signal and query arguments, results, failure details) are plain
JSON values. Times are RFC 3339 in UTC. Request bodies are JSON in UTF-8 sent as
`Content-Type: application/json` (415 otherwise), nested at most 64 levels deep; workflow
and run ids are at most 1,000 bytes of UTF-8. Every 4xx has the body
`{"error": {"code": "...", "message": "...", "field": "..."}}`: 400 invalid JSON, a wrong
type or a missing field (`field` names it); 404 an unknown execution, workflow type, signal,
query or route; 409 already started or not running; 413 a payload over 2 MB; 415 a body
that is not JSON.

History events carry the engine's event types and attribute names:
- `WorkflowExecutionStarted`: workflow_id, run_id, workflow_type, task_queue, input, start_time[, continued_run_id]
- `WorkflowTaskCompleted`; `WorkflowTaskFailed`: failure, attempt
- `ActivityTaskScheduled`: seq, activity_id, activity_type, task_queue, input, retry_policy, timeouts (seconds)
- `ActivityTaskAttemptFailed`: seq, attempt, failure, next_attempt_time, heartbeat_details (a retry follows)
- `ActivityTaskCompleted`: seq, attempt, result; `ActivityTaskFailed`: seq, attempt, failure, retry_state;
  `ActivityTaskCanceled`: seq, attempt; `ActivityTaskCancelRequested`: seq
- `ActivityPaused`: seq, activity_id, reason, identity; `ActivityUnpaused`: seq, activity_id, identity,
  reset_attempts, reset_heartbeats, next_attempt_time (an operator's pause; an `ActivityTaskAttemptFailed`
  with `paused` holds its next attempt until the unpause)
- `TimerStarted`: seq, duration (seconds); `TimerFired`: seq; `TimerCanceled`: seq
- `WorkflowExecutionSignaled`: signal_name, input; `WorkflowExecutionCancelRequested`: reason
- `WorkflowExecutionUpdateAccepted`: update_id, name, input; `WorkflowExecutionUpdateCompleted`: update_id,
  result or failure (a rejected update leaves no event)
- `MarkerRecorded`: patch_id (a patch), or marker_name `core_local_activity`: seq, activity_id, activity_type,
  attempt, result or failure[, backoff]
- `SignalExternalWorkflowExecutionInitiated`, `RequestCancelExternalWorkflowExecutionInitiated` and their outcomes
- `WorkflowExecutionCompleted`: result; `WorkflowExecutionFailed`: failure; `WorkflowExecutionCanceled`;
  `WorkflowExecutionTerminated`: reason, details; `WorkflowExecutionContinuedAsNew`: new_execution_run_id,
  workflow_type, task_queue, input

Inputs delivered to the workflow carry `dedup`, the key that makes their delivery idempotent.
"""

_CLOSE_STATUS = {
    ev.WORKFLOW_COMPLETED: "COMPLETED",
    ev.WORKFLOW_FAILED: "FAILED",
    ev.WORKFLOW_CANCELED: "CANCELED",
    ev.WORKFLOW_TERMINATED: "TERMINATED",
    ev.WORKFLOW_CONTINUED_AS_NEW: "CONTINUED_AS_NEW",
}

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SECURITY_HEADERS = {
    # The UI's scripts and styles are files of its own: nothing inline, nothing from elsewhere.
    # It connects to its API, and to the codec server a person sets (ui/codec.js): one on this
    # machine, or one served over https.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' https: http://127.0.0.1:* http://localhost:*; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
"""Sent with every answer, the UI's files and the API's JSON alike."""


class HttpApi:
    """The API's routes over an engine; ``handle`` takes an API Gateway REST proxy event."""

    def __init__(
        self, engine: Engine | Callable[[], Engine], *, title: str = "durable", ui_dir: Path = static.UI_DIR
    ) -> None:
        """``engine``: the engine, or a function that builds it on the first request (Lambda);
        ``ui_dir``: the web UI's files."""
        self._engine_arg = engine
        self.ui_dir = ui_dir
        self._title = title
        self._pool: list[APIGatewayRestResolver] = []
        self._lock = threading.Lock()
        keep_requests_per_thread()  # powertools keeps the request on a class: one per thread here

    @functools.cached_property
    def engine(self) -> Engine:
        """The engine the routes drive."""
        return self._engine_arg if isinstance(self._engine_arg, Engine) else self._engine_arg()

    def handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """Answer one API Gateway REST proxy event (thread-safe: the dev server serves several at once)."""
        try:
            _admit(event)
        except ApiError as err:
            return secured(proxy_answer(err))
        # A resolver keeps the current event on itself: one per concurrent request.
        with self._lock:
            resolver = self._pool.pop() if self._pool else None
        if resolver is None:
            resolver = self.resolver()
        try:
            return secured(resolver.resolve(event, context))
        finally:
            with self._lock:
                self._pool.append(resolver)

    def openapi_document(self) -> dict[str, Any]:
        """The OpenAPI document generated from the routes and models."""
        return _document(self._title)

    def resolver(self) -> APIGatewayRestResolver:
        """A new resolver with every route and error handler."""
        app = APIGatewayRestResolver(enable_validation=True)
        _error_handlers(app)
        _workflow_routes(app, self)
        update_routes(app, lambda: self.engine)
        activity_routes(app, lambda: self.engine)
        reset_routes(app, lambda: self.engine)
        app.include_router(schedule_router(lambda: self.engine))
        app.include_router(batch_router(lambda: self.engine))
        _activity_routes(app, self)
        _dead_letter_routes(app, self)
        _document_routes(app, self)
        return app


def _no_engine() -> Engine:
    raise RuntimeError("generating the OpenAPI document needs no engine")


@functools.cache
def _document(title: str) -> dict[str, Any]:
    # The routes and models are the same for every API object: generate once per process.
    resolver = HttpApi(_no_engine, title=title).resolver()
    doc = json.loads(
        resolver.get_openapi_json_schema(title=f"{title} HTTP API", version="1.0.0", description=_DESCRIPTION)
    )
    # powertools documents its own 422; this API answers validation errors with 400 (ErrorBody).
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        doc.get("components", {}).get("schemas", {}).pop(name, None)
    return dict(doc)


def secured(result: dict[str, Any]) -> dict[str, Any]:
    """A proxy answer with :data:`SECURITY_HEADERS` added."""
    multi = result.get("multiValueHeaders")
    single = result.get("headers")
    for name, value in SECURITY_HEADERS.items():
        if isinstance(single, dict):
            single[name] = value
        if isinstance(multi, dict) or single is None:
            multi = {} if multi is None else multi
            multi[name] = [value]
    if multi is not None:
        result["multiValueHeaders"] = multi
    return result


def proxy_answer(err: ApiError) -> dict[str, Any]:
    """The proxy answer of an error raised before the resolver runs."""
    response = error_response(err)
    return {
        "statusCode": err.status,
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "body": response.body,
        "isBase64Encoded": False,
    }


def _admit(event: dict[str, Any]) -> None:
    """Refuse a body no route can read (400, 415) before powertools parses it, and hand the
    resolver the body as UTF-8 text under ``Content-Type: application/json``."""
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, ValueError) as err:
            at = f" (byte {err.start})" if isinstance(err, UnicodeDecodeError) else ""
            raise ApiError(
                400, "invalid_encoding", f"the body is not UTF-8 text{at}: send JSON encoded as UTF-8", "body"
            ) from err
        event["body"], event["isBase64Encoded"] = body, False
    headers = event.get("headers") or {}
    content_type = next((str(v) for k, v in headers.items() if k.lower() == "content-type" and v), None)
    method = str(event.get("httpMethod") or "").upper()
    if body or (content_type is not None and method in _BODY_METHODS):
        # A plain form can POST text/plain or form-urlencoded cross-origin; JSON needs the caller's say-so.
        _json_media_type(content_type)
        _check_json(str(body)) if body else None
    multi = event.get("multiValueHeaders") or {}
    for name in [k for k in headers if k.lower() == "content-type"]:
        del headers[name]
    for name in [k for k in multi if k.lower() == "content-type"]:
        del multi[name]
    event["headers"] = {**headers, "Content-Type": "application/json"}
    if multi:
        multi["Content-Type"] = ["application/json"]


def _json_media_type(content_type: str | None) -> None:
    media, _, params = (content_type or "").partition(";")
    fix = "send the body as JSON with Content-Type: application/json"
    if media.strip().lower() != "application/json":
        shown = "no Content-Type" if content_type is None else f"Content-Type {content_type[:100]!r}"
        raise ApiError(415, "unsupported_media_type", f"{shown} for a body: {fix}", "Content-Type")
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise ApiError(
                415,
                "unsupported_media_type",
                f"charset {value.strip()[:40]!r}: JSON bodies are UTF-8; {fix}",
                "Content-Type",
            )


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_json(text: str) -> None:
    """400 unless ``text`` is JSON that every layer below can hold: no NaN or infinite
    number, no lone surrogate, at most :data:`MAX_JSON_DEPTH` levels deep."""
    too_deep = ApiError(
        400,
        "json_too_deep",
        f"the body nests JSON objects and arrays more than {MAX_JSON_DEPTH} levels deep (the limit): flatten it",
        "body",
    )
    try:
        value = json.loads(text, parse_constant=_not_json)
    except RecursionError:
        raise too_deep from None
    except json.JSONDecodeError as err:
        raise ApiError(
            400, "invalid_json", f"the body is not valid JSON: {err.msg} at character {err.pos}", "body"
        ) from err
    except ValueError as err:  # NaN, or an integer of more digits than Python converts
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {err}", "body") from err
    # Iterative: a recursive walk would itself overflow on the bodies it is meant to refuse.
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise too_deep
            if isinstance(item, dict):
                stack.extend((key, depth + 1) for key in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str) and not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as err:
                raise ApiError(
                    400,
                    "invalid_json",
                    f"the body holds a lone surrogate ({item[err.start]!r}): JSON text must be valid Unicode",
                    "body",
                ) from err
        elif isinstance(item, float) and not math.isfinite(item):
            raise ApiError(400, "invalid_json", "the body holds a number out of range (over about 1.8e308)", "body")


_UI_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
"""A UI file or folder name: nothing that could climb out of the UI's folder or reach the OS."""


def _ui_file(api: HttpApi, *parts: str) -> Response[Any]:
    names = [unquote(p) for p in parts]
    if not all(_UI_NAME.fullmatch(n) for n in names):
        raise ApiError(404, "file_not_found", f"no UI file {'/'.join(names)[:100]!r}", None)
    return static.response("/".join(names), api.ui_dir)


# -- errors --------------------------------------------------------------------------------


def _error_handlers(app: APIGatewayRestResolver) -> None:
    # The resolver's exception_handler leaves its return unannotated: each use is an untyped decorator to mypy.
    @app.exception_handler(ApiError)  # type: ignore[untyped-decorator]
    def api_error(err: ApiError) -> Response[Any]:
        return error_response(err)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def invalid(err: RequestValidationError) -> Response[Any]:
        return error_response(validation_error(err.errors()))

    @app.exception_handler(ExecutionNotFound)  # type: ignore[untyped-decorator]
    def not_found(err: ExecutionNotFound) -> Response[Any]:
        return error_response(
            ApiError(404, "execution_not_found", f"workflow execution not found: {err}", "workflow_id")
        )

    @app.exception_handler(NotRunning)  # type: ignore[untyped-decorator]
    def not_running(err: NotRunning) -> Response[Any]:
        code = "not_started" if isinstance(err, NotStarted) else "not_running"
        return error_response(ApiError(409, code, str(err), "workflow_id"))

    @app.exception_handler(WorkflowAlreadyStartedError)  # type: ignore[untyped-decorator]
    def already_started(err: WorkflowAlreadyStartedError) -> Response[Any]:
        run_id = getattr(err, "run_id", None)
        return error_response(
            ApiError(409, "already_started", f"{err}: choose another id or an id policy", "workflow_id", run_id=run_id)
        )

    @app.exception_handler(PayloadSizeError)  # type: ignore[untyped-decorator]
    def too_large(err: PayloadSizeError) -> Response[Any]:
        return error_response(ApiError(413, "payload_too_large", str(err), None))

    @app.exception_handler(QueryNotFound)  # type: ignore[untyped-decorator]
    def no_query(err: QueryNotFound) -> Response[Any]:
        return error_response(ApiError(404, "query_not_found", str(err.args[0] if err.args else err), "query_name"))

    @app.not_found
    def no_route(err: Exception) -> Response[Any]:
        event = app.current_event
        return error_response(
            ApiError(
                404,
                "route_not_found",
                f"no route {event.http_method} {event.path}: see {API_PREFIX}/openapi.json",
                None,
            )
        )

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def bug(err: Exception) -> Response[Any]:
        # The log has the details; the caller gets no exception text: it can hold paths or stack frames.
        request_id = app.current_event.request_context.request_id
        logger.exception("unexpected error in the HTTP API (request %s)", request_id)
        return error_response(
            ApiError(
                500, "internal_error", f"internal error: the API's log has the details (request id {request_id})", None
            )
        )

    @app.exception_handler(UnknownQueue)  # type: ignore[untyped-decorator]
    def no_queue(err: UnknownQueue) -> Response[Any]:
        return error_response(ApiError(404, "queue_not_found", str(err), "queue"))

    @app.exception_handler(InvalidIdError)  # type: ignore[untyped-decorator]
    def invalid_id(err: InvalidIdError) -> Response[Any]:
        kind = str(err).split(" is ", 1)[0].split(" must ", 1)[0].split(" contains ", 1)[0]
        field = kind.replace(" ", "_") if kind.replace(" ", "_").isidentifier() else None
        return error_response(ApiError(400, "invalid_id", str(err), field))

    @app.exception_handler(WriteTooLarge)  # type: ignore[untyped-decorator]
    def write_too_large(err: WriteTooLarge) -> Response[Any]:
        return error_response(ApiError(413, "payload_too_large", str(err), None))

    @app.exception_handler(RecursionError)  # type: ignore[untyped-decorator]
    def too_deep(err: RecursionError) -> Response[Any]:
        # Only a caller's input nests this deep (a list filter of thousands of parentheses).
        return error_response(
            ApiError(400, "invalid_request", "the request nests too deeply to read: simplify it", None)
        )


def _known_signal(engine: Engine, record: ExecutionRecord, name: str, field: str) -> None:
    if engine.registry is None:
        return
    try:
        definition = engine.registry.workflow(record.workflow_type, record.task_queue)
    except (UnknownWorkflowType, NoWorker):
        return  # its code is not here: nothing to check against
    if name not in definition.signals and definition.dynamic_signal is None:
        raise ApiError(
            404,
            "signal_not_found",
            f"workflow type {record.workflow_type} has no signal {name!r} "
            f"(its signals: [{', '.join(sorted(definition.signals))}])",
            field,
        )


# -- shapes --------------------------------------------------------------------------------


def _summary(record: ExecutionRecord, history_length: int | None = None) -> dict[str, Any]:
    return {
        "workflow_id": record.workflow_id,
        "run_id": record.run_id,
        "workflow_type": record.workflow_type,
        "task_queue": record.task_queue,
        "status": record.status.name,
        "start_time": wire.rfc3339(record.start_time),
        "close_time": wire.rfc3339(record.close_time) if record.close_time else None,
        "history_length": record.history_length if history_length is None else history_length,
        "memo": {key: wire.decode_payload(value) for key, value in record.memo.items()},
        "search_attributes": dict(record.search_attributes),
    }


def _outcome(close: Event) -> tuple[str, Any, dict[str, Any] | None]:
    """Status, result and failure (API shapes) of a run's terminal event."""
    kind, attrs = close["event_type"], close["attributes"]
    status = _CLOSE_STATUS.get(kind, "TIMED_OUT")
    if kind == ev.WORKFLOW_COMPLETED:
        return status, wire.decode_payload(attrs.get("result")), None
    if kind == ev.WORKFLOW_FAILED:
        return status, None, wire.failure_out(attrs["failure"])
    if kind == ev.WORKFLOW_CANCELED:
        return status, None, wire.failure_out({"message": "Workflow cancelled", "canceled": {"details": []}})
    if kind == ev.WORKFLOW_TERMINATED:
        failure = {
            "message": attrs.get("reason") or "Workflow terminated",
            "terminated": {"details": attrs.get("details", [])},
        }
        return status, None, wire.failure_out(failure)
    if kind == ev.WORKFLOW_CONTINUED_AS_NEW:
        return status, None, None
    return (
        status,
        None,
        wire.failure_out(
            {
                "message": "Workflow timed out",
                "timeout": {"type": int(TimeoutType.START_TO_CLOSE), "last_heartbeat_details": []},
            }
        ),
    )


def _detail(engine: Engine, description: Description) -> m.ExecutionDetail:
    record = description.record
    ledger = engine.control.ledger(record.workflow_id, record.run_id)
    result, failure = None, None
    if ledger.close_event is not None:
        _, result, failure = _outcome(ledger.close_event)
    pending = [
        {
            "activity_id": p.activity_id,
            "activity_type": p.activity_type,
            "state": p.state,
            "attempt": p.attempt,
            "scheduled_time": wire.rfc3339(p.scheduled_time),
            "last_heartbeat_time": wire.rfc3339(p.heartbeat.at) if p.heartbeat and p.heartbeat.at else None,
            "heartbeat_details": [wire.decode_payload(d) for d in p.heartbeat.details] if p.heartbeat else [],
            "last_failure": wire.failure_out(p.last_failure) if p.last_failure else None,
            "pause": {
                "pause_time": wire.rfc3339(p.paused["time"]),
                "identity": p.paused["identity"],
                "reason": p.paused["reason"],
            }
            if p.paused
            else None,
        }
        for p in description.pending_activities
    ]
    return m.ExecutionDetail.model_validate(
        {
            **_summary(record, description.history_length),
            "execution_time": wire.rfc3339(description.execution_time)
            if description.execution_time is not None
            else None,
            "input": [wire.decode_payload(p) for p in (ledger.started or {}).get("input", [])],
            "result": result,
            "failure": failure,
            "pending_activities": pending,
            "task_failure": wire.failure_out(record.task_failure) if record.task_failure else None,
            "parent_workflow_id": description.parent["workflow_id"] if description.parent else None,
            "parent_run_id": description.parent["run_id"] if description.parent else None,
            "static_summary": description.static_summary,
            "static_details": description.static_details,
            "base_run_id": base_of(ledger),
            "reset_run_id": reset_of(ledger),
            "build_ids": list(description.build_ids),
            "handlers": _declared_handlers(engine, record.workflow_type, record.task_queue),
        }
    )


def _declared_handlers(engine: Engine, workflow_type: str, task_queue: str) -> m.WorkflowHandlers | None:
    """What the deployment's code of the workflow type declares (None: its code is not here)."""
    if engine.registry is None:
        return None
    try:
        definition = engine.registry.workflow(workflow_type, task_queue)
    except (UnknownWorkflowType, NoWorker):
        return None
    dynamic = {
        "query": definition.dynamic_query,
        "signal": definition.dynamic_signal,
        "update": definition.dynamic_update,
    }
    return m.WorkflowHandlers.model_validate(
        {
            "queries": sorted(definition.queries),
            "signals": sorted(definition.signals),
            "updates": sorted(definition.updates),
            "dynamic": [kind for kind, handler in dynamic.items() if handler is not None],
        }
    )


def _await_outcome(
    engine: Engine, workflow_id: str, run_id: str, wait_seconds: float, *, follow_runs: bool
) -> Response[m.ResultResponse]:
    """The result route's answer: the run's outcome once it closed, or RUNNING (202) when
    ``wait_seconds`` ran out first."""
    rid = run_id
    deadline = time.monotonic() + wait_seconds
    delay = 0.02
    watch = CloseWatch(engine.control, workflow_id, rid)  # reads the record while the run runs, not its log
    while True:
        close = watch.look()
        if close is not None and close["event_type"] == ev.WORKFLOW_CONTINUED_AS_NEW:
            new_run = close["attributes"]["new_execution_run_id"]
            if not follow_runs:
                return _json(200, m.ResultResponse(status="CONTINUED_AS_NEW", run_id=rid, new_execution_run_id=new_run))
            rid = new_run
            watch = CloseWatch(engine.control, workflow_id, rid)
            continue
        if close is not None:
            status, value, failure = _outcome(close)
            answer = m.ResultResponse.model_validate(
                {"status": status, "run_id": rid, "result": value, "failure": failure}
            )
            return _json(200, answer)
        left = deadline - time.monotonic()
        if left <= 0:
            return _json(202, m.ResultResponse(status="RUNNING", run_id=rid))
        engine.wait_for_close(workflow_id, rid, min(delay, left), left)
        delay = min(delay * 2, RESULT_POLL_MAX_BACKOFF_SECONDS)


# -- routes --------------------------------------------------------------------------------


def _workflow_routes(app: APIGatewayRestResolver, api: HttpApi) -> None:
    base = f"{API_PREFIX}/workflows"

    @app.post(base, summary="Start a workflow", tags=["workflows"], responses=_answers(201, "Started", m.StartResponse))
    def start(body: m.StartRequest) -> Response[m.StartResponse]:
        engine = api.engine
        _workflow_types(engine, body.workflow_type, body.task_queue)
        if body.start_signal is not None and not body.accept_unknown_signal:
            known = engine.registry.workflow(body.workflow_type, body.task_queue) if engine.registry else None
            if known is not None and body.start_signal not in known.signals and known.dynamic_signal is None:
                raise ApiError(
                    404,
                    "signal_not_found",
                    f"workflow type {body.workflow_type} has no signal {body.start_signal!r}",
                    "start_signal",
                )
        conflict = "UNSPECIFIED" if body.id_conflict_policy == "FAIL" else body.id_conflict_policy
        options = start_options(body, body.workflow_id)
        options["id_conflict_policy"] = WorkflowIDConflictPolicy[conflict]
        options["start_signal"] = body.start_signal
        options["start_signal_input"] = (
            _payloads(body.start_signal_input, "start_signal_input") if body.start_signal else None
        )
        options["request_id"] = _request_id(app, body.request_id)
        # Eager start: this function decides the first workflow task itself (it holds the
        # workflows and the orchestrator's grants), as the inbox's orchestrator would.
        eager = body.request_eager_start and body.start_signal is None
        try:
            started = engine.control.start_run(**options, request_eager_start=eager)
        except InvalidCronExpression as err:
            raise ApiError(400, "invalid_request", f"cron_schedule: {err}", "cron_schedule") from err
        run_id = started.run_id
        engine.after_start(body.workflow_id, run_id, first_task_deferred=bool(body.cron_schedule))
        answer = m.StartResponse(
            workflow_id=body.workflow_id,
            run_id=run_id,
            created=started.created,
            eagerly_started=started.eagerly_started,
        )
        return _json(201, answer)

    @app.get(
        base,
        summary="List executions, newest start first",
        description="The filters combine (AND) with each other and with `query`, a Temporal list filter "
        "(`WorkflowType = 'OrderWorkflow' AND StartTime > '2026-12-01T00:00:00Z' ORDER BY StartTime ASC`).",
        tags=["workflows"],
        responses=_answers(200, "A page of executions", m.ExecutionList),
    )
    def list_executions(
        status: Annotated[m.Status | None, Query(description="only runs with this status")] = None,
        workflow_type: Annotated[str | None, Query()] = None,
        workflow_id: Annotated[str | None, Query(description="a workflow id or a prefix of it")] = None,
        start_time_from: Annotated[str | None, Query(description="RFC 3339; runs started at or after")] = None,
        start_time_to: Annotated[str | None, Query(description="RFC 3339; runs started before")] = None,
        query: Annotated[str | None, Query(description="a Temporal list filter")] = None,
        page_size: Annotated[int, Query(ge=1, le=1000)] = 50,
        next_page_token: Annotated[str | None, Query()] = None,
        archived: Archived = False,
    ) -> m.ExecutionList:
        text = visibility.filter_query(
            status=status,
            workflow_type=workflow_type,
            workflow_id=workflow_id,
            start_time_from=start_time_from,
            start_time_to=start_time_to,
            query=query,
        )
        token = next_page_token.encode() if next_page_token else None
        try:
            listing = api.engine.control.list_archived if archived else api.engine.control.list_workflows
            page = listing(text, page_size, token)
        except InvalidQuery as err:
            raise visibility.invalid_query(err, has_query=bool(query)) from err
        return m.ExecutionList(
            executions=[m.ExecutionSummary.model_validate(_summary(r)) for r in page.executions],
            next_page_token=page.next_page_token.decode() if page.next_page_token else None,
        )

    @app.get(
        f"{API_PREFIX}/workflow-counts",
        summary="Count executions",
        description="The same filters as the list; `GROUP BY ExecutionStatus` in `query` counts per status.",
        tags=["workflows"],
        responses=_answers(200, "The count", m.ExecutionCount),
    )
    def count_executions(
        status: Annotated[m.Status | None, Query()] = None,
        workflow_type: Annotated[str | None, Query()] = None,
        workflow_id: Annotated[str | None, Query()] = None,
        start_time_from: Annotated[str | None, Query()] = None,
        start_time_to: Annotated[str | None, Query()] = None,
        query: Annotated[str | None, Query()] = None,
    ) -> m.ExecutionCount:
        text = visibility.filter_query(
            status=status,
            workflow_type=workflow_type,
            workflow_id=workflow_id,
            start_time_from=start_time_from,
            start_time_to=start_time_to,
            query=query,
        )
        try:
            counted = api.engine.control.count_workflows(text)
        except InvalidQuery as err:
            raise visibility.invalid_query(err, has_query=bool(query)) from err
        groups = [
            m.CountGroup(group_values=[status_name], count=n) for status_name, n in sorted(counted.groups.items())
        ]
        return m.ExecutionCount(count=counted.count, groups=groups)

    @app.get(
        f"{base}/<workflow_id>",
        summary="Describe an execution",
        tags=["workflows"],
        responses=_answers(200, "The execution", m.ExecutionDetail),
    )
    def describe(workflow_id: str, run_id: RunId = None, archived: Archived = False) -> m.ExecutionDetail:
        engine = api.engine
        read = engine.control.describe_archived if archived else engine.control.describe
        return _detail(engine, read(_wid(workflow_id), _id(run_id, "run_id")))

    @app.get(
        f"{base}/<workflow_id>/history",
        summary="A run's history events",
        tags=["workflows"],
        responses=_answers(200, "The events", m.History),
    )
    def history(workflow_id: str, run_id: RunId = None, archived: Archived = False) -> m.History:
        wid = _wid(workflow_id)
        rid, events = archived_history(api.engine.control, wid, _id(run_id, "run_id"), archived)
        return m.History.model_validate(
            {"workflow_id": wid, "run_id": rid, "events": [wire.event_out(e) for e in events]}
        )

    @app.get(
        f"{base}/<workflow_id>/result",
        summary="Wait for the outcome (long poll)",
        description=f"Waits up to `wait_seconds` (at most {MAX_WAIT_SECONDS:g}) for the run to close; "
        "202 with status RUNNING when the wait ran out. Follows continue-as-new to the last run unless "
        "`follow_runs=false`.",
        tags=["workflows"],
        responses=_answers(200, "The outcome", m.ResultResponse, (202, "Still running", m.ResultResponse)),
    )
    def result(
        workflow_id: str,
        run_id: RunId = None,
        wait_seconds: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = MAX_WAIT_SECONDS,
        follow_runs: Annotated[bool, Query()] = True,
    ) -> Response[m.ResultResponse]:
        engine = api.engine
        wid = _wid(workflow_id)
        rid = engine.control.resolve_run(wid, _id(run_id, "run_id")).run_id
        with engine.awaiting_result():
            return _await_outcome(engine, wid, rid, wait_seconds, follow_runs=follow_runs)

    @app.post(
        f"{base}/<workflow_id>/signals/<signal_name>",
        summary="Send a signal",
        tags=["workflows"],
        responses=_answers(202, "Accepted", m.Empty),
    )
    def signal(workflow_id: str, signal_name: str, body: m.SignalRequest) -> Response[m.Empty]:
        engine = api.engine
        wid, name = _wid(workflow_id), unquote(signal_name)
        record = engine.control.resolve_run(wid, body.run_id)
        request_id = _request_id(app, body.request_id)
        if record.status is WorkflowExecutionStatus.RUNNING and not body.accept_unknown:
            _known_signal(engine, record, name, "signal_name")
        # A closed run answers 409, unless it applied this very request before it closed.
        engine.control.signal(
            wid,
            body.run_id,
            name,
            _payloads(body.input, "input"),
            request_id=request_id,
            headers=header_payloads(body.headers),
        )
        return _json(202, m.Empty())

    @app.post(
        f"{base}/<workflow_id>/queries/<query_name>",
        summary="Run a query handler",
        tags=["workflows"],
        responses=_answers(200, "What the handler returned", m.QueryResponse),
    )
    def query(workflow_id: str, query_name: str, body: m.QueryRequest) -> m.QueryResponse:
        engine = api.engine
        wid, name = _wid(workflow_id), unquote(query_name)
        args = _payloads(body.args, "args")
        engine.before_query()
        deadline = time.monotonic() + QUERY_START_WAIT_SECONDS
        while True:
            try:
                payload = engine.control.query(wid, body.run_id, name, args, header_payloads(body.headers))
                break
            except NotStarted:
                if time.monotonic() > deadline:
                    raise
                engine.pause(0.05)
            except (QueryNotFound, ExecutionNotFound, NotRunning, PayloadSizeError):
                raise
            except WorkflowTaskError as err:
                raise ApiError(
                    409, "query_failed", f"the run cannot be replayed to answer the query: {err}", None
                ) from err
            except (pydantic.ValidationError, TypeError) as err:
                raise ApiError(
                    400, "invalid_args", f"query {name!r} cannot take these arguments: {err}", "args"
                ) from err
            except QueryFailed as err:  # the handler raised: the caller learns why
                failure = wire.failure_out(_failure.from_exception(err.__cause__ or err))
                raise ApiError(
                    409, "query_failed", f"query handler {name!r} failed: {err}", None, failure=failure
                ) from err
            except Exception as err:  # the query handler raised: the caller learns why
                raise ApiError(
                    409, "query_failed", f"query handler {name!r} failed: {type(err).__name__}: {err}", None
                ) from err
        return m.QueryResponse(result=wire.decode_payload(payload))

    @app.post(
        f"{base}/<workflow_id>/cancel",
        summary="Request cancellation",
        tags=["workflows"],
        responses=_answers(202, "Accepted", m.Empty),
    )
    def cancel(workflow_id: str, body: m.CancelRequest) -> Response[m.Empty]:
        api.engine.control.cancel(
            _wid(workflow_id), body.run_id, body.reason or "", request_id=_request_id(app, body.request_id)
        )
        return _json(202, m.Empty())

    @app.post(
        f"{base}/<workflow_id>/terminate",
        summary="Terminate now",
        tags=["workflows"],
        responses=_answers(202, "Accepted", m.Empty),
    )
    def terminate(workflow_id: str, body: m.TerminateRequest) -> Response[m.Empty]:
        api.engine.control.terminate(
            _wid(workflow_id),
            body.run_id,
            body.reason or "",
            _payloads(body.details, "details"),
            request_id=_request_id(app, body.request_id),
        )
        return _json(202, m.Empty())


def _token(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ApiError(
            400, "invalid_task_token", "task_token must be base64 of activity.info().task_token", "task_token"
        ) from err


def _report(api: HttpApi, task_token: str, outcome: dict[str, Any]) -> Response[m.Empty]:
    try:
        api.engine.control.report_async_activity(_token(task_token), outcome)
    except ValueError as err:
        raise ApiError(400, "invalid_task_token", str(err), "task_token") from err
    return _json(202, m.Empty())


def _activity_routes(app: APIGatewayRestResolver, api: HttpApi) -> None:
    base = f"{API_PREFIX}/activities"
    accepted = _answers(202, "Accepted", m.Empty)

    @app.post(f"{base}/complete", summary="Complete an async activity", tags=["activities"], responses=accepted)
    def complete(body: m.ActivityCompleteRequest) -> Response[m.Empty]:
        return _report(api, body.task_token, {"outcome": "completed", "result": _payloads([body.result], "result")[0]})

    @app.post(f"{base}/fail", summary="Fail an async activity's attempt", tags=["activities"], responses=accepted)
    def fail(body: m.ActivityFailRequest) -> Response[m.Empty]:
        outcome = {
            "outcome": "failed",
            "failure": wire.failure_in(body.failure.model_dump()),
            "heartbeat_details": _payloads(body.heartbeat_details, "heartbeat_details"),
        }
        return _report(api, body.task_token, outcome)

    @app.post(
        f"{base}/cancelled",
        summary="Report an async activity stopped after a cancel request",
        tags=["activities"],
        responses=accepted,
    )
    def cancelled(body: m.ActivityHeartbeatRequest) -> Response[m.Empty]:
        return _report(api, body.task_token, {"outcome": "canceled"})

    @app.post(
        f"{base}/heartbeat",
        summary="Heartbeat an async activity",
        tags=["activities"],
        responses=_answers(200, "Recorded", m.ActivityHeartbeatResponse),
    )
    def heartbeat(body: m.ActivityHeartbeatRequest) -> m.ActivityHeartbeatResponse:
        try:
            requested = api.engine.control.heartbeat_async_activity(
                _token(body.task_token), _payloads(body.details, "details")
            )
        except ValueError as err:
            raise ApiError(400, "invalid_task_token", str(err), "task_token") from err
        return m.ActivityHeartbeatResponse(cancel_requested=requested)


def _dead_letter_routes(app: APIGatewayRestResolver, api: HttpApi) -> None:
    base = f"{API_PREFIX}/dead-letters"
    queue_names = "`inbox`, `timers` (deployed stacks) or `activities-<task queue>`"

    @app.get(
        base,
        summary="List dead letters",
        description=f"Each queue's dead-letter count and up to `limit` of its messages. Queues: {queue_names}.",
        tags=["operations"],
        responses=_answers(200, "The dead letters, per queue", m.DeadLetterList),
    )
    def list_dead_letters(
        queue: Annotated[str | None, Query(description="one queue (default: all)")] = None,
        limit: Annotated[int, Query(ge=1, le=1000, description="messages shown per queue")] = 100,
    ) -> m.DeadLetterList:
        listed = api.engine.control.dead_letters(queue, limit)
        return m.DeadLetterList.model_validate(
            {
                "queues": [
                    {"queue": q.queue, "count": q.count, "messages": [vars(d) for d in q.messages]} for q in listed
                ]
            }
        )

    @app.post(
        f"{base}/redrive",
        summary="Redrive dead letters",
        description="Move the dead letters back to their queue (same body; on a FIFO queue the same message group), "
        "where they run as if just sent: for after their cause is fixed.",
        tags=["operations"],
        responses=_answers(200, "How many moved, per queue", m.RedriveResponse),
    )
    def redrive(body: m.RedriveRequest) -> m.RedriveResponse:
        moved = api.engine.control.redrive(body.queue)
        return m.RedriveResponse(queues=[m.RedriveResult(queue=q, moved=n) for q, n in moved.items()])


def _document_routes(app: APIGatewayRestResolver, api: HttpApi) -> None:
    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False)
    def openapi() -> Response[Any]:
        return Response(200, "application/json", json.dumps(api.openapi_document()))

    # No return annotations below: powertools would validate (and so re-encode) the body,
    # which for an image is bytes to be base64-encoded as they are.
    @app.get("/", include_in_schema=False)
    def index():  # type: ignore[no-untyped-def]
        return static.response("index.html", api.ui_dir)

    @app.get("/ui/<name>", include_in_schema=False)
    def ui_file(name: str):  # type: ignore[no-untyped-def]
        return _ui_file(api, name)

    @app.get("/ui/<folder>/<name>", include_in_schema=False)
    def ui_nested(folder: str, name: str):  # type: ignore[no-untyped-def]
        return _ui_file(api, folder, name)
