"""When a schedule's actions fall due, as Temporal's server computes it: the union of its
calendars, its cron expressions (Temporal's schedule dialect, turned into calendars and
intervals) and its intervals, minus the times a ``skip`` calendar matches, within
``start_at``/``end_at`` (and not after 2100), each time pushed later by a deterministic jitter.

Works on the schedule's stored spec (a JSON-able dict, see ``schedule_to_doc``); pure, no
clock: every function takes the time it reasons about. Times are whole epoch seconds.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from durable._schedules.calendar import Calendar, InvalidCalendar, parse_schedule_cron, validate_calendar_doc

__all__ = ["InvalidScheduleSpec", "ScheduleTimes", "canonical_spec"]

# A skip calendar that hides every time for this many candidates in a row ends the search:
# Temporal's server searches on (to 2100); a bound keeps a pathological spec from spinning.
_MAX_SKIPPED = 100_000
_END = 4133980800  # 2101-01-01T00:00:00Z: Temporal's server has no schedule time after 2100


class InvalidScheduleSpec(ValueError):
    """A schedule spec that cannot fire as given (the message names the field)."""


@dataclass(frozen=True)
class _Interval:
    every: int
    offset: int

    def next_after(self, t: int) -> int:
        # epoch + n * every + offset, the first one strictly after t
        return ((t - self.offset) // self.every + 1) * self.every + self.offset


def canonical_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The stored spec as Temporal's server keeps it: cron expressions turned into calendars
    (and ``@every`` into intervals), their ``CRON_TZ`` into ``time_zone_name``.

    Raises:
        InvalidScheduleSpec: a bad expression or calendar, or time zones that disagree.
    """
    calendars = [dict(c) for c in spec.get("calendars", [])]
    intervals = [dict(iv) for iv in spec.get("intervals", [])]
    zone = spec.get("time_zone_name") or ""
    cron_zone: str | None = None
    for i, text in enumerate(spec.get("cron_expressions", [])):
        try:
            parsed = parse_schedule_cron(text)
        except InvalidCalendar as err:
            raise InvalidScheduleSpec(f"spec.cron_expressions[{i}]: {err}") from err
        if cron_zone is not None and parsed.zone != cron_zone:
            # as Temporal's server: every cron expression names the same zone, or none does
            raise InvalidScheduleSpec(
                f"spec.cron_expressions[{i}]: conflicting timezone names ({cron_zone!r}, {parsed.zone!r})"
            )
        cron_zone = parsed.zone
        if parsed.calendar is not None:
            calendars.append(parsed.calendar)
        if parsed.interval is not None:
            intervals.append({"every": parsed.interval[0], "offset": parsed.interval[1]})
    if cron_zone:
        if zone and zone != cron_zone:
            raise InvalidScheduleSpec(
                f"spec.time_zone_name {zone!r} conflicts with the cron expressions' CRON_TZ={cron_zone}"
            )
        zone = cron_zone
    for i, cal in enumerate(calendars):
        _check(cal, f"spec.calendars[{i}]")
    for i, cal in enumerate(spec.get("skip", [])):
        _check(cal, f"spec.skip[{i}]")
    canon = {"calendars": calendars, "intervals": intervals, "cron_expressions": [], "time_zone_name": zone or None}
    return {**spec, **canon}


def _check(cal: dict[str, Any], where: str) -> None:
    try:
        validate_calendar_doc(cal, where)
    except InvalidCalendar as err:
        raise InvalidScheduleSpec(str(err)) from err


def _zone(name: str | None) -> tzinfo:
    if not name or name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InvalidScheduleSpec(f"spec.time_zone_name: unknown time zone {name!r}") from err


@dataclass(frozen=True)
class ScheduleTimes:
    """The nominal action times of a spec, and the jitter of each."""

    calendars: tuple[Calendar, ...]
    intervals: tuple[_Interval, ...]
    skip: tuple[Calendar, ...]
    start_at: float | None
    end_at: float | None
    jitter: float

    @staticmethod
    def from_doc(spec: dict[str, Any]) -> ScheduleTimes:
        """Parse a stored spec.

        Raises:
            InvalidScheduleSpec: a bad cron expression or calendar, a non-positive interval. An
            empty spec is valid, as on Temporal's server: its schedule acts only when triggered
            or backfilled.
        """
        canon = canonical_spec(spec)
        tz = _zone(canon.get("time_zone_name"))
        intervals = []
        for i, iv in enumerate(canon["intervals"]):
            every, offset = math.floor(iv["every"]), math.floor(iv.get("offset") or 0.0)
            if every < 1:
                raise InvalidScheduleSpec(
                    f"spec.intervals[{i}].every must be positive, not {iv['every']} s (at least 1 s)"
                )
            if offset < 0:
                raise InvalidScheduleSpec(f"spec.intervals[{i}].offset cannot be negative")
            intervals.append(_Interval(every, offset % every))
        jitter = float(spec.get("jitter") or 0.0)
        if jitter < 0:
            raise InvalidScheduleSpec("spec.jitter cannot be negative")
        return ScheduleTimes(
            calendars=tuple(Calendar.compile(c, tz) for c in canon["calendars"]),
            intervals=tuple(intervals),
            skip=tuple(Calendar.compile(c, tz) for c in canon.get("skip", [])),
            start_at=spec.get("start_at"),
            end_at=spec.get("end_at"),
            jitter=jitter,
        )

    def _raw_next(self, t: int) -> int | None:
        """The first time of a calendar or interval after ``t``, skip and bounds ignored."""
        candidates = [c for c in (cal.next_after(t) for cal in self.calendars) if c is not None]
        candidates += [iv.next_after(t) for iv in self.intervals]
        return min(candidates) if candidates else None

    def next_after(self, t: float) -> float | None:
        """The first nominal time strictly after ``t``, or None when there is none left."""
        after = math.floor(t)
        if self.start_at is not None:
            after = max(after, math.floor(self.start_at) - 1)  # start_at itself may match
        for _ in range(_MAX_SKIPPED):
            nominal = self._raw_next(after)
            if nominal is None or nominal >= _END or (self.end_at is not None and nominal > self.end_at):
                return None
            if not any(cal.matches(nominal) for cal in self.skip):
                return float(nominal)
            after = nominal
        return None

    def upcoming(self, after: float, count: int) -> list[float]:
        """The next ``count`` nominal times after ``after``."""
        out: list[float] = []
        while len(out) < count:
            following = self.next_after(after)
            if following is None:
                break
            out.append(following)
            after = following
        return out

    def jittered(self, schedule_id: str, nominal: float) -> float:
        """When the action of ``nominal`` is due: a fixed random delay in [0, jitter), never
        past the next nominal time. The same for every caller (a hash, not a random draw)."""
        if not self.jitter:
            return nominal
        digest = hashlib.sha256(f"{schedule_id}:{nominal!r}".encode()).digest()
        fraction = int.from_bytes(digest[:8], "big") / 2**64
        raw = self._raw_next(math.floor(nominal))
        following = None if raw is None else float(raw)
        limit = self.jitter if following is None else min(self.jitter, following - nominal)
        return nominal + fraction * limit
