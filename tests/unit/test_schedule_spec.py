"""When a schedule's actions fall due (pure): intervals, crons, their union, bounds, jitter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from durable._schedules.spec import InvalidScheduleSpec, ScheduleTimes


def _t(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _iso(ts: list[float]) -> list[str]:
    return [datetime.fromtimestamp(t, tz=UTC).strftime("%m-%d %H:%M:%S") for t in ts]


def spec(**kw) -> ScheduleTimes:
    return ScheduleTimes.from_doc({"cron_expressions": [], "intervals": [], **kw})


def test_intervals_count_from_the_epoch_plus_offset() -> None:
    times = spec(intervals=[{"every": 3600, "offset": 300}])
    assert _iso(times.upcoming(_t("2026-03-01 10:05:00"), 3)) == ["03-01 11:05:00", "03-01 12:05:00", "03-01 13:05:00"]
    assert _iso(times.upcoming(_t("2026-03-01 10:04:59"), 1)) == ["03-01 10:05:00"]
    assert spec(intervals=[{"every": 3600, "offset": 3900}]).upcoming(0.0, 2) == times.upcoming(
        0.0, 2
    )  # offset mod every


def test_the_union_of_crons_and_intervals_in_order_without_repeats() -> None:
    times = spec(
        cron_expressions=["30 * * * *"], intervals=[{"every": 3600, "offset": 0}, {"every": 1800, "offset": 0}]
    )
    assert _iso(times.upcoming(_t("2026-03-01 10:00:00"), 4)) == [
        "03-01 10:30:00",
        "03-01 11:00:00",
        "03-01 11:30:00",
        "03-01 12:00:00",
    ]


def test_time_zone_name_applies_to_every_cron_and_cron_tz_must_agree_with_it() -> None:
    times = spec(cron_expressions=["0 9 * * *", "0 12 * * *"], time_zone_name="Europe/Paris")
    assert _iso(times.upcoming(_t("2026-03-01 00:00:00"), 2)) == ["03-01 08:00:00", "03-01 11:00:00"]
    # one zone per spec, as Temporal's server: a CRON_TZ prefix becomes the spec's zone
    assert _iso(spec(cron_expressions=["CRON_TZ=Asia/Tokyo 0 9 * * *"]).upcoming(_t("2026-03-01 00:00:00"), 1)) == [
        "03-02 00:00:00"
    ]
    for bad in (
        {"cron_expressions": ["0 9 * * *", "CRON_TZ=UTC 0 12 * * *"]},
        {"cron_expressions": ["CRON_TZ=UTC 0 12 * * *"], "time_zone_name": "Europe/Paris"},
    ):
        with pytest.raises(InvalidScheduleSpec, match="conflict"):
            spec(**bad)


def test_start_at_and_end_at_bound_the_times() -> None:
    times = spec(
        intervals=[{"every": 600, "offset": 0}], start_at=_t("2026-03-01 10:20:00"), end_at=_t("2026-03-01 10:40:00")
    )
    assert _iso(times.upcoming(_t("2026-03-01 09:00:00"), 5)) == ["03-01 10:20:00", "03-01 10:30:00", "03-01 10:40:00"]
    assert times.next_after(_t("2026-03-01 10:40:00")) is None


def test_jitter_is_fixed_per_time_below_the_bound_and_never_past_the_next_time() -> None:
    times = spec(intervals=[{"every": 600, "offset": 0}], jitter=300)
    nominals = times.upcoming(_t("2026-03-01 10:00:00"), 50)
    delays = [times.jittered("s", n) - n for n in nominals]
    assert all(0 <= d < 300 for d in delays) and len(set(delays)) == 50
    assert [times.jittered("s", n) for n in nominals] == [times.jittered("s", n) for n in nominals]
    assert times.jittered("other", nominals[0]) != times.jittered("s", nominals[0])
    wide = spec(intervals=[{"every": 60, "offset": 0}], jitter=3600)
    assert all(0 <= wide.jittered("s", n) - n < 60 for n in wide.upcoming(0.0, 20))
    assert spec(intervals=[{"every": 60, "offset": 0}]).jittered("s", 120.0) == 120.0


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ({"intervals": [{"every": 0, "offset": 0}]}, "intervals[0].every must be positive"),
        ({"intervals": [{"every": 60, "offset": -1}]}, "intervals[0].offset cannot be negative"),
        ({"cron_expressions": ["* * *"]}, "spec.cron_expressions"),
        ({"intervals": [{"every": 60, "offset": 0}], "jitter": -1}, "jitter"),
    ],
)
def test_bad_specs_name_the_field(doc, says) -> None:
    with pytest.raises(InvalidScheduleSpec) as info:
        spec(**doc)
    assert says in str(info.value)


def test_an_empty_spec_is_valid_and_has_no_times() -> None:
    # as on Temporal's server: such a schedule acts only when triggered or backfilled
    times = spec()
    assert times.next_after(_t("2026-03-01 00:00:00")) is None and times.upcoming(0.0, 3) == []
    assert spec(start_at=_t("2026-03-01 00:00:00")).next_after(0.0) is None
