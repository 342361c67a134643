"""Recurrence rules: a small grammar stored as text, and the next occurrence in a time zone.

Pure: no database, no Discord. Every rule except a fixed interval is evaluated in local wall-clock
time of an IANA zone, so "weekly mon 09:00" in Europe/Berlin fires at 09:00 local time on both sides
of a DST change. Two rules settle the times DST makes awkward:

- an ambiguous local time (it happens twice when clocks fall back) fires once, at the first of the
  two instants (``fold=0``);
- a local time that does not exist (skipped when clocks spring forward) moves forward by the gap,
  so 02:30 on the spring-forward day in Europe/Berlin becomes 03:30 local.

Grammar (case-insensitive, spaces between parts)::

    daily HH:MM
    every N days HH:MM                    (anchored to the first occurrence)
    weekly DAYS HH:MM                     DAYS: mon,thu or mon-fri or full names
    every N weeks DAYS HH:MM              (anchored to the first occurrence)
    monthly D HH:MM                       D: 1-31, or "last"; a day missing in a month -> last day
    monthly ORD DAY HH:MM                 ORD: first, second, third, fourth, last
    every N m | every N h                 fixed interval in UTC (e.g. "every 90m", "every 6h")

``Rule.text`` is the canonical spelling; store that, not what the member typed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DailyRule",
    "IntervalRule",
    "MonthlyRule",
    "MonthlyWeekdayRule",
    "RecurrenceError",
    "Rule",
    "WeeklyRule",
    "first_occurrence",
    "get_zone",
    "next_occurrence",
    "parse_rule",
    "resolve_local",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_ORDINAL_NAMES = {value: key for key, value in ORDINALS.items()}

# Shorter intervals would turn a typo into a message flood; longer day-based ones belong to the
# calendar rules, which respect local time.
MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(days=31)
MAX_EVERY = 52

_ALLOWED_FORMS = (
    "daily HH:MM; every N days HH:MM; weekly mon,thu HH:MM; every N weeks mon HH:MM; "
    "monthly 1 HH:MM; monthly last fri HH:MM; every 90m; every 6h"
)


class RecurrenceError(ValueError):
    """A rule that cannot be parsed or evaluated.

    ``code`` and ``params`` let the command layer show a translated message; ``str(error)`` is an
    English one naming the bad part and what is allowed.
    """

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, Any] = params
        self.message = message


# --------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class DailyRule:
    at: time
    every: int = 1

    @property
    def text(self) -> str:
        if self.every == 1:
            return f"daily {_fmt_time(self.at)}"
        return f"every {self.every} days {_fmt_time(self.at)}"


@dataclass(frozen=True)
class WeeklyRule:
    days: frozenset[int]  # 0 = Monday, as date.weekday()
    at: time
    every: int = 1

    @property
    def text(self) -> str:
        days = ",".join(WEEKDAYS[d] for d in sorted(self.days))
        if self.every == 1:
            return f"weekly {days} {_fmt_time(self.at)}"
        return f"every {self.every} weeks {days} {_fmt_time(self.at)}"


@dataclass(frozen=True)
class MonthlyRule:
    day: int  # 1-31, or -1 for the last day of the month
    at: time

    @property
    def text(self) -> str:
        day = "last" if self.day == -1 else str(self.day)
        return f"monthly {day} {_fmt_time(self.at)}"


@dataclass(frozen=True)
class MonthlyWeekdayRule:
    ordinal: int  # 1-4, or -1 for the last such weekday
    weekday: int
    at: time

    @property
    def text(self) -> str:
        return f"monthly {_ORDINAL_NAMES[self.ordinal]} {WEEKDAYS[self.weekday]} {_fmt_time(self.at)}"


@dataclass(frozen=True)
class IntervalRule:
    """A fixed interval, measured in UTC: DST does not stretch or shrink it."""

    interval: timedelta

    @property
    def text(self) -> str:
        minutes = int(self.interval.total_seconds()) // 60
        if minutes % 60 == 0:
            return f"every {minutes // 60}h"
        return f"every {minutes}m"


Rule = DailyRule | WeeklyRule | MonthlyRule | MonthlyWeekdayRule | IntervalRule
CalendarRule = DailyRule | WeeklyRule | MonthlyRule | MonthlyWeekdayRule


def _fmt_time(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


# --------------------------------------------------------------------------------------------
# Parsing

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_INTERVAL_RE = re.compile(r"^(\d+)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours)$")


@lru_cache(maxsize=1024)
def parse_rule(text: str) -> Rule:
    """Parse a rule; raise :class:`RecurrenceError` naming the bad part and what is allowed."""
    tokens = re.sub(r"\s*([,-])\s*", r"\1", text.strip().lower()).split()
    if not tokens:
        raise RecurrenceError(
            "empty", f"The rule is empty. Allowed forms: {_ALLOWED_FORMS}.", allowed=_ALLOWED_FORMS
        )
    head = tokens[0]
    if head == "daily":
        _expect_count(tokens, 2, text)
        return DailyRule(_parse_time(tokens[1]))
    if head == "weekly":
        _expect_count(tokens, 3, text)
        return WeeklyRule(_parse_days(tokens[1]), _parse_time(tokens[2]))
    if head == "monthly":
        return _parse_monthly(tokens, text)
    if head == "every":
        return _parse_every(tokens, text)
    raise RecurrenceError(
        "unknown_frequency",
        f"“{tokens[0]}” is not a known way to repeat. Allowed forms: {_ALLOWED_FORMS}.",
        token=tokens[0],
        allowed=_ALLOWED_FORMS,
    )


def _expect_count(tokens: list[str], count: int, text: str) -> None:
    if len(tokens) < count:
        raise RecurrenceError(
            "incomplete",
            f"“{text.strip()}” is incomplete. Allowed forms: {_ALLOWED_FORMS}.",
            rule=text.strip(),
            allowed=_ALLOWED_FORMS,
        )
    if len(tokens) > count:
        extra = " ".join(tokens[count:])
        raise RecurrenceError(
            "unexpected_text",
            f"Unexpected “{extra}” at the end of the rule. Allowed forms: {_ALLOWED_FORMS}.",
            token=extra,
            allowed=_ALLOWED_FORMS,
        )


def _parse_time(token: str) -> time:
    match = _TIME_RE.match(token)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise RecurrenceError(
            "bad_time",
            f"“{token}” is not a time of day: use 24-hour HH:MM, from 00:00 to 23:59.",
            token=token,
        )
    return time(int(match.group(1)), int(match.group(2)))


def _parse_weekday(token: str) -> int:
    if token in WEEKDAYS:
        return WEEKDAYS.index(token)
    if token in _FULL_WEEKDAYS:
        return _FULL_WEEKDAYS.index(token)
    raise RecurrenceError(
        "bad_weekday",
        f"“{token}” is not a day of the week: use {', '.join(WEEKDAYS)}.",
        token=token,
        allowed=", ".join(WEEKDAYS),
    )


def _parse_days(token: str) -> frozenset[int]:
    days: set[int] = set()
    for part in token.split(","):
        if not part:
            continue
        if "-" in part:
            # A range such as mon-fri; wrapping ranges (fri-mon) are allowed too.
            start_text, _, end_text = part.partition("-")
            start, end = _parse_weekday(start_text), _parse_weekday(end_text)
            day = start
            days.add(day)
            while day != end:
                day = (day + 1) % 7
                days.add(day)
        else:
            days.add(_parse_weekday(part))
    if not days:
        raise RecurrenceError(
            "bad_weekday",
            f"“{token}” names no day of the week: use {', '.join(WEEKDAYS)}.",
            token=token,
            allowed=", ".join(WEEKDAYS),
        )
    return frozenset(days)


def _parse_positive(token: str, what: str, maximum: int) -> int:
    if not token.isdigit() or not 1 <= int(token) <= maximum:
        raise RecurrenceError(
            "bad_number",
            f"“{token}” is not a valid number of {what}: use a whole number from 1 to {maximum}.",
            token=token,
            unit=what,
            maximum=maximum,
        )
    return int(token)


def _parse_monthly(tokens: list[str], text: str) -> Rule:
    if len(tokens) == 4:
        ordinal = ORDINALS.get(tokens[1])
        if ordinal is None:
            raise RecurrenceError(
                "bad_ordinal",
                f"“{tokens[1]}” is not one of {', '.join(ORDINALS)}.",
                token=tokens[1],
                allowed=", ".join(ORDINALS),
            )
        return MonthlyWeekdayRule(ordinal, _parse_weekday(tokens[2]), _parse_time(tokens[3]))
    _expect_count(tokens, 3, text)
    day_word = tokens[1]
    if day_word == "last":
        day = -1
    elif day_word.isdigit() and 1 <= int(day_word) <= 31:
        day = int(day_word)
    else:
        raise RecurrenceError(
            "bad_day_of_month",
            f"“{day_word}” is not a day of the month: use 1 to 31 or “last”.",
            token=day_word,
        )
    return MonthlyRule(day, _parse_time(tokens[2]))


def _parse_every(tokens: list[str], text: str) -> Rule:
    rest = " ".join(tokens[1:])
    interval = _INTERVAL_RE.match(rest)
    if interval is not None:
        amount = int(interval.group(1))
        delta = timedelta(hours=amount) if interval.group(2).startswith("h") else timedelta(minutes=amount)
        if not MIN_INTERVAL <= delta <= MAX_INTERVAL:
            raise RecurrenceError(
                "bad_interval",
                f"“{rest}” is out of range: an interval must be between 5 minutes and 31 days.",
                token=rest,
                minimum="5m",
                maximum="31d",
            )
        return IntervalRule(delta)
    if len(tokens) < 3:
        _expect_count(tokens, 3, text)
    unit = tokens[2]
    if unit in {"day", "days"}:
        every = _parse_positive(tokens[1], "days", 366)
        _expect_count(tokens, 4, text)
        return DailyRule(_parse_time(tokens[3]), every=every)
    if unit in {"week", "weeks"}:
        every = _parse_positive(tokens[1], "weeks", MAX_EVERY)
        _expect_count(tokens, 5, text)
        return WeeklyRule(_parse_days(tokens[3]), _parse_time(tokens[4]), every=every)
    raise RecurrenceError(
        "bad_interval",
        f"“{rest}” is not a repeat interval: use “every 90m”, “every 6h”, “every 2 days HH:MM” "
        "or “every 2 weeks mon HH:MM”.",
        token=rest,
    )


# --------------------------------------------------------------------------------------------
# Evaluation


def get_zone(tz: str) -> ZoneInfo:
    """The zone for an IANA name, or :class:`RecurrenceError` with code ``unknown_timezone``."""
    try:
        return _zone(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise RecurrenceError(
            "unknown_timezone",
            f"“{tz}” is not a known time zone: use an IANA name such as Europe/Berlin.",
            token=tz,
        ) from error


@lru_cache(maxsize=256)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def resolve_local(naive_local: datetime, tz: str) -> datetime:
    """The UTC instant for a local wall-clock time in ``tz``.

    Ambiguous (clocks fell back): the first instant, ``fold=0``. Non-existent (clocks sprang
    forward): moved forward by the gap, 02:30 becoming 03:30 when an hour is skipped.
    """
    if naive_local.tzinfo is not None:
        raise ValueError("resolve_local takes a wall-clock time without tzinfo")
    return _resolve(naive_local.replace(tzinfo=get_zone(tz), fold=0))


def _resolve(local: datetime) -> datetime:
    """``local`` is a wall-clock time whose tzinfo is its zone; returns the UTC instant."""
    zone = local.tzinfo
    local = local.replace(fold=0)
    instant = local.astimezone(UTC)
    # Round trip: a wall time that does not come back unchanged is in a gap. PEP 495 converts
    # fold=0 in a gap with the offset from before the transition, which is exactly "moved forward
    # by the gap"; the check keeps that reasoning explicit instead of trusting it silently.
    back = instant.astimezone(zone)
    if back.replace(tzinfo=None) < local.replace(tzinfo=None):  # pragma: no cover - unknown tz rules
        raise ValueError(f"cannot resolve {local.isoformat()} in {zone}")
    return instant


def _require_aware(when: datetime, name: str) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return when.astimezone(UTC)


def next_occurrence(
    rule: Rule | str, tz: str, after: datetime, *, anchor: datetime | None = None
) -> datetime:
    """The first occurrence of ``rule`` strictly after ``after``, as an aware UTC datetime.

    ``anchor`` is a previous occurrence: it fixes the phase of "every N days/weeks" and of fixed
    intervals, so a job that was down for a while keeps its rhythm. Without it the first matching
    time is taken (and becomes the anchor of the following ones).
    """
    if isinstance(rule, str):
        rule = parse_rule(rule)
    after = _require_aware(after, "after")
    if anchor is not None:
        anchor = _require_aware(anchor, "anchor")
    if isinstance(rule, IntervalRule):
        return _next_interval(rule, after, anchor)
    zone = get_zone(tz)
    anchor_date = anchor.astimezone(zone).date() if anchor is not None else None
    # Start a day early: the resolved instant of a local date can fall on a neighbouring date in
    # UTC, and a gap at midnight can move a time to the next hour of the same date.
    day = after.astimezone(zone).date() - timedelta(days=1)
    for _ in range(_search_days(rule)):
        if _matches(rule, day, anchor_date):
            # A deliberate wall-clock time in the job's zone, resolved to one UTC instant.
            wall = datetime(day.year, day.month, day.day, rule.at.hour, rule.at.minute, tzinfo=zone)
            instant = _resolve(wall)
            if instant > after:
                return instant
        day += timedelta(days=1)
    raise RecurrenceError(  # pragma: no cover - every rule matches within its search window
        "no_occurrence", f"“{rule.text}” has no occurrence after {after.isoformat()}.", rule=rule.text
    )


def first_occurrence(rule: Rule | str, tz: str, now: datetime) -> datetime:
    """The first time a newly created recurring job should fire: the next occurrence after now."""
    return next_occurrence(rule, tz, now)


def _next_interval(rule: IntervalRule, after: datetime, anchor: datetime | None) -> datetime:
    if anchor is None:
        return after + rule.interval
    if anchor > after:
        return anchor
    steps = (after - anchor) // rule.interval + 1
    return anchor + steps * rule.interval


def _search_days(rule: CalendarRule) -> int:
    if isinstance(rule, DailyRule):
        return rule.every + 3
    if isinstance(rule, WeeklyRule):
        return 7 * rule.every + 9
    return 70  # two months and change: every month has a match


def _matches(rule: CalendarRule, day: date, anchor_date: date | None) -> bool:
    if isinstance(rule, DailyRule):
        return anchor_date is None or (day - anchor_date).days % rule.every == 0
    if isinstance(rule, WeeklyRule):
        if day.weekday() not in rule.days:
            return False
        if anchor_date is None or rule.every == 1:
            return True
        # Phase by calendar week (Monday-based) relative to the anchor's week, so "every 2 weeks
        # mon,thu" keeps both days of the same week together.
        week = (_monday(day) - _monday(anchor_date)).days // 7
        return week % rule.every == 0
    last_day = calendar.monthrange(day.year, day.month)[1]
    if isinstance(rule, MonthlyRule):
        # A day that this month lacks (31 in April) falls on the month's last day.
        target = last_day if rule.day == -1 else min(rule.day, last_day)
        return day.day == target
    if day.weekday() != rule.weekday:
        return False
    if rule.ordinal == -1:
        return day.day + 7 > last_day
    return (day.day - 1) // 7 + 1 == rule.ordinal


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
