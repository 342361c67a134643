"""``when`` for a reminder: a time or a simple recurrence, in English or Chinese, read in a zone.

Pure: no database, no Discord, no translated text. :func:`parse_when` returns a :class:`When`
(the first time as an aware UTC instant, and a scheduler rule when it repeats) or raises
:class:`WhenError` with a :class:`Problem` the command layer turns into a message.

Accepted (case and spaces do not matter; full-width digits and colons are fine)::

    English                              Chinese
    in 10 minutes, in 2 hours            10分钟后, 2小时后, 半小时后
    in 3 days, in 2 weeks, in 1 month    3天后, 2周后, 1个月后
    tomorrow 9am, tomorrow at 17:30      明天上午9点, 明天下午3点半, 后天 10:00, 今晚8点
    next friday 17:30, friday 5pm        下周五 17:30, 周五 9点, 星期三下午2点
    2027-01-05 14:00, jan 5 2027 2pm     2027年1月5日 14:00, 1月5日 9点, 2027-01-05 14:00
    9am, 17:30 (the next one)            9点, 17:30 (the next one)
    every day 8am, daily at 8:00         每天 8点, 每天早上8点
    every monday 09:00, every mon,thu    每周一 9点, 每星期五下午3点
    every weekday 9am                    每个工作日 9点
    every 2 weeks, every 3 days 18:00    每2周, 每隔3天 18:00
    every 2 hours                        每2小时
    every month (same day of the month)  每月5号 10:00

English one-off times other than these shapes go to ``dateparser``. Rules kept on purpose:

- a day without a time means 09:00 (``tomorrow``, ``下周五``, ``every monday``);
- minutes and hours are exact durations ("in 2 hours" is 120 minutes even across a DST change);
  days, weeks and months keep the time of day on the wall clock;
- a local time that does not exist (clocks spring forward) moves forward by the gap; an ambiguous
  one (clocks fall back) is the first of the two; recurring reminders keep their wall-clock time
  across DST (the scheduler's recurrence rules);
- "every N weeks" without a day starts N weeks from today, on today's weekday.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.scheduler.recurrence import (
    WEEKDAYS,
    IntervalRule,
    RecurrenceError,
    get_zone,
    next_occurrence,
    parse_rule,
    resolve_local,
)

__all__ = ["MAX_AHEAD_YEARS", "WHEN_MAX", "Problem", "When", "WhenError", "parse_when"]

WHEN_MAX = 100  # characters a member may type
MAX_AHEAD_YEARS = 2
MIN_REPEAT = timedelta(minutes=30)
MAX_REPEAT = timedelta(days=31)
DEFAULT_TIME = time(9, 0)


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNREADABLE = "unreadable"
    PAST = "past"
    TOO_FAR = "too_far"
    TOO_OFTEN = "too_often"
    BAD_TIME = "bad_time"  # 25:00, 2月30日


class WhenError(ValueError):
    def __init__(self, problem: Problem, text: str, at: datetime | None = None) -> None:
        super().__init__(f"{problem}: {text!r}")
        self.problem = problem
        self.text = text
        self.at = at  # what it was read as, for PAST and TOO_FAR


@dataclass(frozen=True)
class When:
    at: datetime  # the first time, aware UTC
    rule: str | None  # a bot.scheduler recurrence rule when it repeats
    timezone: str  # the zone it was read in (and the rule runs in)

    @property
    def repeats(self) -> bool:
        return self.rule is not None


class _UnreadableError(Exception):
    pass


class _BadTimeError(Exception):
    pass


class _TooOftenError(Exception):
    pass


@dataclass(frozen=True)
class _Parsed:
    """What a phrase said, before the checks against now."""

    delta: timedelta | None = None  # an exact duration from now (minutes and hours)
    local: datetime | None = None  # a naive wall-clock time in the member's zone
    rule: str | None = None
    # With a rule: the first occurrence (wall clock) when it is not simply the rule's next one.


def parse_when(text: str, timezone: str, now: datetime) -> When:
    """Read ``text`` in ``timezone`` at ``now`` (aware); raise :class:`WhenError` when it cannot be used."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if len(text) > WHEN_MAX:
        raise WhenError(Problem.TOO_LONG, text)
    cleaned = _normalise(text)
    if not cleaned:
        raise WhenError(Problem.EMPTY, text)
    zone = get_zone(timezone)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    try:
        if _has_cjk(cleaned):
            parsed = _chinese(cleaned.replace(" ", ""), local_now)
        else:
            parsed = _english(cleaned, local_now)
    except _BadTimeError:
        raise WhenError(Problem.BAD_TIME, text) from None
    except _TooOftenError:
        raise WhenError(Problem.TOO_OFTEN, text) from None
    except _UnreadableError:
        raise WhenError(Problem.UNREADABLE, text) from None
    return _check(parsed, text, timezone, now)


def _check(parsed: _Parsed, text: str, timezone: str, now: datetime) -> When:
    if parsed.rule is not None:
        try:
            rule = parse_rule(parsed.rule)
        except RecurrenceError:  # e.g. the scheduler's own interval range: still "too often"
            raise WhenError(Problem.TOO_OFTEN, text) from None
        step = getattr(rule, "interval", None)
        if step is not None and not MIN_REPEAT <= step <= MAX_REPEAT:
            raise WhenError(Problem.TOO_OFTEN, text)
        if parsed.local is not None:
            first = resolve_local(parsed.local, timezone)
        elif isinstance(rule, IntervalRule):
            first = now + rule.interval
        else:
            first = next_occurrence(rule, timezone, now)
        return _within(When(first.astimezone(UTC), rule.text, timezone), text, now)
    if parsed.delta is not None:
        at = now + parsed.delta
    elif parsed.local is not None:
        at = resolve_local(parsed.local, timezone)
    else:  # pragma: no cover - every parser returns one of them
        raise WhenError(Problem.UNREADABLE, text)
    return _within(When(at.astimezone(UTC), None, timezone), text, now)


def _within(when: When, text: str, now: datetime) -> When:
    if when.at <= now:
        raise WhenError(Problem.PAST, text, when.at)
    if when.at > _add_years(now, MAX_AHEAD_YEARS):
        raise WhenError(Problem.TOO_FAR, text, when.at)
    return when


# --------------------------------------------------------------------------------------------
# Shared pieces


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("：", ":").replace("，", ",").replace("、", ",")
    return " ".join(text.split())


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def _add_years(when: datetime, years: int) -> datetime:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February
        return when.replace(year=when.year + years, day=28)


def _add_months(day: datetime, months: int) -> datetime:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _clock(hour: int, minute: int = 0) -> time:
    if not (0 <= hour <= 24 and 0 <= minute <= 59) or (hour == 24 and minute):
        raise _BadTimeError
    return time(0, minute) if hour == 24 else time(hour, minute)


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _BadTimeError from None


def _next_time(local_now: datetime, at: time) -> datetime:
    """The next time the wall clock shows ``at``: today if still ahead, else tomorrow."""
    today = datetime.combine(local_now.date(), at)
    return today if today > local_now else today + timedelta(days=1)


def _relative(amount: int, unit: str, now_local: datetime) -> _Parsed:
    """``unit``: minutes, hours (exact), days, weeks, months (wall clock)."""
    if unit == "minutes":
        return _Parsed(delta=timedelta(minutes=max(-(10**7), min(amount, 10**7))))
    if unit == "hours":
        return _Parsed(delta=timedelta(hours=max(-(10**6), min(amount, 10**6))))
    amount = max(-10_000, min(amount, 10_000))  # far beyond the limit either way, and no overflow
    if unit == "years":
        return _relative(min(amount, 100) * 12, "months", now_local)
    if unit == "months":
        if amount > 12 * MAX_AHEAD_YEARS + 1:
            return _Parsed(local=now_local + timedelta(days=31 * amount))
        return _Parsed(local=_add_months(now_local, amount))
    days = amount * (7 if unit == "weeks" else 1)
    return _Parsed(local=now_local + timedelta(days=min(days, 3660)))


def _weekly(days: list[int], at: time, every: int, local_now: datetime, tz_first: bool) -> _Parsed:
    names = ",".join(WEEKDAYS[d] for d in sorted(set(days)))
    hhmm = f"{at.hour:02d}:{at.minute:02d}"
    if every == 1:
        return _Parsed(rule=f"weekly {names} {hhmm}")
    rule = f"every {every} weeks {names} {hhmm}"
    if tz_first:  # no day named: N weeks from today, on today's weekday
        return _Parsed(rule=rule, local=datetime.combine(local_now.date(), at) + timedelta(weeks=every))
    return _Parsed(rule=rule)


def _daily(at: time, every: int) -> _Parsed:
    hhmm = f"{at.hour:02d}:{at.minute:02d}"
    return _Parsed(rule=f"daily {hhmm}" if every == 1 else f"every {every} days {hhmm}")


def _interval(amount: int, unit: str) -> _Parsed:
    minutes = amount * (60 if unit == "hours" else 1)
    if not MIN_REPEAT <= timedelta(minutes=minutes) <= MAX_REPEAT:
        raise _TooOftenError
    return _Parsed(rule=f"every {minutes // 60}h" if minutes % 60 == 0 else f"every {minutes}m")


def _monthly(day: int, at: time) -> _Parsed:
    if not 1 <= day <= 31:
        raise _BadTimeError
    return _Parsed(rule=f"monthly {day} {at.hour:02d}:{at.minute:02d}")


# --------------------------------------------------------------------------------------------
# English

_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_EN_UNITS = {
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "month": "months", "months": "months", "year": "years", "years": "years",
}  # fmt: skip
_EN_DAYS = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(calendar.day_name[d].lower() for d in range(7))},
    "tues": 1, "wednes": 2, "thur": 3, "thurs": 3,
}  # fmt: skip
_EN_NUMBER = r"(\d+|" + "|".join(_EN_NUMBERS) + r")"
_EN_UNIT = "(" + "|".join(sorted(_EN_UNITS, key=len, reverse=True)) + ")"
_EN_TIME = r"(?:(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?|noon|midnight)"
_EN_DAY = "(?:" + "|".join(sorted(_EN_DAYS, key=len, reverse=True)) + ")"
_EN_DAY_LIST = rf"({_EN_DAY}s?(?:\s*(?:,|and|&)\s*{_EN_DAY}s?)*)"

_RE_EN_IN = re.compile(rf"^(?:in|after)\s+{_EN_NUMBER}\s*{_EN_UNIT}(?:\s+(?:from now|later))?$")
_RE_EN_LATER = re.compile(rf"^{_EN_NUMBER}\s*{_EN_UNIT}\s+(?:from now|later)$")
_RE_EN_HALF = re.compile(r"^in\s+half\s+an?\s+hour$")
_RE_EN_TIME_ONLY = re.compile(rf"^(?:at\s+)?{_EN_TIME}$")
_RE_EN_EVERY = re.compile(
    rf"^(?:every|each)\s+(?:{_EN_NUMBER}\s+|other\s+)?(minute|hour|day|week|month|weekday)s?"
    rf"(?:\s+(?:on\s+)?{_EN_DAY_LIST})?(?:\s+(?:at\s+)?(?P<time>{_EN_TIME}))?$"
)
_RE_EN_EVERY_DAYS = re.compile(rf"^(?:every|each)\s+{_EN_DAY_LIST}(?:\s+(?:at\s+)?(?P<time>{_EN_TIME}))?$")
_RE_EN_DAILY = re.compile(rf"^(daily|weekly|monthly)(?:\s+(?:at\s+)?(?P<time>{_EN_TIME}))?$")
_RE_EN_HAS_TIME = re.compile(r"\d\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}|\bnoon\b|\bmidnight\b")
_RE_EN_BARE_NUMBER = re.compile(r"^[\d\s.,:/-]*$")
_EN_HALF = r"(?:am|pm|a\.m\.|p\.m\.)"
_RE_EN_CLOCK_WORD = re.compile(rf"(?<![\d:])\d{{1,2}}(?::\d{{2}}\s*{_EN_HALF}?|\s*{_EN_HALF})(?![\d:])")
_RE_EN_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ t](\d{1,2}):(\d{2}))?$")


def _en_number(token: str) -> int:
    return int(token) if token.isdigit() else _EN_NUMBERS[token]


def _en_time(match: str | None) -> time:
    if not match:
        return DEFAULT_TIME
    match = match.strip()
    if match == "noon":
        return time(12, 0)
    if match == "midnight":
        return time(0, 0)
    found = re.fullmatch(_EN_TIME, match)
    if found is None:  # pragma: no cover - the caller matched _EN_TIME already
        raise _UnreadableError
    hour, minute, half = (
        int(found.group(1)),
        int(found.group(2) or 0),
        (found.group(3) or "").replace(".", ""),
    )
    if half:
        if not 1 <= hour <= 12:
            raise _BadTimeError
        hour = hour % 12 + (12 if half == "pm" else 0)
    return _clock(hour, minute)


def _en_days(text: str | None) -> list[int]:
    if not text:
        return []
    words = re.split(r"\s*(?:,|and|&)\s*", text)
    return [
        _EN_DAYS[word.removesuffix("s") if word.removesuffix("s") in _EN_DAYS else word] for word in words
    ]


def _english(text: str, local_now: datetime) -> _Parsed:
    if _RE_EN_HALF.match(text):
        return _relative(30, "minutes", local_now)
    for pattern in (_RE_EN_IN, _RE_EN_LATER):
        match = pattern.match(text)
        if match:
            return _relative(_en_number(match.group(1)), _EN_UNITS[match.group(2)], local_now)
    if text.startswith(("every ", "each ", "daily", "weekly", "monthly")):
        return _english_every(text, local_now)
    match = _RE_EN_TIME_ONLY.match(text)
    if match and _RE_EN_HAS_TIME.search(text):  # "9am", "17:30"; a bare "5" is not a time
        return _Parsed(local=_next_time(local_now, _en_time(text.removeprefix("at ").strip())))
    match = _RE_EN_ISO.match(text)
    if match:
        day = _date(*(int(part) for part in re.split(r"[- t]", text)[:3]))
        at = _clock(int(match.group(1)), int(match.group(2))) if match.group(1) else DEFAULT_TIME
        return _Parsed(local=datetime.combine(day, at))
    if _RE_EN_BARE_NUMBER.match(text):
        raise _UnreadableError  # "5" or "12/3": too easy to read as the wrong date
    _check_clock_words(text)
    return _dateparser(text, local_now)


def _check_clock_words(text: str) -> None:
    """ "tomorrow 25:00", "friday 13pm": refused, not handed to dateparser (which drops the time)."""
    for found in _RE_EN_CLOCK_WORD.finditer(text):
        _en_time(found.group(0))


def _english_every(text: str, local_now: datetime) -> _Parsed:
    match = _RE_EN_DAILY.match(text)
    if match:
        unit = {"daily": "day", "weekly": "week", "monthly": "month"}[match.group(1)]
        return _every(unit, 1, [], _en_time(match.group("time")), local_now)
    match = _RE_EN_EVERY_DAYS.match(text)
    if match:
        return _weekly(_en_days(match.group(1)), _en_time(match.group("time")), 1, local_now, tz_first=False)
    match = _RE_EN_EVERY.match(text)
    if match is None:
        raise _UnreadableError
    every = 2 if " other " in f" {text} " else _en_number(match.group(1)) if match.group(1) else 1
    unit = match.group(2)
    at = _en_time(match.group("time"))
    if unit == "weekday":
        return _weekly([0, 1, 2, 3, 4], at, 1, local_now, tz_first=False)
    return _every(unit, every, _en_days(match.group(3)), at, local_now, has_time=bool(match.group("time")))


def _every(
    unit: str, every: int, days: list[int], at: time, local_now: datetime, *, has_time: bool = True
) -> _Parsed:
    if every < 1:
        raise _UnreadableError
    if unit in {"minute", "hour"}:
        if days or has_time:
            raise _UnreadableError
        return _interval(every, "hours" if unit == "hour" else "minutes")
    if unit == "day":
        if days:
            raise _UnreadableError
        if timedelta(days=every) > MAX_REPEAT:
            raise _TooOftenError
        return _daily(at, every)
    if unit == "week":
        if timedelta(weeks=every) > MAX_REPEAT:
            raise _TooOftenError
        return _weekly(days or [local_now.weekday()], at, every, local_now, tz_first=not days)
    if unit == "month" and every == 1 and not days:
        return _monthly(local_now.day, at)
    raise _UnreadableError


def _dateparser(text: str, local_now: datetime) -> _Parsed:
    import dateparser  # noqa: PLC0415 - a slow import, needed only for free-form English

    found = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": local_now,
            "PREFER_DATES_FROM": "future",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "STRICT_PARSING": False,
        },
    )
    if found is None:
        raise _UnreadableError
    found = found.replace(tzinfo=None, second=0, microsecond=0)
    if not _RE_EN_HAS_TIME.search(text):
        found = datetime.combine(found.date(), DEFAULT_TIME)
    return _Parsed(local=found)


# --------------------------------------------------------------------------------------------
# Chinese

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_N = r"(\d+|[零〇一二两三四五六七八九十百]+)"
_CN_UNITS = {
    "分钟": "minutes", "分": "minutes",
    "小时": "hours", "个小时": "hours", "钟头": "hours", "个钟头": "hours",
    "天": "days", "日": "days", "周": "weeks", "个周": "weeks", "星期": "weeks", "个星期": "weeks",
    "礼拜": "weeks", "个礼拜": "weeks", "个月": "months", "月": "months", "年": "years",
}  # fmt: skip
_CN_UNIT = "(" + "|".join(sorted(_CN_UNITS, key=len, reverse=True)) + ")"
_CN_PERIOD = r"(凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜晚)"
_CN_DAY_OFFSETS = {"今天": 0, "今日": 0, "今晚": 0, "明天": 1, "明日": 1, "明早": 1, "明晚": 1}
_CN_DAY_OFFSETS |= {"后天": 2, "後天": 2, "大后天": 3, "昨天": -1, "昨日": -1, "昨晚": -1, "前天": -2}
_CN_PERIODS_ALONE = {"早上", "上午", "中午", "下午", "傍晚", "晚上"}
_CN_TIME = rf"{_CN_PERIOD}?(?:(\d{{1,2}}):(\d{{2}})|{_N}[点點时](?:(半)|(一刻)|(三刻)|{_N}分?|(整))?)"
_CN_WEEK = r"(?:周|星期|礼拜)"

_RE_CN_RELATIVE = re.compile(rf"^(?:过)?{_N}{_CN_UNIT}(之?后|以后|之?前|以前)$")
_RE_CN_HALF_HOUR = re.compile(r"^(?:过)?半(?:个)?(?:小时|钟头)(?:之?后|以后)$")
_RE_CN_EVERY_UNIT = re.compile(
    rf"^每(?:隔)?{_N}?(?:个)?(分钟|小时|钟头|天|日|周|星期|礼拜|月)(?P<time>{_CN_TIME})?$"
)
_RE_CN_EVERY_WEEKDAYS = re.compile(
    rf"^每(?:个)?{_CN_WEEK}([一二三四五六日天](?:[,和]?[一二三四五六日天])*)(?P<time>{_CN_TIME})?$"
)
_RE_CN_WORKDAY = re.compile(rf"^每(?:个)?工作日(?P<time>{_CN_TIME})?$")
_RE_CN_EVERY_MONTH_DAY = re.compile(rf"^每(?:个)?月{_N}[号日](?P<time>{_CN_TIME})?$")
_RE_CN_EVERY_EVENING = re.compile(rf"^每(?:天)?(早上|上午|中午|下午|晚上)(?P<time>{_CN_TIME})$")
_RE_CN_DAY = re.compile(
    r"^(?:(今天|今日|今晚|明天|明日|明早|明晚|后天|後天|大后天|昨天|昨日|昨晚|前天)"
    rf"|(下下|下|这|本|这个|下个)?{_CN_WEEK}([一二三四五六日天])"
    r"|(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]"
    r"|(\d{4})[-/.](\d{1,2})[-/.](\d{1,2}))"
)
_RE_CN_TIME = re.compile(rf"^{_CN_TIME}$")
_RE_CN_MIDNIGHT = re.compile(r"^(?:晚上|夜里|夜晚)(?:12|十二|0|零|〇)[点點时](?:整)?$")


def _cn_int(token: str | None) -> int:
    if token is None:
        raise _UnreadableError
    if token.isdigit():
        return int(token)
    if "百" in token:
        head, _, rest = token.partition("百")
        return (_CN_DIGITS.get(head, 1) if head else 1) * 100 + (_cn_int(rest) if rest else 0)
    if "十" in token:
        head, _, rest = token.partition("十")
        tens = _CN_DIGITS[head] if head else 1
        return tens * 10 + (_CN_DIGITS[rest] if rest else 0)
    if any(char not in _CN_DIGITS for char in token):
        raise _UnreadableError
    number = 0
    for char in token:
        number = number * 10 + _CN_DIGITS[char]
    return number


def _cn_time(text: str | None, period_hint: str | None = None) -> time:
    if not text:
        return _cn_period_default(period_hint)
    match = _RE_CN_TIME.match(text)
    if match is None:
        raise _UnreadableError
    period = match.group(1) or period_hint
    if match.group(2) is not None:
        hour, minute = int(match.group(2)), int(match.group(3))
    else:
        hour = _cn_int(match.group(4))
        if match.group(5):
            minute = 30
        elif match.group(6):
            minute = 15
        elif match.group(7):
            minute = 45
        elif match.group(8):
            minute = _cn_int(match.group(8))
        else:
            minute = 0
    if period in {"中午", "下午", "傍晚"} and hour == 0:
        raise _BadTimeError  # 下午0点: neither noon nor midnight for sure
    afternoon = period in {"下午", "傍晚", "晚上", "夜里", "夜晚"} and 1 <= hour < 12
    if afternoon or (period == "中午" and 1 <= hour < 11):
        hour += 12
    elif period in {"凌晨", "上午", "早上", "早晨", "清晨"} and hour == 12:
        hour = 0
    elif period in {"晚上", "夜里"} and hour == 12:
        hour = 0  # 晚上12点: midnight
    return _clock(hour, minute)


def _cn_period_default(period: str | None) -> time:
    return {"中午": time(12, 0), "下午": time(15, 0), "傍晚": time(18, 0), "晚上": time(20, 0)}.get(
        period or "", DEFAULT_TIME
    )


def _chinese(text: str, local_now: datetime) -> _Parsed:
    text = text.replace(",", "")  # 明天,上午9点
    if _RE_CN_HALF_HOUR.match(text):
        return _relative(30, "minutes", local_now)
    match = _RE_CN_RELATIVE.match(text)
    if match:
        sign = -1 if "前" in match.group(3) else 1  # 3天前: in the past, refused as such
        return _relative(sign * _cn_int(match.group(1)), _CN_UNITS[match.group(2)], local_now)
    if text.startswith("每"):
        return _chinese_every(text, local_now)
    match = _RE_CN_TIME.match(text)
    if match:
        return _Parsed(local=_next_time(local_now, _cn_time(text)))
    match = _RE_CN_DAY.match(text)
    if match is None:
        raise _UnreadableError
    rest = text[match.end() :]
    period_hint = None
    word = match.group(1)
    if word in {"今晚", "明晚", "昨晚"}:
        period_hint = "晚上"
    elif word == "明早":
        period_hint = "早上"
    if rest and _RE_CN_TIME.match(rest) is None and rest not in _CN_PERIODS_ALONE:
        raise _UnreadableError
    if rest and _RE_CN_TIME.match(rest) is None:
        period_hint, rest = rest, ""
    at = _cn_time(rest or None, period_hint)
    day = _cn_day(match, local_now)
    evening_midnight = period_hint == "晚上" and re.match(r"(?:12|十二|0|零|〇)[点點时](?:整)?$", rest)
    if _RE_CN_MIDNIGHT.match(rest) or evening_midnight:
        day += timedelta(days=1)  # 明天晚上12点: the midnight that ends tomorrow
    local = datetime.combine(day, at)
    if match.group(3) and not match.group(2) and local <= local_now:
        local += timedelta(weeks=1)  # 周五 9点 on a Friday after nine: next Friday
    return _Parsed(local=local)


def _cn_day(match: re.Match[str], local_now: datetime) -> date:
    today = local_now.date()
    word = match.group(1)
    if word:
        return today + timedelta(days=_CN_DAY_OFFSETS[word])
    if match.group(3):
        weekday = _CN_WEEKDAYS[match.group(3)]
        prefix = match.group(2) or ""
        monday = today - timedelta(days=today.weekday())
        if prefix in {"下", "下个"}:
            return monday + timedelta(days=7 + weekday)
        if prefix == "下下":
            return monday + timedelta(days=14 + weekday)
        if prefix in {"这", "本", "这个"}:
            return monday + timedelta(days=weekday)
        ahead = (weekday - today.weekday()) % 7  # 周五: the coming Friday (today counts)
        return today + timedelta(days=ahead)
    if match.group(5):
        year = int(match.group(4)) if match.group(4) else today.year
        day = _date(year, int(match.group(5)), int(match.group(6)))
        if match.group(4) is None and day < today:  # 1月5日 in December: next January
            day = _date(year + 1, day.month, day.day)
        return day
    return _date(int(match.group(7)), int(match.group(8)), int(match.group(9)))


def _chinese_every(text: str, local_now: datetime) -> _Parsed:
    if text in {"每天", "每日"}:
        return _daily(DEFAULT_TIME, 1)
    match = _RE_CN_EVERY_EVENING.match(text)
    if match:
        return _daily(_cn_time(match.group("time"), match.group(1)), 1)
    match = _RE_CN_WORKDAY.match(text)
    if match:
        return _weekly([0, 1, 2, 3, 4], _cn_time(match.group("time")), 1, local_now, tz_first=False)
    match = _RE_CN_EVERY_WEEKDAYS.match(text)
    if match:
        days = [_CN_WEEKDAYS[char] for char in match.group(1) if char in _CN_WEEKDAYS]
        return _weekly(days, _cn_time(match.group("time")), 1, local_now, tz_first=False)
    match = _RE_CN_EVERY_MONTH_DAY.match(text)
    if match:
        return _monthly(_cn_int(match.group(1)), _cn_time(match.group("time")))
    match = _RE_CN_EVERY_UNIT.match(text)
    if match is None:
        raise _UnreadableError
    every = _cn_int(match.group(1)) if match.group(1) else 1
    unit = {"分钟": "minute", "小时": "hour", "钟头": "hour", "天": "day", "日": "day", "月": "month"}.get(
        match.group(2), "week"
    )
    return _every(
        unit, every, [], _cn_time(match.group("time")), local_now, has_time=bool(match.group("time"))
    )
