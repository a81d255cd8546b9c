"""Temporal's schedule calendars and schedule cron dialect (pure): parsing as the server's
``parseCronString``/``makeRange``, matching as its ``compiledCalendar``, daylight saving
included, and the spec's union, skip and bounds."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from durable._schedules.calendar import Calendar, InvalidCalendar, calendar_doc, parse_schedule_cron
from durable._schedules.spec import InvalidScheduleSpec, ScheduleTimes, canonical_spec


def _t(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def _utc(ts: list[float]) -> list[str]:
    return [datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M:%S %a") for t in ts]


def ticks(expr: str, after: str, n: int = 3, zone: str | None = None) -> list[str]:
    return _utc(ScheduleTimes.from_doc({"cron_expressions": [expr], "time_zone_name": zone}).upcoming(_t(after), n))


def test_both_day_fields_must_match_friday_the_13th() -> None:
    assert ticks("0 0 13 * 5", "2026-01-01 00:00:00") == [
        "2026-02-13 00:00:00 Fri",
        "2026-03-13 00:00:00 Fri",
        "2026-11-13 00:00:00 Fri",
    ]
    assert ticks("0 0 13 * FRI", "2026-01-01 00:00:00", 1) == ticks("0 0 13 * friday", "2026-01-01 00:00:00", 1)


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        # 6 fields: ... year; 7 fields: second ... year
        ("30 12 1 1 * 2030", "2026-01-01 00:00:00", ["2030-01-01 12:30:00 Tue"]),
        ("15 10 0 1 1 * 2030-2031", "2026-01-01 00:00:00", ["2030-01-01 00:10:15 Tue", "2031-01-01 00:10:15 Wed"]),
        (
            "*/20 0 12 * * * *",
            "2026-03-01 00:00:00",
            ["2026-03-01 12:00:00 Sun", "2026-03-01 12:00:20 Sun", "2026-03-01 12:00:40 Sun"],
        ),
        # names: month prefixes of three letters or more, weekday prefixes of two or more
        (
            "0 9 * janu,JUL mo",
            "2026-01-01 00:00:00",
            ["2026-01-05 09:00:00 Mon", "2026-01-12 09:00:00 Mon", "2026-01-19 09:00:00 Mon"],
        ),
        # x/y runs to the field's end; 7 is Sunday; a comment is dropped
        (
            "0 0 * * 5/2 # fri and sun",
            "2026-03-01 00:00:00",
            ["2026-03-06 00:00:00 Fri", "2026-03-08 00:00:00 Sun", "2026-03-13 00:00:00 Fri"],
        ),
        (
            "@weekly",
            "2026-03-02 00:00:00",
            ["2026-03-08 00:00:00 Sun", "2026-03-15 00:00:00 Sun", "2026-03-22 00:00:00 Sun"],
        ),
        (
            "@every 1d/2h",
            "2026-03-02 05:00:00",
            ["2026-03-03 02:00:00 Tue", "2026-03-04 02:00:00 Wed", "2026-03-05 02:00:00 Thu"],
        ),
        (
            "@every 90m",
            "2026-03-02 00:00:00",
            ["2026-03-02 01:30:00 Mon", "2026-03-02 03:00:00 Mon", "2026-03-02 04:30:00 Mon"],
        ),
    ],
)
def test_the_schedule_dialect(expr: str, after: str, expected: list[str]) -> None:
    assert ticks(expr, after, len(expected)) == expected


def test_a_cron_expression_becomes_a_calendar_as_the_server_keeps_it() -> None:
    parsed = parse_schedule_cron("CRON_TZ=Europe/Paris */15 9-17 * * 1-5,7 # office")
    assert parsed.zone == "Europe/Paris" and parsed.interval is None
    assert parsed.calendar == calendar_doc(
        minute=[[0, 59, 15]], hour=[[9, 17, 1]], day_of_week=[[1, 5, 1], [0, 0, 1]], comment="office"
    )
    assert parse_schedule_cron("@every 14h/3h").interval == (14 * 3600, 3 * 3600)
    canon = canonical_spec(
        {"cron_expressions": ["CRON_TZ=Asia/Tokyo 0 9 * * *", "CRON_TZ=Asia/Tokyo @hourly"], "intervals": []}
    )
    assert canon["time_zone_name"] == "Asia/Tokyo" and canon["cron_expressions"] == [] and len(canon["calendars"]) == 2


def test_day_of_week_seven_is_sunday_except_in_temporal_s_one_to_seven() -> None:
    def dows(field: str) -> list[int]:
        doc = parse_schedule_cron(f"0 0 * * {field}").calendar
        assert doc is not None
        return sorted(Calendar.compile(doc, UTC).weekdays)

    assert (
        dows("7") == [0]
        and dows("5-7") == [0, 5, 6]
        and dows("0-7") == list(range(7))
        and dows("1-7/2") == [0, 1, 3, 5]
    )
    # Temporal's makeRange turns 1-7 (step 1) into 1-6: Sunday is dropped, and so it is here
    assert dows("1-7") == [1, 2, 3, 4, 5, 6] and dows("1/1") == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("expr", "says"),
    [
        ("* * * *", "has 4 fields"),
        ("0 0 * * * * * *", "has 8 fields"),
        ("60 * * * *", "minute field '60': value out of range 0-59"),
        ("0 0 ? * *", "day-of-month field '?': not a number"),
        ("0 0 * * 8", "day-of-week field '8'"),
        ("0 0 * * * 1999", "year field '1999'"),
        ("0 0 * ja *", "month field 'ja': not a number or a month name"),
        ("0 0 * * m", "day-of-week field 'm'"),
        ("30-10 * * * *", "range end (from 30) out of range"),
        ("*/0 * * * *", "step must be a positive number"),
        ("1-2-3 * * * *", "too many dashes"),
        ("@HOURLY", "has 1 fields"),
        ("@every", "@every needs an interval"),
        ("@every 1w", "not a duration"),
        ("CRON_TZ=UTC", "time zone but no fields"),
    ],
)
def test_bad_schedule_crons_say_which_field_and_why(expr: str, says: str) -> None:
    with pytest.raises(InvalidCalendar) as info:
        parse_schedule_cron(expr)
    assert says in str(info.value)


def test_the_spec_refuses_what_the_server_refuses() -> None:
    for spec, says in [
        ({"cron_expressions": ["CRON_TZ=UTC 0 0 * * *", "0 1 * * *"]}, "conflicting timezone names"),
        ({"cron_expressions": ["CRON_TZ=UTC 0 0 * * *", "@every 1h"]}, "conflicting timezone names"),
        ({"calendars": [calendar_doc(day_of_week=[[7, 7, 1]])]}, "day_of_week start 7 is not in range [0-6]"),
        ({"calendars": [calendar_doc(hour=[[3, 30, 1]])]}, "hour end 30"),
        ({"calendars": [calendar_doc(minute=[[0, 0, -1]])]}, "step -1 is negative"),
        ({"calendars": [calendar_doc(comment="x" * 201)]}, "longer than 200"),
        ({"skip": [calendar_doc(year=[[2101, 0, 0]])], "intervals": [{"every": 60}]}, "spec.skip[0]: year start 2101"),
        ({"time_zone_name": "Mars/Olympus", "intervals": [{"every": 60}]}, "unknown time zone"),
    ]:
        with pytest.raises(InvalidScheduleSpec) as info:
            ScheduleTimes.from_doc(spec)
        assert says in str(info.value), spec


def test_calendars_intervals_and_crons_union_minus_skip() -> None:
    times = ScheduleTimes.from_doc(
        {
            "calendars": [calendar_doc(hour=[[0, 23, 6]])],  # 00, 06, 12, 18
            "cron_expressions": ["0 3 * * *"],
            "intervals": [{"every": 86400, "offset": 9 * 3600}],
            "skip": [calendar_doc(hour=[[12, 12, 1]]), calendar_doc(hour=[[0, 23, 1]], day_of_week=[[0, 0, 1]])],
        }
    )
    assert _utc(times.upcoming(_t("2026-03-06 23:00:00"), 7)) == [
        "2026-03-07 00:00:00 Sat",
        "2026-03-07 03:00:00 Sat",
        "2026-03-07 06:00:00 Sat",
        "2026-03-07 09:00:00 Sat",
        "2026-03-07 18:00:00 Sat",  # 12:00 skipped; all of Sunday skipped
        "2026-03-09 00:00:00 Mon",
        "2026-03-09 03:00:00 Mon",
    ]


def test_an_empty_field_matches_nothing_and_nothing_fires_after_2100() -> None:
    never = ScheduleTimes.from_doc({"calendars": [calendar_doc(second=[])], "intervals": []})
    assert never.next_after(_t("2026-01-01 00:00:00")) is None
    late = ScheduleTimes.from_doc({"cron_expressions": ["0 0 1 1 *"]})
    assert _utc(late.upcoming(_t("2098-06-01 00:00:00"), 5)) == ["2099-01-01 00:00:00 Thu", "2100-01-01 00:00:00 Fri"]


def test_a_time_a_spring_forward_gap_skips_never_fires() -> None:
    # New York, 2026-03-08: 02:00 jumps to 03:00
    assert ticks("30 2 * * *", "2026-03-06 12:00:00", 3, zone="America/New_York") == [
        "2026-03-07 07:30:00 Sat",
        "2026-03-09 06:30:00 Mon",
        "2026-03-10 06:30:00 Tue",
    ]


def test_the_fall_back_hour_fires_twice_west_of_greenwich_as_temporal_s_server() -> None:
    # New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens at 05:30 and 06:30 UTC
    assert ticks("30 1 * * *", "2026-10-31 12:00:00", 3, zone="America/New_York") == [
        "2026-11-01 05:30:00 Sun",
        "2026-11-01 06:30:00 Sun",
        "2026-11-02 06:30:00 Mon",
    ]
    assert ticks("0 * * * *", "2026-11-01 04:30:00", 4, zone="America/New_York") == [
        "2026-11-01 05:00:00 Sun",
        "2026-11-01 06:00:00 Sun",
        "2026-11-01 07:00:00 Sun",
        "2026-11-01 08:00:00 Sun",
    ]


def test_the_fall_back_hour_east_of_greenwich_follows_go_s_choice_of_the_later_instant() -> None:
    # Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET. Go resolves the wall time 02:xx
    # to CET (the later instant), so Temporal's server fires 02:30 once, at 01:30 UTC, and an
    # hourly calendar steps from 02:00 CEST to 03:00 CET.
    assert ticks("30 2 * * *", "2026-10-24 12:00:00", 2, zone="Europe/Berlin") == [
        "2026-10-25 01:30:00 Sun",
        "2026-10-26 01:30:00 Mon",
    ]
    assert ticks("0 * * * *", "2026-10-24 22:30:00", 4, zone="Europe/Berlin") == [
        "2026-10-24 23:00:00 Sat",
        "2026-10-25 00:00:00 Sun",
        "2026-10-25 02:00:00 Sun",
        "2026-10-25 03:00:00 Sun",
    ]


def test_a_calendar_matches_every_field_in_its_zone() -> None:
    cal = Calendar.compile(
        calendar_doc(hour=[[9, 9, 1]], day_of_week=[[1, 5, 1]], year=[[2026, 2027, 1]]), ZoneInfo("Asia/Tokyo")
    )
    assert cal.matches(_t("2026-03-02 00:00:00"))  # Monday 09:00 in Tokyo
    assert not cal.matches(_t("2026-03-01 00:00:00"))  # Sunday
    assert not cal.matches(_t("2028-03-06 00:00:00"))  # not a listed year


# -- the cases of Temporal's own calendar tests (service/worker/scheduler/calendar_test.go) --

PACIFIC = ZoneInfo("US/Pacific")


def _at(zone: ZoneInfo, *fields: int, fold: int = 0) -> int:
    return int(datetime(*fields, tzinfo=zone, fold=fold).timestamp())  # type: ignore[misc]


def _calendar(cron7: str, zone: ZoneInfo) -> Calendar:
    doc = parse_schedule_cron(cron7).calendar
    assert doc is not None
    return Calendar.compile(doc, zone)


def _check_sequence(cal: Calendar, start: int, *expected: int) -> None:
    """Each next time, and from any second before it (sampled) the same next time."""
    for want in expected:
        assert cal.next_after(start) == want
        for t in range(start, want, max(1, (want - start) // 300)):
            assert cal.next_after(t) == want, t
        start = want


def test_temporal_s_match_cases() -> None:
    cal = _calendar("55 55 5 2/2 * wed-thurs *", PACIFIC)
    assert not cal.matches(_at(PACIFIC, 2022, 3, 9, 5, 55, 55))
    assert cal.matches(_at(PACIFIC, 2022, 3, 10, 5, 55, 55))
    assert cal.matches(_at(PACIFIC, 2022, 3, 16, 5, 55, 55))
    assert not cal.matches(_at(PACIFIC, 2022, 2, 10, 1, 55, 55))
    assert cal.matches(_t("2022-03-10 13:55:55")) and not cal.matches(_t("2022-03-16 13:55:55"))  # the offset changed
    assert cal.matches(_t("2022-03-16 12:55:55"))


def test_temporal_s_next_cases() -> None:
    cal = _calendar("55 55 5 2/2 * wed-thurs *", PACIFIC)
    want = _at(PACIFIC, 2022, 3, 2, 5, 55, 55)
    for start in ((2022, 3, 2, 5, 55, 33), (2022, 3, 2, 5, 33, 33), (2022, 3, 2, 3, 33, 33), (2022, 3, 1, 1, 11, 11)):
        assert cal.next_after(_at(PACIFIC, *start)) == want
    assert cal.next_after(want) == _at(PACIFIC, 2022, 3, 10, 5, 55, 55)
    assert cal.next_after(_at(PACIFIC, 2022, 3, 10, 5, 55, 55)) == _at(PACIFIC, 2022, 3, 16, 5, 55, 55)


def test_temporal_s_daylight_saving_cases() -> None:
    # spring forward: March 13 has no 2:33:33
    _check_sequence(
        _calendar("33 33 2 * * * *", PACIFIC),
        _at(PACIFIC, 2022, 3, 11, 20, 0, 0),
        _at(PACIFIC, 2022, 3, 12, 2, 33, 33),
        _at(PACIFIC, 2022, 3, 14, 2, 33, 33),
    )
    # fall back: November 7 has two 1:33:33s and two 1:44:33s
    _check_sequence(
        _calendar("33 33,44 1 * * * *", PACIFIC),
        _at(PACIFIC, 2021, 11, 7, 0, 15, 15),
        _at(PACIFIC, 2021, 11, 7, 1, 33, 33),
        _at(PACIFIC, 2021, 11, 7, 1, 44, 33),
        _at(PACIFIC, 2021, 11, 7, 1, 33, 33, fold=1),
        _at(PACIFIC, 2021, 11, 7, 1, 44, 33, fold=1),
        _at(PACIFIC, 2021, 11, 8, 1, 33, 33),
    )


def test_temporal_s_repeated_hour_start_case() -> None:
    london = ZoneInfo("Europe/London")
    cal = Calendar.compile(
        calendar_doc(minute=[[1, 1, 1]], day_of_month=[[2, 2, 1]], month=[[1, 1, 1]], day_of_week=[[0, 0, 1]]), london
    )
    want = _at(london, 1972, 1, 2, 0, 1, 0)
    assert cal.next_after(_at(london, 1970, 1, 1, 0, 0, 5)) == want
    assert cal.next_after(_at(london, 1971, 10, 31, 2, 7, 3)) == want


@pytest.mark.parametrize(
    ("field", "expected"),
    [("2-6/4,7-8", [2, 6, 7, 8]), ("2/3", list(range(2, 60, 3))), ("*/20", [0, 20, 40]), ("13,18,44", [13, 18, 44])],
)
def test_temporal_s_range_cases(field: str, expected: list[int]) -> None:
    doc = parse_schedule_cron(f"0 {field} 0 * * * *").calendar
    assert doc is not None and sorted(Calendar.compile(doc, UTC).minutes) == expected


@pytest.mark.parametrize("field", ["13,18,44,", "18-13", "1,3,18-13", "2/3/5", "133"])
def test_temporal_s_bad_range_cases(field: str) -> None:
    with pytest.raises(InvalidCalendar):
        parse_schedule_cron(f"0 {field} 0 * * * *")


def test_temporal_s_names() -> None:
    assert parse_schedule_cron("0 0 * Sept mon-Friday").calendar == calendar_doc(
        month=[[9, 9, 1]], day_of_week=[[1, 5, 1]]
    )
    for bad in ("0 0 * * Fri-Tues", "0 0 * * 1-5-7", "0 0 * * monday-"):
        with pytest.raises(InvalidCalendar):
            parse_schedule_cron(bad)
