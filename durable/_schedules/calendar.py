"""Temporal's schedule calendars and its schedule cron dialect (pure, whole seconds).

A calendar is seven fields of inclusive ``[start, end, step]`` ranges (temporalio's
``ScheduleCalendarSpec``); a time matches when every field matches, day of month *and* day
of week (no cron-style OR), and an empty year list matches every year. The schedule cron
dialect is what Temporal's server turns ``ScheduleSpec.cron_expressions`` into calendars
with: 5 fields (minute hour day-of-month month day-of-week), 6 (... year) or 7 (second
... year); names (month prefixes of 3+ letters, weekday prefixes of 2+); ``*``, ranges,
steps and lists; 7 is Sunday too; ``@yearly``/``@annually``/``@monthly``/``@weekly``/
``@daily``/``@midnight``/``@hourly``; a ``# comment`` at the end; ``@every <interval>[/<phase>]``
(an interval, not a calendar); and an optional ``CRON_TZ=``/``TZ=`` prefix that becomes the
spec's time zone. It is *not* the workflow-cron dialect of ``cron_schedule``
(:mod:`durable._schedules.cron`).

Daylight saving, as Temporal's server: a wall time skipped by a spring-forward gap never
fires; in a repeated fall-back hour the search walks the wall clock with Go's resolution of
repeated times (:mod:`durable._schedules.gotime`), so an hourly calendar fires in both
copies of the hour in zones west of Greenwich.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from durable._schedules.gotime import date_of, wall

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "Calendar",
    "InvalidCalendar",
    "ParsedCron",
    "calendar_doc",
    "parse_schedule_cron",
    "validate_calendar_doc",
]

MIN_YEAR = 2000
MAX_YEAR = 2100  # Temporal's server: no schedule time after 2100

Ranges = list[list[int]]  # [[start, end, step], ...] as stored


class InvalidCalendar(ValueError):
    """A calendar or schedule cron expression Temporal's server would refuse."""


_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")

# field: (bounds when parsed from text, default text, names); validated bounds differ for
# day-of-week (0-6 in a structured calendar, 7 accepted in text and folded to Sunday)
_FIELDS: dict[str, tuple[int, int, str]] = {
    "second": (0, 59, "0"),
    "minute": (0, 59, "0"),
    "hour": (0, 23, "0"),
    "day_of_month": (1, 31, "*"),
    "month": (1, 12, "*"),
    "year": (MIN_YEAR, MAX_YEAR, "*"),
    "day_of_week": (0, 7, "*"),
}
FIELD_ORDER = ("second", "minute", "hour", "day_of_month", "month", "year", "day_of_week")

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def calendar_doc(
    *,
    second: Ranges | None = None,
    minute: Ranges | None = None,
    hour: Ranges | None = None,
    day_of_month: Ranges | None = None,
    month: Ranges | None = None,
    year: Ranges | None = None,
    day_of_week: Ranges | None = None,
    comment: str | None = None,
) -> dict[str, Any]:
    """A stored calendar: each field's ranges, defaults as temporalio's ``ScheduleCalendarSpec``."""
    return {
        "second": second if second is not None else [[0, 0, 1]],
        "minute": minute if minute is not None else [[0, 0, 1]],
        "hour": hour if hour is not None else [[0, 0, 1]],
        "day_of_month": day_of_month if day_of_month is not None else [[1, 31, 1]],
        "month": month if month is not None else [[1, 12, 1]],
        "year": year if year is not None else [],
        "day_of_week": day_of_week if day_of_week is not None else [[0, 6, 1]],
        "comment": comment,
    }


def _clean(r: Sequence[int]) -> tuple[int, int, int]:
    start, end, step = (list(r) + [0, 0])[:3]
    return start, max(end, start), step or 1


def validate_calendar_doc(doc: dict[str, Any], where: str) -> None:
    """Temporal's bounds on a structured calendar (day of week 0-6, years 2000-2100, comment <= 200).

    Raises:
        InvalidCalendar: naming ``where`` and every field out of bounds.
    """
    errors = []
    bounds = {**{f: (lo, hi) for f, (lo, hi, _) in _FIELDS.items()}, "day_of_week": (0, 6)}
    for name in FIELD_ORDER:
        lo, hi = bounds[name]
        for r in doc.get(name, []):
            start, end, step = (list(r) + [0, 0])[:3]
            if not lo <= start <= hi:
                errors.append(f"{name} start {start} is not in range [{lo}-{hi}]")
            if end != 0 and (end < start or end > hi):
                errors.append(f"{name} end {end} is before start or not in range [{lo}-{hi}]")
            if step < 0:
                errors.append(f"{name} step {step} is negative")
    if len(doc.get("comment") or "") > 200:
        errors.append("comment is longer than 200 characters")
    if errors:
        raise InvalidCalendar(f"{where}: " + ", ".join(errors))


def _values(ranges: Iterable[Sequence[int]]) -> frozenset[int]:
    out: set[int] = set()
    for r in ranges:
        start, end, step = _clean(r)
        out.update(range(start, end + 1, step))
    return frozenset(out)


@dataclass(frozen=True)
class Calendar:
    """A compiled calendar in a zone: :meth:`next_after` and :meth:`matches`, as Temporal's server."""

    tz: tzinfo
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    years: frozenset[int] | None  # None: every year

    @staticmethod
    def compile(doc: dict[str, Any], tz: tzinfo) -> Calendar:
        """Compile a stored calendar (already validated)."""
        weekdays = _values(doc.get("day_of_week", []))
        return Calendar(
            tz=tz,
            seconds=_values(doc.get("second", [])),
            minutes=_values(doc.get("minute", [])),
            hours=_values(doc.get("hour", [])),
            days=_values(doc.get("day_of_month", [])),
            months=_values(doc.get("month", [])),
            weekdays=frozenset(d % 7 for d in weekdays),
            years=_values(doc["year"]) if doc.get("year") else None,
        )

    def _year(self, y: int) -> bool:
        return self.years is None or y in self.years

    def matches(self, unix: int) -> bool:
        """Whether the instant ``unix`` matches every field in this calendar's zone."""
        w = wall(unix, self.tz)
        return (
            self._year(w.year)
            and w.month in self.months
            and w.day in self.days
            and w.weekday in self.weekdays
            and w.hour in self.hours
            and w.minute in self.minutes
            and w.second in self.seconds
        )

    def next_after(self, after: int) -> int | None:
        """The first matching whole second strictly after ``after``, or None (none up to 2100).

        Temporal's ``compiledCalendar.next``, step for step: walk the wall clock from the
        outside in; when an hour ends and the next wall hour is two real hours later, the
        hour was repeated (fall back): walk it again an hour later.
        """
        if not (self.seconds and self.minutes and self.hours and self.days and self.months and self.weekdays):
            return None  # an empty field matches nothing: no need to search to 2100
        tz = self.tz
        y, mo, d, h, m, s, _ = wall(after, tz)
        dst = 3600 if wall(after - 3600, tz).hour == h else 0  # in the second copy of a repeated hour
        s += 1
        while True:
            if s >= 60:
                m, s = m + 1, 0
            if m >= 60:
                prev = date_of(y, mo, d, h, 0, 0, tz)
                h, m = h + 1, 0
                nxt = date_of(y, mo, d, h, 0, 0, tz)
                if dst == 0 and nxt - prev > 3600:
                    h, dst = h - 1, 3600
                else:
                    dst = 0
            if h >= 24:
                d, h = d + 1, 0
            if d > _days_in_month(mo, y):
                mo, d = mo + 1, 1
            if mo > 12:
                y, mo = y + 1, 1
            if y > MAX_YEAR:
                return None
            if not self._year(y):
                y, mo, d, h, m, s, dst = y + 1, 1, 1, 0, 0, 0, 0
                continue
            if mo not in self.months:
                mo, d, h, m, s, dst = mo + 1, 1, 0, 0, 0, 0
                continue
            if d not in self.days or _weekday(y, mo, d) not in self.weekdays:
                d, h, m, s, dst = d + 1, 0, 0, 0, 0
                continue
            if h not in self.hours:
                h, m, s, dst = h + 1, 0, 0, 0
                continue
            if m not in self.minutes:
                m, s = m + 1, 0
                continue
            if s not in self.seconds:
                s += 1
                continue
            at = date_of(y, mo, d, h, m, s, tz)
            if wall(at, tz).hour != h:  # a wall time a spring-forward gap skipped
                h, m, s = h + 1, 0, 0
                continue
            return at + dst


def _weekday(y: int, mo: int, d: int) -> int:
    return date(y, mo, d).isoweekday() % 7


def _days_in_month(mo: int, y: int) -> int:
    if mo == 2:
        return 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28
    return 30 + ((0b1010110101010 >> mo) & 1)


# -- the schedule cron dialect -------------------------------------------------------------


@dataclass(frozen=True)
class ParsedCron:
    """One schedule cron expression: a calendar or an interval, and its time zone ("" if none)."""

    calendar: dict[str, Any] | None
    interval: tuple[float, float] | None  # (every, phase) seconds
    zone: str


def parse_schedule_cron(text: str) -> ParsedCron:
    """Parse one of ``ScheduleSpec.cron_expressions`` as Temporal's server does.

    Raises:
        InvalidCalendar: with the field at fault and why.
    """
    if not isinstance(text, str):
        raise InvalidCalendar(f"a cron expression is text, not {type(text).__name__}")
    c = text.strip()
    zone = ""
    if c.startswith(("TZ=", "CRON_TZ=")):
        tz, sep, rest = c.partition(" ")
        if not sep:
            raise InvalidCalendar(f"cron expression {text!r} has a time zone but no fields")
        c, zone = rest, tz.partition("=")[2]
    c, _, comment = c.partition("#")
    c, comment = c.strip(), comment.strip()
    if c.startswith("@every"):
        return ParsedCron(None, _parse_every(text, c), "")
    c = _DESCRIPTORS.get(c, c)
    fields = c.split()
    names: tuple[str, ...]
    if len(fields) == 5:
        names = ("minute", "hour", "day_of_month", "month", "day_of_week")
    elif len(fields) == 6:
        names = ("minute", "hour", "day_of_month", "month", "day_of_week", "year")
    elif len(fields) == 7:
        names = ("second", "minute", "hour", "day_of_month", "month", "day_of_week", "year")
    else:
        raise InvalidCalendar(
            f"cron expression {text!r} has {len(fields)} fields; expected 5 (minute hour day-of-month month "
            "day-of-week), 6 (... year) or 7 (second ... year)"
        )
    given = dict(zip(names, fields, strict=True))
    doc: dict[str, Any] = {"comment": comment or None}
    for name in FIELD_ORDER:
        doc[name] = _make_ranges(text, name, given.get(name, _FIELDS[name][2]))
    return ParsedCron(doc, None, zone)


def _make_ranges(text: str, field: str, spec: str) -> Ranges:
    """Temporal's ``makeRange``: ``*``, ``x``, ``x-z``, ``x-z/y``, ``x/y``, ``*/y``, lists of them."""
    lo, hi, _ = _FIELDS[field]
    spec = spec.strip()
    if spec == "*" and field == "year":
        return []  # every year
    out: Ranges = []
    for part in spec.split(","):
        step, has_step = 1, False
        if "/" in part:
            pieces = part.split("/")
            if len(pieces) != 2:
                raise _bad(text, field, part, "has too many slashes")
            part, step_text = pieces
            if not re.fullmatch(r"[+-]?\d+", step_text) or int(step_text) < 1:
                raise _bad(text, field, step_text, "step must be a positive number")
            step, has_step = int(step_text), True
        start, end = lo, hi
        if part != "*":
            if "-" in part:
                pieces = part.split("-")
                if len(pieces) != 2:
                    raise _bad(text, field, part, "has too many dashes")
                start = _value(text, field, pieces[0], lo, hi)
                end = _value(text, field, pieces[1], start, hi, what=f"range end (from {start})")
            else:
                start = _value(text, field, part, lo, hi)
                if not has_step:
                    end = start
        if field == "day_of_week" and end == 7:
            # 7 is Sunday: fold it into 0, adding a separate 0 where the range stepped onto 7.
            # As the server's code (not its comment): 1-7 with step 1 becomes 1-6, no Sunday.
            if (7 - start) % step == 0 and (step > 1 or start > 1):
                out.append([0, 0, 1])
                if start == 7:
                    continue
            end = 6
        out.append([start, end, step])
    return out


def _value(text: str, field: str, token: str, lo: int, hi: int, what: str = "value") -> int:
    low = token.lower()
    if field == "month" and len(token) >= 3:
        for i, name in enumerate(_MONTHS):
            if name.startswith(low):
                return _in_range(text, field, token, i + 1, lo, hi, what)
    elif field == "day_of_week" and len(token) >= 2:
        for i, name in enumerate(_DAYS):
            if name.startswith(low):
                return _in_range(text, field, token, i, lo, hi, what)
    if not re.fullmatch(r"[+-]?\d+", token):
        named = {"month": " or a month name", "day_of_week": " or a weekday name"}.get(field, "")
        raise _bad(text, field, token, f"not a number{named}")
    return _in_range(text, field, token, int(token), lo, hi, what)


def _in_range(text: str, field: str, token: str, n: int, lo: int, hi: int, what: str) -> int:
    if not lo <= n <= hi:
        raise _bad(text, field, token, f"{what} out of range {lo}-{hi}")
    return n


def _bad(text: str, field: str, token: str, why: str) -> InvalidCalendar:
    return InvalidCalendar(f"cron expression {text!r}: {field.replace('_', '-')} field {token!r}: {why}")


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_go_duration(text: str, *, days: bool = True) -> float:
    """Seconds in a Go duration (``90s``, ``1h30m``, ``1.5h``; with ``days``, Temporal's ``2d``).

    Raises:
        ValueError: not such a duration.
    """
    body = text[1:] if text[:1] in "+-" else text
    parts = _DURATION.findall(body)
    if not body or "".join(n + u for n, u in parts) != body or (not days and any(u == "d" for _, u in parts)):
        raise ValueError(f"{text!r} is not a duration like 90s, 15m or 1h30m")
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    return -seconds if text.startswith("-") else seconds


def _parse_every(text: str, c: str) -> tuple[float, float]:
    _, sep, rest = c.partition(" ")
    if not sep:
        raise InvalidCalendar(f"cron expression {text!r}: @every needs an interval, like @every 1h or @every 1d/2h")
    every_text, _, phase_text = rest.strip().partition("/")
    try:
        every = parse_go_duration(every_text)
        phase = parse_go_duration(phase_text) if phase_text else 0.0
    except ValueError as err:
        raise InvalidCalendar(f"cron expression {text!r}: {err}") from err
    return every, phase
