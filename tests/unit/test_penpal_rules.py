from datetime import UTC, datetime

import pytest

from bot.errors import UserFacingError
from bot.penpal.schedule import CONVERSATION_STARTERS, RoundSchedule, conversation_starters
from cogs.penpal._input import check_languages, parse_interests, parse_pause_until


def test_rules_for_each_cadence() -> None:
    assert RoundSchedule("weekly", 0, 9, "Europe/Berlin").rule == "weekly mon 09:00"
    assert RoundSchedule("biweekly", 2, 18, "UTC").rule == "every 2 weeks wed 18:00"
    assert RoundSchedule("monthly", 4, 7, "UTC").rule == "monthly first fri 07:00"


def test_rounds_keep_local_time_across_dst() -> None:
    schedule = RoundSchedule("weekly", 0, 9, "Europe/Berlin")
    first = schedule.next_round(datetime(2026, 3, 20, 12, tzinfo=UTC))
    second = schedule.round_after(first)
    assert first == datetime(2026, 3, 23, 8, tzinfo=UTC)  # 09:00 CET
    assert second == datetime(2026, 3, 30, 7, tzinfo=UTC)  # 09:00 CEST: clocks moved on the 29th


def test_checkin_is_halfway_at_the_local_round_hour() -> None:
    schedule = RoundSchedule("weekly", 0, 9, "Europe/Berlin")
    round_at = datetime(2026, 3, 23, 8, tzinfo=UTC)
    assert schedule.checkin_time(round_at) == datetime(2026, 3, 26, 8, tzinfo=UTC)  # Thursday 09:00
    biweekly = RoundSchedule("biweekly", 0, 9, "Europe/Berlin")
    assert biweekly.checkin_time(round_at) == datetime(2026, 3, 30, 7, tzinfo=UTC)  # a week on, after DST


def test_starters_are_three_distinct_and_stable_per_seed() -> None:
    first = conversation_starters(7)
    assert len(set(first)) == 3
    assert set(first) <= set(CONVERSATION_STARTERS)
    assert conversation_starters(7) == first


def test_pause_until_accepts_dates_and_durations_in_the_member_zone() -> None:
    now = datetime(2026, 3, 27, 23, 30, tzinfo=UTC)  # already the 28th in Shanghai
    assert parse_pause_until("2026-04-05", "Asia/Shanghai", now) == datetime(2026, 4, 4, 16, tzinfo=UTC)
    assert parse_pause_until("2w", "Asia/Shanghai", now) == datetime(2026, 4, 10, 16, tzinfo=UTC)
    for bad, message in (
        ("2026-03-28", "after today"),
        ("tomorrowish", "not a date"),
        ("400d", "at most a year"),
    ):
        with pytest.raises(UserFacingError, match=message):
            parse_pause_until(bad, "Asia/Shanghai", now)


def test_languages_and_interests_are_normalised() -> None:
    assert check_languages("English，中文, en", "zh_CN") == ("en", "zh")
    with pytest.raises(UserFacingError, match="Blorpish"):
        check_languages("English, Blorpish", "en")
    assert parse_interests("Reading,  Local History ,reading") == ["reading", "local history"]
    with pytest.raises(UserFacingError, match="at most 10"):
        parse_interests(",".join(f"topic {n}" for n in range(11)))
