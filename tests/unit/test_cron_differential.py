"""Differential test: durable's two cron dialects against croniter, an independent implementation.

Seeded random expressions (lists, ranges, steps, names, descriptors, 5-7 fields) in random
time zones (daylight saving north and south, half- and quarter-hour offsets, zones whose
DST change is at midnight), from random start times 2000-2090; the next ticks of each must
agree. ``DURABLE_CRON_DIFF_CASES`` raises the count (default 1,500 per dialect, a few
seconds); the seed is printed on failure and can be pinned with ``DURABLE_CRON_DIFF_SEED``.

The oracle is adapted to each dialect, and the test compares only where the semantics
coincide. Known differences, each handled here:

1. Day fields. ``cron_schedule`` (robfig/cron) fires on a day matching either day field
   when both are restricted; croniter with ``day_or=True`` does the same. Schedules
   (Temporal's server) fire only when both match: croniter with ``day_or=False``.
2. What counts as unrestricted: robfig treats the text ``*``, ``?`` and ``*/1`` as a star,
   croniter reads ``*/1`` as a restriction and any day field that covers its whole range
   (``0-6``, ``1/1``) as a star. ``*/1`` is not generated in day fields, and workflow-dialect
   cases with a whole-range day field that is not a star (while the other is restricted)
   are not compared.
3. Day of week 7: robfig refuses it (0-6), Temporal and croniter read it as Sunday. It is
   generated for the schedule dialect only.
4. Horizon: robfig gives up after five years without a tick, Temporal's server has no
   schedule time after 2100; croniter searches on. Ticks past those horizons are not compared
   (durable's None must then mean croniter's tick lies beyond it).
5. Daylight saving: in a repeated fall-back hour Temporal's schedules resolve the wall clock
   as Go's ``time.Date`` does, which east of Greenwich takes the later of the two instants:
   an hourly schedule there skips the second copy of the hour, while robfig and croniter
   walk both. Ticks inside a repeated hour are not compared for the schedule dialect in
   zones east of Greenwich (tests/unit/test_schedule_calendar.py pins that behaviour).
6. Temporal's month names are prefixes of three or more letters and its weekday names of
   two or more; robfig and croniter take three-letter names. Only three-letter names are
   generated.
7. Daylight-saving changes that are not a whole hour on the hour (Lord Howe's half hour,
   Chatham's at 2:45, Newfoundland's at 00:01 until 2011): robfig walks hours in real time from
   midnight, so after the change its wall clock sits on the half hour (``0 22 * * *`` fires
   at 22:30 that day), and Temporal's repeated-hour step assumes a whole hour on the hour;
   croniter keeps whole wall hours. Ticks on such a day are not compared, in either dialect.
8. croniter's own limits: it misreads a range whose ends are equal (``9-9``, ``5-5/3``) and
   refuses years after 2099. Neither is generated, and ticks in 2100 are not compared.
9. Where a stepped field ends. In Temporal's text the day of week runs 0-7 and years
   2000-2100, so ``5/2`` in day of week is 5 and 7 (Sunday), and ``*/4`` in years is
   2000, 2004, ...; croniter's day of week ends at 6 and its years start in 1970. The
   oracle is given those fields with Temporal's bounds spelled out (``5-7/2``, ``2000-2099/4``).
10. Temporal's server folds day of week 7 into Sunday for every range except one that starts
    at 1 with step 1: ``1-7`` (and ``1/1``) becomes 1-6, Sunday dropped (its code's comment
    says 0-6; durable does what the code does). The oracle is given ``1-6`` for those.
11. Spring-forward gaps. A wall time the gap skips never fires for robfig or Temporal's
    server; croniter fires at the end of the gap instead (03:00 for a ``2:30`` tick, even
    when minute 0 does not match). And robfig's day search, landing on a midnight the gap
    skipped, steps back an hour and passes that whole day by. Ticks on a day with a
    spring-forward change are not compared (tests/unit/test_cron.py and
    test_schedule_calendar.py pin both engines' behaviour there). Fall-back days are
    compared: there all three walk the repeated hour twice (west of Greenwich).
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from croniter import CroniterBadDateError, croniter

from durable._schedules.cron import CronExpression
from durable._schedules.spec import ScheduleTimes

CASES = int(os.environ.get("DURABLE_CRON_DIFF_CASES", "1500"))
SEED = int(os.environ.get("DURABLE_CRON_DIFF_SEED", "20261205"))
TICKS = 3

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "America/St_Johns",
    "Europe/London",
    "Asia/Tehran",
    "Australia/Lord_Howe",
    "America/Santiago",
]
MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
DAYS = "sun mon tue wed thu fri sat".split()
FIVE_YEARS = 5 * 366 * 86400
_FROM = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
_TO = datetime(2090, 1, 1, tzinfo=UTC).timestamp()
END_2100 = datetime(2099, 12, 30, tzinfo=UTC).timestamp()  # before 2100 in every zone


def _value(rng: random.Random, lo: int, hi: int, names: list[str] | None, base: int) -> str:
    n = rng.randint(lo, hi)
    if names and rng.random() < 0.3 and 0 <= n - base < len(names):
        return names[n - base].upper() if rng.random() < 0.5 else names[n - base]
    return str(n)


def _field(
    rng: random.Random, lo: int, hi: int, *, names: list[str] | None = None, base: int = 0, day: bool = False
) -> str:
    """One field: a star, or a list of values, ranges and steps within ``lo``-``hi``."""
    if rng.random() < 0.35:
        return "*"
    parts = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        kind = rng.random()
        if kind < 0.4:
            parts.append(_value(rng, lo, hi, names, base))
        elif kind < 0.7:
            a, b = sorted(rng.sample(range(lo, hi + 1), 2))  # a < b: croniter misreads a-a
            parts.append(f"{a}-{b}" if rng.random() < 0.6 else f"{a}-{b}/{rng.randint(1, max(1, hi - lo))}")
        elif kind < 0.85:
            parts.append(f"*/{rng.randint(2 if day else 1, max(2, (hi - lo) // 2))}")
        else:
            parts.append(f"{rng.randint(lo, hi)}/{rng.randint(1, max(1, hi - lo))}")
    return ",".join(parts)


def _five(rng: random.Random, *, dow_hi: int) -> list[str]:
    return [
        _field(rng, 0, 59),
        _field(rng, 0, 23),
        _field(rng, 1, 31, day=True),
        _field(rng, 1, 12, names=MONTHS, base=1),
        _field(rng, 0, dow_hi, names=DAYS, day=True),
    ]


def _start(rng: random.Random) -> float:
    return rng.uniform(_FROM, _TO)


def _oracle(expr: str, zone: str, start: float, *, day_or: bool, seconds_first: bool = False) -> list[float | None]:
    it = croniter(
        expr,
        datetime.fromtimestamp(start, ZoneInfo(zone)),
        day_or=day_or,
        second_at_beginning=seconds_first,
        max_years_between_matches=110,
    )
    out: list[float | None] = []
    for _ in range(TICKS):
        try:
            out.append(it.get_next(datetime).timestamp())
        except CroniterBadDateError:
            out.append(None)
            break
    return out


def _spell_bounds(field: str, lo: int, hi: int) -> str:
    """Temporal's implicit bounds of ``*/n`` and ``x/n`` written out for croniter (difference 9)."""
    out = []
    for part in field.split(","):
        rng_text, sep, step = part.partition("/")
        if hi == 7 and (step in ("", "1")) and rng_text in ("1-7", "1"):
            out.append("1-6" if sep or rng_text == "1-7" else part)  # difference 10
        elif not sep or "-" in rng_text:
            out.append(part)
        elif rng_text == "*":
            out.append(f"{lo}-{hi}/{step}")
        elif int(rng_text) >= hi:
            out.append("0" if hi == 7 else rng_text)  # 7/n is Sunday alone
        else:
            out.append(f"{rng_text}-{hi}/{step}")
    return ",".join(out)


def _in_repeated_hour(t: float, zone: str) -> bool:
    """Whether ``t``'s wall hour (or its wall time) happens twice (a fall-back hour)."""
    tz = ZoneInfo(zone)
    at = datetime.fromtimestamp(t, tz).replace(tzinfo=None)
    return any(
        w.replace(tzinfo=tz, fold=0).utcoffset() != w.replace(tzinfo=tz, fold=1).utcoffset()
        for w in (at, at.replace(minute=0, second=0))
    )


HALF_HOUR_DST = {"Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham"}


def _dst_change_that_day(t: float, zone: str) -> bool:
    """A change on ``t``'s local day in a zone of difference 7 (St John's: before 2012 only)."""
    tz = ZoneInfo(zone)
    if zone == "America/St_Johns" and datetime.fromtimestamp(t, tz).year >= 2012:
        return False
    day = datetime.fromtimestamp(t, tz).replace(hour=0, minute=0, second=0, tzinfo=None)
    return day.replace(tzinfo=tz).utcoffset() != (day + timedelta(hours=23, minutes=59)).replace(tzinfo=tz).utcoffset()


def _spring_forward_that_day(t: float, zone: str) -> bool:
    tz = ZoneInfo(zone)
    day = datetime.fromtimestamp(t, tz).replace(hour=0, minute=0, second=0, tzinfo=None)
    first = day.replace(tzinfo=tz).utcoffset()
    last = (day + timedelta(hours=23, minutes=59)).replace(tzinfo=tz).utcoffset()
    return first is not None and last is not None and last > first


def _whole_range_day_field(cron: CronExpression, expr: str) -> bool:
    dom_text, dow_text = expr.split()[2], expr.split()[4]
    stars = ("*", "?", "*/1")
    dom_whole = len(cron.days) == 31 and dom_text not in stars
    dow_whole = len(cron.weekdays) == 7 and dow_text not in stars
    return (dom_whole and dow_text not in stars) or (dow_whole and dom_text not in stars)


def _east(zone: str, t: float) -> bool:
    off = datetime.fromtimestamp(t, ZoneInfo(zone)).utcoffset()
    return off is not None and off > timedelta(0)


def _compare(
    label: str, ours: list[float | None], theirs: list[float | None], horizon: float, skip=lambda t: False
) -> str | None:
    for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        if (a is None or a > horizon) and (b is None or b > horizon):
            return None  # both past the horizon (difference 4)
        if b is not None and b > horizon:
            return f"{label}: tick {i} is {_iso(a)}, croniter's lies past the horizon ({_iso(b)})"
        if (a is not None and skip(a)) or (b is not None and skip(b)):
            return None  # a known difference from here on (see the module's docstring)
        if a != b:
            return f"{label}: tick {i}: durable {_iso(a)}, croniter {_iso(b)}"
        if a is None:
            return None
    return None


def _iso(t: float | None) -> str:
    return "never" if t is None else datetime.fromtimestamp(t, UTC).isoformat()


def test_the_workflow_cron_dialect_agrees_with_croniter() -> None:
    rng, failures = random.Random(SEED), []
    for case in range(CASES):
        zone, start = rng.choice(ZONES), _start(rng)
        expr = " ".join(_five(rng, dow_hi=6))
        text = expr if zone == "UTC" and rng.random() < 0.5 else f"CRON_TZ={zone} {expr}"
        cron, ours, t = CronExpression.parse(text), [], start
        for _ in range(TICKS):
            nxt = cron.next_after(t)  # type: ignore[arg-type]
            ours.append(nxt)
            if nxt is None:
                break
            t = nxt
        theirs = _oracle(expr, zone, start, day_or=True)
        # robfig's five years count from the search's start; each tick starts a new search
        horizon = (max([start, *[x for x in ours[:-1] if x]]) + FIVE_YEARS) if ours[-1] is None else float("inf")
        if _whole_range_day_field(cron, expr):
            continue  # difference 2

        def skip(x, z=zone):
            return _spring_forward_that_day(x, z) or (z in HALF_HOUR_DST and _dst_change_that_day(x, z))

        if (why := _compare(f"#{case} {text!r} after {_iso(start)}", ours, theirs, horizon, skip)) is not None:
            failures.append(why)
    assert not failures, f"seed {SEED}: {len(failures)} of {CASES} differ:\n" + "\n".join(failures[:20])


def test_the_schedule_cron_dialect_agrees_with_croniter() -> None:
    rng, failures = random.Random(SEED + 1), []
    for case in range(CASES):
        zone, start = rng.choice(ZONES), _start(rng)
        fields = _five(rng, dow_hi=7)
        shape = rng.random()
        spelled = [*fields[:4], _spell_bounds(fields[4], 0, 7)]
        if shape < 0.6:
            expr, oracle_expr, seconds_first = " ".join(fields), " ".join(spelled), False
        else:
            years = "*" if rng.random() < 0.5 else _field(rng, 2000, 2099)
            if years == "*" and rng.random() < 0.5:
                years = f"{rng.randint(2000, 2095)}-2099"
            oracle_years = _spell_bounds(years, 2000, 2099) if years != "*" else years
            if shape < 0.8:  # 6 fields: ... year
                expr = " ".join([*fields, years])
                oracle_expr = " ".join(["0", *spelled, oracle_years])
            else:  # 7 fields: second ... year
                second = _field(rng, 0, 59)
                expr = " ".join([second, *fields, years])
                oracle_expr = " ".join([second, *spelled, oracle_years])
            seconds_first = True
        comment = " # generated" if rng.random() < 0.2 else ""
        times = ScheduleTimes.from_doc({"cron_expressions": [expr + comment], "time_zone_name": zone})
        ours, t = [], start
        for _ in range(TICKS):
            nxt = times.next_after(t)
            ours.append(nxt)
            if nxt is None:
                break
            t = nxt
        theirs = _oracle(oracle_expr, zone, start, day_or=False, seconds_first=seconds_first)

        def skip(x, z=zone):
            return (
                (_east(z, x) and _in_repeated_hour(x, z))
                or _spring_forward_that_day(x, z)
                or (z in HALF_HOUR_DST and _dst_change_that_day(x, z))
            )

        if (
            why := _compare(f"#{case} {expr!r} in {zone} after {_iso(start)}", ours, theirs, END_2100, skip)
        ) is not None:
            failures.append(why)
    assert not failures, f"seed {SEED + 1}: {len(failures)} of {CASES} differ:\n" + "\n".join(failures[:20])


@pytest.mark.parametrize("dialect", ["workflow", "schedule"])
def test_the_generator_reaches_the_interesting_cases(dialect: str) -> None:
    """The comparison means something: both day fields restricted, DST zones, steps, names."""
    rng = random.Random(SEED)
    exprs = [_five(rng, dow_hi=6 if dialect == "workflow" else 7) for _ in range(500)]
    assert sum(1 for f in exprs if f[2] != "*" and f[4] != "*") > 100
    assert sum(1 for f in exprs if any("/" in x for x in f)) > 200
    assert sum(1 for f in exprs if any(c.isalpha() for c in f[3] + f[4])) > 50
