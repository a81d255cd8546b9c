"""Cron expressions: parse the standard five fields and find the next tick after a time.

The dialect is Temporal's (robfig/cron's standard parser): ``minute hour day-of-month
month day-of-week`` with lists, ranges, steps, ``*``/``?``, month and weekday names,
the descriptors ``@yearly @annually @monthly @weekly @daily @midnight @hourly`` and
``@every <duration>``, and an optional ``CRON_TZ=<zone>`` prefix (UTC otherwise). When
both day fields are restricted a day matching either fires, as in Vixie cron. Ticks follow
robfig/cron v3's search, daylight-saving changes included (see :meth:`CronExpression.next_after`).
This is the dialect of ``cron_schedule`` only: schedules read Temporal's schedule dialect
(:mod:`durable._schedules.calendar`), where the day fields AND.

Pure: no clock, no I/O. Times are epoch seconds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from durable._schedules.gotime import Wall, add_date, date_of, wall

__all__ = ["CronExpression", "InvalidCronExpression", "parse_duration"]


class InvalidCronExpression(ValueError):
    """The text is not a cron expression this engine understands."""


_MONTHS = {n: i + 1 for i, n in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_DAYS = {n: i for i, n in enumerate("SUN MON TUE WED THU FRI SAT".split())}

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

# Five years without a match means the expression never fires (e.g. 30 February).
_SEARCH_YEARS = 5


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTHS),
    _Field("day-of-week", 0, 7, _DAYS),  # 7 is Sunday too
)


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration (``90s``, ``1h30m``, ``1.5h``).

    Raises:
        InvalidCronExpression: not a positive duration.
    """
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidCronExpression(f"{text!r} is not a duration like 90s, 15m or 1h30m")
    seconds = sum(float(n) * units[u] for n, u in parts)
    if seconds <= 0:
        raise InvalidCronExpression(f"duration {text!r} must be positive")
    return seconds


@dataclass(frozen=True)
class CronExpression:
    """A parsed cron expression; :meth:`next_after` gives its ticks."""

    text: str
    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    day_or: bool = False  # both day fields restricted: either may match
    zone: str = "UTC"
    every: float | None = None  # @every <duration>: ticks that far after the given time

    @staticmethod
    def parse(text: str) -> CronExpression:
        """Parse ``text``.

        Raises:
            InvalidCronExpression: with the field at fault and why.
        """
        if not isinstance(text, str):
            raise InvalidCronExpression(f"a cron expression is text, not {type(text).__name__}")
        body = text.strip()
        zone = "UTC"
        match = re.match(r"^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$", body)
        if match:
            zone, body = match.group(1), match.group(2).strip()
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as err:
                raise InvalidCronExpression(f"cron expression {text!r}: unknown time zone {zone!r}") from err
        if body.startswith("@every"):
            return CronExpression(text=text, zone=zone, every=parse_duration(body.removeprefix("@every").strip()))
        if body.startswith("@"):
            if body.lower() not in _DESCRIPTORS:
                known = ", ".join([*_DESCRIPTORS, "@every <duration>"])
                raise InvalidCronExpression(f"cron expression {text!r}: unknown descriptor {body!r} (known: {known})")
            body = _DESCRIPTORS[body.lower()]
        fields = body.split()
        if len(fields) != 5:
            raise InvalidCronExpression(
                f"cron expression {text!r} has {len(fields)} fields;"
                " expected 5: minute hour day-of-month month day-of-week"
            )
        parsed = [_parse_field(text, f, spec) for f, spec in zip(fields, _FIELDS, strict=True)]
        (minutes, _), (hours, _), (days, dom_star), (months, _), (weekdays, dow_star) = parsed
        return CronExpression(
            text=text,
            minutes=minutes,
            hours=hours,
            days=days,
            months=months,
            weekdays=frozenset(d % 7 for d in weekdays),
            day_or=not (dom_star or dow_star),
            zone=zone,
        )

    def next_after(self, after: float) -> float | None:
        """The first tick strictly after ``after`` (epoch seconds), or None if it never fires.

        robfig/cron v3's ``SpecSchedule.Next``, step for step, on Go's wall-clock rules
        (:mod:`durable._schedules.gotime`): hours and minutes advance in real time, so a
        repeated fall-back hour is walked twice (``30 1 * * *`` in New York fires at 01:30
        EDT and again at 01:30 EST) and a wall time a spring-forward gap skips never fires.
        """
        if self.every is not None:
            # ConstantDelaySchedule: the delay in whole seconds (at least one) after the
            # given time's whole second
            return float(math.floor(after) + max(1, math.floor(self.every)))
        tz: tzinfo = UTC if self.zone == "UTC" else ZoneInfo(self.zone)
        t = math.floor(after) + 1
        added = False
        year_limit = wall(t, tz).year + _SEARCH_YEARS
        while True:  # robfig's WRAP label
            w = wall(t, tz)
            if w.year > year_limit:
                return None
            wrapped = False
            while w.month not in self.months:
                if not added:
                    added = True
                    t = date_of(w.year, w.month, 1, 0, 0, 0, tz)
                t = add_date(t, tz, months=1)
                w = wall(t, tz)
                if w.month == 1:
                    wrapped = True
                    break
            if wrapped:
                continue
            while not self._day_matches(w):
                if not added:
                    added = True
                    t = date_of(w.year, w.month, w.day, 0, 0, 0, tz)
                t = add_date(t, tz, days=1)
                hour = wall(t, tz).hour
                if hour != 0:  # midnight moved by a daylight-saving change
                    t += (24 - hour) * 3600 if hour > 12 else -hour * 3600
                w = wall(t, tz)
                if w.day == 1:
                    wrapped = True
                    break
            if wrapped:
                continue
            while w.hour not in self.hours:
                if not added:
                    added = True
                    t = date_of(w.year, w.month, w.day, w.hour, 0, 0, tz)
                t += 3600
                w = wall(t, tz)
                if w.hour == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            while w.minute not in self.minutes:
                if not added:
                    added = True
                    t -= t % 60
                t += 60
                w = wall(t, tz)
                if w.minute == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            while w.second != 0:  # the standard parser's seconds field is 0
                added = True
                t += 1
                w = wall(t, tz)
                if w.second == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            return float(t)

    def _day_matches(self, w: Wall) -> bool:
        dom = w.day in self.days
        dow = w.weekday in self.weekdays
        return (dom or dow) if self.day_or else (dom and dow)


def _parse_field(text: str, value: str, spec: _Field) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it was a bare star (unrestricted)."""
    out: set[int] = set()
    star = False
    for part in value.split(","):
        rng, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise _bad(text, spec, part, f"step {step_text!r} must be a positive number")
            step = int(step_text)
        if rng in ("*", "?"):
            low, high = spec.low, spec.high if spec.name != "day-of-week" else 6
            star = star or not step_text or int(step_text) == 1  # robfig: */1 is still a star
        elif "-" in rng:
            a, _, b = rng.partition("-")
            low, high = _value(text, spec, a), _value(text, spec, b)
            if low > high:
                raise _bad(text, spec, part, f"range start {a} is after its end {b}")
        else:
            low = _value(text, spec, rng)
            high = (spec.high if spec.name != "day-of-week" else 6) if step_text else low
        out.update(range(low, high + 1, step))
    return frozenset(out), star


def _value(text: str, spec: _Field, token: str) -> int:
    if spec.names and token.upper() in spec.names:
        return spec.names[token.upper()]
    if not token.isdigit():
        raise _bad(text, spec, token, "not a number" + (f" or a name ({', '.join(spec.names)})" if spec.names else ""))
    n = int(token)
    if not spec.low <= n <= spec.high:
        raise _bad(text, spec, token, f"out of range {spec.low}-{spec.high}")
    return n


def _bad(text: str, spec: _Field, token: str, why: str) -> InvalidCronExpression:
    return InvalidCronExpression(f"cron expression {text!r}: {spec.name} field {token!r}: {why}")
