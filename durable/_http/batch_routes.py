"""The batch routes of the HTTP API: start, list, describe and stop batch jobs.

A job is a run of the built-in ``durable.BatchOperation`` workflow (:mod:`durable._batch`):
starting one is a start of that workflow, its progress a query of it, stopping it a
cancellation. ``durable batch ...`` and the web UI's "Terminate/Cancel matching" call these.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from durable import _converter
from durable._batch.client import job_state
from durable._batch.job import (
    BATCH_TASK_QUEUE,
    BATCH_WORKFLOW_TYPE,
    COMPLETE_COUNT,
    FAILURE_COUNT,
    TOTAL_COUNT,
    BatchOperationInput,
    BatchTarget,
    check_job,
    job_memo,
)
from durable._http import batch_models as bm
from durable._http import wire
from durable._http.engine import Engine
from durable._http.errors import ApiError
from durable._http.routing import answers, checked_id, json_response, payloads
from durable._runtime.control import Control, NotRunning, NotStarted
from durable._runtime.ports import ExecutionNotFound, ExecutionRecord
from durable._visibility.query import InvalidQuery

__all__ = ["BATCH_PATH", "batch_router"]

BATCH_PATH = "/api/v1/batch-operations"


def batch_router(engine: Callable[[], Engine]) -> Router:
    """The batch routes, over the engine ``engine()`` returns."""
    router = Router()  # type: ignore[no-untyped-call]  # powertools leaves Router.__init__ unannotated

    @router.post(
        BATCH_PATH,
        summary="Start a batch job",
        description="Signals, cancels or terminates every run `query` matches now (runs started later are "
        "left alone), at most `rps` a second. The job is durable: it resumes after a crash and applies each "
        "operation once.",
        tags=["batch"],
        responses=answers(201, "Started", bm.BatchOperationStarted),
    )
    def start(body: bm.BatchOperationRequest) -> Response[bm.BatchOperationStarted]:
        control = engine().control
        target = BatchTarget(
            operation=body.operation,
            reason=body.reason,
            signal_name=body.signal_name,
            signal_input=payloads(body.input, "input"),
            identity=body.identity,
        )
        try:
            job = check_job(BatchOperationInput(query=body.query, target=target, rps=body.rps))
            control.count_workflows(job.query)  # a filter that cannot run is the caller's 400, not a failed job
        except InvalidQuery as err:
            raise ApiError(400, "invalid_query", str(err), "query") from err
        except ValueError as err:
            raise ApiError(
                400, "invalid_request", str(err), "signal_name" if "signal" in str(err) else "query"
            ) from err
        job_id = body.job_id or str(uuid.uuid4())
        started = control.start_run(
            workflow_type=BATCH_WORKFLOW_TYPE,
            workflow_id=job_id,
            task_queue=BATCH_TASK_QUEUE,
            input=_converter.encode_args([job]),
            memo=dict(zip(job_memo(job), _converter.encode_args(list(job_memo(job).values())), strict=True)),
        )
        engine().after_start(job_id, started.run_id)
        return json_response(201, bm.BatchOperationStarted(job_id=job_id, run_id=started.run_id))

    @router.get(
        BATCH_PATH,
        summary="List batch jobs, newest first",
        tags=["batch"],
        responses=answers(200, "The jobs", bm.BatchJobList),
    )
    def list_jobs(limit: Annotated[int, Query(ge=1, le=1000, description="most jobs listed")] = 100) -> bm.BatchJobList:
        control = engine().control
        engine().before_query()
        page = control.list_workflows(f"WorkflowType = '{BATCH_WORKFLOW_TYPE}'", page_size=limit)
        return bm.BatchJobList(jobs=[_job(control, record, with_errors=False) for record in page.executions])

    @router.get(
        f"{BATCH_PATH}/<job_id>",
        summary="Describe a batch job",
        tags=["batch"],
        responses=answers(200, "The job", bm.BatchJob),
    )
    def describe(job_id: str) -> bm.BatchJob:
        control = engine().control
        engine().before_query()
        return _job(control, _job_record(control, job_id))

    @router.post(
        f"{BATCH_PATH}/<job_id>/stop",
        summary="Stop a batch job",
        description="Cancels the job: it stops before its next page; the runs it reached stay as it left them.",
        tags=["batch"],
        responses=answers(202, "Stopping", bm.BatchJob),
    )
    def stop(job_id: str, body: bm.StopBatchJobRequest) -> Response[bm.BatchJob]:
        control = engine().control
        record = _job_record(control, job_id)
        try:
            control.cancel(record.workflow_id, record.run_id, body.reason)
        except NotRunning as err:
            raise ApiError(
                409, "not_running", f"batch job {record.workflow_id} has finished already", "job_id"
            ) from err
        return json_response(202, _job(control, control.resolve_run(record.workflow_id, None)))

    return router


def _job_record(control: Control, raw_id: str) -> ExecutionRecord:
    """The latest run of a batch job; 404 when the id names none."""
    job_id = str(checked_id(unquote(raw_id), "job_id"))
    try:
        record = control.resolve_run(job_id, None)
    except ExecutionNotFound as err:
        raise ApiError(404, "batch_job_not_found", f"no batch job {job_id!r}", "job_id") from err
    if record.workflow_type != BATCH_WORKFLOW_TYPE:
        raise ApiError(
            404, "batch_job_not_found", f"{job_id!r} is a {record.workflow_type} run, not a batch job", "job_id"
        )
    return record


def _job(control: Control, record: ExecutionRecord, *, with_errors: bool = True) -> bm.BatchJob:
    """The job as its record shows it: counts from its search attributes (no replay, and plain
    whatever the deployment's payload codec); the first errors from its progress query."""
    counts = {name: int(entry["value"]) for name, entry in record.search_attributes.items() if entry["type"] == "Int"}
    memo = {key: wire.decode_payload(value) for key, value in record.memo.items()}
    return bm.BatchJob(
        job_id=record.workflow_id,
        state=job_state(record.status),
        operation_type=str(memo.get("operation", "")),
        query=str(memo.get("query", "")),
        reason=str(memo.get("reason", "")),
        start_time=wire.rfc3339(record.start_time),
        close_time=wire.rfc3339(record.close_time) if record.close_time else None,
        total_operation_count=counts.get(TOTAL_COUNT.name, 0),
        complete_operation_count=counts.get(COMPLETE_COUNT.name, 0),
        failure_operation_count=counts.get(FAILURE_COUNT.name, 0),
        errors=_errors(control, record) if with_errors else [],
    )


def _errors(control: Control, record: ExecutionRecord) -> list[str]:
    """The first failures' messages, from the job's progress query (none before its first task,
    nor when a payload codec keeps the answer from the API, which has no codec)."""
    try:
        progress = wire.decode_payload(control.query(record.workflow_id, record.run_id, "progress", []))
    except NotStarted:
        return []
    errors = progress.get("errors") if isinstance(progress, dict) else None
    return [str(e) for e in errors] if isinstance(errors, list) else []
