"""Periods and their buckets, cut at local midnight in the server's time zone (DST included)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class Bucket:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    first_day: date  # the bucket's first local day, for labels


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # Midnight may not exist on a DST day in a few zones; the first valid instant of the day then.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def buckets(period: Period, now: datetime, timezone: str) -> list[Bucket]:
    """The period ending with today (local), cut into days (week), weeks (month, quarter) or months
    (year). The last bucket ends at the end of today, so today's activity counts."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    tomorrow = today + timedelta(days=1)
    if period is Period.WEEK:
        days = [today - timedelta(days=offset) for offset in range(6, -1, -1)]
        edges = [*days, tomorrow]
    elif period in (Period.MONTH, Period.QUARTER):
        weeks = 5 if period is Period.MONTH else 13
        monday = today - timedelta(days=today.weekday())
        edges = [monday - timedelta(weeks=offset) for offset in range(weeks - 1, -1, -1)] + [tomorrow]
    else:
        first = today.replace(day=1)
        edges = [_add_months(first, -offset) for offset in range(11, -1, -1)] + [tomorrow]
    return [
        Bucket(_local_midnight(start, zone), _local_midnight(end, zone), start)
        for start, end in itertools.pairwise(edges)
    ]


def span(parts: list[Bucket]) -> tuple[datetime, datetime]:
    return parts[0].start, parts[-1].end
