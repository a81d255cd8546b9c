"""When a schedule's actions fall due: the union of its cron expressions and intervals,
within ``start_at``/``end_at``, each time pushed later by a deterministic jitter.

Works on the schedule's stored spec (a JSON-able dict, see :func:`spec_doc`); pure, no
clock: every function takes the time it reasons about. Times are epoch seconds.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from durable._schedules.cron import CronExpression, InvalidCronExpression

__all__ = ["InvalidScheduleSpec", "ScheduleTimes"]


class InvalidScheduleSpec(ValueError):
    """A schedule spec that cannot fire as given (the message names the field)."""


@dataclass(frozen=True)
class _Interval:
    every: float
    offset: float

    def next_after(self, t: float) -> float:
        # epoch + n * every + offset, the first one strictly after t
        n = math.floor((t - self.offset) / self.every) + 1
        return n * self.every + self.offset


@dataclass(frozen=True)
class ScheduleTimes:
    """The nominal action times of a spec, and the jitter of each."""

    crons: tuple[CronExpression, ...]
    intervals: tuple[_Interval, ...]
    start_at: float | None
    end_at: float | None
    jitter: float

    @staticmethod
    def from_doc(spec: dict[str, Any]) -> ScheduleTimes:
        """Parse a stored spec.

        Raises:
            InvalidScheduleSpec: a bad cron expression, a non-positive interval, an empty spec.
        """
        zone = spec.get("time_zone_name")
        crons = []
        for text in spec.get("cron_expressions", []):
            if zone and not text.strip().startswith(("CRON_TZ=", "TZ=")):
                text = f"CRON_TZ={zone} {text}"
            try:
                crons.append(CronExpression.parse(text))
            except InvalidCronExpression as err:
                raise InvalidScheduleSpec(f"spec.cron_expressions: {err}") from err
        intervals = []
        for i, iv in enumerate(spec.get("intervals", [])):
            if iv["every"] <= 0:
                raise InvalidScheduleSpec(f"spec.intervals[{i}].every must be positive, not {iv['every']} s")
            if iv.get("offset", 0.0) < 0:
                raise InvalidScheduleSpec(f"spec.intervals[{i}].offset cannot be negative")
            intervals.append(_Interval(float(iv["every"]), float(iv.get("offset", 0.0)) % float(iv["every"])))
        if not crons and not intervals:
            raise InvalidScheduleSpec("spec has no cron_expressions and no intervals: the schedule would never fire")
        jitter = float(spec.get("jitter") or 0.0)
        if jitter < 0:
            raise InvalidScheduleSpec("spec.jitter cannot be negative")
        return ScheduleTimes(tuple(crons), tuple(intervals), spec.get("start_at"), spec.get("end_at"), jitter)

    def next_after(self, t: float) -> float | None:
        """The first nominal time strictly after ``t``, or None when there is none left."""
        if self.start_at is not None and t < self.start_at:
            t = math.nextafter(self.start_at, -math.inf)  # start_at itself may match
        candidates = [c for c in (cron.next_after(t) for cron in self.crons) if c is not None]
        candidates += [iv.next_after(t) for iv in self.intervals]
        if not candidates:
            return None
        best = min(candidates)
        if self.end_at is not None and best > self.end_at:
            return None
        return best

    def upcoming(self, after: float, count: int) -> list[float]:
        """The next ``count`` nominal times after ``after``."""
        out: list[float] = []
        t: float | None = after
        while len(out) < count and (t := self.next_after(t)) is not None:  # type: ignore[arg-type]
            out.append(t)
        return out

    def jittered(self, schedule_id: str, nominal: float) -> float:
        """When the action of ``nominal`` is due: a fixed random delay in [0, jitter), never
        past the next nominal time. The same for every caller (a hash, not a random draw)."""
        if not self.jitter:
            return nominal
        digest = hashlib.sha256(f"{schedule_id}:{nominal!r}".encode()).digest()
        fraction = int.from_bytes(digest[:8], "big") / 2**64
        following = self.next_after(nominal)
        limit = self.jitter if following is None else min(self.jitter, following - nominal)
        return nominal + fraction * limit
