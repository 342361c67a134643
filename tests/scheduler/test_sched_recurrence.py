"""Recurrence grammar and next-occurrence arithmetic, DST both ways in several zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduler.context import NONCE_MAX_LENGTH, job_nonce
from bot.scheduler.recurrence import (
    DailyRule,
    IntervalRule,
    MonthlyRule,
    MonthlyWeekdayRule,
    RecurrenceError,
    WeeklyRule,
    next_occurrence,
    parse_rule,
    resolve_local,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def wall(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A naive wall-clock time, as resolve_local takes it."""
    return datetime(year, month, day, hour, minute)  # noqa: DTZ001


def occurrences(rule: str, tz: str, start: datetime, end: datetime) -> list[datetime]:
    found: list[datetime] = []
    after = start
    anchor = None
    while True:
        after = next_occurrence(rule, tz, after, anchor=anchor)
        if after > end:
            return found
        found.append(after)
        anchor = after


# --- grammar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical", "rule"),
    [
        ("daily 09:00", "daily 09:00", DailyRule(time(9, 0))),
        ("  Daily   9:05 ", "daily 09:05", None),
        ("weekly mon 09:00", "weekly mon 09:00", None),
        ("weekly Thu, mon 18:30", "weekly mon,thu 18:30", None),
        ("weekly monday-friday 08:00", "weekly mon,tue,wed,thu,fri 08:00", None),
        ("weekly sat - mon 10:00", "weekly mon,sat,sun 10:00", None),
        ("every 2 weeks mon 09:00", "every 2 weeks mon 09:00", None),
        ("every 1 week mon 09:00", "weekly mon 09:00", None),
        ("every 3 days 07:15", "every 3 days 07:15", None),
        ("monthly 1 09:00", "monthly 1 09:00", None),
        ("monthly 31 23:59", "monthly 31 23:59", None),
        ("monthly last 12:00", "monthly last 12:00", None),
        ("monthly last fri 10:00", "monthly last fri 10:00", None),
        ("monthly first monday 10:00", "monthly first mon 10:00", None),
        ("every 90m", "every 90m", IntervalRule(timedelta(minutes=90))),
        ("every 6h", "every 6h", IntervalRule(timedelta(hours=6))),
        ("every 120 minutes", "every 2h", None),
        ("every 6 hours", "every 6h", None),
    ],
)
def test_parse_canonical(text: str, canonical: str, rule: object) -> None:
    parsed = parse_rule(text)
    assert parsed.text == canonical
    assert parse_rule(parsed.text) == parsed
    if rule is not None:
        assert parsed == rule


def test_parsed_types() -> None:
    assert parse_rule("weekly mon,thu 18:30") == WeeklyRule(frozenset({0, 3}), time(18, 30))
    assert parse_rule("every 2 weeks mon 09:00") == WeeklyRule(frozenset({0}), time(9, 0), 2)
    assert parse_rule("every 2 days 09:00") == DailyRule(time(9, 0), 2)
    assert parse_rule("monthly 1 09:00") == MonthlyRule(1, time(9, 0))
    assert parse_rule("monthly last fri 10:00") == MonthlyWeekdayRule(-1, 4, time(10, 0))


@pytest.mark.parametrize(
    ("text", "code", "named"),
    [
        ("", "empty", None),
        ("hourly 09:00", "unknown_frequency", "hourly"),
        ("daily", "incomplete", None),
        ("daily 25:00", "bad_time", "25:00"),
        ("daily 9am", "bad_time", "9am"),
        ("daily 09:60", "bad_time", "09:60"),
        ("daily 09:00 please", "unexpected_text", "please"),
        ("weekly funday 09:00", "bad_weekday", "funday"),
        ("weekly 09:00", "incomplete", None),
        ("every 0 weeks mon 09:00", "bad_number", "0"),
        ("every 99 weeks mon 09:00", "bad_number", "99"),
        ("every 2 fortnights", "bad_interval", "2 fortnights"),
        ("every 1m", "bad_interval", "1m"),
        ("every 1000h", "bad_interval", "1000h"),
        ("monthly 32 09:00", "bad_day_of_month", "32"),
        ("monthly fifth fri 09:00", "bad_ordinal", "fifth"),
    ],
)
def test_parse_errors_name_the_bad_part(text: str, code: str, named: str | None) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_rule(text)
    assert caught.value.code == code
    if named is not None:
        assert caught.value.params["token"] == named
        assert named in str(caught.value)
    assert str(caught.value) == caught.value.message


def test_unknown_timezone() -> None:
    with pytest.raises(RecurrenceError) as caught:
        next_occurrence("daily 09:00", "Mars/Olympus_Mons", utc(2025, 1, 1))
    assert caught.value.code == "unknown_timezone"
    with pytest.raises(RecurrenceError):
        next_occurrence("daily 09:00", "../etc/passwd", utc(2025, 1, 1))


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_occurrence("daily 09:00", BERLIN, wall(2025, 1, 1))
    with pytest.raises(ValueError, match="without tzinfo"):
        resolve_local(utc(2025, 1, 1), BERLIN)


# --- resolve_local -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "local", "expected_utc", "expected_local_hour_minute"),
    [
        # Spring forward: 02:30 does not exist, it moves forward by the gap to 03:30 local.
        (BERLIN, wall(2025, 3, 30, 2, 30), utc(2025, 3, 30, 1, 30), (3, 30)),
        (NEW_YORK, wall(2025, 3, 9, 2, 30), utc(2025, 3, 9, 7, 30), (3, 30)),
        (SYDNEY, wall(2025, 10, 5, 2, 30), utc(2025, 10, 4, 16, 30), (3, 30)),
        # Fall back: 02:30 (Berlin, Sydney) and 01:30 (New York) happen twice; the first wins.
        (BERLIN, wall(2025, 10, 26, 2, 30), utc(2025, 10, 26, 0, 30), (2, 30)),
        (NEW_YORK, wall(2025, 11, 2, 1, 30), utc(2025, 11, 2, 5, 30), (1, 30)),
        (SYDNEY, wall(2025, 4, 6, 2, 30), utc(2025, 4, 5, 15, 30), (2, 30)),
        # Lord Howe shifts by 30 minutes: 02:15 is skipped and becomes 02:45.
        ("Australia/Lord_Howe", wall(2025, 10, 5, 2, 15), utc(2025, 10, 4, 15, 45), (2, 45)),
        # Ordinary times are untouched.
        (BERLIN, wall(2025, 7, 1, 9, 0), utc(2025, 7, 1, 7, 0), (9, 0)),
    ],
)
def test_resolve_local(
    tz: str, local: datetime, expected_utc: datetime, expected_local_hour_minute: tuple[int, int]
) -> None:
    instant = resolve_local(local, tz)
    assert instant == expected_utc
    assert instant.tzinfo is UTC
    back = instant.astimezone(ZoneInfo(tz))
    assert (back.hour, back.minute) == expected_local_hour_minute


# --- next_occurrence: DST --------------------------------------------------------------------------


def test_daily_0230_fires_exactly_once_on_fall_back_day_berlin() -> None:
    found = occurrences("daily 02:30", BERLIN, utc(2025, 10, 24, 12), utc(2025, 10, 28, 12))
    assert found == [
        utc(2025, 10, 25, 0, 30),  # CEST
        utc(2025, 10, 26, 0, 30),  # the first 02:30 (CEST); the second (01:30Z, CET) is not used
        utc(2025, 10, 27, 1, 30),  # CET
        utc(2025, 10, 28, 1, 30),
    ]
    # Asking from between the two 02:30s of that day must not produce the second one.
    assert next_occurrence("daily 02:30", BERLIN, utc(2025, 10, 26, 1, 0)) == utc(2025, 10, 27, 1, 30)


def test_daily_0130_fires_exactly_once_on_fall_back_day_new_york() -> None:
    found = occurrences("daily 01:30", NEW_YORK, utc(2025, 11, 1, 12), utc(2025, 11, 4, 12))
    assert found == [utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30), utc(2025, 11, 4, 6, 30)]


def test_daily_0230_on_spring_forward_day_moves_to_0330() -> None:
    found = occurrences("daily 02:30", BERLIN, utc(2025, 3, 28, 12), utc(2025, 4, 1))
    assert found == [
        utc(2025, 3, 29, 1, 30),  # CET 02:30
        utc(2025, 3, 30, 1, 30),  # 02:30 does not exist: 03:30 CEST
        utc(2025, 3, 31, 0, 30),  # CEST 02:30
    ]
    found = occurrences("daily 02:30", NEW_YORK, utc(2025, 3, 8, 12), utc(2025, 3, 10, 12))
    assert found == [utc(2025, 3, 9, 7, 30), utc(2025, 3, 10, 6, 30)]


@pytest.mark.parametrize(
    ("tz", "start", "end", "expected"),
    [
        (
            BERLIN,
            utc(2025, 3, 20),
            utc(2025, 4, 8),
            [utc(2025, 3, 24, 8), utc(2025, 3, 31, 7), utc(2025, 4, 7, 7)],
        ),
        (
            BERLIN,
            utc(2025, 10, 18),
            utc(2025, 11, 4),
            [utc(2025, 10, 20, 7), utc(2025, 10, 27, 8), utc(2025, 11, 3, 8)],
        ),
        (NEW_YORK, utc(2025, 3, 1), utc(2025, 3, 11), [utc(2025, 3, 3, 14), utc(2025, 3, 10, 13)]),
        (NEW_YORK, utc(2025, 10, 25), utc(2025, 11, 4), [utc(2025, 10, 27, 13), utc(2025, 11, 3, 14)]),
        # Southern hemisphere: Sydney falls back in April and springs forward in October.
        (SYDNEY, utc(2025, 3, 29), utc(2025, 4, 8), [utc(2025, 3, 30, 22), utc(2025, 4, 6, 23)]),
        (SYDNEY, utc(2025, 9, 28), utc(2025, 10, 7), [utc(2025, 9, 28, 23), utc(2025, 10, 5, 22)]),
    ],
)
def test_weekly_monday_0900_is_local_time_on_both_sides_of_dst(
    tz: str, start: datetime, end: datetime, expected: list[datetime]
) -> None:
    found = occurrences("weekly mon 09:00", tz, start, end)
    assert found == expected
    for instant in found:
        local = instant.astimezone(ZoneInfo(tz))
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK, SYDNEY, "Australia/Lord_Howe", "America/Santiago", "UTC"])
@pytest.mark.parametrize("at", ["00:30", "01:30", "02:00", "02:30", "03:00", "09:00", "23:30"])
def test_daily_over_two_years_once_per_local_day(tz: str, at: str) -> None:
    """Every local date gets exactly one occurrence, at the wall time unless the time does not
    exist that day, in which case it is moved forward by less than the gap (an hour at most)."""
    zone = ZoneInfo(tz)
    found = occurrences(f"daily {at}", tz, utc(2024, 1, 1), utc(2026, 1, 1))
    dates = [instant.astimezone(zone).date() for instant in found]
    assert len(dates) == len(set(dates))
    assert (dates[-1] - dates[0]).days + 1 == len(dates)
    hour, minute = (int(part) for part in at.split(":"))
    for instant in found:
        local = instant.astimezone(zone)
        shift = (local.hour * 60 + local.minute) - (hour * 60 + minute)
        assert 0 <= shift <= 60, (instant, local)
        if shift:
            # Only where that wall time does not exist.
            assert resolve_local(local.replace(tzinfo=None, hour=hour, minute=minute), tz) == instant
    assert found == sorted(found)


# --- other rules --------------------------------------------------------------------------------


def test_next_is_strictly_after() -> None:
    first = next_occurrence("daily 09:00", BERLIN, utc(2025, 6, 1, 6))
    assert first == utc(2025, 6, 1, 7)
    assert next_occurrence("daily 09:00", BERLIN, first) == utc(2025, 6, 2, 7)


def test_weekly_several_days() -> None:
    found = occurrences("weekly mon,thu 18:30", BERLIN, utc(2025, 6, 1), utc(2025, 6, 13))
    assert [instant.astimezone(ZoneInfo(BERLIN)).day for instant in found] == [2, 5, 9, 12]


def test_every_two_weeks_is_anchored_to_the_first_occurrence() -> None:
    # 2025-06-02 is a Monday; the anchor fixes the phase even when asked from far later.
    anchor = next_occurrence("every 2 weeks mon 09:00", BERLIN, utc(2025, 6, 1))
    assert anchor == utc(2025, 6, 2, 7)
    assert next_occurrence("every 2 weeks mon 09:00", BERLIN, anchor, anchor=anchor) == utc(2025, 6, 16, 7)
    # After downtime: asked on Tuesday of an "off" week, the next one stays in phase.
    later = next_occurrence("every 2 weeks mon 09:00", BERLIN, utc(2025, 6, 24, 12), anchor=anchor)
    assert later == utc(2025, 6, 30, 7)
    # Both days of an "on" week belong together.
    anchor = utc(2025, 6, 2, 7)
    found = []
    after = anchor
    for _ in range(4):
        after = next_occurrence("every 2 weeks mon,thu 09:00", BERLIN, after, anchor=anchor)
        found.append(after.astimezone(ZoneInfo(BERLIN)).day)
    assert found == [5, 16, 19, 30]


def test_every_three_days_anchored() -> None:
    anchor = utc(2025, 10, 25, 7)  # 09:00 CEST
    found = []
    after = anchor
    for _ in range(3):
        after = next_occurrence("every 3 days 09:00", BERLIN, after, anchor=anchor)
        found.append(after)
    assert found == [utc(2025, 10, 28, 8), utc(2025, 10, 31, 8), utc(2025, 11, 3, 8)]


def test_monthly_day_missing_in_month_falls_on_last_day() -> None:
    found = occurrences("monthly 31 09:00", "UTC", utc(2025, 1, 1), utc(2025, 6, 1))
    assert [instant.date().isoformat() for instant in found] == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
        "2025-05-31",
    ]
    leap = occurrences("monthly 30 09:00", "UTC", utc(2024, 2, 1), utc(2024, 3, 1))
    assert [instant.date().isoformat() for instant in leap] == ["2024-02-29"]


def test_monthly_last_and_ordinal_weekday() -> None:
    found = occurrences("monthly last fri 10:00", BERLIN, utc(2025, 1, 1), utc(2025, 4, 1))
    assert [instant.astimezone(ZoneInfo(BERLIN)).date().isoformat() for instant in found] == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-28",
    ]
    found = occurrences("monthly first mon 10:00", BERLIN, utc(2025, 1, 1), utc(2025, 4, 1))
    assert [instant.astimezone(ZoneInfo(BERLIN)).date().isoformat() for instant in found] == [
        "2025-01-06",
        "2025-02-03",
        "2025-03-03",
    ]
    found = occurrences("monthly last 10:00", "UTC", utc(2025, 1, 1), utc(2025, 3, 1))
    assert [instant.date().isoformat() for instant in found] == ["2025-01-31", "2025-02-28"]


def test_interval_is_fixed_in_utc_across_dst() -> None:
    anchor = utc(2025, 3, 29, 22)
    found = []
    after = anchor
    for _ in range(3):
        after = next_occurrence("every 6h", BERLIN, after, anchor=anchor)
        found.append(after)
    assert found == [utc(2025, 3, 30, 4), utc(2025, 3, 30, 10), utc(2025, 3, 30, 16)]
    # Anchored: after downtime it keeps its phase instead of restarting from now.
    assert next_occurrence("every 90m", "UTC", utc(2025, 1, 1, 10, 10), anchor=utc(2025, 1, 1)) == utc(
        2025, 1, 1, 10, 30
    )
    # Without an anchor: one interval from now.
    assert next_occurrence("every 90m", "UTC", utc(2025, 1, 1)) == utc(2025, 1, 1, 1, 30)


# --- nonce ------------------------------------------------------------------------------------------


def test_job_nonce_is_short_deterministic_and_distinct() -> None:
    at = utc(2025, 10, 26, 0, 30)
    nonce = job_nonce(42, at)
    assert nonce == job_nonce(42, at)
    assert len(nonce) <= NONCE_MAX_LENGTH
    assert nonce != job_nonce(43, at)
    assert nonce != job_nonce(42, at + timedelta(microseconds=1))
    # The same instant in another zone is the same occurrence.
    assert nonce == job_nonce(42, at.astimezone(ZoneInfo(BERLIN)))
    # The primary key is a 32-bit integer.
    biggest = job_nonce(2**31 - 1, utc(2999, 12, 31, 23, 59, 59))
    assert len(biggest) <= NONCE_MAX_LENGTH
    parts = {job_nonce(2**31, at, part) for part in range(1000)}
    assert len(parts) == 1000
    assert all(len(part) <= NONCE_MAX_LENGTH for part in parts)
    assert job_nonce(7, at, "channel:1") == job_nonce(7, at, "channel:1")
    with pytest.raises(ValueError, match="aware"):
        job_nonce(1, wall(2025, 1, 1))
