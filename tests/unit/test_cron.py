"""The cron dialect (Temporal's, robfig/cron standard): next ticks and bad expressions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from durable._schedules.cron import CronExpression, InvalidCronExpression, parse_duration


def _t(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _ticks(expr: str, after: str, n: int = 3) -> list[str]:
    cron, t, out = CronExpression.parse(expr), _t(after), []
    for _ in range(n):
        nxt = cron.next_after(t)
        assert nxt is not None
        out.append(datetime.fromtimestamp(nxt, tz=UTC).strftime("%Y-%m-%d %H:%M %a"))
        t = nxt
    return out


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        (
            "*/15 * * * *",
            "2026-03-01 10:07:30",
            ["2026-03-01 10:15 Sun", "2026-03-01 10:30 Sun", "2026-03-01 10:45 Sun"],
        ),
        (
            "5,35 9-10 * * *",
            "2026-03-01 10:35:00",
            ["2026-03-02 09:05 Mon", "2026-03-02 09:35 Mon", "2026-03-02 10:05 Mon"],
        ),
        (
            "0 12 * * MON-FRI",
            "2026-03-06 12:00:00",
            ["2026-03-09 12:00 Mon", "2026-03-10 12:00 Tue", "2026-03-11 12:00 Wed"],
        ),
        (
            "0 0 1 jan,jul *",
            "2026-03-01 00:00:00",
            ["2026-07-01 00:00 Wed", "2027-01-01 00:00 Fri", "2027-07-01 00:00 Thu"],
        ),
        ("0 0 13 * 5", "2026-02-01 00:00:00", ["2026-02-06 00:00 Fri", "2026-02-13 00:00 Fri", "2026-02-20 00:00 Fri"]),
        ("0 0 * * 7", "2026-03-01 00:00:00", ["2026-03-08 00:00 Sun", "2026-03-15 00:00 Sun", "2026-03-22 00:00 Sun"]),
        ("0 0 29 2 *", "2026-01-01 00:00:00", ["2028-02-29 00:00 Tue", "2032-02-29 00:00 Sun", "2036-02-29 00:00 Fri"]),
        (
            "10/20 * * * *",
            "2026-03-01 10:00:00",
            ["2026-03-01 10:10 Sun", "2026-03-01 10:30 Sun", "2026-03-01 10:50 Sun"],
        ),
        ("@hourly", "2026-03-01 10:00:00", ["2026-03-01 11:00 Sun", "2026-03-01 12:00 Sun", "2026-03-01 13:00 Sun"]),
        ("@weekly", "2026-03-01 10:00:00", ["2026-03-08 00:00 Sun", "2026-03-15 00:00 Sun", "2026-03-22 00:00 Sun"]),
        ("@monthly", "2026-12-15 10:00:00", ["2027-01-01 00:00 Fri", "2027-02-01 00:00 Mon", "2027-03-01 00:00 Mon"]),
        ("@yearly", "2026-12-15 10:00:00", ["2027-01-01 00:00 Fri", "2028-01-01 00:00 Sat", "2029-01-01 00:00 Mon"]),
    ],
)
def test_next_ticks(expr: str, after: str, expected: list[str]) -> None:
    assert _ticks(expr, after) == expected


def test_both_day_fields_restricted_means_either() -> None:
    # the 13th, or any Friday (Vixie cron, robfig/cron)
    assert _ticks("0 0 13 * FRI", "2026-02-01 00:00:00", 4) == [
        "2026-02-06 00:00 Fri",
        "2026-02-13 00:00 Fri",
        "2026-02-20 00:00 Fri",
        "2026-02-27 00:00 Fri",
    ]
    assert _ticks("0 0 13 * FRI", "2026-03-01 00:00:00", 3) == [
        "2026-03-06 00:00 Fri",
        "2026-03-13 00:00 Fri",
        "2026-03-20 00:00 Fri",
    ]
    assert _ticks("0 0 14 * FRI", "2026-03-07 00:00:00", 2) == ["2026-03-13 00:00 Fri", "2026-03-14 00:00 Sat"]


def test_every_ticks_a_duration_after_the_given_time() -> None:
    assert CronExpression.parse("@every 1h30m").next_after(100.0) == 100.0 + 5400
    assert parse_duration("90s") == 90 and parse_duration("1.5h") == 5400


def test_a_tick_is_strictly_after() -> None:
    assert CronExpression.parse("0 * * * *").next_after(_t("2026-03-01 10:00:00")) == _t("2026-03-01 11:00:00")


def test_cron_tz_ticks_on_local_wall_time_and_skips_a_time_that_does_not_exist() -> None:
    cron = CronExpression.parse("CRON_TZ=America/New_York 30 2 * * *")
    # 2026-03-08: clocks jump from 02:00 to 03:00 in New York; 02:30 never happens that day
    ticks = []
    t = _t("2026-03-06 12:00:00")
    for _ in range(3):
        t = cron.next_after(t)
        ticks.append(datetime.fromtimestamp(t, tz=UTC).strftime("%m-%d %H:%M"))
    assert ticks == ["03-07 07:30", "03-09 06:30", "03-10 06:30"]


def test_an_expression_that_never_fires() -> None:
    assert CronExpression.parse("0 0 30 2 *").next_after(_t("2026-01-01 00:00:00")) is None


@pytest.mark.parametrize(
    ("expr", "says"),
    [
        ("* * * *", "has 4 fields"),
        ("60 * * * *", "minute field '60': out of range 0-59"),
        ("* 24 * * *", "hour field '24'"),
        ("* * 0 * *", "day-of-month field '0'"),
        ("* * * 13 *", "month field '13'"),
        ("* * * FOO *", "month field 'FOO': not a number or a name"),
        ("* * * * 8", "day-of-week field '8'"),
        ("*/0 * * * *", "step '0' must be a positive number"),
        ("30-10 * * * *", "range start 30 is after its end 10"),
        ("@often", "unknown descriptor"),
        ("@every soon", "not a duration"),
        ("CRON_TZ=Nowhere/Land * * * * *", "unknown time zone"),
    ],
)
def test_bad_expressions_say_which_field_and_why(expr: str, says: str) -> None:
    with pytest.raises(InvalidCronExpression) as info:
        CronExpression.parse(expr)
    assert says in str(info.value)


def _utc_ticks(expr: str, after: str, n: int) -> list[str]:
    cron, t, out = CronExpression.parse(expr), _t(after), []
    for _ in range(n):
        t = cron.next_after(t)
        assert t is not None
        out.append(datetime.fromtimestamp(t, tz=UTC).strftime("%m-%d %H:%M"))
    return out


def test_the_fall_back_hour_fires_twice_as_robfig_cron_does() -> None:
    # New York, 2026-11-01: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST)
    assert _utc_ticks("CRON_TZ=America/New_York 30 1 * * *", "2026-10-31 12:00:00", 3) == [
        "11-01 05:30",
        "11-01 06:30",
        "11-02 06:30",
    ]
    # east of Greenwich too: Berlin's 02:30 at 00:30 UTC (CEST) and 01:30 UTC (CET)
    assert _utc_ticks("CRON_TZ=Europe/Berlin 30 2 * * *", "2026-10-24 12:00:00", 3) == [
        "10-25 00:30",
        "10-25 01:30",
        "10-26 01:30",
    ]
    assert _utc_ticks("CRON_TZ=America/New_York 0 * * * *", "2026-11-01 04:30:00", 3) == [
        "11-01 05:00",
        "11-01 06:00",
        "11-01 07:00",
    ]


def test_a_star_with_step_one_is_still_a_star_for_the_day_rule() -> None:
    # robfig: */1 keeps the star bit, so the day fields AND: Mondays only
    assert _ticks("0 0 */1 * MON", "2026-03-01 00:00:00", 2) == ["2026-03-02 00:00 Mon", "2026-03-09 00:00 Mon"]
    # 1-31 is a restriction: either day field, so every day
    assert _ticks("0 0 1-31 * MON", "2026-03-01 00:00:00", 2) == ["2026-03-02 00:00 Mon", "2026-03-03 00:00 Tue"]


def test_every_counts_whole_seconds_from_the_given_time() -> None:
    assert CronExpression.parse("@every 90s").next_after(100.7) == 190.0
    assert CronExpression.parse("@every 500ms").next_after(100.0) == 101.0  # at least a second


@pytest.mark.parametrize(
    ("after", "expr", "expected"),
    [
        # robfig/cron v3's own daylight-saving cases (spec_test.go), in five fields
        ("2012-03-11T00:00:00-05:00", "30 2 11 Mar ?", "2013-03-11T02:30:00-04:00"),  # no 2:30 that day
        ("2012-03-11T00:00:00-05:00", "0 * * * ?", "2012-03-11T01:00:00-05:00"),
        ("2012-03-11T01:00:00-05:00", "0 * * * ?", "2012-03-11T03:00:00-04:00"),
        ("2012-03-11T00:00:00-05:00", "0 1 * * ?", "2012-03-11T01:00:00-05:00"),
        ("2012-03-11T01:00:00-05:00", "0 1 * * ?", "2012-03-12T01:00:00-04:00"),
        ("2012-03-11T00:00:00-05:00", "0 2 * * ?", "2012-03-12T02:00:00-04:00"),
        ("2012-11-04T00:00:00-04:00", "30 2 04 Nov ?", "2012-11-04T02:30:00-05:00"),
        ("2012-11-04T01:45:00-04:00", "30 1 04 Nov ?", "2012-11-04T01:30:00-05:00"),
        ("2012-11-04T00:00:00-04:00", "0 * * * ?", "2012-11-04T01:00:00-04:00"),
        ("2012-11-04T01:00:00-04:00", "0 * * * ?", "2012-11-04T01:00:00-05:00"),
        ("2012-11-04T01:00:00-05:00", "0 * * * ?", "2012-11-04T02:00:00-05:00"),
        ("2012-11-04T00:00:00-04:00", "0 1 * * ?", "2012-11-04T01:00:00-04:00"),  # 1am runs twice
        ("2012-11-04T01:00:00-04:00", "0 1 * * ?", "2012-11-04T01:00:00-05:00"),
        ("2012-11-04T01:00:00-05:00", "0 1 * * ?", "2012-11-05T01:00:00-05:00"),
        ("2012-11-04T00:00:00-04:00", "0 2 * * ?", "2012-11-04T02:00:00-05:00"),
    ],
)
def test_robfig_s_daylight_saving_cases_in_new_york(after: str, expr: str, expected: str) -> None:
    tick = CronExpression.parse(f"CRON_TZ=America/New_York {expr}").next_after(
        datetime.fromisoformat(after).timestamp()
    )
    assert tick == datetime.fromisoformat(expected).timestamp()


def test_robfig_s_midnight_that_does_not_exist_in_sao_paulo() -> None:
    # robfig/cron issue 157: DST made midnight of the change day invalid
    cron = CronExpression.parse("CRON_TZ=America/Sao_Paulo 0 9 10 * ?")
    assert cron.next_after(datetime.fromisoformat("2018-10-17T05:00:00-04:00").timestamp()) == (
        datetime.fromisoformat("2018-11-10T06:00:00-05:00").timestamp()
    )
    cron = CronExpression.parse("CRON_TZ=America/Sao_Paulo 0 9 22 * ?")
    assert cron.next_after(datetime.fromisoformat("2018-02-14T05:00:00-05:00").timestamp()) == (
        datetime.fromisoformat("2018-02-22T07:00:00-05:00").timestamp()
    )
