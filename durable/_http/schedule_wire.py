"""The schedule routes' bodies and the transport's typed documents, each way.

The server reads a request's models into the documents the engine stores and writes the
engine's answers as models; the remote client does the reverse with the same functions, so
a schedule that crosses the API arrives as it left (payloads as JSON values on the way,
times in RFC 3339 to the microsecond).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from durable._http import schedule_models as sm
from durable._http import wire
from durable._schedules.documents import (
    BackfillDocument,
    CalendarDocument,
    ScheduleActionTaken,
    ScheduleDescribed,
    ScheduleDetails,
    ScheduleDocument,
    ScheduleListed,
    ScheduleRun,
    ScheduleSpecDocument,
)
from durable._schedules.overlap import ScheduleOverlapPolicy

__all__ = [
    "backfill_documents",
    "backfills_of",
    "body_of",
    "described_of",
    "description_of",
    "document_of",
    "list_entry_of",
    "listed_of",
    "memo_in",
    "memo_out",
    "overlap_name",
    "overlap_of",
]


def _time(t: float) -> str:
    return wire.rfc3339(t, micro=True)


def _time_or_none(t: float | None) -> str | None:
    return None if t is None else _time(t)


def _epoch_or_none(text: str | None) -> float | None:
    return None if text is None else wire.parse_time(text)


def overlap_name(value: int | None) -> str | None:
    """An overlap policy's name (None stays None)."""
    return None if value is None else ScheduleOverlapPolicy(value).name


def overlap_of(name: str | None) -> ScheduleOverlapPolicy | None:
    """The overlap policy of a name (None stays None)."""
    return None if name is None else ScheduleOverlapPolicy[name]


def memo_in(memo: Mapping[str, object] | None) -> dict[str, str]:
    """A memo of JSON values as encoded payloads."""
    return {key: wire.encode_payload(value) for key, value in (memo or {}).items()}


def memo_out(memo: Mapping[str, str]) -> dict[str, object]:
    """A memo of encoded payloads as JSON values."""
    return {key: wire.decode_payload(value) for key, value in memo.items()}


# -- requests: models into documents ------------------------------------------------------------


def _ranges(ranges: Sequence[sm.Range]) -> list[list[int]]:
    # As temporalio's ScheduleRange: an end below the start is the start, a step of 0 is 1.
    return [[r.start, max(r.end, r.start), r.step or 1] for r in ranges]


def _calendar_document(cal: sm.Calendar) -> CalendarDocument:
    return {
        "second": _ranges(cal.second),
        "minute": _ranges(cal.minute),
        "hour": _ranges(cal.hour),
        "day_of_month": _ranges(cal.day_of_month),
        "month": _ranges(cal.month),
        "year": _ranges(cal.year),
        "day_of_week": _ranges(cal.day_of_week),
        "comment": cal.comment,
    }


def _spec_document(spec: sm.ScheduleSpec) -> ScheduleSpecDocument:
    return {
        "calendars": [_calendar_document(c) for c in spec.calendars],
        "skip": [_calendar_document(c) for c in spec.skip],
        "cron_expressions": list(spec.cron_expressions),
        "intervals": [{"every": iv.every, "offset": iv.offset} for iv in spec.intervals],
        "start_at": _epoch_or_none(spec.start_at),
        "end_at": _epoch_or_none(spec.end_at),
        "jitter": spec.jitter,
        "time_zone_name": spec.time_zone_name,
    }


def document_of(body: sm.ScheduleBody) -> ScheduleDocument:
    """The document the engine stores of a schedule sent to the API."""
    return {
        "action": {
            "workflow": body.action.workflow_type,
            "args": [wire.encode_payload(v) for v in body.action.input],
            "id": body.action.workflow_id,
            "task_queue": body.action.task_queue,
        },
        "spec": _spec_document(body.spec),
        "policy": {
            "overlap": int(ScheduleOverlapPolicy[body.policy.overlap]),
            "catchup_window": body.policy.catchup_window,
            "pause_on_failure": body.policy.pause_on_failure,
        },
        "state": {
            "note": body.state.note,
            "paused": body.state.paused,
            "limited_actions": body.state.limited_actions,
            "remaining_actions": body.state.remaining_actions,
        },
    }


def backfill_documents(backfills: Sequence[sm.Backfill]) -> list[BackfillDocument]:
    """The engine's backfills of the API's."""
    return [
        {
            "start_at": wire.parse_time(b.start_at),
            "end_at": wire.parse_time(b.end_at),
            "overlap": None if b.overlap is None else int(ScheduleOverlapPolicy[b.overlap]),
        }
        for b in backfills
    ]


# -- documents into models ---------------------------------------------------------------------


def _range_models(ranges: Sequence[Sequence[int]]) -> list[sm.Range]:
    return [sm.Range(start=r[0], end=r[1], step=r[2]) for r in ranges]


def _calendar_model(cal: CalendarDocument) -> sm.Calendar:
    return sm.Calendar(
        second=_range_models(cal["second"]),
        minute=_range_models(cal["minute"]),
        hour=_range_models(cal["hour"]),
        day_of_month=_range_models(cal["day_of_month"]),
        month=_range_models(cal["month"]),
        year=_range_models(cal["year"]),
        day_of_week=_range_models(cal["day_of_week"]),
        comment=cal["comment"],
    )


def _spec_model(spec: ScheduleSpecDocument) -> sm.ScheduleSpec:
    return sm.ScheduleSpec(
        calendars=[_calendar_model(c) for c in spec["calendars"]],
        skip=[_calendar_model(c) for c in spec["skip"]],
        cron_expressions=list(spec["cron_expressions"]),
        intervals=[sm.Interval(every=iv["every"], offset=iv["offset"]) for iv in spec["intervals"]],
        start_at=_time_or_none(spec["start_at"]),
        end_at=_time_or_none(spec["end_at"]),
        jitter=spec["jitter"],
        time_zone_name=spec["time_zone_name"],
    )


def body_of(doc: ScheduleDocument) -> sm.ScheduleBody:
    """A stored schedule as the API shows it."""
    action, policy, state = doc["action"], doc["policy"], doc["state"]
    return sm.ScheduleBody(
        action=sm.ScheduleAction(
            workflow_type=action["workflow"],
            workflow_id=action["id"],
            task_queue=action["task_queue"],
            input=[wire.decode_payload(a) for a in action["args"]],
        ),
        spec=_spec_model(doc["spec"]),
        policy=sm.SchedulePolicy(
            overlap=ScheduleOverlapPolicy(policy["overlap"]).name,
            catchup_window=policy["catchup_window"],
            pause_on_failure=policy["pause_on_failure"],
        ),
        state=sm.ScheduleState(
            note=state["note"],
            paused=state["paused"],
            limited_actions=state["limited_actions"],
            remaining_actions=state["remaining_actions"],
        ),
    )


def backfills_of(backfills: Sequence[BackfillDocument]) -> list[sm.Backfill]:
    """The API's backfills of the engine's."""
    return [
        sm.Backfill(start_at=_time(b["start_at"]), end_at=_time(b["end_at"]), overlap=overlap_name(b["overlap"]))
        for b in backfills
    ]


def _taken_models(actions: Sequence[ScheduleActionTaken]) -> list[sm.ScheduleActionTaken]:
    return [
        sm.ScheduleActionTaken(
            workflow_id=a.workflow_id,
            run_id=a.run_id,
            scheduled_at=_time(a.scheduled_at),
            started_at=_time(a.started_at),
        )
        for a in actions
    ]


def description_of(described: ScheduleDescribed) -> sm.ScheduleDescription:
    """A schedule's description as the API shows it."""
    info = described.info
    return sm.ScheduleDescription(
        schedule_id=described.schedule_id,
        schedule=body_of(described.schedule),
        info=sm.ScheduleInfo(
            num_actions=info.num_actions,
            num_actions_missed_catchup_window=info.num_actions_missed_catchup_window,
            num_actions_skipped_overlap=info.num_actions_skipped_overlap,
            running_actions=[sm.ScheduleRun(workflow_id=r.workflow_id, run_id=r.run_id) for r in info.running],
            recent_actions=_taken_models(info.recent_actions),
            next_action_times=[_time(t) for t in info.next_action_times],
            created_at=_time(info.created_at),
            last_updated_at=_time_or_none(info.last_updated_at),
        ),
        memo=memo_out(described.memo),
    )


def list_entry_of(listed: ScheduleListed) -> sm.ScheduleListEntry:
    """A listed schedule as the API shows it."""
    return sm.ScheduleListEntry(
        schedule_id=listed.schedule_id,
        action=sm.ScheduleListAction(workflow_type=listed.workflow_type),
        spec=_spec_model(listed.spec),
        state=sm.ScheduleListState(note=listed.note, paused=listed.paused),
        info=sm.ScheduleListInfo(
            recent_actions=_taken_models(listed.recent_actions),
            next_action_times=[_time(t) for t in listed.next_action_times],
        ),
        memo=memo_out(listed.memo),
    )


# -- answers back into documents (the remote client) ---------------------------------------------


def _taken(actions: Sequence[sm.ScheduleActionTaken]) -> tuple[ScheduleActionTaken, ...]:
    return tuple(
        ScheduleActionTaken(
            workflow_id=a.workflow_id,
            run_id=a.run_id,
            scheduled_at=wire.parse_time(a.scheduled_at),
            started_at=wire.parse_time(a.started_at),
        )
        for a in actions
    )


def described_of(description: sm.ScheduleDescription) -> ScheduleDescribed:
    """The typed description of an API answer."""
    info = description.info
    return ScheduleDescribed(
        schedule_id=description.schedule_id,
        schedule=document_of(description.schedule),
        info=ScheduleDetails(
            num_actions=info.num_actions,
            num_actions_missed_catchup_window=info.num_actions_missed_catchup_window,
            num_actions_skipped_overlap=info.num_actions_skipped_overlap,
            running=tuple(ScheduleRun(r.workflow_id, r.run_id) for r in info.running_actions),
            recent_actions=_taken(info.recent_actions),
            next_action_times=tuple(wire.parse_time(t) for t in info.next_action_times),
            created_at=wire.parse_time(info.created_at),
            last_updated_at=_epoch_or_none(info.last_updated_at),
        ),
        memo=memo_in(description.memo),
    )


def listed_of(entry: sm.ScheduleListEntry) -> ScheduleListed:
    """The typed listed schedule of an API answer."""
    return ScheduleListed(
        schedule_id=entry.schedule_id,
        workflow_type=entry.action.workflow_type,
        spec=_spec_document(entry.spec),
        note=entry.state.note,
        paused=entry.state.paused,
        recent_actions=_taken(entry.info.recent_actions),
        next_action_times=tuple(wire.parse_time(t) for t in entry.info.next_action_times),
        memo=memo_in(entry.memo),
    )
