"""Go's ``time.Date`` and wall-clock fields on Python's time zones.

Temporal's cron library (robfig/cron) and its schedule calendars are written against Go's
``time`` package, and what they do around daylight-saving changes follows from how Go
resolves a wall time that happens twice (a fall-back hour) or never (a spring-forward gap).
Go does not pick "the first" or "the second" of two: it looks up the zone period at the wall
time read as if it were UTC, then corrects once. West of Greenwich that gives the earlier
instant of a repeated hour, east of it the later one; a skipped wall time lands on the far
side of the gap. Matching Temporal's fire times means resolving wall times the same way,
so this module does exactly that. Pure: no clock. Times are whole epoch seconds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import NamedTuple

__all__ = ["Wall", "add_date", "date_of", "offset_at", "wall"]

_EPOCH_DAY = date(1970, 1, 1).toordinal()


class Wall(NamedTuple):
    """The wall-clock fields of an instant in a zone (``weekday``: 0 is Sunday, as Go)."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    weekday: int


def offset_at(unix: int, tz: tzinfo) -> int:
    """The zone's UTC offset in seconds at the instant ``unix``."""
    if tz is UTC:
        return 0
    off = datetime.fromtimestamp(unix, tz).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def wall(unix: int, tz: tzinfo) -> Wall:
    """The wall-clock fields of ``unix`` in ``tz`` (``Time.In(tz).Date()/Clock()/Weekday()``)."""
    t = datetime.fromtimestamp(unix, tz)
    return Wall(t.year, t.month, t.day, t.hour, t.minute, t.second, t.isoweekday() % 7)


def date_of(year: int, month: int, day: int, hour: int, minute: int, second: int, tz: tzinfo) -> int:
    """Go's ``time.Date``: out-of-range fields carry over, ambiguous wall times resolve as Go does."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    days = date(year, month, 1).toordinal() - _EPOCH_DAY + day - 1
    local = days * 86400 + hour * 3600 + minute * 60 + second
    offset = offset_at(local, tz)  # the zone period at the wall time read as UTC ...
    corrected = offset_at(local - offset, tz)
    if corrected != offset:  # ... unless that instant is in another period: then that one's
        offset = corrected
    return local - offset


def add_date(unix: int, tz: tzinfo, *, months: int = 0, days: int = 0) -> int:
    """Go's ``Time.AddDate``: the same wall time that many months and days later."""
    w = wall(unix, tz)
    return date_of(w.year, w.month + months, w.day + days, w.hour, w.minute, w.second, tz)
