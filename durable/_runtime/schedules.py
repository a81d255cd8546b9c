"""Schedules: take each due action under the overlap policy, and start workflows idempotently.

A schedule is one stored document (:class:`~durable._runtime.ports.ScheduleStore`),
written with optimistic concurrency: ``schedule`` (action, spec, policy, state, as the
client sent it) and ``info`` (counters, recent actions, running workflows, buffered
starts, the armed time, the starts in flight). Its next action time is armed on a
:class:`~durable._runtime.ports.ScheduleFiring` (EventBridge Scheduler on AWS, the
environment's clock locally), which delivers a ``schedule_fire`` message to the inbox in
the schedule's message group; the orchestrator hands it to :meth:`ScheduleRunner.fire`.

Exactly one run per action, whatever is delivered twice or crashes: every change first
writes the document, with the starts it decided (workflow id *and* run id fixed) listed
in ``info.pending``, then makes those starts. A start is idempotent on its run id, and
whoever handles the schedule next (the redelivered fire, the next fire, a run closing)
makes the pending starts of the previous change again before deciding anything. A fire
whose time is not the armed one (replaced by a pause, an update, a delete; or already
taken) starts nothing new.

Backfills (Temporal's ``BackfillRequest``) are written to ``info.backfills`` first, then
taken a bounded chunk per change, so a long period never makes one huge write and a crash
between chunks leaves the rest for whichever change comes next; a backfill call's request
id is remembered, so a retried call adds nothing.
"""

from __future__ import annotations

import builtins
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from durable._replay.ledger import Ledger
from durable._runtime.inbox import send_to_inbox
from durable._runtime.lifecycle import begin_run
from durable._runtime.ports import (
    ExecutionIdInUse,
    ExecutionNotFound,
    ExecutionRecord,
    HistoryConflict,
    ScheduleConflict,
    ScheduleNotFound,
    StoredSchedule,
)
from durable._runtime.services import Services, execution_key, schedule_group
from durable._schedules.overlap import ScheduleOverlapPolicy
from durable._schedules.spec import ScheduleTimes
from durable._statuses import WorkflowExecutionStatus

__all__ = ["ScheduleRunner", "SchedulesNotConfigured", "fire_body", "scheduled_workflow_id"]

logger = logging.getLogger("durable.schedules")

RECENT_ACTIONS = 10
UPCOMING_ACTIONS = 10
BACKFILL_CHUNK = 50  # backfilled actions taken per change (Temporal's server: 10 per iteration)
MAX_BACKFILL_ACTIONS = 1000  # per call, as Temporal's buffer bound; past it they are dropped
REMEMBERED_REQUESTS = 20
DEFAULT_CATCHUP_WINDOW = 365 * 24 * 3600.0  # Temporal's server default: one year
MIN_CATCHUP_WINDOW = 10.0  # Temporal's server takes a shorter catchup window as 10 s


class SchedulesNotConfigured(RuntimeError):
    """This deployment's services have no schedule store or firing wired."""


def scheduled_workflow_id(action_id: str, nominal: float) -> str:
    """Temporal's id for a scheduled run: the action's id and the nominal time (RFC 3339, UTC)."""
    return f"{action_id}-{datetime.fromtimestamp(int(nominal), tz=UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def fire_body(schedule_id: str, nominal: float) -> str:
    """The inbox message that asks for the action due at ``nominal``."""
    return json.dumps(
        {
            "kind": "schedule_fire",
            "schedule_id": schedule_id,
            "nominal": nominal,
            "dedup": f"sch:{nominal!r}:{schedule_id}",
        },
        separators=(",", ":"),
    )


def _scheduled_attributes(schedule_id: str, start: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Temporal's search attributes of a scheduled run (stored form): which schedule, and for when."""
    return {
        "TemporalScheduledById": {"type": "Keyword", "value": schedule_id},
        "TemporalScheduledStartTime": {
            "type": "Datetime",
            "value": datetime.fromtimestamp(start["nominal"], tz=UTC).isoformat(),
        },
    }


@dataclass
class _Effects:
    """What one change of a schedule asks of the world once it is written."""

    starts: list[dict[str, Any]] = field(default_factory=list)
    cancels: list[dict[str, Any]] = field(default_factory=list)
    terminates: list[dict[str, Any]] = field(default_factory=list)
    arm: bool = False
    disarm: bool = False


Change = Callable[[dict[str, Any], float, _Effects], None]


class ScheduleRunner:
    """Every operation on schedules, for the client (through Control) and the orchestrator."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def _store(self) -> Any:
        if self.services.schedules is None or self.services.schedule_firing is None:
            raise SchedulesNotConfigured("this deployment has no schedule store wired (services.schedules)")
        return self.services.schedules

    # -- the client's operations ------------------------------------------------------------

    def create(
        self,
        schedule_id: str,
        schedule: dict[str, Any],
        *,
        trigger_immediately: bool = False,
        memo: Any = None,
        backfill: list[dict[str, Any]] | None = None,
    ) -> None:
        """Store a new schedule and arm its first action.

        Raises:
            ScheduleAlreadyExists: the id is taken.
            InvalidScheduleSpec: the spec cannot fire.
        """
        ScheduleTimes.from_doc(schedule["spec"])
        now = self.services.clock.now()
        doc = {
            "schedule": schedule,
            "memo": memo,
            "info": {
                "num_actions": 0,
                "num_actions_missed_catchup_window": 0,
                "num_actions_skipped_overlap": 0,
                "recent_actions": [],
                "running": [],
                "buffered": [],
                "pending": [],
                "created_at": now,
                "last_updated_at": None,
                "armed": None,
            },
        }
        fx = _Effects()
        self._rearm(doc, now, fx)
        self._store.create(schedule_id, doc)
        # A crash before the first time is armed leaves it overdue: the reconciler fires it.
        self._apply(schedule_id, doc, fx)
        if trigger_immediately:
            self.trigger(schedule_id)
        if backfill:
            self.backfill(schedule_id, backfill)

    def get(self, schedule_id: str) -> dict[str, Any]:
        """The document, with ``info.running`` brought up to date and ``info.upcoming`` added.

        Raises:
            ScheduleNotFound: no such schedule.
        """
        stored = self._store.get(schedule_id)
        return self._view(stored)

    # From here on, annotations in this class write the builtin as builtins.list: `list` is this method.
    def list(self) -> list[tuple[str, dict[str, Any]]]:
        """Every schedule's id and document (as :meth:`get` shows it)."""
        return [(s.schedule_id, self._view(s)) for s in self._store.list()]

    def pause(self, schedule_id: str, note: str | None) -> None:
        """Stop taking actions (triggers still act); ``note`` defaults to Temporal's."""

        def change(doc: dict[str, Any], now: float, fx: _Effects) -> None:
            state = doc["schedule"]["state"]
            state["paused"], state["note"] = True, note if note is not None else "Paused via Python SDK"
            doc["info"]["armed"], fx.disarm = None, True

        self._change(schedule_id, change, touched=True)

    def unpause(self, schedule_id: str, note: str | None) -> None:
        """Take actions again, from the next time after now."""

        def change(doc: dict[str, Any], now: float, fx: _Effects) -> None:
            state = doc["schedule"]["state"]
            state["paused"], state["note"] = False, note if note is not None else "Unpaused via Python SDK"
            self._rearm(doc, now, fx)

        self._change(schedule_id, change, touched=True)

    def update(self, schedule_id: str, schedule: dict[str, Any]) -> None:
        """Replace action, spec, policy and state; the next action is computed afresh."""
        ScheduleTimes.from_doc(schedule["spec"])

        def change(doc: dict[str, Any], now: float, fx: _Effects) -> None:
            doc["schedule"] = schedule
            if schedule["state"].get("paused"):
                doc["info"]["armed"], fx.disarm = None, True
            else:
                self._rearm(doc, now, fx)

        self._change(schedule_id, change, touched=True)

    def trigger(self, schedule_id: str, overlap: int | None = None, request_id: str | None = None) -> None:
        """Take an action now (paused or not), under ``overlap`` or the schedule's policy; a
        ``request_id`` seen before (a retried call) takes none."""

        def change(doc: dict[str, Any], now: float, fx: _Effects) -> None:
            info = doc["info"]
            seen = info.setdefault("requests", [])
            if request_id is not None:
                if request_id in seen:
                    return  # a retried call: its action was taken already
                info["requests"] = [*seen, request_id][-REMEMBERED_REQUESTS:]
            policy = overlap or doc["schedule"]["policy"]["overlap"]
            self._drain(schedule_id, doc, now, fx)
            self._act(schedule_id, doc, now, now, policy, fx)

        self._change(schedule_id, change)

    def backfill(
        self, schedule_id: str, backfills: builtins.list[dict[str, Any]], request_id: str | None = None
    ) -> None:
        """Take the actions the spec gives from each ``start_at`` to ``end_at`` (both inclusive).

        As Temporal's server: paused or not, whatever the remaining actions and the catchup
        window; each period under its ``overlap`` (or the schedule's policy). ``backfills``
        are ``{"start_at", "end_at", "overlap"}`` with epoch seconds.

        Raises:
            ScheduleNotFound: no such schedule.
            ValueError: a period that ends before it starts.
        """
        for b in backfills:
            if b["end_at"] < b["start_at"]:
                raise ValueError(f"backfill end_at {b['end_at']} is before its start_at {b['start_at']}")

        def add(doc: dict[str, Any], now: float, fx: _Effects) -> None:
            info = doc["info"]
            seen = info.setdefault("requests", [])
            if request_id is not None:
                if request_id in seen:
                    return  # a retried call: its backfills were added already
                info["requests"] = [*seen, request_id][-REMEMBERED_REQUESTS:]
            info.setdefault("backfills", []).extend(
                {
                    "start_at": b["start_at"] - 0.001,
                    "end_at": b["end_at"],
                    "overlap": b.get("overlap"),
                    "budget": MAX_BACKFILL_ACTIONS,
                }
                for b in backfills  # inclusive start, as Temporal's server since its version 4
            )

        self._change(schedule_id, add)
        while self._store.get(schedule_id).doc["info"].get("backfills"):
            self._change(schedule_id, lambda doc, now, fx: None)

    def delete(self, schedule_id: str) -> None:
        """Remove the schedule; its running workflows go on.

        Raises:
            ScheduleNotFound: no such schedule.
        """
        self._store.get(schedule_id)
        self.services.schedule_firing.disarm(schedule_id)  # type: ignore[union-attr]
        self._store.delete(schedule_id)

    # -- the engine's side ------------------------------------------------------------------

    def fire(self, schedule_id: str, nominal: float) -> None:
        """The action due at ``nominal`` (a delivery of the firing port; maybe a duplicate)."""

        def change(doc: dict[str, Any], now: float, fx: _Effects) -> None:
            info, schedule = doc["info"], doc["schedule"]
            if info["armed"] != nominal:
                # Taken already (a duplicate, or redelivered after a crash), or no longer
                # wanted (paused, updated): start nothing, but make sure the armed time is
                # armed, in case the crash came before that.
                fx.arm = info["armed"] is not None
                return
            catchup = max(schedule["policy"].get("catchup_window") or DEFAULT_CATCHUP_WINDOW, MIN_CATCHUP_WINDOW)
            state = schedule["state"]
            due = ScheduleTimes.from_doc(schedule["spec"]).jittered(schedule_id, nominal)
            if now - due > catchup:  # late past the window counted from the jittered time, as Temporal
                info["num_actions_missed_catchup_window"] += 1
            elif not (state.get("limited_actions") and state.get("remaining_actions", 0) <= 0):
                self._drain(schedule_id, doc, now, fx)
                if self._act(schedule_id, doc, nominal, due, schedule["policy"]["overlap"], fx):
                    if state.get("limited_actions"):
                        state["remaining_actions"] -= 1
            self._rearm(doc, nominal, fx)

        try:
            self._change(schedule_id, change)
        except ScheduleNotFound:
            logger.info("schedule %s is gone: its fire at %s does nothing", schedule_id, nominal)

    def workflow_closed(self, schedule_id: str, workflow_id: str, status: WorkflowExecutionStatus) -> None:
        """A run the schedule started has closed: start what waits for it, pause on failure."""

        def change(doc: dict[str, Any], now: float, fx: _Effects) -> None:
            policy, state = doc["schedule"]["policy"], doc["schedule"]["state"]
            if (
                policy.get("pause_on_failure")
                and status in (WorkflowExecutionStatus.FAILED, WorkflowExecutionStatus.TIMED_OUT)
                and not state.get("paused")
            ):
                state["paused"], state["note"] = (
                    True,
                    f"paused: workflow {workflow_id} {status.name.lower().replace('_', ' ')}",
                )
                doc["info"]["armed"], fx.disarm = None, True
            self._drain(schedule_id, doc, now, fx)

        try:
            self._change(schedule_id, change)
        except ScheduleNotFound:
            pass  # deleted meanwhile: nothing waits

    def fire_overdue(self, grace_seconds: float) -> builtins.list[str]:
        """Send the fire of every schedule whose armed time passed ``grace_seconds`` ago.

        For the reconciler: a crash between a schedule's write and the arming of its next
        time leaves nothing to deliver it. A fire sent twice is taken once.
        """
        if self.services.schedules is None:
            return []
        now, fired = self.services.clock.now(), []
        for stored in self._store.list():
            armed = stored.doc["info"].get("armed")
            if armed is None:
                continue
            due = ScheduleTimes.from_doc(stored.doc["schedule"]["spec"]).jittered(stored.schedule_id, armed)
            if now - due > grace_seconds:
                body = fire_body(stored.schedule_id, armed)
                self.services.inbox.send(
                    body,
                    group_id=schedule_group(stored.schedule_id),
                    dedup_id=f"reconciled:{json.loads(body)['dedup']}",
                )
                fired.append(stored.schedule_id)
        return fired

    # -- one change ----------------------------------------------------------------------------

    def _change(self, schedule_id: str, change: Change, *, touched: bool = False) -> None:
        """Read, finish the previous change's starts, apply ``change``, write, then act on it."""
        for _ in range(8):
            stored = self._store.get(schedule_id)
            doc, now = stored.doc, self.services.clock.now()
            self._start_all(schedule_id, doc, doc["info"]["pending"])
            self._refresh_running(doc)
            fx = _Effects()
            change(doc, now, fx)
            self._backfill_chunk(schedule_id, doc, now, fx)
            doc["info"]["pending"] = fx.starts
            if touched:
                doc["info"]["last_updated_at"] = now
            try:
                self._store.put(schedule_id, doc, version=stored.version)
            except ScheduleConflict:
                continue  # another change won: read again
            self._apply(schedule_id, doc, fx)
            return
        raise ScheduleConflict(f"schedule {schedule_id} kept changing under this operation; try again")

    def _apply(self, schedule_id: str, doc: dict[str, Any], fx: _Effects) -> None:
        firing = self.services.schedule_firing
        assert firing is not None
        for run in fx.terminates:
            send_to_inbox(
                self.services,
                run["workflow_id"],
                run["run_id"],
                "terminate",
                f"sch-terminate:{schedule_id}",
                reason="terminated by schedule overlap policy TERMINATE_OTHER",
                details=[],
            )
        for run in fx.cancels:
            send_to_inbox(
                self.services,
                run["workflow_id"],
                run["run_id"],
                "cancel",
                f"sch-cancel:{schedule_id}",
                reason="schedule overlap policy CANCEL_OTHER",
            )
        self._start_all(schedule_id, doc, fx.starts)
        if fx.disarm and doc["info"]["armed"] is None:
            firing.disarm(schedule_id)
        if fx.arm and doc["info"]["armed"] is not None:
            nominal = doc["info"]["armed"]
            at = ScheduleTimes.from_doc(doc["schedule"]["spec"]).jittered(schedule_id, nominal)
            firing.arm(schedule_id, at, fire_body(schedule_id, nominal))

    # -- decisions (on the document) ----------------------------------------------------------

    def _rearm(self, doc: dict[str, Any], after: float, fx: _Effects) -> None:
        state = doc["schedule"]["state"]
        if state.get("paused") or (state.get("limited_actions") and state.get("remaining_actions", 0) <= 0):
            doc["info"]["armed"], fx.disarm = None, True
            return
        nxt = ScheduleTimes.from_doc(doc["schedule"]["spec"]).next_after(after)
        doc["info"]["armed"] = nxt
        fx.arm, fx.disarm = nxt is not None, nxt is None

    def _act(
        self, schedule_id: str, doc: dict[str, Any], nominal: float, scheduled_at: float, overlap: int, fx: _Effects
    ) -> bool:
        """Take (or buffer, or skip) the action of ``nominal``; True unless skipped."""
        info = doc["info"]
        busy = bool(info["running"]) and overlap != ScheduleOverlapPolicy.ALLOW_ALL
        if not busy:
            self._start(schedule_id, doc, nominal, scheduled_at, fx)
            return True
        if overlap == ScheduleOverlapPolicy.SKIP or (overlap == ScheduleOverlapPolicy.BUFFER_ONE and info["buffered"]):
            info["num_actions_skipped_overlap"] += 1
            return False
        if overlap == ScheduleOverlapPolicy.TERMINATE_OTHER:
            fx.terminates += info["running"]
            info["running"] = []
            self._start(schedule_id, doc, nominal, scheduled_at, fx)
            return True
        if overlap == ScheduleOverlapPolicy.CANCEL_OTHER:
            fx.cancels += info["running"]
            info["buffered"] = []  # the newest start replaces one that waited
        info["buffered"].append({"nominal": nominal, "scheduled_at": scheduled_at})
        return True

    def _backfill_chunk(self, schedule_id: str, doc: dict[str, Any], now: float, fx: _Effects) -> None:
        """Take up to :data:`BACKFILL_CHUNK` actions of the ongoing backfills, oldest first."""
        info = doc["info"]
        if not info.get("backfills"):
            return
        self._drain(schedule_id, doc, now, fx)
        times = ScheduleTimes.from_doc(doc["schedule"]["spec"])
        limit = BACKFILL_CHUNK
        while info["backfills"] and limit > 0:
            b = info["backfills"][0]
            batch: list[dict[str, Any]] = []
            t: float | None = b["start_at"]
            while limit > 0 and b["budget"] > 0:
                nominal = times.next_after(t)  # type: ignore[arg-type]
                if nominal is None:
                    t = None
                    break
                actual = times.jittered(schedule_id, nominal)
                if actual > b["end_at"]:
                    t = None
                    break
                batch.append({"nominal": nominal, "scheduled_at": actual, "overlap": b.get("overlap")})
                t, limit, b["budget"] = actual, limit - 1, b["budget"] - 1
            self._act_batch(schedule_id, doc, batch, fx)
            if t is None or b["budget"] <= 0:
                info["backfills"].pop(0)  # done (or its bound reached)
            else:
                b["start_at"] = t

    def _act_batch(
        self, schedule_id: str, doc: dict[str, Any], batch: builtins.list[dict[str, Any]], fx: _Effects
    ) -> None:
        """Start, buffer or skip a batch of manual actions as Temporal's ``processBuffer`` does.

        Unlike one action at a time, what the batch itself starts does not count as running
        for the rest of it: of several SKIP actions the first starts and the others are
        skipped, of several CANCEL_OTHER or TERMINATE_OTHER ones only the last starts.
        """
        info, default = doc["info"], doc["schedule"]["policy"]["overlap"]
        running = bool(info["running"])
        chosen: dict[str, Any] | None = None
        overlapping: list[dict[str, Any]] = []
        waiting: list[dict[str, Any]] = []
        cancel = terminate = False
        for entry in batch:
            policy = entry.get("overlap") or default
            if policy == ScheduleOverlapPolicy.ALLOW_ALL:
                overlapping.append(entry)
            elif not running and chosen is None:
                chosen = entry
            elif policy == ScheduleOverlapPolicy.SKIP or (
                policy == ScheduleOverlapPolicy.BUFFER_ONE and (waiting or info["buffered"])
            ):
                info["num_actions_skipped_overlap"] += 1
            elif policy in (ScheduleOverlapPolicy.BUFFER_ONE, ScheduleOverlapPolicy.BUFFER_ALL):
                waiting.append(entry)
            elif not running:
                chosen = entry  # CANCEL_OTHER / TERMINATE_OTHER of one not started yet: replace it
            else:
                cancel, terminate = (
                    cancel or policy == ScheduleOverlapPolicy.CANCEL_OTHER,
                    terminate or policy == ScheduleOverlapPolicy.TERMINATE_OTHER,
                )
                waiting = [
                    *[
                        w
                        for w in waiting
                        if (w.get("overlap") or default)
                        not in (ScheduleOverlapPolicy.CANCEL_OTHER, ScheduleOverlapPolicy.TERMINATE_OTHER)
                    ],
                    entry,
                ]
        if terminate:
            fx.terminates += info["running"]
            info["running"] = []
            self._act_batch(schedule_id, doc, waiting, fx)  # what waited for the terminated runs
            return
        if cancel:
            fx.cancels += info["running"]
            overlapping = []
        for entry in [chosen] if chosen is not None else []:
            self._start(schedule_id, doc, entry["nominal"], entry["scheduled_at"], fx)
        for entry in overlapping:
            self._start(schedule_id, doc, entry["nominal"], entry["scheduled_at"], fx)
        info["buffered"] += [{"nominal": w["nominal"], "scheduled_at": w["scheduled_at"]} for w in waiting]

    def _drain(self, schedule_id: str, doc: dict[str, Any], now: float, fx: _Effects) -> None:
        info = doc["info"]
        if not info["running"] and info["buffered"]:
            nxt = info["buffered"].pop(0)
            self._start(schedule_id, doc, nxt["nominal"], nxt["scheduled_at"], fx)

    def _start(self, schedule_id: str, doc: dict[str, Any], nominal: float, scheduled_at: float, fx: _Effects) -> None:
        info, action = doc["info"], doc["schedule"]["action"]
        workflow_id = scheduled_workflow_id(action["id"], nominal)
        if any(r["workflow_id"] == workflow_id for r in info["running"]):
            info["num_actions_skipped_overlap"] += 1  # two triggers in one second: one run
            return
        start = {
            "workflow_id": workflow_id,
            "run_id": str(uuid.uuid4()),
            "nominal": nominal,
            "scheduled_at": scheduled_at,
            "started_at": self.services.clock.now(),
        }
        fx.starts.append(start)
        info["num_actions"] += 1
        info["running"].append({"workflow_id": workflow_id, "run_id": start["run_id"]})
        info["recent_actions"] = [*info["recent_actions"], start][-RECENT_ACTIONS:]

    def _refresh_running(self, doc: dict[str, Any]) -> None:
        """Drop the runs that closed (a run that continued as new is still running: its chain is)."""
        still = []
        for run in doc["info"]["running"]:
            try:
                if self.services.executions.get(run["workflow_id"]).status is WorkflowExecutionStatus.RUNNING:
                    still.append(run)
            except ExecutionNotFound:
                if any(p["workflow_id"] == run["workflow_id"] for p in doc["info"]["pending"]):
                    still.append(run)  # its start is in flight (or was cut short by a crash)
        doc["info"]["running"] = still

    # -- starting runs ---------------------------------------------------------------------------

    def _start_all(self, schedule_id: str, doc: dict[str, Any], starts: builtins.list[dict[str, Any]]) -> None:
        action = doc["schedule"]["action"]
        for start in starts:
            self._ensure_started(schedule_id, action, start)

    def _ensure_started(self, schedule_id: str, action: dict[str, Any], start: dict[str, Any]) -> None:
        """Begin the run; after a crash, finish whichever of its steps is missing."""
        wf, run = start["workflow_id"], start["run_id"]
        s = self.services
        try:
            begin_run(
                s,
                workflow_type=action["workflow"],
                workflow_id=wf,
                run_id=run,
                task_queue=action["task_queue"],
                input=action["args"],
                carried={"scheduled_by_id": schedule_id, "scheduled_start_time": start["nominal"]},
                # On the start event, as Temporal's scheduler starts its runs: so the run itself,
                # describe and an upsert's new visibility keep them too.
                search_attributes=_scheduled_attributes(schedule_id, start),
            )
            return
        except ExecutionIdInUse as err:
            if err.run_id != run:
                logger.warning(
                    "schedule %s: workflow id %s is taken by run %s; action not started", schedule_id, wf, err.run_id
                )
            return
        except HistoryConflict:
            pass  # its start event is logged: begun before
        ledger = Ledger.of(s.history.load(execution_key(wf, run)))
        if ledger.decided or ledger.closed:
            return  # it ran: nothing of its start is missing
        try:
            if s.executions.get(wf).run_id != run:
                return  # the id went to another run: this start was never made visible
        except ExecutionNotFound:
            record = ExecutionRecord(
                workflow_id=wf,
                run_id=run,
                workflow_type=action["workflow"],
                task_queue=action["task_queue"],
                status=WorkflowExecutionStatus.RUNNING,
                start_time=float((ledger.started or {}).get("start_time", s.clock.now())),
                search_attributes=ledger.search_attributes,
            )
            try:
                s.executions.create(record, replaceable=frozenset())
            except ExecutionIdInUse as err:
                if err.run_id != run:
                    return
        send_to_inbox(s, wf, run, "start", "start")

    # -- reading ----------------------------------------------------------------------------------

    def _view(self, stored: StoredSchedule) -> dict[str, Any]:
        doc = stored.doc
        self._refresh_running(doc)
        state, now = doc["schedule"]["state"], self.services.clock.now()
        count = UPCOMING_ACTIONS
        if state.get("limited_actions"):
            count = min(count, max(0, state.get("remaining_actions", 0)))
        doc["info"]["upcoming"] = ScheduleTimes.from_doc(doc["schedule"]["spec"]).upcoming(now, count) if count else []
        return doc
