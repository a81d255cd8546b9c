"""Every schedule operation over the runtime's Control, with typed arguments and results.

What both doors run: the in-process client (:mod:`durable._local.schedule_transport`) and
the HTTP API's schedule routes (:mod:`durable._http.schedule_routes`). It reads the schedule
runner's documents into the typed values of :mod:`durable._schedules.documents` (the spec as
Temporal's server describes it), filters and pages listings, and raises the engine's errors;
each door maps those to its own (temporalio's exceptions, HTTP statuses).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from durable._runtime.control import Control
from durable._runtime.ports import ExecutionRecord
from durable._runtime.schedules import ScheduleRunner
from durable._schedules.documents import (
    BackfillDocument,
    CalendarDocument,
    ScheduleActionTaken,
    ScheduleDescribed,
    ScheduleDetails,
    ScheduleDocument,
    ScheduleListed,
    SchedulePage,
    ScheduleRun,
    ScheduleSpecDocument,
)
from durable._schedules.overlap import ScheduleOverlapPolicy
from durable._schedules.spec import canonical_spec
from durable._statuses import WorkflowExecutionStatus
from durable._visibility.evaluate import matches
from durable._visibility.query import InvalidQuery, parse

__all__ = ["InvalidScheduleRequest", "ScheduleOperations", "schedule_document"]

MAX_PAGE_SIZE = 1000


class InvalidScheduleRequest(ValueError):
    """A request about schedules the engine cannot take (a backfill that ends before it
    starts, a page size or page token that is not valid); the message names the field."""


class ScheduleOperations:
    """Every schedule operation over a :class:`Control`, with typed arguments and results.

    Raises the engine's errors: ScheduleNotFound, ScheduleAlreadyExists, InvalidScheduleSpec,
    InvalidQuery, InvalidScheduleRequest, InvalidIdError.
    """

    def __init__(self, control: Control) -> None:
        # Over the control's services, as every client operation: the schedule's arguments and
        # memo come encoded by the client's codec and are stored as they came (the orchestrator's
        # runner, over the engine's services, would encode them once more).
        self._runner = ScheduleRunner(control.services)

    def create(
        self,
        schedule_id: str,
        schedule: ScheduleDocument,
        *,
        trigger_immediately: bool = False,
        backfill: Sequence[BackfillDocument] = (),
        memo: Mapping[str, str] | None = None,
    ) -> None:
        """Store a new schedule, arm its first action, take the immediate and backfilled ones."""
        _check_backfills(backfill, "backfill")
        self._runner.create(
            schedule_id,
            dict(schedule),
            trigger_immediately=trigger_immediately,
            # The engine keeps the memo's values as JSON (as it always has), not as payload text.
            memo={key: json.loads(value) for key, value in memo.items()} if memo else None,
            backfill=[dict(b) for b in backfill] or None,
        )

    def describe(self, schedule_id: str) -> ScheduleDescribed:
        """The schedule, what it did and will do, its memo."""
        return _described(schedule_id, self._runner.get(schedule_id))

    def list(self, query: str | None, page_size: int, next_page_token: bytes | None) -> SchedulePage:
        """One page of the schedules ``query`` matches, by id.

        ``query`` is Temporal's list filter over ``ScheduleId`` (Keyword) and
        ``TemporalSchedulePaused`` (Bool).
        """
        parsed = parse(query)
        if parsed.group_by is not None:
            raise InvalidQuery("invalid query: GROUP BY is for counting workflows; list schedules without it")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidScheduleRequest(f"page_size {page_size}: it must be from 1 to {MAX_PAGE_SIZE}")
        after = _cursor(query, next_page_token) if next_page_token else None
        found: list[ScheduleListed] = []
        for schedule_id, view in sorted(self._runner.list(), key=lambda entry: entry[0]):
            if after is not None and schedule_id <= after:
                continue
            described = _described(schedule_id, view)
            if not matches(parsed.where, _as_record(described)):
                continue
            if len(found) == page_size:
                return SchedulePage(tuple(found), _token(query, found[-1].schedule_id))
            found.append(_listed(described))
        return SchedulePage(tuple(found), None)

    def update(self, schedule_id: str, schedule: ScheduleDocument) -> None:
        """Replace action, spec, policy and state."""
        self._runner.update(schedule_id, dict(schedule))

    def delete(self, schedule_id: str) -> None:
        """Remove the schedule; its running workflows go on."""
        self._runner.delete(schedule_id)

    def pause(self, schedule_id: str, note: str | None) -> None:
        """Stop taking actions."""
        self._runner.pause(schedule_id, note)

    def unpause(self, schedule_id: str, note: str | None) -> None:
        """Take actions again."""
        self._runner.unpause(schedule_id, note)

    def trigger(self, schedule_id: str, overlap: ScheduleOverlapPolicy | None, request_id: str | None = None) -> None:
        """Take an action now; a ``request_id`` seen before takes none."""
        self._runner.trigger(schedule_id, overlap, request_id)

    def backfill(self, schedule_id: str, backfills: Sequence[BackfillDocument], request_id: str | None) -> None:
        """Take the actions of past periods now."""
        _check_backfills(backfills, "backfills")
        self._runner.backfill(schedule_id, [dict(b) for b in backfills], request_id)


def _check_backfills(backfills: Sequence[BackfillDocument], field: str) -> None:
    for i, b in enumerate(backfills):
        if b["end_at"] < b["start_at"]:
            raise InvalidScheduleRequest(f"{field}[{i}]: end_at is before start_at")


# -- the runner's documents as typed values ---------------------------------------------------


def _calendar(raw: Mapping[str, Any]) -> CalendarDocument:
    def ranges(name: str) -> list[list[int]]:
        return [[int(x) for x in r] for r in raw.get(name, [])]

    return {
        "second": ranges("second"),
        "minute": ranges("minute"),
        "hour": ranges("hour"),
        "day_of_month": ranges("day_of_month"),
        "month": ranges("month"),
        "year": ranges("year"),
        "day_of_week": ranges("day_of_week"),
        "comment": raw.get("comment") or None,
    }


def _spec(raw: Mapping[str, Any]) -> ScheduleSpecDocument:
    return {
        "calendars": [_calendar(c) for c in raw.get("calendars", [])],
        "skip": [_calendar(c) for c in raw.get("skip", [])],
        "cron_expressions": [str(c) for c in raw.get("cron_expressions", [])],
        "intervals": [
            {"every": float(iv["every"]), "offset": float(iv.get("offset") or 0.0)} for iv in raw.get("intervals", [])
        ],
        "start_at": raw.get("start_at"),
        "end_at": raw.get("end_at"),
        "jitter": raw.get("jitter"),
        "time_zone_name": raw.get("time_zone_name"),
    }


def schedule_document(raw: Mapping[str, Any]) -> ScheduleDocument:
    """A stored schedule as Temporal's server describes it: cron expressions turned into
    calendars and intervals; fields that older releases did not write get their defaults."""
    action, policy, state = raw["action"], raw.get("policy", {}), raw.get("state", {})
    return {
        "action": {
            "workflow": action["workflow"],
            "args": list(action.get("args", [])),
            "id": action["id"],
            "task_queue": action["task_queue"],
        },
        "spec": _spec(canonical_spec(dict(raw.get("spec", {})))),
        "policy": {
            "overlap": int(policy.get("overlap") or ScheduleOverlapPolicy.SKIP),
            "catchup_window": policy.get("catchup_window"),
            "pause_on_failure": bool(policy.get("pause_on_failure", False)),
        },
        "state": {
            "note": state.get("note"),
            "paused": bool(state.get("paused", False)),
            "limited_actions": bool(state.get("limited_actions", False)),
            "remaining_actions": int(state.get("remaining_actions", 0)),
        },
    }


def _described(schedule_id: str, view: Mapping[str, Any]) -> ScheduleDescribed:
    info = view["info"]
    return ScheduleDescribed(
        schedule_id=schedule_id,
        schedule=schedule_document(view["schedule"]),
        info=ScheduleDetails(
            num_actions=info["num_actions"],
            num_actions_missed_catchup_window=info["num_actions_missed_catchup_window"],
            num_actions_skipped_overlap=info["num_actions_skipped_overlap"],
            running=tuple(ScheduleRun(r["workflow_id"], r["run_id"]) for r in info["running"]),
            recent_actions=tuple(
                ScheduleActionTaken(a["workflow_id"], a["run_id"], a["scheduled_at"], a["started_at"])
                for a in info["recent_actions"]
            ),
            next_action_times=tuple(info.get("upcoming", [])),
            created_at=info["created_at"],
            last_updated_at=info.get("last_updated_at"),
        ),
        # Back to payload text as it came in (any converter's, an envelope too), not re-encoded.
        memo={key: json.dumps(value, separators=(",", ":")) for key, value in (view.get("memo") or {}).items()},
    )


def _listed(described: ScheduleDescribed) -> ScheduleListed:
    schedule = described.schedule
    return ScheduleListed(
        schedule_id=described.schedule_id,
        workflow_type=schedule["action"]["workflow"],
        spec=schedule["spec"],
        note=schedule["state"]["note"],
        paused=schedule["state"]["paused"],
        recent_actions=described.info.recent_actions,
        next_action_times=described.info.next_action_times,
        memo=described.memo,
    )


def _as_record(described: ScheduleDescribed) -> ExecutionRecord:
    """What a list filter sees of a schedule: its id and whether it is paused, as Temporal names them."""
    return ExecutionRecord(
        workflow_id=described.schedule_id,
        run_id="",
        workflow_type=described.schedule["action"]["workflow"],
        task_queue=described.schedule["action"]["task_queue"],
        status=WorkflowExecutionStatus.RUNNING,
        start_time=described.info.created_at,
        search_attributes={
            "ScheduleId": {"type": "Keyword", "value": described.schedule_id},
            "TemporalSchedulePaused": {"type": "Bool", "value": described.schedule["state"]["paused"]},
        },
    )


def _fingerprint(query: str | None) -> str:
    return hashlib.sha256((query or "").strip().encode()).hexdigest()[:16]


def _token(query: str | None, last_id: str) -> bytes:
    return base64.urlsafe_b64encode(json.dumps({"q": _fingerprint(query), "after": last_id}).encode())


def _cursor(query: str | None, token: bytes) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(token))
        fingerprint, after = data["q"], data["after"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidScheduleRequest("next_page_token: pass the token a listing returned, unchanged") from None
    if fingerprint != _fingerprint(query) or not isinstance(after, str):
        raise InvalidScheduleRequest("next_page_token: it belongs to a listing with another query")
    return after
