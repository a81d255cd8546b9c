"""Operations on executions from outside: start, signal, cancel, terminate, read.

What a client (local or, later, the HTTP API) calls. Starts write the execution record
with a conditional put first, so the caller learns at once whether the id is free, then
enqueue; everything else that changes a run goes through its inbox, except terminate,
which appends to the log directly (the conditional append keeps it race-safe) so the
run is TERMINATED when the call returns, as in Temporal.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from durable import _failure
from durable._build_ids import with_build_ids
from durable._codec.engine import decoded_texts, encoded_texts
from durable._limits import check_id
from durable._replay.events import Event
from durable._replay.ledger import ActivityState, Ledger
from durable._runtime import dead_letters as dlq
from durable._runtime import signal_fence
from durable._runtime.activity_pause import attempt_dedup
from durable._runtime.archive import ArchivedRun
from durable._runtime.close import terminate_run
from durable._runtime.deadlines import Timeouts
from durable._runtime.inbox import send_to_inbox
from durable._runtime.lifecycle import REPLACEABLE, begin_run, execution_time, user_metadata
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.ports import (
    ExecutionIdInUse,
    ExecutionNotFound,
    ExecutionRecord,
    HeartbeatRecord,
    HistoryConflict,
)
from durable._runtime.reset import ResetRequest, reset_of, reset_run, retried_target
from durable._runtime.services import Services, execution_key
from durable._schedules.cron import CronExpression, InvalidCronExpression
from durable._statuses import WorkflowExecutionStatus
from durable._visibility.listing import Count, Page, count_executions, list_executions
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from durable.exceptions import ApplicationError, WorkflowAlreadyStartedError

__all__ = [
    "Control",
    "Description",
    "InvalidRequestId",
    "NotRunning",
    "NotStarted",
    "PendingActivity",
    "Started",
    "UpdateStatus",
    "check_request_id",
    "new_request_id",
]

logger = logging.getLogger("durable.control")

_CLOSE_WAIT_SECONDS = 5.0
"""How long a signal refused by a fenced run waits for the log to say how the run closed."""


def _parse_token(task_token: bytes) -> dict[str, Any]:
    # A token comes back from outside (an HTTP caller): every field is checked for its type
    # and size here, so a forged one is refused before it reaches a key or a message.
    try:
        token = json.loads(task_token)
        if not isinstance(token, dict):
            raise TypeError("a task token is a JSON object")
        for name in ("workflow_id", "run_id", "activity_id"):
            check_id(name, token[name])
        for name in ("seq", "attempt", "stamp"):
            if name == "stamp" and name not in token:
                continue  # only the attempts of an unpause that reset them carry a stamp
            if type(token[name]) is not int or not 0 <= token[name] < 2**53:
                raise TypeError(f"{name} is a non-negative integer")
        return dict(token)
    except (ValueError, TypeError, KeyError, RecursionError) as err:
        raise ValueError("not a task token of this engine: pass activity.info().task_token unchanged") from err


class NotRunning(Exception):
    """The execution has closed: it takes no more signals, cancels or terminations."""


class InvalidRequestId(ValueError):
    """A request id that cannot serve as one (it becomes part of an SQS deduplication id)."""


_REQUEST_ID = re.compile(r"[!-~]{1,128}")


def check_request_id(request_id: str) -> str:
    """``request_id`` if it is 1 to 128 printable ASCII characters without spaces; else InvalidRequestId."""
    if not isinstance(request_id, str) or not _REQUEST_ID.fullmatch(request_id):
        shown = request_id if isinstance(request_id, str) and len(request_id) <= 40 else f"{str(request_id)[:40]}..."
        raise InvalidRequestId(
            f"request id {shown!r} is not 1 to 128 printable ASCII characters without spaces: use a UUID"
        )
    return request_id


def new_request_id() -> str:
    """A fresh request id (what a client makes once per call and reuses across its retries)."""
    return str(uuid.uuid4())


class NotStarted(NotRunning):
    """The run's first workflow task has not run yet."""


@dataclass(frozen=True)
class PendingActivity:
    """An activity of a run that has not reached its final outcome."""

    activity_id: str
    activity_type: str
    attempt: int
    state: str  # SCHEDULED, STARTED, CANCEL_REQUESTED, PAUSED or PAUSE_REQUESTED
    scheduled_time: float
    last_failure: dict[str, Any] | None
    heartbeat: HeartbeatRecord | None
    paused: dict[str, Any] | None = None
    """While paused: the pause's ``reason``, ``identity`` and ``time`` (epoch seconds)."""


@dataclass(frozen=True)
class Description:
    """An execution record with what only its history knows."""

    record: ExecutionRecord
    history_length: int
    pending_activities: list[PendingActivity]
    execution_time: float | None = None
    """When the first workflow task is due (a cron run's tick); None: at its start."""
    parent: dict[str, Any] | None = None
    """The parent's ``workflow_id`` and ``run_id``, for a child workflow."""
    static_summary: str | None = None
    """The start's fixed summary (temporalio's ``static_summary``), if it had one."""
    static_details: str | None = None
    """The start's fixed details, if it had them."""
    build_ids: tuple[str, ...] = ()
    """The builds that completed its workflow tasks, in order: the first is the one it started on."""


@dataclass(frozen=True)
class Started:
    """What a start did: the run it answers with, and how."""

    run_id: str
    created: bool = True
    """False: an existing run answered (USE_EXISTING, signal-with-start, a repeated request id)."""
    eagerly_started: bool = False
    """The run's first workflow task was decided within the start call (eager start)."""


@dataclass(frozen=True)
class UpdateStatus:
    """Where an update request stands: ACCEPTED (its handler runs) or COMPLETED with an
    outcome, the encoded ``result`` or a ``failure`` (a rejection is COMPLETED too)."""

    run_id: str
    stage: str
    result: str | None = None
    failure: dict[str, Any] | None = None


# What Temporal's server answers when the run closes under an accepted update.
_UPDATE_ABANDONED = _failure.from_exception(
    ApplicationError(
        "Workflow Update failed because the Workflow completed before the Update completed.",
        type="AcceptedUpdateCompletedWorkflow",
        non_retryable=True,
    )
)


class Control:
    """Client-side operations over the ports (synchronous: callers choose their threading)."""

    def __init__(self, services: Services, orchestrator: Orchestrator) -> None:
        self.services = services
        self.orchestrator = orchestrator

    def start(self, **options: Any) -> str:
        """Create the run and enqueue its start; returns the run id (see :meth:`start_run`)."""
        return self.start_run(**options).run_id

    def start_run(
        self,
        *,
        workflow_type: str,
        workflow_id: str,
        task_queue: str,
        input: list[str],
        id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = WorkflowIDConflictPolicy.UNSPECIFIED,
        start_signal: str | None = None,
        start_signal_input: list[str] | None = None,
        cron_schedule: str = "",
        memo: dict[str, str] | None = None,
        search_attributes: dict[str, dict[str, Any]] | None = None,
        request_id: str | None = None,
        request_eager_start: bool = False,
        start_update: dict[str, Any] | None = None,
        timeouts: Timeouts | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Started:
        """Create the run and enqueue its start; returns its run id (the existing one when
        a policy or signal-with-start reuses a running run).

        ``request_eager_start`` runs the first workflow task in this call (see
        :meth:`_first_task_now`) instead of sending the start message: it saves a queue
        hop and an orchestrator invocation, as Temporal's eager start saves a poll.

        ``start_update`` (``update_id``, ``request_id``, ``name``, ``input``) is the update of
        an update-with-start: logged with the start event, so that whatever makes the first
        workflow task (the start message, the reconciler's, a retried start) delivers it in
        that task. A running run taken under USE_EXISTING gets it as an ordinary update.

        ``request_id`` makes the start idempotent, as Temporal's start request id does: a
        start with the id of the start that made the workflow id's latest run answers with
        that run, whether it still runs or has closed since, and starts nothing.

        ``timeouts``: the execution, run and task timeouts (see :mod:`.deadlines`).

        ``headers`` (what the client's interceptors attached) go on the start event, and on
        a start signal's event.

        ``memo`` holds encoded payloads by key; ``search_attributes`` is in stored form
        (``durable._search_attributes.to_stored``).

        With ``cron_schedule`` the first workflow task waits for the first tick, and each
        run that completes or fails is followed by the next one (see ``HistoryMachine``).

        Raises:
            WorkflowAlreadyStartedError: the id is taken under the reuse and conflict policies.
            InvalidCronExpression: ``cron_schedule`` does not parse.
            InvalidRequestId: ``request_id`` is not 1 to 128 printable ASCII characters.
        """
        if request_id is None:
            request_id = new_request_id()  # fresh: no earlier start can have it, so no read for one
        elif (existing := self._started_by(workflow_id, check_request_id(request_id))) is not None:
            return Started(existing, created=False)
        replaceable = REPLACEABLE[id_reuse_policy]
        backoff = 0.0
        if cron_schedule:
            now = self.services.clock.now()
            tick = CronExpression.parse(cron_schedule).next_after(now)
            if tick is None:
                raise InvalidCronExpression(f"cron expression {cron_schedule!r} never fires")
            backoff = tick - now
        eager = request_eager_start and backoff == 0.0  # a cron run's first task waits for its tick
        for _ in range(3):
            try:
                run_id = str(uuid.uuid4())
                begin_run(
                    self.services,
                    workflow_type=workflow_type,
                    workflow_id=workflow_id,
                    run_id=run_id,
                    task_queue=task_queue,
                    input=input,
                    replaceable=replaceable,
                    start_signal=start_signal,
                    start_signal_input=start_signal_input,
                    cron_schedule=cron_schedule or None,
                    first_task_backoff=backoff,
                    memo=memo,
                    search_attributes=search_attributes,
                    request_id=request_id,
                    start_update=start_update,
                    send_start=not eager,
                    timeouts=timeouts,
                    carried=user_metadata(static_summary, static_details) or None,
                    headers=headers,
                )
            except ExecutionIdInUse as err:
                if (existing := self._started_by(workflow_id, request_id)) is not None:
                    return Started(
                        existing, created=False
                    )  # the same start, sent twice at once: the other made the run
                if err.status is not WorkflowExecutionStatus.RUNNING:
                    raise WorkflowAlreadyStartedError(workflow_id, err.workflow_type, run_id=err.run_id) from err
                if start_signal is not None:  # signal-with-start: the running run gets the signal
                    self.signal(
                        workflow_id,
                        err.run_id,
                        start_signal,
                        start_signal_input or [],
                        request_id=request_id,
                        headers=headers,
                    )
                    return Started(err.run_id, created=False)
                if id_conflict_policy == WorkflowIDConflictPolicy.USE_EXISTING:
                    if start_update is not None:  # update-with-start: the running run gets the update
                        self._send_start_update(workflow_id, err.run_id, start_update)
                    return Started(err.run_id, created=False)
                if (
                    id_conflict_policy == WorkflowIDConflictPolicy.TERMINATE_EXISTING
                    or id_reuse_policy == WorkflowIDReusePolicy.TERMINATE_IF_RUNNING
                ):
                    try:
                        self.terminate(
                            workflow_id,
                            err.run_id,
                            "terminated by a new start of the same workflow id",
                            request_id=request_id,
                        )
                    except NotRunning:
                        pass  # it closed meanwhile: start again
                    continue
                raise WorkflowAlreadyStartedError(workflow_id, err.workflow_type, run_id=err.run_id) from err
            if not eager:
                return Started(run_id)
            return Started(run_id, eagerly_started=self._first_task_now(workflow_id, run_id))
        raise WorkflowAlreadyStartedError(workflow_id, workflow_type)

    def _first_task_now(self, workflow_id: str, run_id: str) -> bool:
        """Decide a new run's first workflow task here (eager start); True if it was decided.

        The run is already visible (log, then record), and no start message was sent. If
        the decision cannot be made here (no worker serves the task queue, an AWS error),
        the start message goes as for any start, and the run proceeds the usual way. If
        this call dies before either, the run is one whose start message was lost: a
        retry of the start with its request id, or the reconciler, sends it.
        """
        try:
            if self.orchestrator.decide_first_task(workflow_id, run_id):
                return True
        except Exception:  # noqa: BLE001 - the queue path below decides it instead; the log says why
            logger.warning(
                "eager start of %s could not decide its first task here; enqueued", workflow_id, exc_info=True
            )
        send_to_inbox(self.services, workflow_id, run_id, "start", "start")
        return False

    def update_with_start(
        self,
        *,
        workflow_id: str,
        update_id: str,
        request_id: str,
        update_name: str,
        update_input: list[str],
        id_conflict_policy: WorkflowIDConflictPolicy,
        update_headers: dict[str, str] | None = None,
        **start: Any,
    ) -> Started:
        """Start a run with an update for its first workflow task, or update the running one.

        As Temporal's update-with-start: an update id that the workflow id's latest run
        already knows is attached to (its caller reads the first outcome), whatever the
        conflict policy, while that run runs or once the update completed there. Otherwise
        the start follows the reuse and conflict policies (FAIL raises, USE_EXISTING sends
        the update to the running run, TERMINATE_EXISTING replaces it) with the update in
        its first task. ``request_id`` identifies the request: sent again (a retry after a
        crash), it makes no second run and no second update. ``start`` takes
        :meth:`start_run`'s other arguments (``input`` is the workflow's).

        Raises:
            WorkflowAlreadyStartedError: FAIL and the id runs; or the reuse policy refuses it.
            ValueError: ``id_conflict_policy`` is UNSPECIFIED.
        """
        if id_conflict_policy == WorkflowIDConflictPolicy.UNSPECIFIED:
            raise ValueError("WorkflowIDConflictPolicy is required")
        check_request_id(request_id)
        update: dict[str, Any] = {
            "update_id": update_id,
            "request_id": request_id,
            "name": update_name,
            "input": update_input,
        }
        if update_headers:
            update["headers"] = update_headers
        known = self._run_with_update(workflow_id, update_id)
        if known is not None:
            return Started(known, created=False)
        return self.start_run(
            workflow_id=workflow_id,
            id_conflict_policy=id_conflict_policy,
            request_id=request_id,
            start_update=update,
            **start,
        )

    def _run_with_update(self, workflow_id: str, update_id: str) -> str | None:
        """The latest run of ``workflow_id`` if an update-with-start attaches to it there."""
        try:
            record = self.services.executions.get(workflow_id)
        except ExecutionNotFound:
            return None
        ledger = self.ledger(workflow_id, record.run_id)
        known = ledger.updates.get(update_id)
        pending = (ledger.started or {}).get("start_update") or {}
        if known is None and not ledger.closed and not ledger.decided and pending.get("update_id") == update_id:
            # Its first task has not taken the update yet: it will. This may be the retry of
            # a call that died before the start message: send it again, as a retried start
            # does (the orchestrator takes a second one as a no-op).
            if record.task_failure is None:
                send_to_inbox(self.services, workflow_id, record.run_id, "start", "start")
            return record.run_id
        if known is None or (ledger.closed and not known.completed):
            return None
        return record.run_id

    def _send_start_update(self, workflow_id: str, run_id: str, update: dict[str, Any]) -> None:
        # The first attempt's deduplication key, as the start event's update has: a run that
        # took the update either way applies it once.
        send_to_inbox(
            self.services,
            workflow_id,
            run_id,
            "update",
            f"update:{update['request_id']}:1",
            **{k: update[k] for k in ("update_id", "request_id", "name", "input", "headers") if k in update},
        )

    def _started_by(self, workflow_id: str, request_id: str) -> str | None:
        """The run of ``workflow_id`` that the start with ``request_id`` made, if it is the latest.

        A repeat that finds the run before its first decision sends the start message
        again, in case the first call died between the record and the message (the
        orchestrator takes a second start message as a no-op).
        """
        try:
            record = self.services.executions.get(workflow_id)
        except ExecutionNotFound:
            return None
        if record.request_id != request_id:
            return None
        if record.status is WorkflowExecutionStatus.RUNNING and record.task_failure is None:
            ledger = self.ledger(workflow_id, record.run_id)
            if ledger.started is not None and not ledger.decided and not ledger.closed:
                if self.services.clock.now() >= execution_time(ledger.started):  # a cron run's start is its timer's
                    send_to_inbox(self.services, workflow_id, record.run_id, "start", "start")
        return record.run_id

    def resolve_run(self, workflow_id: str, run_id: str | None) -> ExecutionRecord:
        """The execution record of the run (the latest one when ``run_id`` is None).

        Raises:
            ExecutionNotFound: no such workflow id or run.
        """
        try:
            record = self.services.executions.get(workflow_id)
        except ExecutionNotFound:
            if self.services.archival is None:
                raise
            return self.archived(workflow_id, run_id).record  # its items expired: the archive has it
        if run_id is not None and record.run_id != run_id:
            # An older run: its history is the truth about it.
            ledger = self.ledger(workflow_id, run_id)
            if ledger.started is None:
                raise ExecutionNotFound(f"workflow {workflow_id} has no run {run_id}")
            return ExecutionRecord(
                workflow_id=workflow_id,
                run_id=run_id,
                workflow_type=ledger.started["workflow_type"],
                task_queue=ledger.started["task_queue"],
                status=ledger.status,
                start_time=ledger.start_time,
                close_time=ledger.close_time,
                history_length=ledger.last_event_id,
                memo=dict(ledger.started.get("memo") or {}),
                search_attributes=ledger.search_attributes,
            )
        return record

    def signal(
        self,
        workflow_id: str,
        run_id: str | None,
        name: str,
        input: list[str],
        *,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Enqueue a signal. Raises NotRunning, ExecutionNotFound or InvalidRequestId.

        A signal sent again with the same ``request_id`` is applied once: the id is the
        inbox message's deduplication key, which the run's history remembers for good. A
        repeat that finds the run closed after it applied the signal succeeds too.
        """
        dedup = f"signal:{new_request_id() if request_id is None else check_request_id(request_id)}"
        record = self._running_or_done(workflow_id, run_id, dedup)
        if record is None:
            return
        # Sent, then accepted (durable._runtime.signal_fence): the run does not close while an
        # accepted signal is on its way, and a signal refused by a closing run is never applied.
        send_to_inbox(
            self.services,
            workflow_id,
            record.run_id,
            "signal",
            dedup,
            name=name,
            input=input,
            **_following(run_id),
            **({"headers": headers} if headers else {}),
        )
        if record.status is not WorkflowExecutionStatus.RUNNING:
            return  # on to the run that followed this one (continue-as-new, reset)
        if not self.services.executions.accept_signal(workflow_id, record.run_id, dedup):
            self._refused(workflow_id, record.run_id, dedup, follow=run_id is None)

    def _refused(self, workflow_id: str, run_id: str, dedup: str, *, follow: bool) -> None:
        """A signal the run's record refused: the run closes (NotRunning, unless the run took
        the signal before, or hands it on to its next run), or a fence whose close never came
        is cleared and the signal accepted after all.

        A fence stands for the few milliseconds between it and the closing record's commit;
        until the log says how the run closed, this waits (at most :data:`_CLOSE_WAIT_SECONDS`).
        """
        deadline = time.monotonic() + _CLOSE_WAIT_SECONDS
        while True:
            ledger = self.ledger(workflow_id, run_id)
            if dedup in ledger.consumed:
                return  # its message came before its acceptance, and was applied
            if ledger.closed:
                if follow and (ledger.status is WorkflowExecutionStatus.CONTINUED_AS_NEW or reset_of(ledger)):
                    return  # the closed run hands it on to the next one
                raise NotRunning(f"workflow execution {workflow_id} already completed")
            record = self.services.executions.get(workflow_id)
            if record.run_id != run_id or record.status is not WorkflowExecutionStatus.RUNNING:
                continue  # closed since the log was read (the record closes after the log): read it again
            fenced_at = record.closing
            if fenced_at is not None and self.services.clock.now() - fenced_at > signal_fence.STALE_FENCE_SECONDS:
                logger.warning("clearing the close fence of %s run %s: its close never came", workflow_id, run_id)
                self.services.executions.clear_fence(workflow_id, run_id, fenced_at)
                fenced_at = None
            if fenced_at is None and self.services.executions.accept_signal(workflow_id, run_id, dedup):
                return
            if time.monotonic() > deadline:
                raise NotRunning(f"workflow execution {workflow_id} is completing")
            time.sleep(0.02)

    def send_update(
        self,
        workflow_id: str,
        run_id: str | None,
        update_id: str,
        request_id: str,
        name: str,
        input: list[str],
        attempt: int = 1,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Enqueue an update request; returns the run id it targets. Raises NotRunning or ExecutionNotFound.

        The caller sends again (``attempt`` + 1) while :meth:`update_status` has nothing to
        say: a decision that could not run (no worker yet, a failing workflow task) drops
        requests, as Temporal's server forgets an update it has not accepted.
        """
        record = self._running(workflow_id, run_id)
        send_to_inbox(
            self.services,
            workflow_id,
            record.run_id,
            "update",
            f"update:{request_id}:{attempt}",
            update_id=update_id,
            request_id=request_id,
            name=name,
            input=input,
            **({"headers": headers} if headers else {}),
        )
        return record.run_id

    def update_status(
        self, workflow_id: str, run_id: str, update_id: str, request_id: str | None = None
    ) -> UpdateStatus | None:
        """The update's stage and outcome, or None while no decision has taken it.

        Raises:
            NotRunning: the run closed without accepting it (temporalio's RPCError NOT_FOUND).
        """
        ledger = self.ledger(workflow_id, run_id)
        update = ledger.updates.get(update_id)
        if update is not None:
            if update.completed:
                return UpdateStatus(run_id, "COMPLETED", result=update.result, failure=update.failure)
            if ledger.closed:
                return UpdateStatus(run_id, "COMPLETED", failure=_UPDATE_ABANDONED)
            return UpdateStatus(run_id, "ACCEPTED")
        if request_id is not None:
            failure = self.services.executions.get_update_rejection(execution_key(workflow_id, run_id), request_id)
            if failure is not None:
                return UpdateStatus(run_id, "COMPLETED", failure=failure)
        if ledger.closed:
            raise NotRunning(f"workflow execution {workflow_id} already completed: update {update_id} not found")
        return None

    def cancel(self, workflow_id: str, run_id: str | None, reason: str = "", *, request_id: str | None = None) -> None:
        """Enqueue a cancellation request. Raises NotRunning, ExecutionNotFound or InvalidRequestId.

        A repeat with the same ``request_id`` is a no-op, also once the run has closed.
        """
        dedup = f"cancel:{new_request_id() if request_id is None else check_request_id(request_id)}"
        record = self._running_or_done(workflow_id, run_id, dedup)
        if record is not None:
            send_to_inbox(
                self.services, workflow_id, record.run_id, "cancel", dedup, reason=reason, **_following(run_id)
            )

    def terminate(
        self,
        workflow_id: str,
        run_id: str | None,
        reason: str = "",
        details: list[str] | None = None,
        *,
        request_id: str | None = None,
    ) -> None:
        """Close the run as TERMINATED now. Raises NotRunning, ExecutionNotFound or InvalidRequestId.

        A repeat with the same ``request_id`` succeeds without doing anything more (it
        finishes the close of its own termination if the first call died half-way).
        """
        dedup = f"terminate:{new_request_id() if request_id is None else check_request_id(request_id)}"
        record = self.resolve_run(workflow_id, run_id)
        try:
            terminated = terminate_run(
                self.services,
                workflow_id,
                record.run_id,
                reason=reason,
                details=details or [],
                dedup=dedup,
            )
        except HistoryConflict as err:
            raise NotRunning(str(err)) from err
        if not terminated and not self._closed_by(workflow_id, record.run_id, dedup):
            raise NotRunning(f"workflow execution {workflow_id} already completed")

    def reset(self, workflow_id: str, run_id: str | None, request: ResetRequest) -> str:
        """Reset the run to a workflow task of its history; returns the new run's id (see :mod:`.reset`).

        A repeat with the same ``request.request_id`` finishes the same reset and answers the same run.

        Raises:
            InvalidResetPoint: the event id is not a workflow task's event of the run.
            ResetConflict: the workflow id has another running run (a concurrent reset or start).
            ExecutionNotFound: no such workflow id or run.
            InvalidRequestId: ``request_id`` is not 1 to 128 printable ASCII characters.
        """
        request_id = new_request_id() if request.request_id is None else check_request_id(request.request_id)
        target = self.resolve_run(workflow_id, run_id).run_id
        if run_id is None:
            target = retried_target(self.services, workflow_id, target, request_id)
        return reset_run(
            self.services,
            workflow_id,
            target,
            event_id=request.event_id,
            reset_type=request.reset_type,
            reason=request.reason,
            reapply=request.reapply_type,
            request_id=request_id,
        )

    def _running_or_done(self, workflow_id: str, run_id: str | None, dedup: str) -> ExecutionRecord | None:
        """The running run a message goes to; None if the run closed after taking ``dedup``.

        Raises:
            NotRunning: the run closed without it.
        """
        record = self.resolve_run(workflow_id, run_id)
        if record.status is WorkflowExecutionStatus.RUNNING:
            return record
        ledger = self.ledger(workflow_id, record.run_id)
        if dedup in ledger.consumed:
            return None  # a repeat of a request the run applied before it closed
        if run_id is None and record.status is WorkflowExecutionStatus.CONTINUED_AS_NEW:
            return record  # its next run is on the way: the orchestrator hands the message on
        if run_id is None and reset_of(ledger) is not None:
            return record  # reset: its new run is on the way (finished by whoever hands the message on)
        raise NotRunning(f"workflow execution {workflow_id} already completed")

    def _closed_by(self, workflow_id: str, run_id: str, dedup: str) -> bool:
        close = self.ledger(workflow_id, run_id).close_event
        return close is not None and close["attributes"].get("dedup") == dedup

    def report_async_activity(self, task_token: bytes, outcome: dict[str, Any]) -> None:
        """Deliver the outcome of an activity completed asynchronously (self-contained token).

        Raises:
            ValueError: the token is not one this engine issued.
        """
        token = _parse_token(task_token)
        send_to_inbox(
            self.services,
            token["workflow_id"],
            token["run_id"],
            "activity_result",
            attempt_dedup(token["seq"], token["attempt"], token.get("stamp", 0)),
            seq=token["seq"],
            attempt=token["attempt"],
            identity="async-activity-handle",
            **outcome,
            **({"stamp": token["stamp"]} if token.get("stamp") else {}),
        )

    def heartbeat_async_activity(self, task_token: bytes, details: list[str]) -> bool:
        """Record a heartbeat of an asynchronously completed activity; True if cancel was requested."""
        token = _parse_token(task_token)
        return self.services.executions.record_heartbeat(
            execution_key(token["workflow_id"], token["run_id"]),
            token["activity_id"],
            token["attempt"],
            details,
            self.services.clock.now(),
        )

    def ledger(self, workflow_id: str, run_id: str) -> Ledger:
        """The engine's view of a run, folded from its history."""
        return Ledger.of(self._events(workflow_id, run_id))

    def _events(self, workflow_id: str, run_id: str) -> list[Event]:
        """A run's history: from its table, or from the archive once its items expired."""
        events = self.services.history.load(execution_key(workflow_id, run_id))
        if events or self.services.archival is None:
            return events
        try:
            return self.archived(workflow_id, run_id).events
        except ExecutionNotFound:
            return events

    def history(self, workflow_id: str, run_id: str | None) -> tuple[str, list[Event]]:
        """The run id and the events of a run."""
        record = self.resolve_run(workflow_id, run_id)
        return record.run_id, self._events(workflow_id, record.run_id)

    def archived(self, workflow_id: str, run_id: str | None) -> ArchivedRun:
        """A closed run as the archive holds it (the latest archived run of the id when ``run_id`` is None).

        Raises:
            ExecutionNotFound: archival is off here, or the archive has no such run.
        """
        if self.services.archival is None:
            raise ExecutionNotFound("archival is not configured here: there are no archived runs")
        return self.services.archival.archive.get(workflow_id, run_id)

    def describe_archived(self, workflow_id: str, run_id: str | None) -> Description:
        """:meth:`describe` of a run as the archive holds it.

        Raises:
            ExecutionNotFound: no such archived run.
        """
        archived = self.archived(workflow_id, run_id)
        ledger = Ledger.of(archived.events)
        parent = (ledger.started or {}).get("parent")
        return Description(
            record=archived.record,
            history_length=ledger.last_event_id,
            pending_activities=[],
            execution_time=execution_time(ledger.started) if ledger.started else None,
            parent={"workflow_id": parent["workflow_id"], "run_id": parent["run_id"]} if parent else None,
            static_summary=(ledger.started or {}).get("static_summary"),
            static_details=(ledger.started or {}).get("static_details"),
        )

    def list_archived(
        self, query: str | None = None, page_size: int = 1000, next_page_token: bytes | None = None
    ) -> Page:
        """One page of the archived runs matching a Temporal list filter, newest start first.

        Raises:
            InvalidQuery: the filter, the page size or the token is not valid.
        """
        if self.services.archival is None:
            return Page([], None)
        archive = self.services.archival.archive
        return list_executions(archive, query, page_size=page_size, next_page_token=next_page_token)

    def close_event(self, workflow_id: str, run_id: str) -> Event | None:
        """The run's terminal event, or None while it runs."""
        return self.ledger(workflow_id, run_id).close_event

    def describe(self, workflow_id: str, run_id: str | None) -> Description:
        """Execution record, history length and pending activities with their heartbeats."""
        record = self.resolve_run(workflow_id, run_id)
        ledger = self.ledger(workflow_id, record.run_id)
        if ledger.closed and record.status is WorkflowExecutionStatus.RUNNING:
            # The log is the truth: the record's close is dispatched after the commit, and
            # a crash in between leaves it behind until the redelivery catches up.
            record = dataclasses.replace(record, status=ledger.status, close_time=ledger.close_time)
        # Likewise for search attributes: an upsert reaches the record after its commit.
        visible = with_build_ids(ledger.search_attributes, ledger.build_ids)
        record = dataclasses.replace(record, search_attributes=visible)
        key = execution_key(workflow_id, record.run_id)
        pending = [self._pending(key, a) for a in ledger.activities.values()] if not ledger.closed else []
        due = execution_time(ledger.started) if ledger.started else None
        parent = (ledger.started or {}).get("parent")
        return Description(
            record=record,
            history_length=ledger.last_event_id,
            pending_activities=pending,
            execution_time=due,
            parent={"workflow_id": parent["workflow_id"], "run_id": parent["run_id"]} if parent else None,
            static_summary=(ledger.started or {}).get("static_summary"),
            static_details=(ledger.started or {}).get("static_details"),
            build_ids=tuple(ledger.build_ids),
        )

    def _pending(self, key: str, act: ActivityState) -> PendingActivity:
        beat = self.services.executions.get_heartbeat(key, act.scheduled["activity_id"])
        if beat is not None and beat.attempt != act.attempt:
            beat = HeartbeatRecord(
                attempt=beat.attempt, details=beat.details, at=beat.at, cancel_requested=beat.cancel_requested
            )
        state = (
            "CANCEL_REQUESTED" if act.cancel_requested else ("STARTED" if beat is not None and beat.at else "SCHEDULED")
        )
        if act.paused is not None and not act.cancel_requested:
            running = not act.held and beat is not None and bool(beat.at) and beat.attempt == act.attempt
            state = "PAUSE_REQUESTED" if running else "PAUSED"
        return PendingActivity(
            activity_id=act.scheduled["activity_id"],
            activity_type=act.scheduled["activity_type"],
            attempt=act.attempt,
            state=state,
            scheduled_time=act.scheduled_time,
            last_failure=act.last_failure,
            heartbeat=beat,
            paused=act.paused,
        )

    def dead_letters(self, queue: str | None = None, limit: int = 100) -> list[dlq.DeadLetterQueue]:
        """The dead letters of ``queue`` (``inbox``, ``timers``, ``activities-<task queue>``) or
        of every queue: each queue's count and up to ``limit`` messages, described.

        Raises:
            dlq.UnknownQueue: no such queue with a DLQ here.
        """
        queues = dlq.select_queues(self._dead_letter_sources(), queue)
        return dlq.list_dead_letters(queues, self.services.open_body, limit)

    def redrive(self, queue: str | None = None) -> dict[str, int]:
        """Move the dead letters of ``queue`` (or of every queue) back to it; how many moved, per queue."""
        return dlq.redrive(dlq.select_queues(self._dead_letter_sources(), queue))

    def _dead_letter_sources(self) -> dict[str, Any]:
        sources = self.services.dead_letter_sources
        return dict(sources()) if sources is not None else {}

    def list_workflows(
        self, query: str | None = None, page_size: int = 1000, next_page_token: bytes | None = None
    ) -> Page:
        """One page of the runs matching a Temporal list filter, newest start first.

        Raises:
            InvalidQuery: the filter, the page size or the token is not valid (a ValueError
                whose message names what is wrong).
        """
        return list_executions(self.services.executions, query, page_size=page_size, next_page_token=next_page_token)

    def count_workflows(self, query: str | None = None) -> Count:
        """How many runs match a Temporal list filter (per status with ``GROUP BY ExecutionStatus``).

        Raises:
            InvalidQuery: the filter is not valid.
        """
        return count_executions(self.services.executions, query)

    def query(
        self, workflow_id: str, run_id: str | None, name: str, args: list[str], headers: dict[str, str] | None = None
    ) -> str:
        """Replay the run read-only and call a query handler (its interceptors see ``headers``);
        returns the encoded result.

        Raises:
            QueryNotFound: no handler by that name.
            WorkflowTaskError: the run cannot be replayed (not started yet, bad code).
        """
        record = self.resolve_run(workflow_id, run_id)
        machine = self.orchestrator.load(execution_key(workflow_id, record.run_id))
        if machine.replay_error is not None:
            raise machine.replay_error
        if machine.instance is None:
            raise NotStarted(f"workflow {workflow_id} has not started its first workflow task yet")
        # The handler is user code: it reads and answers plain payloads, as the orchestrator's code does.
        engine = self.orchestrator.services
        result = machine.instance.query(name, decoded_texts(engine, args), headers)
        return encoded_texts(engine, [result])[0]

    def _running(self, workflow_id: str, run_id: str | None) -> ExecutionRecord:
        record = self.resolve_run(workflow_id, run_id)
        if record.status is not WorkflowExecutionStatus.RUNNING:
            raise NotRunning(f"workflow execution {workflow_id} already completed")
        return record


def _following(run_id: str | None) -> dict[str, Any]:
    """Marks a message sent to a workflow id (no run id): should the run it was sent to
    continue as new before taking it, it goes on to the next run, as Temporal's atomic
    continue-as-new would have it."""
    return {"follow": True} if run_id is None else {}
