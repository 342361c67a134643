"""The ``when`` grammar, phrase by phrase, in both languages, with DST on both sides of the Atlantic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.when import Problem, WhenError, parse_when
from bot.scheduler import next_occurrence

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
# Friday 27 March 2026, 10:00 in Berlin (CET, UTC+1); Berlin springs forward on Sunday the 29th.
NOW = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


def local(phrase: str, tz: str = BERLIN, now: datetime = NOW) -> tuple[str, str | None]:
    when = parse_when(phrase, tz, now)
    return when.at.astimezone(ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M %Z"), when.rule


@pytest.mark.parametrize(
    ("phrase", "expected", "rule"),
    [
        # relative: minutes and hours are exact; days keep the wall-clock time across DST
        ("in 10 minutes", "Fri 2026-03-27 10:10 CET", None),
        ("in 2 hours", "Fri 2026-03-27 12:00 CET", None),
        ("in an hour", "Fri 2026-03-27 11:00 CET", None),
        ("in half an hour", "Fri 2026-03-27 10:30 CET", None),
        ("in 72 hours", "Mon 2026-03-30 11:00 CEST", None),
        ("in 3 days", "Mon 2026-03-30 10:00 CEST", None),
        ("In 3 Days", "Mon 2026-03-30 10:00 CEST", None),
        ("in three days", "Mon 2026-03-30 10:00 CEST", None),
        ("3 days from now", "Mon 2026-03-30 10:00 CEST", None),
        ("in 2 weeks", "Fri 2026-04-10 10:00 CEST", None),
        ("in 1 month", "Mon 2026-04-27 10:00 CEST", None),
        ("in 1 year", "Sat 2027-03-27 10:00 CET", None),
        # days and times
        ("tomorrow 9am", "Sat 2026-03-28 09:00 CET", None),
        ("tomorrow at 17:30", "Sat 2026-03-28 17:30 CET", None),
        ("tomorrow", "Sat 2026-03-28 09:00 CET", None),
        ("next friday 17:30", "Fri 2026-04-03 17:30 CEST", None),
        ("friday 5pm", "Fri 2026-04-03 17:00 CEST", None),
        ("2027-01-05 14:00", "Tue 2027-01-05 14:00 CET", None),
        ("2027-01-05", "Tue 2027-01-05 09:00 CET", None),
        ("jan 5 2027 2pm", "Tue 2027-01-05 14:00 CET", None),
        ("17:30", "Fri 2026-03-27 17:30 CET", None),
        ("9am", "Sat 2026-03-28 09:00 CET", None),
        ("at noon", "Fri 2026-03-27 12:00 CET", None),
        # recurrence
        ("every monday 09:00", "Mon 2026-03-30 09:00 CEST", "weekly mon 09:00"),
        ("every Monday at 9am", "Mon 2026-03-30 09:00 CEST", "weekly mon 09:00"),
        ("every mon, thu 8:30", "Mon 2026-03-30 08:30 CEST", "weekly mon,thu 08:30"),
        ("every day 8am", "Sat 2026-03-28 08:00 CET", "daily 08:00"),
        ("daily at 7:15", "Sat 2026-03-28 07:15 CET", "daily 07:15"),
        ("every weekday 9am", "Mon 2026-03-30 09:00 CEST", "weekly mon,tue,wed,thu,fri 09:00"),
        ("every 2 weeks", "Fri 2026-04-10 09:00 CEST", "every 2 weeks fri 09:00"),
        ("every other week", "Fri 2026-04-10 09:00 CEST", "every 2 weeks fri 09:00"),
        ("every 2 weeks on monday 18:00", "Mon 2026-03-30 18:00 CEST", "every 2 weeks mon 18:00"),
        ("every 3 days 18:00", "Fri 2026-03-27 18:00 CET", "every 3 days 18:00"),
        ("every 2 hours", "Fri 2026-03-27 12:00 CET", "every 2h"),
        ("every month", "Mon 2026-04-27 09:00 CEST", "monthly 27 09:00"),
    ],
)
def test_english(phrase: str, expected: str, rule: str | None) -> None:
    assert local(phrase) == (expected, rule)


@pytest.mark.parametrize(
    ("phrase", "expected", "rule"),
    [
        ("3天后", "Mon 2026-03-30 10:00 CEST", None),
        ("三天后", "Mon 2026-03-30 10:00 CEST", None),
        ("2小时后", "Fri 2026-03-27 12:00 CET", None),
        ("两个小时后", "Fri 2026-03-27 12:00 CET", None),
        ("十五分钟后", "Fri 2026-03-27 10:15 CET", None),
        ("半小时后", "Fri 2026-03-27 10:30 CET", None),
        ("2周后", "Fri 2026-04-10 10:00 CEST", None),
        ("1个月后", "Mon 2026-04-27 10:00 CEST", None),
        ("明天上午9点", "Sat 2026-03-28 09:00 CET", None),
        ("明天下午3点半", "Sat 2026-03-28 15:30 CET", None),
        ("明天 下午 3点15分", "Sat 2026-03-28 15:15 CET", None),
        ("明天下午三点一刻", "Sat 2026-03-28 15:15 CET", None),
        ("明天", "Sat 2026-03-28 09:00 CET", None),
        ("明天晚上", "Sat 2026-03-28 20:00 CET", None),
        ("明晚8点", "Sat 2026-03-28 20:00 CET", None),
        ("今晚8点", "Fri 2026-03-27 20:00 CET", None),
        ("明天晚上12点", "Sun 2026-03-29 00:00 CET", None),
        ("明天中午", "Sat 2026-03-28 12:00 CET", None),
        ("后天 10:00", "Sun 2026-03-29 10:00 CEST", None),
        ("后天１０：００", "Sun 2026-03-29 10:00 CEST", None),
        ("大后天早上7点", "Mon 2026-03-30 07:00 CEST", None),
        ("下周五 17:30", "Fri 2026-04-03 17:30 CEST", None),
        ("下星期一下午2点", "Mon 2026-03-30 14:00 CEST", None),
        ("周五 9点", "Fri 2026-04-03 09:00 CEST", None),  # today's 9:00 has passed
        ("周六 9点", "Sat 2026-03-28 09:00 CET", None),
        ("2027年1月5日 14:00", "Tue 2027-01-05 14:00 CET", None),
        ("2027-01-05 14:00", "Tue 2027-01-05 14:00 CET", None),
        ("1月5日 9点", "Tue 2027-01-05 09:00 CET", None),  # no year, already past this year
        ("4月1号下午3点", "Wed 2026-04-01 15:00 CEST", None),
        ("9点", "Sat 2026-03-28 09:00 CET", None),
        ("17:30", "Fri 2026-03-27 17:30 CET", None),
        ("每周一 9点", "Mon 2026-03-30 09:00 CEST", "weekly mon 09:00"),
        ("每星期五下午3点", "Fri 2026-03-27 15:00 CET", "weekly fri 15:00"),
        ("每周一、四 8:30", "Mon 2026-03-30 08:30 CEST", "weekly mon,thu 08:30"),
        ("每天 8点", "Sat 2026-03-28 08:00 CET", "daily 08:00"),
        ("每天早上8点", "Sat 2026-03-28 08:00 CET", "daily 08:00"),
        ("每天晚上9点", "Fri 2026-03-27 21:00 CET", "daily 21:00"),
        ("每个工作日 9点", "Mon 2026-03-30 09:00 CEST", "weekly mon,tue,wed,thu,fri 09:00"),
        ("每2周", "Fri 2026-04-10 09:00 CEST", "every 2 weeks fri 09:00"),
        ("每隔3天 18:00", "Fri 2026-03-27 18:00 CET", "every 3 days 18:00"),
        ("每2小时", "Fri 2026-03-27 12:00 CET", "every 2h"),
        ("每月5号 10:00", "Sun 2026-04-05 10:00 CEST", "monthly 5 10:00"),
    ],
)
def test_chinese(phrase: str, expected: str, rule: str | None) -> None:
    assert local(phrase) == (expected, rule)


@pytest.mark.parametrize(
    ("phrase", "problem"),
    [
        ("", Problem.EMPTY),
        ("   ", Problem.EMPTY),
        ("x" * 101, Problem.TOO_LONG),
        ("blah", Problem.UNREADABLE),
        ("5", Problem.UNREADABLE),
        ("12/3", Problem.UNREADABLE),
        ("every blue moon", Problem.UNREADABLE),
        ("@everyone now", Problem.UNREADABLE),
        ("随便什么时候", Problem.UNREADABLE),
        ("明天下雨", Problem.UNREADABLE),
        ("每逢佳节", Problem.UNREADABLE),
        ("yesterday", Problem.PAST),
        ("昨天", Problem.PAST),
        ("前天下午3点", Problem.PAST),
        ("3天前", Problem.PAST),
        ("99999999个月后", Problem.TOO_FAR),
        ("in 99999999999 days", Problem.TOO_FAR),
        ("in 99999999999 minutes", Problem.TOO_FAR),
        ("3 days ago", Problem.PAST),
        ("2025-01-01 10:00", Problem.PAST),
        ("这周一 9点", Problem.PAST),
        ("今天上午9点", Problem.PAST),
        ("in 3 years", Problem.TOO_FAR),
        ("2029-01-01", Problem.TOO_FAR),
        ("3年后", Problem.TOO_FAR),
        ("30个月后", Problem.TOO_FAR),
        ("every 5 minutes", Problem.TOO_OFTEN),
        ("每10分钟", Problem.TOO_OFTEN),
        ("25:00", Problem.BAD_TIME),
        ("13pm", Problem.BAD_TIME),
        ("2月30日", Problem.BAD_TIME),
        ("2027-02-30", Problem.BAD_TIME),
        ("明天25点", Problem.BAD_TIME),
        # every minute or every 32 days: outside the stated range, refused (not an internal error)
        ("every minute", Problem.TOO_OFTEN),
        ("每1分钟", Problem.TOO_OFTEN),
        ("every 32 days", Problem.TOO_OFTEN),
        ("每隔32天", Problem.TOO_OFTEN),
        ("every 5 weeks", Problem.TOO_OFTEN),
        # not read as some other time: "tomorrow 25:00" is not tomorrow at the current hour,
        # 下午0点 ("afternoon, 0 o'clock") is not the midnight twelve hours earlier
        ("tomorrow 25:00", Problem.BAD_TIME),
        ("friday 13pm", Problem.BAD_TIME),
        ("明天下午0点", Problem.BAD_TIME),
    ],
)
def test_refusals(phrase: str, problem: Problem) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(phrase, BERLIN, NOW)
    assert caught.value.problem == problem
    assert caught.value.text == phrase


def test_past_and_too_far_say_what_they_were_read_as() -> None:
    with pytest.raises(WhenError) as caught:
        parse_when("yesterday", BERLIN, NOW)
    assert caught.value.at == datetime(2026, 3, 26, 8, 0, tzinfo=UTC)


def test_two_years_ahead_is_the_limit() -> None:
    assert parse_when("2028-03-27 09:00", BERLIN, NOW).at == datetime(2028, 3, 27, 7, 0, tzinfo=UTC)
    with pytest.raises(WhenError):
        parse_when("2028-03-27 11:01", BERLIN, NOW)


# -- DST ---------------------------------------------------------------------------------------


def test_new_york_spring_forward_moves_a_missing_time_forward() -> None:
    # 8 March 2026: 02:00 -> 03:00 in New York. 02:30 does not exist.
    now = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
    assert local("tomorrow 2:30am", NEW_YORK, now) == ("Sun 2026-03-08 03:30 EDT", None)
    assert local("明天凌晨2点半", NEW_YORK, now) == ("Sun 2026-03-08 03:30 EDT", None)


def test_new_york_fall_back_takes_the_first_of_two() -> None:
    # 1 November 2026: 02:00 -> 01:00 in New York. 01:30 happens twice; the first is EDT.
    now = datetime(2026, 10, 31, 15, 0, tzinfo=UTC)
    when = parse_when("tomorrow 1:30am", NEW_YORK, now)
    assert when.at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert parse_when("明天1点半", NEW_YORK, now).at == when.at


def test_new_york_hours_are_exact_across_the_change() -> None:
    now = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # 10:00 EST
    assert parse_when("in 24 hours", NEW_YORK, now).at == now + timedelta(hours=24)
    assert local("in 1 day", NEW_YORK, now) == ("Sun 2026-03-08 10:00 EDT", None)
    assert parse_when("1天后", NEW_YORK, now).at == now + timedelta(hours=23)


def test_berlin_spring_forward() -> None:
    # 29 March 2026: 02:00 -> 03:00 in Berlin.
    assert local("后天凌晨2点半") == ("Sun 2026-03-29 03:30 CEST", None)
    assert local("sunday 2:30am") == ("Sun 2026-03-29 03:30 CEST", None)


def test_berlin_fall_back() -> None:
    # 25 October 2026: 03:00 -> 02:00 in Berlin; 02:30 happens twice.
    now = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)
    assert parse_when("tomorrow 2:30", BERLIN, now).at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("tz", "now"), [(BERLIN, NOW), (NEW_YORK, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))])
def test_recurring_reminders_keep_the_wall_clock_across_dst(tz: str, now: datetime) -> None:
    for phrase in ("every day 8am", "每天 8点"):
        when = parse_when(phrase, tz, now)
        assert when.rule is not None
        at, seen = when.at, []
        for _ in range(7):
            seen.append(at.astimezone(ZoneInfo(tz)).strftime("%H:%M"))
            at = next_occurrence(when.rule, tz, at, anchor=when.at)
        assert seen == ["08:00"] * 7
        offsets = {next_occurrence(when.rule, tz, when.at + timedelta(days=d)).utcoffset() for d in range(7)}
        assert offsets == {timedelta(0)}  # UTC instants, whose local time shifted with the clocks


def test_every_two_weeks_repeats_two_weeks_apart() -> None:
    when = parse_when("every 2 weeks", BERLIN, NOW)
    assert when.rule is not None
    second = next_occurrence(when.rule, BERLIN, when.at, anchor=when.at)
    assert (second - when.at) == timedelta(weeks=2)


def test_a_naive_now_is_a_bug() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("tomorrow", BERLIN, datetime(2026, 3, 27, 9, 0))  # noqa: DTZ001


def test_evening_zero_oclock_is_the_midnight_that_ends_that_evening() -> None:
    assert local("明晚0点") == local("明晚12点") == ("Sun 2026-03-29 00:00 CET", None)
    assert local("every 31 days")[1] == "every 31 days 09:00"
    assert local("every 4 weeks")[1] == "every 4 weeks fri 09:00"
